"""The composition root: the only place that builds Mosaic's objects.

Tests call `build()` with fakes (a fake clock, a fake image provider, a test database URL);
`bot.cli` calls it with the real settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.commands import CommandRegistry, Dispatcher, build_registry
from bot.commands.challenge_render import ChallengeRendering
from bot.commands.crosspost_render import CrossPostRendering
from bot.commands.digest_render import DigestRendering
from bot.commands.job_notices import JobNotices
from core.button_tokens import ActionTokens
from core.challenges import ChallengeResults, Challenges
from core.clock import Clock, MonotonicTimer, SystemClock, Timer
from core.crossposts import CrossPosts, MosaicChannels
from core.delivery import Outbox, Pacer
from core.delivery.messengers import AccountNotifier, Messengers, QueuedMessenger
from core.delivery.outcomes import Outcomes
from core.delivery.pacing import (
    CONSOLE_LIMITS,
    DISCORD_LIMITS,
    TELEGRAM_LIMITS,
    PacedCalls,
    PaceLimits,
)
from core.delivery.ports import Messenger
from core.delivery.ratelimit import RateLimiter
from core.delivery.sender import OutboxSender
from core.delivery.sent_messages import SentMessages
from core.delivery.shared_limits import LiveFirst, shared_limiter
from core.destinations import Destinations
from core.digests import (
    CollageRetention,
    DigestComposer,
    DigestRanker,
    DigestRuns,
    DigestSubscriptions,
)
from core.domain import Platform
from core.errors import ConfigurationError
from core.feed import (
    ChronologicalFeed,
    Discovery,
    HashedNgramEmbedder,
    ImpressionLog,
    PersonalizedFeed,
    PostIndexer,
    Suggestions,
    TagDayRetention,
    TasteKeeper,
    TextEmbedder,
    VectorRefresh,
    local_text_embedder,
)
from core.feed.fitting import RankerRefit
from core.feed.like_samples import LikeSamples
from core.feed.quality import QualityRefit
from core.feed.ranker import ServingRanker
from core.feed.rating import Rating
from core.generation import ImageProvider, Moderator
from core.generation.description import Describer
from core.generation.jobs import GenerationJobs
from core.generation.previews import Previews
from core.generation.quota import Quotas
from core.generation.service import Generation
from core.generation.styles import STYLES, label_key, style_names
from core.generation.worker import GenerationWorker
from core.i18n import translate
from core.images import ContentImageStore, ImageStore
from core.metrics import NO_METRICS, MetricsRecorder, QueueGauges
from core.notifications import Notifications
from core.persistence.database import Database, is_postgres
from core.persistence.local_copies import ChangeNotices
from core.persistence.wakes import JOBS_CHANNEL, OUTBOX_CHANNEL, announce
from core.public_links import PublicLinks, load_or_create_secret
from core.safety import (
    AuditLog,
    Authority,
    Moderation,
    Reports,
    Safety,
    Sanctions,
    ServerPolicies,
    Takedown,
)
from core.services import Services
from core.settings import Settings
from core.social import Accounts, Engagement, Posts, SocialGraph
from core.social.data_rights import AccountData
from core.social.linking import AccountLinking
from core.storage import ObjectStore
from core.storage_s3 import S3ObjectStore
from core.update_log import UpdateLog
from scheduler import (
    CronNextRun,
    DigestRunner,
    FileLock,
    Housekeeping,
    Leadership,
    NeverLeads,
    NotificationFlusher,
    PostgresAdvisoryLock,
    Scheduler,
    SingleProcess,
)
from scheduler.leader import LOCK_KEY, WEBHOOK_LOCK_KEY, sender_lock_key

if TYPE_CHECKING:
    from bot.adapters.discord import BucketLock, ChoiceLister, DiscordAdapter
    from bot.adapters.telegram import TelegramAdapter
    from bot.metrics import OperatorEndpoints
    from web import WebRole

log = logging.getLogger(__name__)

# The parts of `mosaic run` a process can take on (`--roles`); every process shares the one
# database, so any number of processes may run any subset.
ROLES = ("telegram", "discord", "workers", "scheduler", "web", "console")
ALL_ROLES = frozenset(ROLES)


def select_roles(settings: Settings, requested: str | None) -> frozenset[str]:
    """The roles of this process: `--roles a,b` as given, else (no flag) everything
    configured, as `mosaic run` always did: each platform with a token, the workers, the
    scheduler, the web unless MOSAIC_WEB_LISTEN is off, and the console chat when no platform
    token is set."""
    if requested is None:
        roles = {"workers", "scheduler"}
        if settings.telegram_bot_token is not None:
            roles.add("telegram")
        if settings.discord_bot_token is not None:
            roles.add("discord")
        if settings.web_enabled:
            roles.add("web")
        if not roles & {"telegram", "discord"}:
            roles.add("console")
        return frozenset(roles)
    names = [name.strip().lower() for name in requested.split(",") if name.strip()]
    unknown = [name for name in names if name not in ALL_ROLES]
    if unknown or not names:
        what = f"unknown role {unknown[0]!r}" if unknown else "no role"
        raise ConfigurationError(f"{what} in --roles; the roles are {', '.join(ROLES)}")
    for platform, token in (
        ("telegram", settings.telegram_bot_token),
        ("discord", settings.discord_bot_token),
    ):
        if platform in names and token is None:
            raise ConfigurationError(
                f"--roles {platform} needs {platform.upper()}_BOT_TOKEN; set it or drop the role"
            )
    if "console" in names and {"telegram", "discord"} & set(names):
        raise ConfigurationError(
            "--roles console takes this terminal and cannot run beside telegram or discord; "
            "start the console chat as its own process"
        )
    return frozenset(names)


PACE_LIMITS: dict[Platform, PaceLimits] = {
    Platform.TELEGRAM: TELEGRAM_LIMITS,
    Platform.DISCORD: DISCORD_LIMITS,
    Platform.CONSOLE: CONSOLE_LIMITS,
}


@dataclass(slots=True)
class App:
    settings: Settings
    database: Database
    services: Services
    registry: CommandRegistry
    dispatcher: Dispatcher
    notices: JobNotices
    worker: GenerationWorker
    scheduler: Scheduler
    outbox: Outbox
    outcomes: Outcomes
    metrics: MetricsRecorder
    gauges: QueueGauges
    roles: frozenset[str] = ALL_ROLES
    changes: ChangeNotices = field(default_factory=ChangeNotices)
    outbox_poll: float = 5.0  # seconds an idle outbox sender waits before looking again

    async def start(self, *, migrate: bool = True) -> None:
        """Open the database (applying migrations) in the calling task, then start the
        workers when this process has that role."""
        await self.database.open(migrate_first=migrate)
        await self.changes.listen()
        if "workers" in self.roles:
            await self.worker.start()

    async def start_scheduler(self) -> None:
        """The scheduler's tick: digests, notifications and housekeeping in the leader,
        elected among the processes with the scheduler role (the others never lead), and
        the paced outbox senders of the platforms this process reaches (a platform role, or
        the console, whose terminal prints its own outbox messages)."""
        if self.roles & {"scheduler", "console", "telegram", "discord"}:
            await self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.worker.stop()
        await self.changes.stop()
        await self.database.close()

    def add_messenger(
        self,
        platform: Platform,
        messenger: Messenger,
        *,
        limits: PaceLimits | None = None,
        timer: Timer | None = None,
        only_for: frozenset[str] | None = None,
    ) -> OutboxSender:
        """A platform can now be reached outside conversations: job notices, and a paced
        outbox sender for digests and notifications (tests scale `limits` and `timer`).

        `only_for`: this process is one person's terminal (the console chat). Its sender
        prints only the outbox messages for these chats, whether or not the process leads,
        and job notices keep going through the outbox (`QueuedMessenger`), so that a job
        finished here for someone else waits for their own terminal."""
        if only_for is None:
            self.notices.add_messenger(platform, messenger)
        sender = OutboxSender(
            platform,
            messenger,
            self.outbox,
            Pacer(limits or PACE_LIMITS[platform]),
            self.outcomes,
            timer=timer or MonotonicTimer(),
            idle_poll=self.outbox_poll,
            gate=self.services.crossposts,  # a cross-post is checked again before it goes
            chats=only_for,
        )
        self.scheduler.add_sender(sender)
        return sender


def object_store(settings: Settings) -> ObjectStore | None:
    """The configured object store for images, or None for the data folder (the default)."""
    if not settings.storage_url:
        return None
    return S3ObjectStore.from_url(
        settings.storage_url,
        endpoint=settings.aws_endpoint_url,
        region=settings.aws_region,
        access_key_id=settings.aws_access_key_id,
        secret_access_key=settings.aws_secret_access_key,
    )


def image_backends(settings: Settings) -> tuple[ImageProvider, Moderator]:
    """OpenAI when a key is configured, else the local generator and word-list moderation."""
    from core.generation.local_provider import LocalImageProvider
    from core.generation.prompt_screening import LocalModerator, OpenAIModerator

    if settings.openai_api_key is None:
        return LocalImageProvider(), LocalModerator()
    from core.generation.openai_images import (
        OpenAIImageProvider,
        build_openai_client,
        check_image_model,
    )

    check_image_model(settings.openai_image_model)
    client = build_openai_client(settings)
    return OpenAIImageProvider(client, settings.openai_image_model), OpenAIModerator(client)


def describer(settings: Settings) -> Describer:
    """/describe: a vision model through OpenAI when a key is configured, else local ideas."""
    if settings.openai_api_key is None:
        return Describer()
    from core.generation.description import OpenAIDescriber
    from core.generation.openai_images import build_openai_client

    vision = OpenAIDescriber(build_openai_client(settings), settings.openai_vision_model)
    return Describer(vision)


def text_embedder(settings: Settings) -> TextEmbedder:
    """OpenAI embeddings when a key is configured (and MOSAIC_EMBEDDINGS is not `local`),
    else the local multilingual model shipped in a package (German and English prompts
    meet), else the hashed n-gram floor (also chosen by `ngram`), which needs nothing."""
    wants_openai = settings.embeddings == "openai" or (
        settings.embeddings == "auto" and settings.openai_api_key is not None
    )
    if settings.embeddings == "ngram":
        return HashedNgramEmbedder()
    if not wants_openai:
        return local_text_embedder()
    from core.feed.openai_embeddings import OpenAIEmbedder
    from core.generation.openai_images import build_openai_client

    return OpenAIEmbedder(
        build_openai_client(settings),
        settings.openai_embedding_model,
        settings.embedding_dimensions,
    )


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    images: ImageStore | None = None,
    provider: ImageProvider | None = None,
    moderator: Moderator | None = None,
    embedder: TextEmbedder | None = None,
    progress_every: float = 5.0,
    job_lease: timedelta | None = None,
    roles: frozenset[str] | None = None,
    metrics: MetricsRecorder | None = None,
    worker_poll: float = 2.0,
    outbox_poll: float = 5.0,
) -> App:
    """`roles`: the parts this process takes on; by default everything configured, as
    `mosaic run` without `--roles` (`select_roles`). `worker_poll` and `outbox_poll`: how
    long idle workers and outbox senders wait before looking for work again when nothing
    wakes them (tests lengthen them to show that the wake-ups work)."""
    roles = select_roles(settings, None) if roles is None else roles
    clock = clock or SystemClock()
    metrics = metrics or prometheus_metrics(settings)
    images = images or ContentImageStore(settings.images_dir, objects=object_store(settings))
    if provider is None or moderator is None:
        default_provider, default_moderator = image_backends(settings)
        provider = provider or default_provider
        moderator = moderator or default_moderator
    embedder = embedder or text_embedder(settings)
    impressions = ImpressionLog(clock)
    ranker = ServingRanker(clock)
    indexer = PostIndexer(embedder)
    taste = TasteKeeper(indexer, clock, impressions)
    url = settings.resolved_database_url
    changes = ChangeNotices(url)  # drops per-process copies (accounts, chats) on changes
    tokens = ActionTokens(notices=changes)  # resolved buttons kept per process too
    notifications = Notifications(clock, timedelta(minutes=settings.notification_interval_minutes))
    posts = Posts(images, clock, taste, notifications)
    postgres = is_postgres(url)
    outbox = Outbox(clock, postgres=postgres)
    crossposts = CrossPosts(
        outbox,
        CrossPostRendering(images, tokens, settings.default_language),
        Sanctions(clock),
        impressions,
    )
    posts.on_published(crossposts)  # new public posts go to the Mosaic channels that want them
    feed = PersonalizedFeed(
        embedder,
        clock,
        page_size=settings.feed_page_size,
        impressions=impressions,
        ranker=ranker,
        explore_share=settings.feed_explore_share,
    )
    taste.sample_likes(LikeSamples(feed, clock, impressions))  # while impressions are few
    quotas = Quotas(
        clock,
        per_account=settings.daily_image_quota,
        per_server=settings.server_daily_image_quota,
    )
    jobs = GenerationJobs(moderator, quotas, clock)
    messengers = Messengers()  # the adapters add theirs (build_discord, ...)
    notices = JobNotices(tokens, images, messengers, clock)
    sent_messages = SentMessages()
    worker = GenerationWorker(
        provider,
        images,
        jobs,
        clock,
        notices,
        concurrency=settings.generation_concurrency,
        progress_every=progress_every,
        lease=job_lease or timedelta(seconds=settings.job_lease_seconds),
        idle_poll=worker_poll,
        metrics=metrics,
    )
    calculator = CronNextRun()
    digests = DigestSubscriptions(clock, calculator, notices=changes)
    composer = DigestComposer(DigestRanker(feed, clock), images, settings.default_language)
    destinations = Destinations(notices=changes)
    runs = DigestRuns(clock, calculator, postgres=postgres)

    def wake_sender(platform: Platform) -> None:  # the scheduler is built below
        scheduler.wake(platform)

    # A console person is reached out of band only through the outbox, which the process
    # attached to their terminal prints (`App.add_messenger(..., only_for=...)`).
    messengers.add(Platform.CONSOLE, QueuedMessenger(Platform.CONSOLE, outbox, wake_sender))
    # A Telegram or Discord person whose job finished in a process without that platform's
    # adapter running (a workers process, a console chat, the other platform's process) is
    # reached the same way: the results wait in the outbox for that platform's process. The
    # adapter, where it runs, replaces this with its own messenger.
    for platform in (Platform.TELEGRAM, Platform.DISCORD):
        messengers.add(platform, QueuedMessenger(platform, outbox, wake_sender))

    safety = build_safety(
        settings, clock, posts, sent_messages, messengers, outbox, wake_sender, runs, changes
    )
    challenge_rendering = ChallengeRendering(images, tokens)
    challenges = Challenges(
        clock,
        outbox,
        challenge_rendering,
        safety.authority,
        safety.audit,
        settings.default_language,
    )
    services = Services(
        settings=settings,
        clock=clock,
        images=images,
        accounts=Accounts(notices=changes),
        graph=SocialGraph(taste, notifications),
        posts=posts,
        engagement=Engagement(posts, taste, notifications),
        feed=feed,
        chronological=ChronologicalFeed(),
        discovery=Discovery(clock, impressions),
        suggestions=Suggestions(feed, clock),
        tokens=tokens,
        destinations=destinations,
        updates=UpdateLog(clock),
        sent_messages=sent_messages,
        generation=Generation(
            jobs,
            quotas,
            STYLES,
            worker.wake,
            Previews(jobs, posts),
            # the workers of other processes hear of a job once it has been answered
            wake_elsewhere=(lambda: announce(JOBS_CHANNEL)) if postgres else None,
        ),
        linking=AccountLinking(clock, notices=changes),
        account_data=AccountData(
            images, clock, settings.data_dir / "exports", impressions, posts, notices=changes
        ),
        safety=safety,
        digests=digests,
        digest_composer=composer,
        notifications=notifications,
        mosaic_channels=MosaicChannels(notices=changes),
        crossposts=crossposts,
        links=public_links(settings),
        challenges=challenges,
        rating=Rating(
            feed,
            clock,
            impressions,
            taste.preferred,
            images=images,
            folder=settings.data_dir / "rate",
        ),
        describer=describer(settings),
    )
    rendering = DigestRendering(tokens)
    outcomes = Outcomes(
        outbox, rendering, runs, digests, destinations, notifications, settings.default_language
    )
    leadership = _leadership(url) if "scheduler" in roles else NeverLeads()
    scheduler = Scheduler(
        leadership,
        lambda platform: _leadership(url, platform),
        DigestRunner(
            runs,
            composer,
            outbox,
            rendering,
            clock,
            impressions,
            daily_cap=settings.digest_daily_cap,
        ),
        NotificationFlusher(notifications, outbox, rendering, settings.default_language),
        outbox,
        {},
        tick_seconds=settings.scheduler_tick_seconds,
        housekeeping=Housekeeping(
            clock,
            services.updates,
            CollageRetention(images, clock, timedelta(days=settings.digest_collage_retention_days)),
            TagDayRetention(clock),
            impressions,
            RankerRefit(clock, ranker),
            vectors=VectorRefresh(indexer),
            quality=QualityRefit(clock),
        ),
        challenges=ChallengeResults(
            challenges,
            outbox,
            images,
            challenge_rendering,
            clock,
            settings.default_language,
            weekly=settings.weekly_challenge,
        ),
    )
    # Work queued by other processes wakes this one's workers and senders (PostgreSQL NOTIFY
    # on the listening connection the change notices keep); else they find it by polling.
    changes.subscribe(JOBS_CHANNEL, lambda _payload: worker.wake())
    changes.subscribe(OUTBOX_CHANNEL, lambda payload: wake_senders(scheduler, payload))
    registry = build_registry()
    return App(
        settings=settings,
        database=Database(url),
        services=services,
        registry=registry,
        dispatcher=Dispatcher(registry, services, notices, metrics),
        notices=notices,
        worker=worker,
        scheduler=scheduler,
        outbox=outbox,
        outcomes=outcomes,
        metrics=metrics,
        gauges=QueueGauges(clock),
        roles=roles,
        changes=changes,
        outbox_poll=outbox_poll,
    )


def wake_senders(scheduler: Scheduler, platforms: str) -> None:
    """Another process queued outbox messages for these platforms (an `OUTBOX_CHANNEL`
    payload): this process's senders of them send now, if it runs any."""
    for name in platforms.split():
        try:
            platform = Platform(name)
        except ValueError:
            log.warning("an outbox wake-up names an unknown platform %r", name[:40])
            continue
        scheduler.wake(platform)


