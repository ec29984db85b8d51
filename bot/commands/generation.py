"""Making images: /imagine, /remix, previews (post, reroll, vary, discard), /queue, /cancel,
/quota, and an author's say over remixes of their post."""

from __future__ import annotations

import secrets
from dataclasses import replace

from bot.commands.buttons import tokenize
from bot.commands.challenge import challenge_invitation
from bot.commands.context import Context, post_to_show
from bot.commands.job_notices import preview_reply, status_reply
from bot.commands.render import AUDIENCES, audience_choice, handle, post_reply
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.delivery.ports import EditTokens, MessageRefs
from core.delivery.replies import Button, Reply
from core.domain import Audience, JobState
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.generation import MAX_IMAGES_PER_JOB, SIZES, ImageOptions
from core.generation.jobs import JobKind, JobRequest, parent_of
from core.generation.quota import account_scope, server_scope
from core.persistence.models import GenerationJob, Post
from core.social import Origin
from core.user_text import PROMPT_MAX

JOBS_SHOWN = 5


async def _start(ctx: Context, request: JobRequest) -> list[Reply]:
    """Save the job, show its status (edited as it runs), and wake the workers."""
    gen = ctx.services.generation
    job = await gen.jobs.submit(request)
    ctx.services.tokens.stored(gen.jobs.tokens_saved_with(job))  # its cancel button's, if so
    ack = status_reply(ctx.language, job, position=await gen.jobs.position(job))
    handle_ = await ctx.conversation.send(await tokenize(ack, ctx.services.tokens, ctx.account.id))
    ctx.notices.attach(job.id, ctx.conversation, handle_)
    ref, token = None, None
    if isinstance(ctx.conversation, MessageRefs):  # a worker in another process edits it
        ref = ctx.conversation.message_ref(handle_)
        if ref is not None:
            shown = ctx.conversation
            token = shown.edit_token() if isinstance(shown, EditTokens) else None
    await gen.answered(job, ref, token=token)
    return []


def _request(
    ctx: Context,
    prompt: str,
    options: ImageOptions,
    *,
    kind: JobKind = JobKind.GENERATE,
    parent_post: Post | None = None,
    parent_image: str | None = None,
) -> JobRequest:
    target = {**ctx.conversation.reply_target(), "language": ctx.language}
    return JobRequest(
        requester=ctx.account,
        prompt=prompt,
        options=options,
        origin_platform=ctx.actor.platform,
        origin_chat_id=ctx.actor.chat_id,
        server_id=ctx.actor.server_id,
        reply_target=target,
        member_is_admin=ctx.actor.is_admin,
        member_roles=ctx.actor.roles,
        kind=kind,
        parent_post=parent_post,
        parent_image=parent_image,
    )


def _new_seed() -> int:
    return secrets.randbelow(2**31)


async def imagine(
    ctx: Context, prompt: str, size: str = "square", count: int = 1, style: str | None = None
) -> list[Reply]:
    ctx.services.generation.check_style(style)
    options = ImageOptions(size=SIZES[size], count=count, style=style, seed=_new_seed())
    return await _start(ctx, _request(ctx, prompt, options))


async def remix(ctx: Context, post: int, prompt: str) -> list[Reply]:
    parent = await post_to_show(ctx, post)
    if not parent.allow_remix and parent.author_id != ctx.account.id:
        raise Forbidden("error.no_remix", post=post, author=handle(parent.author))
    if parent.image_id is None:
        raise NotFound("error.post_deleted", post=post)
    options = ImageOptions(seed=_new_seed())
    return await _start(
        ctx,
        _request(
            ctx,
            prompt,
            options,
            kind=JobKind.REMIX,
            parent_post=parent,
            parent_image=parent.image_id,
        ),
    )


async def _finished_job(ctx: Context, job_id: int) -> GenerationJob:
    job = await ctx.services.generation.jobs.get_own(ctx.account, job_id)
    if job.state is not JobState.SUCCEEDED or not job.result_images:
        raise Conflict("error.preview_gone", job=job_id)
    return job


def _image_index(job: GenerationJob, image: int) -> int:
    if not 1 <= image <= len(job.result_images):
        raise InvalidInput("error.out_of_range", field="image", low=1, high=len(job.result_images))
    return image - 1


async def reroll(ctx: Context, job: int) -> list[Reply]:
    source = await ctx.services.generation.jobs.get_own(ctx.account, job)
    options = replace(ctx.services.generation.jobs.image_options(source), seed=_new_seed())
    return await _start(
        ctx,
        _request(
            ctx,
            source.prompt,
            options,
            kind=JobKind(source.kind),
            parent_post=await parent_of(source),
            parent_image=source.parent_image,
        ),
    )


async def vary(ctx: Context, job: int, image: int, prompt: str | None = None) -> list[Reply]:
    source = await _finished_job(ctx, job)
    index = _image_index(source, image)
    options = replace(ctx.services.generation.jobs.image_options(source), count=1, seed=_new_seed())
    return await _start(
        ctx,
        _request(
            ctx,
            prompt or source.prompt,
            options,
            kind=JobKind.VARY,
            parent_post=await parent_of(source),
            parent_image=source.result_images[index],
        ),
    )


