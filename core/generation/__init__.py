"""Image generation: providers (OpenAI, local), moderation, jobs, queue and quotas."""

from core.generation.provider import (
    MAX_IMAGES_PER_JOB,
    SIZES,
    GenerationFailed,
    GenerationRefused,
    ImageOptions,
    ImageProvider,
    ModerationVerdict,
    Moderator,
    PromptFlagged,
    QuotaExceeded,
)

__all__ = [
    "MAX_IMAGES_PER_JOB",
    "SIZES",
    "GenerationFailed",
    "GenerationRefused",
    "ImageOptions",
    "ImageProvider",
    "ModerationVerdict",
    "Moderator",
    "PromptFlagged",
    "QuotaExceeded",
]
