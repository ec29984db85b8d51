"""What both soaks read, with nothing of Mosaic imported: the soak on the fake platforms
spawns a process for the platforms, which imports its module again and needs neither
Mosaic nor its start-up cost."""

from __future__ import annotations

import os

APOLOGY = "something broke on our side"  # in the internal-error reply (core/i18n/en.py)


def rss_mb() -> float:
    """This process's resident memory, MB (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
