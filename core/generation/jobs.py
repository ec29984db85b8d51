"""Generation jobs: checked, moderated, paid for and saved before any model is called."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache

from pypika_tortoise import AliasedQuery, Order, Query, Table
from pypika_tortoise.terms import Star
from tortoise import timezone

from core.button_tokens import Unstored, token_expression, token_for
from core.clock import Clock
from core.domain import JobState, Platform
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.generation.provider import (
    MAX_IMAGES_PER_JOB,
    ImageOptions,
    Moderator,
    PromptFlagged,
    QuotaExceeded,
)
from core.generation.quota import (
    Quotas,
    member_scope,
    server_scope,
    taking_bound,
    taking_or_making,
)
from core.persistence.models import Account, Destination, GenerationJob, Post
from core.persistence.statements import Slot, Written, db_value, literal, value, write
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.persistence.wakes import JOBS_CHANNEL, Announcing
from core.safety.policy import Member, ServerPolicies, check_opted_in
from core.user_text import PROMPT_MAX, clean_text

ACTIVE = (JobState.QUEUED, JobState.RUNNING)
UNPOSTED_LOOKBACK = 200  # finished jobs looked through for unposted previews
# In a job's reply_target: the requester's status message, as its conversation names it
# (`MessageRefs`), so that a worker in any process edits it rather than sending a new one.
STATUS_MESSAGE = "status_message"
# In the target of a status edit sent elsewhere: the job it is about (`status_tokens`).
EDITED_JOB = "job"


class JobKind(StrEnum):
    GENERATE = "generate"  # a new image from a prompt
    REROLL = "reroll"  # the same prompt again, new seed
    VARY = "vary"  # an edit of one preview image, same prompt
    REMIX = "remix"  # an edit of someone's post with a new prompt


@dataclass(frozen=True, slots=True)
class JobRequest:
    requester: Account
    prompt: str
    options: ImageOptions
    origin_platform: Platform
    origin_chat_id: str | None = None
    server_id: str | None = None
    reply_target: dict[str, str] = field(default_factory=dict)
    kind: JobKind = JobKind.GENERATE
    parent_post: Post | None = None
    parent_image: str | None = None
    member_is_admin: bool = False  # in `server_id`, as the adapter established it
    member_roles: frozenset[str] = frozenset()  # Discord role ids and names there


def safety_identifier(account_id: int) -> str:
    """A stable, non-reversible id for the provider's abuse tracking (no personal data)."""
    return hashlib.sha256(f"mosaic-account-{account_id}".encode()).hexdigest()[:32]


async def parent_of(job: GenerationJob) -> Post | None:
    """The post a remix edits (None for other jobs, and once that post is gone)."""
    if job.parent_post_id is None:
        return None
    return await Post.get_or_none(id=job.parent_post_id)


def _job_server_scope(job: GenerationJob) -> str | None:
    return server_scope(job.origin_platform, job.server_id) if job.server_id else None


def _job_member_scope(job: GenerationJob) -> str | None:
    if not (job.server_id and job.options.get("member_capped")):
        return None
    return member_scope(job.origin_platform, job.server_id, job.requester_id)


