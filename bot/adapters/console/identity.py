"""Who sits at the console when nobody said (`mosaic chat --as <name>`), and in which language."""

from __future__ import annotations

import getpass
import os

GUEST = "guest"
# Logins that name a machine's role, not a person: a server's shell is usually one of these.
SYSTEM_LOGINS = frozenset({"root", "admin", "administrator", "ubuntu", "debian", "ec2-user"})


def default_console_name() -> tuple[str, str]:
    """(name, message key saying where the name came from): the login name when it names a
    person, else "guest"."""
    try:
        login = getpass.getuser()
    except Exception:  # no login name at all (some containers)
        login = ""
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if login and not is_root and login.lower() not in SYSTEM_LOGINS:
        return login, "console.name_from_login"
    return GUEST, "console.name_default"


def console_locale() -> str | None:
    """The terminal's language, as the C library reads it (`de_DE.UTF-8` → `de_DE`)."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").split(".", 1)[0]
        if value:
            return None if value in {"C", "POSIX"} else value
    return None