def prometheus_metrics(settings: Settings) -> MetricsRecorder:
    """Prometheus counters when MOSAIC_METRICS_LISTEN is set, else nothing is recorded."""
    if settings.metrics_listen is None:
        return NO_METRICS
    from bot.metrics import PrometheusMetrics

    return PrometheusMetrics()


class PlatformConnection(Protocol):
    async def check_connected(self) -> None: ...


def build_operator_endpoints(
    app: App,
    connections: Mapping[str, PlatformConnection],
    *,
    listen: str | None = None,
) -> OperatorEndpoints | None:
    """/healthz and /metrics on MOSAIC_METRICS_LISTEN (tests pass `listen` with port 0):
    ready once the process has started and its database, image store (the images folder and,
    when configured, the object store) and platform `connections` answer. None when the
    setting is unset."""
    from bot.metrics import OperatorEndpoints, PrometheusMetrics, Readiness

    listen = listen or app.settings.metrics_listen
    if listen is None:
        return None
    metrics = app.metrics
    if not isinstance(metrics, PrometheusMetrics):
        raise ConfigurationError("/metrics needs the Prometheus recorder: build(metrics=...)")
    scheduler = app.scheduler
    metrics.watch_senders(lambda: [*scheduler.senders.values(), *scheduler.local_senders])
    checks = {"database": app.database.ping, "store": app.services.images.check_ready}
    checks |= {name: connection.check_connected for name, connection in connections.items()}
    return OperatorEndpoints(listen, metrics, Readiness(checks), app.gauges)