class GenerationJobs:
    def __init__(
        self,
        moderator: Moderator,
        quotas: Quotas,
        clock: Clock,
        policies: ServerPolicies | None = None,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self._units = units
        self._moderator = moderator
        self._quotas = quotas
        self._clock = clock
        self._policies = policies or ServerPolicies()

    async def submit(self, request: JobRequest) -> GenerationJob:
        prompt = clean_text(request.prompt, limit=PROMPT_MAX, field="prompt")
        if not prompt:
            raise InvalidInput("error.empty", field="prompt")
        if not 1 <= request.options.count <= MAX_IMAGES_PER_JOB:
            raise InvalidInput("error.out_of_range", field="count", low=1, high=MAX_IMAGES_PER_JOB)
        await self._check_place(request)
        policy = None
        if request.server_id is not None:  # the server's policy, before any model call
            member = Member(
                request.origin_platform,
                request.server_id,
                is_admin=request.member_is_admin,
                roles=request.member_roles,
            )
            policy = await self._policies.admit(member, prompt)
        verdict = await self._moderator.check_prompt(prompt)
        if verdict.flagged:
            raise PromptFlagged(categories=", ".join(verdict.categories) or "policy")
        check_opted_in(request.requester, prompt)  # adult or violent: the person's opt-in
        scope = (
            server_scope(request.origin_platform, request.server_id) if request.server_id else None
        )
        member_cap = None
        if policy is not None and policy.member_daily_cap is not None and request.server_id:
            member_cap = (
                member_scope(request.origin_platform, request.server_id, request.requester.id),
                policy.member_daily_cap,
            )
        db = GenerationJob._meta.db
        if scope is None and member_cap is None and db.capabilities.dialect == "postgres":
            return await self._save_charging(request, prompt)
        async with self._units():  # the quota is charged for a saved job, or not at all
            charged = await self._quotas.reserve(
                request.requester.id, scope, request.options.count, member=member_cap
            )
            return await self._save(request, prompt, charged, member_cap is not None)

    async def _save_charging(self, request: JobRequest, prompt: str) -> GenerationJob:
        """PostgreSQL, the account's quota alone (no server's): the quota taken (its row of
        the day made if missing) and the job saved in one statement, `WITH taken AS (INSERT
        INTO quota_usage … ON CONFLICT … DO UPDATE … RETURNING 1) INSERT INTO generation_job
        … SELECT … FROM taken RETURNING *`: the job is saved only if the quota was taken, and
        both or neither are (one statement is atomic). It was a transaction of four round
        trips (BEGIN, the quota's UPDATE, the INSERT, COMMIT), and before that the row's own
        INSERT once a day per account and process."""
        count = request.options.count
        scope, day, limit = await self._quotas.today_for(request.requester.id)
        db = GenerationJob._meta.db
        columns = _insert_columns()
        saving = _saving_charged(db.query_class, columns)  # type: ignore[arg-type]
        bound = taking_bound(scope, day, count, limit - count)
        # The row's cells straight from the request (a model built first was most of the
        # Python of the statement); the fields the request leaves out take their defaults.
        given = self._job_fields(request, prompt, day, member_capped=False)
        given |= {"requester_id": request.requester.id, "created_at": timezone.now()}
        given["parent_post_id"] = request.parent_post.id if request.parent_post else None
        fields = GenerationJob._meta.fields_map
        for i, column in enumerate(columns):
            if column in given:
                bound[Slot("cell", i)] = fields[column].to_db_value(given[column], GenerationJob)
            else:
                bound[Slot("cell", i)] = _default_cell(column)
        rows = await db.execute_query_dict(_with_cancel_token(saving.sql), saving.bind(bound))
        if not rows:
            raise QuotaExceeded("error.quota_exceeded", limit=limit, count=count)
        ahead = rows[0].pop(_AHEAD) or []
        saved = GenerationJob._init_from_db(**rows[0])
        saved.__dict__[_TOKEN_STORED] = True  # its status message's cancel button, stored
        # Its place in the queue as the INSERT saw it (a round trip less; `position`).
        queued = [(None, requester) for requester in ahead] + [(saved.id, saved.requester_id)]
        saved.__dict__[_POSITION] = _fair_position(queued, saved)
        return saved

    @classmethod
    async def _save(
        cls, request: JobRequest, prompt: str, charged: date, member_capped: bool
    ) -> GenerationJob:
        job = cls._job(request, prompt, charged, member_capped)
        await job.save(force_create=True)
        return job

    @classmethod
    def _job(
        cls, request: JobRequest, prompt: str, charged: date, member_capped: bool
    ) -> GenerationJob:
        return GenerationJob(
            requester=request.requester,
            parent_post=request.parent_post,
            **cls._job_fields(request, prompt, charged, member_capped),
        )

    @staticmethod
    def _job_fields(
        request: JobRequest, prompt: str, charged: date, member_capped: bool
    ) -> dict[str, object]:
        """A new job's fields from its request (but the requester and the parent post)."""
        options = request.options
        return dict(
            kind=request.kind,
            prompt=prompt,
            options={
                "size": options.size,
                "count": options.count,
                "style": options.style,
                "seed": options.seed,
                "quota_day": charged.isoformat(),
                **({"member_capped": True} if member_capped else {}),
            },
            parent_image=request.parent_image,
            origin_platform=request.origin_platform,
            origin_chat_id=request.origin_chat_id,
            server_id=request.server_id,
            reply_target=request.reply_target,
        )

    async def _check_place(self, request: JobRequest) -> None:
        if request.origin_chat_id is None:
            return
        place = await Destination.get_or_none(
            platform=request.origin_platform, chat_id=request.origin_chat_id
        )
        if place is not None and not place.generation_allowed:
            raise Forbidden("error.generation_off_here")

    async def get_own(
        self, account: Account, job_id: int, *, for_update: bool = False
    ) -> GenerationJob:
        """The account's job; `for_update` locks its row until the unit of work ends (on
        PostgreSQL; SQLite's writers take turns anyway)."""
        query = GenerationJob.filter(id=job_id)
        job = await (query.select_for_update() if for_update else query).first()
        if job is None or job.requester_id != account.id:
            raise NotFound("error.unknown_job", job=job_id)
        return job

    async def remember_status(
        self,
        job: GenerationJob,
        ref: str,
        *,
        token: tuple[str, datetime] | None = None,
        wake_workers_elsewhere: bool = False,
    ) -> None:
        """The status message shown for `job` is `ref` (`STATUS_MESSAGE`); editing it from
        another process takes `token` (a secret, until the time given: `status_tokens`).
        `wake_workers_elsewhere` (PostgreSQL): the same statement announces the job on
        `JOBS_CHANNEL` (`RETURNING pg_notify(…)`: delivered when it commits)."""
        job.reply_target = {**job.reply_target, STATUS_MESSAGE: ref}
        bound = {_JOB: job.id, _TARGET: db_value(GenerationJob, "reply_target", job.reply_target)}
        if token is not None:
            bound[_TOKEN] = token[0]
            bound[_UNTIL] = db_value(GenerationJob, "status_token_until", token[1])
        db = GenerationJob._meta.db
        remembering = _remembering(db.query_class, token is not None, wake_workers_elsewhere)  # type: ignore[arg-type]
        await db.execute_query(remembering.sql, remembering.bind(bound))

    @staticmethod
    def tokens_saved_with(job: GenerationJob) -> Unstored:
        """The button tokens the job's own INSERT stored, once (PostgreSQL, the account's
        quota alone: its status message's cancel button, `cancel_button`), for
        `ActionTokens.stored`: the status message then needs no INSERT of its own."""
        if not job.__dict__.pop(_TOKEN_STORED, False):
            return {}
        command, args = cancel_button(job)
        return {token_for(command, args, job.requester_id): (command, args, job.requester_id)}

    async def position(self, job: GenerationJob) -> int:
        """1-based place in the fair (round-robin) queue; 0 when it is no longer waiting.
        A job just saved on PostgreSQL knows it from its INSERT, once."""
        known = job.__dict__.pop(_POSITION, None)
        if known is not None:
            return int(known)
        db = GenerationJob._meta.db
        listing = _queued(db.query_class)  # type: ignore[arg-type]
        _, rows = await db.execute_query(listing.sql, listing.bind({}))
        return _fair_position([(row[0], row[1]) for row in rows], job)

    async def active(self, account: Account) -> list[GenerationJob]:
        return await GenerationJob.filter(requester=account, state__in=ACTIVE).order_by("id")

    async def unposted(self, account: Account, limit: int) -> list[GenerationJob]:
        """Finished jobs, newest first, with an image neither posted nor discarded: previews
        that can still be posted (they outlive the chat that showed them, and restarts)."""
        found: list[GenerationJob] = []
        recent = GenerationJob.filter(requester=account, state=JobState.SUCCEEDED).order_by("-id")
        async for job in recent.limit(UNPOSTED_LOOKBACK):
            if len(job.posted) < len(job.result_images):
                found.append(job)
                if len(found) == limit:
                    break
        return found

    async def cancel(self, account: Account, job_id: int) -> GenerationJob:
        job = await self.get_own(account, job_id)
        async with self._units():  # cancelled and refunded together
            cancelled = await GenerationJob.filter(id=job.id, state__in=ACTIVE).update(
                state=JobState.CANCELLED, finished_at=self._clock.now(), lease_until=None
            )
            if not cancelled:
                raise Conflict("error.job_not_active", job=job_id)
            await self.refund(job)
        await job.refresh_from_db()
        return job

    async def fail(self, job: GenerationJob, key: str, params: dict) -> bool:
        """A running job failed: it is marked so and its quota refunded, together."""
        async with self._units():
            failed = await GenerationJob.filter(id=job.id, state=JobState.RUNNING).update(
                state=JobState.FAILED,
                error_key=key,
                error_params={k: str(v) for k, v in params.items()},
                finished_at=self._clock.now(),
                lease_until=None,
            )
            if failed:
                await self.refund(job)
        return bool(failed)

    async def refund(self, job: GenerationJob) -> None:
        count = int(job.options.get("count", 1))
        day = date.fromisoformat(job.options["quota_day"])
        await self._quotas.refund(
            job.requester_id, _job_server_scope(job), count, day, member=_job_member_scope(job)
        )

    def image_options(self, job: GenerationJob) -> ImageOptions:
        return ImageOptions(
            size=job.options.get("size", "1024x1024"),
            count=int(job.options.get("count", 1)),
            style=job.options.get("style"),
            seed=int(job.options.get("seed", 0)),
            user_ref=safety_identifier(job.requester_id),
        )


# Statements of a command's path written once (the ORM built each anew: most of their CPU).
_JOBS = Table("generation_job")
_JOB, _TARGET, _TOKEN, _UNTIL = (Slot(name) for name in ("job", "target", "token", "until"))


def _fair_position(queued: list[tuple[int | None, int]], job: GenerationJob) -> int:
    """`job`'s 1-based place in the fair (round-robin) order of `queued` (job id, requester
    id), in the order the workers take them; 0 when it is not among them."""
    mine = [job_id for job_id, requester in queued if requester == job.requester_id]
    if job.id not in mine:
        return 0
    turn = mine.index(job.id) + 1
    others = Counter(requester for _, requester in queued if requester != job.requester_id)
    return turn + sum(min(count, turn) for count in others.values())


_POSITION = "_position_at_save"  # a just-saved job's place, read once by `position`
_TOKEN_STORED = "_cancel_token_at_save"  # its cancel button's token stored by its INSERT
_AHEAD = "queue_ahead"
# Appended to the charging INSERT's `RETURNING *`: the requesters of the jobs queued before
# it, in the workers' order. The subquery sees the table as the statement began, without
# the new job, which is queued and (created now) the newest.
_QUEUE_AT_SAVE = (
    f', (SELECT array_agg("requester_id" ORDER BY "created_at", "id") FROM "generation_job"'
    f' WHERE "state" = \'{JobState.QUEUED.value}\') AS "{_AHEAD}"'
)


def cancel_button(job: GenerationJob) -> tuple[str, dict[str, int]]:
    """The command and arguments of a job's cancel button (on its status message while it
    waits or runs; owner-only: its requester)."""
    return "cancel", {"job": job.id}


# `cancel_button`'s canonical text (`button_tokens`) for the row `job` just inserted.
_CANCEL_CANONICAL = """'["cancel",{"job":' || job."id" || '},' || job."requester_id" || ']'"""


@lru_cache(maxsize=2)
def _with_cancel_token(saving: str) -> str:
    """The charging INSERT (`_saving_charged`) with the new job's cancel button stored by
    the same statement: WITH taken AS (…), job AS (INSERT INTO generation_job … RETURNING
    *), token AS (INSERT INTO action_token SELECT <token of job.id>, 'cancel', {"job": id},
    requester, created_at FROM job ON CONFLICT DO NOTHING) SELECT job.*, <queue ahead> FROM
    job. The token is a hash of the job's id (`button_tokens.token_expression`), known only
    inside the statement; storing it there saves the status message's own INSERT (a round
    trip of the three an `/imagine` makes), and it is stored before the message is sent."""
    head, boundary, insert = saving.partition(") INSERT INTO ")
    if not boundary or not saving.startswith("WITH taken AS ("):
        raise AssertionError(f"unexpected charging statement: {saving[:80]}")
    token = (
        'INSERT INTO "action_token" ("token","command","args","owner_id","created_at")'
        f" SELECT {token_expression(_CANCEL_CANONICAL)}, 'cancel',"
        ' jsonb_build_object(\'job\', job."id"), job."requester_id", job."created_at"'
        " FROM job ON CONFLICT DO NOTHING"
    )
    return (
        f"{head}), job AS (INSERT INTO {insert}), token AS ({token})"
        f" SELECT job.*{_QUEUE_AT_SAVE} FROM job"
    )


@lru_cache(maxsize=8)
def _remembering(query_class: type[Query], with_token: bool, announcing: bool) -> Written:
    """UPDATE generation_job SET reply_target = <target> [, status_token = <token>,
    status_token_until = <until>] WHERE id = <job> [RETURNING pg_notify('mosaic_jobs', '')]"""
    statement = query_class.update(_JOBS).set(_JOBS.reply_target, value(_TARGET))
    if with_token:
        statement = statement.set(_JOBS.status_token, value(_TOKEN))
        statement = statement.set(_JOBS.status_token_until, value(_UNTIL))
    statement = statement.where(_JOBS.id == value(_JOB))
    if announcing:  # PostgreSQL's: delivered when the UPDATE commits
        statement = statement.returning(Announcing(JOBS_CHANNEL))  # type: ignore[operator]  # PostgreSQL's has it
    return write(query_class, statement)


@lru_cache(maxsize=4)
def _queued(query_class: type[Query]) -> Written:
    """SELECT id, requester_id FROM generation_job WHERE state = 'queued' ORDER BY
    created_at, id: the queue in the order the workers take it (`GenerationWorker`)."""
    statement = (
        query_class.from_(_JOBS)
        .select(_JOBS.id, _JOBS.requester_id)
        .where(_JOBS.state == value(JobState.QUEUED.value))
        .orderby(_JOBS.created_at, order=Order.asc)
        .orderby(_JOBS.id, order=Order.asc)
    )
    return write(query_class, statement)


@lru_cache(maxsize=1)
def _insert_columns() -> tuple[str, ...]:
    """The fields a new job's INSERT writes, as tortoise's own INSERT writes them."""
    meta = GenerationJob._meta
    return tuple(f for f in meta.fields_db_projection if not meta.fields_map[f].generated)


@lru_cache(maxsize=32)
def _default_cell(column: str) -> object:
    """A new job's cell of `column` when its request gives no value: the field's default as
    the column stores it (tortoise's own INSERT writes the same)."""
    field_ = GenerationJob._meta.fields_map[column]
    default = field_.default() if callable(field_.default) else field_.default
    return field_.to_db_value(default, GenerationJob)


@lru_cache(maxsize=2)
def _saving_charged(query_class: type[Query], columns: tuple[str, ...]) -> Written:
    """See `GenerationJobs._save_charging`: WITH taken AS (`taking_or_making` RETURNING 1) INSERT
    INTO generation_job (<columns>) SELECT <cell>, … FROM taken RETURNING *"""
    projection = GenerationJob._meta.fields_db_projection
    taken = AliasedQuery("taken")
    statement = (
        query_class.with_(taking_or_making(query_class).returning(literal(1)), "taken")  # type: ignore[operator]  # PostgreSQL's has it
        .into(_JOBS)
        .columns(*(projection[c] for c in columns))
        .from_(taken)
        .select(*(value(Slot("cell", i)) for i in range(len(columns))))
        .returning(Star())
    )
    return write(query_class, statement)
