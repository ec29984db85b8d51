"""Configuration from the environment and `.env` (every variable is listed in `.env.example`).

Secrets are `SecretStr`: they never show up in `repr()`, logs or tracebacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # Storage
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, alias="MOSAIC_DATA_DIR")
    database_url: str = Field(default="", alias="MOSAIC_DATABASE_URL")
    # platform limits shared by every process of the bot (core/delivery/shared_limits.py);
    # unset: each process holds them itself (right for one process)
    redis_url: SecretStr | None = Field(default=None, alias="MOSAIC_REDIS_URL")
    # images, thumbnails and collages: s3://bucket/prefix, or empty for MOSAIC_DATA_DIR/images
    storage_url: str = Field(default="", alias="MOSAIC_STORAGE_URL")
    # the standard AWS variables, read for any S3-compatible store
    aws_endpoint_url: str | None = Field(default=None, alias="AWS_ENDPOINT_URL")
    aws_region: str | None = Field(default=None, alias="AWS_REGION")
    aws_access_key_id: str | None = Field(default=None, alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: SecretStr | None = Field(default=None, alias="AWS_SECRET_ACCESS_KEY")

    # Behaviour
    default_language: str = Field(default="en", alias="MOSAIC_DEFAULT_LANGUAGE")
    feed_page_size: int = Field(default=5, ge=1, le=10, alias="MOSAIC_FEED_PAGE_SIZE")
    # the share of feed places that go to new posts by Thompson sampling (core/feed/exploration)
    feed_explore_share: float = Field(default=0.05, ge=0, le=0.5, alias="MOSAIC_FEED_EXPLORE_SHARE")
    log_level: str = Field(default="INFO", alias="MOSAIC_LOG_LEVEL")

    # Image generation
    openai_api_key: SecretStr | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    openai_image_model: str = Field(default="gpt-image-2", alias="OPENAI_IMAGE_MODEL")
    openai_timeout_seconds: float = Field(default=180.0, gt=0, alias="OPENAI_TIMEOUT_SECONDS")
    openai_max_retries: int = Field(default=2, ge=0, le=10, alias="OPENAI_MAX_RETRIES")
    # /describe with a key: a vision-capable chat model (core/generation/description.py)
    openai_vision_model: str = Field(default="gpt-4.1-mini", alias="OPENAI_VISION_MODEL")
    generation_concurrency: int = Field(
        default=4, ge=1, le=64, alias="MOSAIC_GENERATION_CONCURRENCY"
    )
    # How long a running job stays a dead worker's before another process takes it over (a
    # live worker renews it every 5 s)
    job_lease_seconds: float = Field(
        default=60.0, ge=10.0, le=3600.0, alias="MOSAIC_JOB_LEASE_SECONDS"
    )
    daily_image_quota: int = Field(default=25, ge=0, alias="MOSAIC_DAILY_IMAGE_QUOTA")
    server_daily_image_quota: int = Field(
        default=500, ge=0, alias="MOSAIC_SERVER_DAILY_IMAGE_QUOTA"
    )

    # Trust and safety
    report_hide_threshold: int = Field(default=3, ge=1, alias="MOSAIC_REPORT_HIDE_THRESHOLD")
    global_moderators: str = Field(default="", alias="MOSAIC_GLOBAL_MODERATORS")
    # Feed: text embeddings of prompts and captions
    embeddings: Literal["auto", "local", "ngram", "openai"] = Field(
        default="auto", alias="MOSAIC_EMBEDDINGS"
    )
    openai_embedding_model: str = Field(
        default="text-embedding-3-small", alias="OPENAI_EMBEDDING_MODEL"
    )
    embedding_dimensions: int = Field(
        default=256, ge=16, le=3072, alias="MOSAIC_EMBEDDING_DIMENSIONS"
    )

    # Digests and notifications
    digest_daily_cap: int = Field(default=3, ge=1, le=48, alias="MOSAIC_DIGEST_DAILY_CAP")
    # A global challenge each week, its theme the week's most used #tag (core/challenges)
    weekly_challenge: bool = Field(default=True, alias="MOSAIC_WEEKLY_CHALLENGE")
    notification_interval_minutes: int = Field(
        default=15, ge=1, le=1440, alias="MOSAIC_NOTIFICATION_INTERVAL_MINUTES"
    )
    scheduler_tick_seconds: float = Field(
        default=30.0, ge=1.0, le=3600.0, alias="MOSAIC_SCHEDULER_TICK_SECONDS"
    )
    digest_collage_retention_days: float = Field(
        default=7.0, ge=0.0, le=365.0, alias="MOSAIC_DIGEST_COLLAGE_RETENTION_DAYS"
    )

    # Chat platforms
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str | None = Field(default=None, alias="TELEGRAM_API_BASE_URL")
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_webhook_listen: str = Field(default="127.0.0.1:8443", alias="TELEGRAM_WEBHOOK_LISTEN")
    discord_bot_token: SecretStr | None = Field(default=None, alias="DISCORD_BOT_TOKEN")
    discord_dev_guild_id: int | None = Field(default=None, alias="DISCORD_DEV_GUILD_ID")
    discord_api_base_url: str | None = Field(default=None, alias="DISCORD_API_BASE_URL")
    # the shards this process runs, `<ids>/<count>` such as 0-3/8 (bot/adapters/discord/_shards)
    discord_shards: str | None = Field(default=None, alias="DISCORD_SHARDS")

    # Web pages and the Telegram Mini App (web/)
    web_listen: str = Field(default="127.0.0.1:8080", alias="MOSAIC_WEB_LISTEN")
    web_url: str | None = Field(default=None, alias="MOSAIC_WEB_URL")
    web_secret: SecretStr | None = Field(default=None, alias="MOSAIC_WEB_SECRET")
    web_init_data_max_age_seconds: int = Field(
        default=3600, ge=10, le=7 * 86400, alias="MOSAIC_WEB_INIT_DATA_MAX_AGE"
    )

    # /healthz and /metrics (Prometheus) for an operator: host:port, off when unset
    metrics_listen: str | None = Field(default=None, alias="MOSAIC_METRICS_LISTEN")

    @field_validator("metrics_listen")
    @classmethod
    def _metrics_off(cls, value: str | None) -> str | None:
        """Empty (as in .env.example), `off` or `none`: no /healthz and /metrics."""
        if value is None or value.strip().lower() in ("", "off", "none"):
            return None
        return value.strip()

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        from core.i18n import LANGUAGES

        if value not in LANGUAGES:
            raise ValueError(f"MOSAIC_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file under the data folder (the embedded default)."""
        if self.database_url:
            return self.database_url
        return f"sqlite://{(self.data_dir / 'mosaic.db').resolve()}"

    @property
    def global_moderator_names(self) -> frozenset[str]:
        """Handles (without @, lowercase) and account ids of the global moderators."""
        names = (part.strip().lstrip("@").lower() for part in self.global_moderators.split(","))
        return frozenset(name for name in names if name)

    @property
    def web_enabled(self) -> bool:
        """The web role runs unless MOSAIC_WEB_LISTEN is `off` (or empty)."""
        return self.web_listen.strip().lower() not in ("", "off", "none")

    @property
    def public_web_url(self) -> str:
        """Where people reach the web pages: MOSAIC_WEB_URL, else the listen address."""
        return (self.web_url or f"http://{self.web_listen}").rstrip("/")

    @property
    def mini_app_url(self) -> str | None:
        """The Telegram Mini App's address: only over HTTPS (as Telegram requires)."""
        if not self.web_url or not self.web_url.startswith("https://"):
            return None
        return f"{self.public_web_url}/app"

    @property
    def images_dir(self) -> Path:
        return self.data_dir / "images"