def _leadership(url: str, platform: Platform | None = None) -> Leadership:
    """Who runs the scheduler: one process per database; and, per platform, who runs its
    outbox sender: one of the processes that can reach it (`scheduler.leader`)."""
    if platform is None:
        return _one_process(url, LOCK_KEY, ".leader", "scheduler leader")
    return _one_process(
        url,
        sender_lock_key(platform.value),
        f".{platform.value}-sender",
        f"{platform} outbox sender",
    )


def webhook_registration(url: str) -> Leadership:
    """Which of the Telegram processes on one database registers the webhook (setWebhook):
    the one holding this lock, for as long as it runs."""
    return _one_process(url, WEBHOOK_LOCK_KEY, ".telegram-webhook", "telegram webhook registrar")


def _one_process(url: str, key: int, suffix: str, role: str) -> Leadership:
    """A lock one process of those sharing the database holds: an advisory lock on
    PostgreSQL, a file lock beside a SQLite file; an in-memory database has one process."""
    if is_postgres(url):
        return PostgresAdvisoryLock(url, key, role=role)
    if ":memory:" in url:
        return SingleProcess()
    return FileLock(Path(url.removeprefix("sqlite://") + suffix), role=role)


def _identify_lock(url: str, bucket: int) -> BucketLock:
    """One Discord IDENTIFY bucket's turn, shared by the processes on this database
    (`bot.adapters.discord._identify`)."""
    role = "holder of the Discord IDENTIFY turn"
    if is_postgres(url):
        return PostgresAdvisoryLock(url, LOCK_KEY * 4096 + 0xD00 + bucket % 256, role=role)
    if ":memory:" in url:
        from bot.adapters.discord import ProcessBucketLock

        return ProcessBucketLock(bucket)
    return FileLock(Path(url.removeprefix("sqlite://") + f".discord-identify-{bucket}"), role=role)


