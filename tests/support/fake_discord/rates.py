"""Discord's rate limits, for fan-out tests: a global request rate and a per-channel message
window. Off unless a test turns them on (`FakeDiscord.enforce_rate_limits`); each request
over a limit is answered 429 with `retry_after` and counted."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class RateLimits:
    global_per_second: float = 50.0
    channel_messages: int = 5
    channel_window: float = 5.0
    exceeded: list[str] = field(default_factory=list)
    _recent: deque[float] = field(default_factory=deque)
    _channels: dict[int, deque[float]] = field(default_factory=dict)

    def check(self, method: str, parts: list[str]) -> tuple[float, bool] | None:
        """(retry_after, is_global) when this request is over a limit, else None."""
        now = time.monotonic()
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.global_per_second:
            self.exceeded.append(f"global: over {self.global_per_second:g} requests/s")
            return self._recent[0] + 1.0 - now, True
        if (
            method == "POST"
            and len(parts) == 3
            and parts[0] == "channels"
            and parts[2] == "messages"
        ):
            sent = self._channels.setdefault(int(parts[1]), deque())
            while sent and sent[0] <= now - self.channel_window:
                sent.popleft()
            if len(sent) >= self.channel_messages:
                self.exceeded.append(f"channel {parts[1]}: over {self.channel_messages} messages")
                return sent[0] + self.channel_window - now, False
            sent.append(now)
        self._recent.append(now)
        return None
