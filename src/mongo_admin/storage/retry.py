"""Bounded retries with exponential backoff for the transient failures of remote storage.

Backends turn their client libraries' own retries off and call through one ``RetryPolicy``, so every
backend retries the same way, a bounded number of times, and says how often it tried when it gives up.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Try an operation up to ``attempts`` times, sleeping ``initial_delay_s`` doubled after each failure
    (capped at ``max_delay_s``, with up to 25% jitter) between tries. ``sleep`` is replaceable for tests."""

    attempts: int = 5
    initial_delay_s: float = 0.5
    max_delay_s: float = 10.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed try (1-based); never above ``max_delay_s``."""
        base = min(self.max_delay_s, self.initial_delay_s * 2.0 ** (failures - 1))
        return min(self.max_delay_s, base * (1 + random.uniform(0, 0.25)))  # jitter, not security

    def call(self, operation: Callable[[], T], *, is_transient: Callable[[BaseException], bool], what: str) -> T:
        """``operation()``, retried while it raises an error ``is_transient`` accepts. The last error is
        re-raised once the attempts are spent, with ``retry_attempts`` set on it for the caller's message."""
        failures = 0
        while True:
            try:
                return operation()
            except Exception as error:
                failures += 1
                if not is_transient(error) or failures >= self.attempts:
                    error.retry_attempts = failures  # type: ignore[attr-defined]
                    raise
                pause = self.delay(failures)
                # Only the exception's type: a message can echo request details we do not want in logs.
                log.warning("%s failed (%s), attempt %d of %d; retrying in %.1fs",
                            what, type(error).__name__, failures, self.attempts, pause)
                self.sleep(pause)


def attempts_note(error: BaseException) -> str:
    """" (after N attempts)" when ``error`` came out of a RetryPolicy that tried more than once."""
    count = getattr(error, "retry_attempts", 1)
    return f" (after {count} attempts)" if count > 1 else ""
