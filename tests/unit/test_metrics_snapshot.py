"""The snapshot keeper behind cluster detail: a kept snapshot is served while young enough, a live reading
replaces it, concurrent callers share one reading, a reading slower than its caller's timeout is still kept, and a
failed reading is an ``unreachable`` snapshot saying why."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from mongo_admin.errors import ServerUnreachableError
from mongo_admin.metrics.snapshot import UNREACHABLE, Reading, SnapshotKeeper

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
WAIT_S = 30.0  # a bound for readings the test releases itself, never reached


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class CountingReader:
    """Readings numbered 1, 2, ...; each waits for ``gate`` when one is given."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.calls = 0
        self.gate = gate
        self.started = threading.Event()

    def __call__(self) -> Reading:
        self.calls += 1
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(WAIT_S)
        return Reading("healthy", {"reading": self.calls})


def test_kept_snapshot_is_served_until_too_old_or_refresh_is_asked() -> None:
    clock, reader = Clock(), CountingReader()
    keeper = SnapshotKeeper(reader, clock=clock)
    first, live = keeper.current(refresh=False, max_age_s=20, timeout_s=WAIT_S)
    assert live and first is not None and first.topology == {"reading": 1} and first.observed_at == T0
    clock.advance(20)
    assert keeper.current(refresh=False, max_age_s=20, timeout_s=WAIT_S) == (first, False)
    forced, live = keeper.current(refresh=True, max_age_s=20, timeout_s=WAIT_S)
    assert live and forced is not None and forced.topology == {"reading": 2}
    clock.advance(20.5)
    aged, live = keeper.current(refresh=False, max_age_s=20, timeout_s=WAIT_S)
    assert live and aged is not None and aged.topology == {"reading": 3}
    assert keeper.latest is aged and reader.calls == 3


def test_concurrent_callers_share_one_reading() -> None:
    gate = threading.Event()
    reader = CountingReader(gate)
    keeper = SnapshotKeeper(reader)
    results: list[object] = []
    callers = [threading.Thread(target=lambda: results.append(keeper.refresh(WAIT_S))) for _ in range(5)]
    for caller in callers:
        caller.start()
    assert reader.started.wait(WAIT_S)
    gate.set()
    for caller in callers:
        caller.join(WAIT_S)
    assert reader.calls == 1
    assert len(results) == 5 and all(result is keeper.latest for result in results)


def test_a_reading_that_outlasts_its_caller_is_kept_when_it_arrives() -> None:
    gate = threading.Event()
    reader = CountingReader(gate)
    keeper = SnapshotKeeper(reader)
    assert keeper.current(refresh=True, max_age_s=20, timeout_s=0.01) == (None, False)
    gate.set()
    arrived = keeper.refresh(WAIT_S)  # joins the reading under way: no second one
    assert arrived is not None and arrived.topology == {"reading": 1} and reader.calls == 1
    assert keeper.latest is arrived


def _failing(error: BaseException) -> Callable[[], Reading]:
    def read() -> Reading:
        raise error
    return read


def test_a_failed_reading_is_an_unreachable_snapshot_saying_why() -> None:
    keeper = SnapshotKeeper(_failing(ServerUnreachableError("no answer from MongoDB at db1:27017",
                                                            "connection refused", "start it")))
    snapshot = keeper.refresh(WAIT_S)
    assert snapshot is not None
    assert (snapshot.status, snapshot.topology, snapshot.health) == (UNREACHABLE, None, None)
    assert snapshot.error == "no answer from MongoDB at db1:27017: connection refused"
    # Anything else (a driver error that may quote its input) is named by its type alone.
    other = SnapshotKeeper(_failing(ValueError("mongodb://user:secret@db1"))).refresh(WAIT_S)
    assert other is not None and other.error == "ValueError"