def build_safety(
    settings: Settings,
    clock: Clock,
    posts: Posts,
    sent_messages: SentMessages,
    messengers: Messengers,
    outbox: Outbox,
    wake_sender: Callable[[Platform], None],
    runs: DigestRuns,
    changes: ChangeNotices | None = None,
) -> Safety:
    """Reports, moderation, sanctions, audit and takedowns: people are told through the
    messengers, copies of taken-down posts are deleted through the outbox."""
    authority = Authority(settings.global_moderator_names)
    notifier = AccountNotifier(messengers, settings.default_language)
    takedown = Takedown(sent_messages, outbox, wake_sender, runs)
    reports = Reports(posts, settings.report_hide_threshold, takedown, notifier, sent_messages)
    sanctions = Sanctions(clock, changes)
    audit = AuditLog(clock)
    moderation = Moderation(authority, reports, sanctions, audit, takedown, notifier, clock, posts)
    policies = ServerPolicies(changes)
    return Safety(authority, reports, sanctions, audit, takedown, moderation, policies)


def build_discord(
    app: App,
    *,
    autocomplete: Mapping[str, ChoiceLister] | None = None,
    limiter: RateLimiter | None = None,
    **overrides: Any,
) -> DiscordAdapter:
    """The Discord adapter for `app`, configured from the DISCORD_* settings.

    `autocomplete` adds listers for parameters marked `autocomplete=True` (by parameter name);
    `limiter` sees every discord.py call the adapter makes (default: `Unpaced`);
    `overrides` replace fields of `DiscordConfig` (tests pass a token and short timeouts).
    """
    from bot.adapters.discord import DiscordAdapter, DiscordConfig, IdentifyTurns

    config = DiscordConfig.from_settings(app.settings, **overrides)
    listers: dict[str, ChoiceLister] = {"style": style_suggestions, **(autocomplete or {})}
    url = app.settings.resolved_database_url
    turns = IdentifyTurns(lambda bucket: _identify_lock(url, bucket))
    adapter = DiscordAdapter(
        config, app.dispatcher, autocomplete=listers, limiter=limiter, identify_turns=turns
    )
    app.add_messenger(Platform.DISCORD, adapter.messenger)
    return adapter


