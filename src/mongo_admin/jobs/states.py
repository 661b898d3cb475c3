"""The job state machine: queued → running → succeeded / failed / cancelled, and nothing else.

A job is recorded ``queued`` before any work starts; a worker moves it to ``running``; it ends in exactly one
terminal state. A queued job may also end without running (cancelled before it started, or failed because its
runner died). Every transition goes through ``check_transition`` so an illegal one (a finished job started again,
a cancelled job marked succeeded) is refused with an error naming both states.
"""

from __future__ import annotations

from typing import Final, Literal

from mongo_admin.errors import MongoAdminError

JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]

QUEUED: Final = "queued"
RUNNING: Final = "running"
SUCCEEDED: Final = "succeeded"
FAILED: Final = "failed"
CANCELLED: Final = "cancelled"

STATES: Final[tuple[JobState, ...]] = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
TERMINAL_STATES: Final[frozenset[str]] = frozenset({SUCCEEDED, FAILED, CANCELLED})
ACTIVE_STATES: Final[frozenset[str]] = frozenset({QUEUED, RUNNING})

_ALLOWED: Final[dict[str, frozenset[str]]] = {
    QUEUED: frozenset({RUNNING, FAILED, CANCELLED}),
    RUNNING: frozenset({SUCCEEDED, FAILED, CANCELLED}),
    SUCCEEDED: frozenset(),
    FAILED: frozenset(),
    CANCELLED: frozenset(),
}


class JobError(MongoAdminError):
    """Root of the job runner's and scheduler's errors."""


class IllegalTransitionError(JobError):
    """A job was asked to move to a state its current state cannot reach."""


def is_terminal(state: str) -> bool:
    return state in TERMINAL_STATES


def can_transition(current: str, target: str) -> bool:
    return target in _ALLOWED.get(current, frozenset())


def check_transition(job_id: str, current: str, target: str) -> None:
    """Return when ``current`` → ``target`` is allowed; IllegalTransitionError otherwise."""
    if current not in _ALLOWED:
        raise IllegalTransitionError(f"job {job_id} is in an unknown state {current!r}",
                                     f"the states are {', '.join(STATES)}", "repair the job record")
    if not can_transition(current, target):
        allowed = sorted(_ALLOWED[current])
        raise IllegalTransitionError(
            f"job {job_id} cannot go from {current} to {target}",
            f"a {current} job can only become {' or '.join(allowed)}" if allowed else f"{current} is final",
            "submit a new job" if not allowed else "")