async def publish(
    ctx: Context, job: int, image: int, audience: str | None = None
) -> Reply | list[Reply]:
    source = await _finished_job(ctx, job)
    index = _image_index(source, image)
    already = source.posted.get(str(index))
    if already is not None:
        raise Conflict("error.already_posted", post=already)
    if audience is None:
        return audience_choice(ctx, "publish", {"job": job, "image": image})
    created = await ctx.services.generation.previews.publish(
        ctx.account,
        job,
        index,
        audience=Audience(audience),
        origin=Origin(ctx.actor.platform, ctx.actor.chat_id, ctx.actor.server_id),
    )
    shown = await ctx.services.posts.get_visible(ctx.account, created.id)
    invitation = await challenge_invitation(ctx, shown)  # made with the theme's prompt?
    if invitation is not None:
        return [post_reply(ctx, shown, liked=False), invitation]
    return post_reply(ctx, shown, liked=False)


async def discard(ctx: Context, job: int) -> Reply:
    await ctx.services.generation.previews.discard(ctx.account, job)
    return Reply(text=ctx.t("discard.done", job=job), private=True)


async def queue(ctx: Context) -> Reply:
    jobs = await ctx.services.generation.jobs.active(ctx.account)
    if not jobs:
        return Reply(text=ctx.t("queue.empty"), private=True)
    lines, buttons = [], []
    for job in jobs:
        position = await ctx.services.generation.jobs.position(job)
        lines.append(status_reply(ctx.language, job, position=position).text)
        buttons.append(
            Button(
                ctx.t("button.cancel_job", job=job.id), "cancel", {"job": job.id}, owner_only=True
            )
        )
    rows = tuple(tuple(buttons[i : i + 5]) for i in range(0, min(len(buttons), 25), 5))
    return Reply(title=ctx.t("queue.title"), text="\n".join(lines), buttons=rows, private=True)


async def jobs(ctx: Context) -> list[Reply]:
    """Finished previews not posted yet, newest first, each with its buttons again."""
    found = await ctx.services.generation.jobs.unposted(ctx.account, JOBS_SHOWN)
    previews = []
    for job in found:
        try:
            previews.append(preview_reply(ctx.language, job, ctx.services.images))
        except FileNotFoundError:  # its image files went away
            continue
    if not previews:
        return [Reply(text=ctx.t("jobs.empty"), private=True)]
    title = Reply(title=ctx.t("jobs.title"), text=ctx.t("jobs.hint"), private=True)
    return [title, *previews]


async def cancel(ctx: Context, job: int) -> Reply:
    cancelled = await ctx.services.generation.jobs.cancel(ctx.account, job)
    await ctx.notices.settle(cancelled)  # its status message says so too
    return status_reply(ctx.language, cancelled)


async def quota(ctx: Context) -> Reply:
    quotas = ctx.services.generation.quotas
    mine = await quotas.status(account_scope(ctx.account.id), quotas.per_account)
    lines = [ctx.t("quota.mine", left=mine.left, limit=mine.limit)]
    if ctx.actor.server_id is not None:
        scope = server_scope(ctx.actor.platform, ctx.actor.server_id)
        server = await quotas.status(scope, quotas.per_server)
        lines.append(ctx.t("quota.server", left=server.left, limit=server.limit))
    return Reply(text="\n".join(lines), private=True)


async def remixable(ctx: Context, post: int, value: str) -> Reply:
    found = await ctx.services.posts.allow_remixes(ctx.account, post, value == "on")
    return Reply(text=ctx.t("remixable.on" if found.allow_remix else "remixable.off", post=post))


JOB = Param("job", ParamKind.INT, min_value=1, max_value=2**62)
IMAGE = Param("image", ParamKind.INT, min_value=1, max_value=MAX_IMAGES_PER_JOB)
PROMPT = Param("prompt", ParamKind.TEXT, max_length=PROMPT_MAX)
POST_ID = Param("post", ParamKind.POST)

SPECS = (
    CommandSpec(
        "imagine",
        imagine,
        (
            Param("size", ParamKind.CHOICE, required=False, choices=tuple(SIZES), flag_only=True),
            Param(
                "count",
                ParamKind.INT,
                required=False,
                min_value=1,
                max_value=MAX_IMAGES_PER_JOB,
                flag_only=True,
            ),
            Param(
                "style",
                ParamKind.WORD,
                required=False,
                max_length=32,
                flag_only=True,
                autocomplete=True,
            ),
            PROMPT,
        ),
        private_reply=True,
        restricted=True,
        asks_admin=True,  # a server policy may let only admins generate (Telegram: no roles)
    ),
    CommandSpec(
        "remix", remix, (POST_ID, PROMPT), private_reply=True, restricted=True, asks_admin=True
    ),
    CommandSpec("queue", queue, private_reply=True),
    CommandSpec("jobs", jobs, private_reply=True),
    CommandSpec("cancel", cancel, (JOB,), private_reply=True),
    CommandSpec("quota", quota, private_reply=True),
    CommandSpec(
        "remixable",
        remixable,
        (POST_ID, Param("value", ParamKind.CHOICE, choices=("on", "off"))),
        private_reply=True,
    ),
    # Buttons of previews (not typed, not listed):
    CommandSpec(
        "publish",
        publish,
        (JOB, IMAGE, Param("audience", ParamKind.CHOICE, required=False, choices=AUDIENCES)),
        hidden=True,
        restricted=True,
    ),
    CommandSpec(
        "reroll",
        reroll,
        (JOB,),
        hidden=True,
        private_reply=True,
        restricted=True,
        asks_admin=True,
    ),
    CommandSpec(
        "vary",
        vary,
        (JOB, IMAGE, Param("prompt", ParamKind.TEXT, required=False, max_length=PROMPT_MAX)),
        hidden=True,
        private_reply=True,
        restricted=True,
        asks_admin=True,
    ),
    CommandSpec("discard", discard, (JOB,), hidden=True, private_reply=True),
)