def style_suggestions(language: str) -> list[tuple[str, str]]:
    """`/imagine style:` choices: (style name, its label in `language`)."""
    return [(name, translate(language, label_key(name))) for name in style_names()]


def build_telegram(
    app: App,
    *,
    limiter: RateLimiter | None = None,
    timer: Timer | None = None,
    on_handled: Callable[[int], None] | None = None,
) -> TelegramAdapter:
    """The Telegram adapter for `app`, configured from its settings (TELEGRAM_*).

    Every Bot API call goes through `limiter` (default: `telegram_limiter`, Telegram's limits).
    Tests pass a scaled-down `timer`, their own `limiter`, and `on_handled` (called after each
    update is handled).
    """
    from bot.adapters.telegram import TelegramAdapter, TelegramConfig

    config = TelegramConfig.from_settings(app.settings)
    adapter = TelegramAdapter(
        config,
        app.dispatcher,
        limiter=limiter or telegram_limiter(app.settings, config.token.get_secret_value(), timer),
        timer=timer,
        on_handled=on_handled,
        registration=webhook_registration(app.settings.resolved_database_url),
    )
    app.add_messenger(Platform.TELEGRAM, adapter.messenger)  # jobs outliving an update, digests
    return adapter


def telegram_limiter(settings: Settings, token: str, timer: Timer | None = None) -> RateLimiter:
    """Telegram's limits for the whole bot: shared through Redis when MOSAIC_REDIS_URL is set
    (any number of processes), else held in this process. Live replies go first either way."""
    in_process = LiveFirst(PacedCalls(TELEGRAM_LIMITS, timer or MonotonicTimer()))
    if settings.redis_url is None:
        return in_process
    bot = token.partition(":")[0]  # the bot's id: one budget per bot, never the secret part
    return shared_limiter(
        settings.redis_url.get_secret_value(), TELEGRAM_LIMITS, bot=bot, fallback=in_process
    )


def public_links(settings: Settings) -> PublicLinks:
    """Web addresses under MOSAIC_WEB_URL, signed with MOSAIC_WEB_SECRET or, when unset, a
    secret kept in the data folder (read on first use)."""
    configured = settings.web_secret

    def secret() -> bytes:
        if configured is not None:
            return configured.get_secret_value().encode()
        return load_or_create_secret(settings.data_dir / "web-secret")

    return PublicLinks(settings.public_web_url, secret)


def build_web(app: App, *, listen: str | None = None) -> WebRole:
    """The web role: public pages and the Telegram Mini App (tests listen on port 0)."""
    from web import WebRole, build_web_app

    settings = app.settings
    token = settings.telegram_bot_token
    web_app = build_web_app(
        app.services,
        app.services.links,
        telegram_bot_token=token.get_secret_value() if token is not None else None,
        init_data_max_age=settings.web_init_data_max_age_seconds,
    )
    return WebRole(web_app, listen or settings.web_listen, settings.public_web_url)
