"""Image generation: providers (OpenAI, local), moderation, jobs, queue and quotas."""

from core.generation.local_provider import LocalImageProvider
from core.generation.openai_images import (
    OpenAIImageProvider,
    build_openai_client,
    check_image_model,
)
from core.generation.prompt_screening import LocalModerator, OpenAIModerator
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
from core.generation.styles import STYLES, Style, get_style, style_names

__all__ = [
    "MAX_IMAGES_PER_JOB",
    "SIZES",
    "STYLES",
    "GenerationFailed",
    "GenerationRefused",
    "ImageOptions",
    "ImageProvider",
    "LocalImageProvider",
    "LocalModerator",
    "ModerationVerdict",
    "Moderator",
    "OpenAIImageProvider",
    "OpenAIModerator",
    "PromptFlagged",
    "QuotaExceeded",
    "Style",
    "build_openai_client",
    "check_image_model",
    "get_style",
    "style_names",
]
