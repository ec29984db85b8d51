"""Deleting or merging accounts keeps the audit log and leaves no dangling reference."""

from __future__ import annotations

from bot.bootstrap import App
from core.domain import Platform, ReportTarget, SanctionKind
from core.persistence.models import ModerationAction, Report, Sanction
from core.safety import Jurisdiction, Standing
from core.social import Origin
from tests.support.images import png_bytes


async def test_deleteme_anonymizes_the_audit_log_and_drops_reports_and_sanctions(app: App) -> None:
    accounts, safety = app.services.accounts, app.services.safety
    mod = await accounts.resolve(Platform.DISCORD, "1", "mod")
    gone = await accounts.resolve(Platform.DISCORD, "2", "gone")
    post = await app.services.posts.create(
        gone, png_bytes((3, 3, 3)), origin=Origin(Platform.DISCORD)
    )
    witness = await accounts.resolve(Platform.DISCORD, "3", "witness")
    here = Jurisdiction(Platform.DISCORD, "g")
    target = await safety.reports.resolve(witness, ReportTarget.POST, str(post.id), here)
    await safety.reports.file(witness, target, "spam")
    standing = Standing(mod, Platform.DISCORD, "g", is_server_admin=True)
    await safety.moderation.warn(standing, gone, "be nice")
    await safety.sanctions.impose(gone, SanctionKind.MUTE, platform=Platform.DISCORD,
                                  server_id="g", until=None, reason="x", by=mod)  # fmt: skip

    await app.services.account_data.delete(gone)

    assert not await Report.exists(subject_id=gone.id)
    assert not await Sanction.exists(account_id=gone.id)
    (entry,) = await ModerationAction.all()
    assert (entry.subject_id, entry.subject_handle) == (None, "")
    assert (entry.moderator_id, entry.moderator_handle, entry.reason) == (mod.id, "mod", "be nice")
