"""Trust and safety: reports, moderation actions, sanctions, the audit log and takedowns."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.safety.audit import AuditLog
from core.safety.authority import Authority, Jurisdiction, Standing
from core.safety.moderation import Moderation
from core.safety.policy import Member, ServerPolicies
from core.safety.ports import Notifier
from core.safety.reports import Reports, Target, parse_target
from core.safety.sanctions import Sanctions
from core.safety.takedown import Takedown


@dataclass(slots=True)
class Safety:
    """What the command layer uses of trust and safety, in one place."""

    authority: Authority
    reports: Reports
    sanctions: Sanctions
    audit: AuditLog
    takedown: Takedown
    moderation: Moderation
    policies: ServerPolicies = field(default_factory=ServerPolicies)


__all__ = [
    "AuditLog",
    "Authority",
    "Jurisdiction",
    "Member",
    "Moderation",
    "Notifier",
    "Reports",
    "Safety",
    "Sanctions",
    "ServerPolicies",
    "Standing",
    "Takedown",
    "Target",
    "parse_target",
]
