"""Who may moderate what: server admins what was posted or delivered in their server,
global moderators everything.

Rights are decided here, on the server side, from what the adapter established about the
actor (`Standing`): never from anything a client sent along with a button or a command.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import Platform
from core.errors import Forbidden
from core.persistence.models import Account


@dataclass(frozen=True, slots=True)
class Standing:
    """Who acts and where: the account, the platform, the server and admin rights there."""

    account: Account
    platform: Platform
    server_id: str | None = None
    is_server_admin: bool = False


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """Whose moderators decide about something: one server, or (server_id None) nobody's;
    and for a post, also the servers it was delivered in (`delivered_in`: a digest, a
    cross-post, a /show in a group), whose moderators may take it down there too."""

    platform: Platform
    server_id: str | None
    delivered_in: frozenset[tuple[Platform, str]] = frozenset()

    def covers(self, platform: Platform, server_id: str) -> bool:
        return (platform, server_id) == (self.platform, self.server_id) or (
            platform,
            server_id,
        ) in self.delivered_in


class Authority:
    def __init__(self, global_moderators: frozenset[str]) -> None:
        self._global = global_moderators

    def is_global(self, account: Account) -> bool:
        return account.handle.lower() in self._global or str(account.id) in self._global

    def is_server_moderator(self, standing: Standing) -> bool:
        return standing.is_server_admin and standing.server_id is not None

    def may_moderate(self, standing: Standing, place: Jurisdiction) -> bool:
        if self.is_global(standing.account):
            return True
        return (
            self.is_server_moderator(standing)
            and standing.server_id is not None
            and place.covers(standing.platform, standing.server_id)
        )

    def require(self, standing: Standing, place: Jurisdiction) -> None:
        if not self.may_moderate(standing, place):
            raise Forbidden("error.not_moderator_here")

    def require_moderator(self, standing: Standing) -> None:
        """A moderator somewhere: a global one, or an admin of the server they act in."""
        if not (self.is_global(standing.account) or self.is_server_moderator(standing)):
            raise Forbidden("error.not_moderator")

    def require_global(self, standing: Standing) -> None:
        if not self.is_global(standing.account):
            raise Forbidden("error.global_moderators_only")

    def own_server(self, standing: Standing) -> Jurisdiction | None:
        """The server a moderator acts for (None: a global moderator outside any server)."""
        if standing.server_id is None:
            return None
        return Jurisdiction(standing.platform, standing.server_id)
