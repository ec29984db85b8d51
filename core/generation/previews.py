"""What becomes of a finished job's previews: each image posted at most once, or all
discarded. Each is one unit of work: the post and the job's record of it are saved
together, so a crash cannot leave a post its preview does not know of (and offers again)."""

from __future__ import annotations

from core.domain import Audience
from core.errors import Conflict
from core.generation.jobs import GenerationJobs, JobKind, parent_of
from core.persistence.models import Account, GenerationJob, Post
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.social.posts import Origin, Posts, Provenance


class Previews:
    def __init__(
        self, jobs: GenerationJobs, posts: Posts, units: UnitOfWorkFactory = TortoiseUnitOfWork
    ) -> None:
        self._jobs = jobs
        self._posts = posts
        self._units = units

    async def publish(
        self, account: Account, job_id: int, index: int, *, audience: Audience, origin: Origin
    ) -> Post:
        """Post image `index` (0-based) of the account's finished job `job_id`."""
        async with self._units():
            job = await self._jobs.get_own(account, job_id, for_update=True)
            already = job.posted.get(str(index))
            if already is not None:  # a second press of the same button
                raise Conflict("error.already_posted", post=already)
            if not 0 <= index < len(job.result_images):
                raise Conflict("error.preview_gone", job=job_id)
            parent = await parent_of(job)
            try:
                post = await self._posts.create(
                    account,
                    job.result_images[index],
                    audience=audience,
                    origin=origin,
                    provenance=Provenance(job.provider, job.model, job.prompt),
                    remix_of=parent if job.kind is not JobKind.GENERATE else None,
                )
            except FileNotFoundError:
                raise Conflict("error.preview_gone", job=job_id) from None
            await self._record_posted(job, index, post)
        return post

    @staticmethod
    async def _record_posted(job: GenerationJob, index: int, post: Post) -> None:
        job.posted = {**job.posted, str(index): post.id}
        await job.save(update_fields=["posted"])

    async def discard(self, account: Account, job_id: int) -> None:
        """Forget the job's previews; their files go once no post shows them."""
        async with self._units():
            job = await self._jobs.get_own(account, job_id, for_update=True)
            for sha in job.result_images:
                await self._posts.release_image(sha)
            job.result_images = []
            await job.save(update_fields=["result_images"])
