"""A scheduler in a process of its own, on a clock the test moves: what an API replica runs for schedules.

``python -m tests.support.scheduler_process URL CLOCK_FILE NAME`` runs a JobRunner (kind ``probe``: succeeds at
once, takes no lock) and a Scheduler, both named ``NAME`` and both reading the time from ``CLOCK_FILE`` (an ISO
timestamp the test rewrites atomically), and ticks the scheduler until killed. Each time it ticks at a clock value
it had not ticked at before, it prints a JSON line: the clock value, whether it held the lease, and the due times
it ran. ``SchedulerProcess`` starts one from a test, reads those lines, and kills it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mongo_admin.db.base import make_engine, session_factory
from mongo_admin.jobs.runner import JobKind, JobRunner
from mongo_admin.jobs.scheduler import Scheduler

PROBE = "probe"
TICK_PAUSE_S = 0.02
LEASE_S = 90.0
REPO = Path(__file__).resolve().parents[2]


class FileClock:
    """The time written in a file: every process reading the file sees the same clock, moved only by ``set``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.path.read_text().strip())

    def set(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FileClock needs a timezone-aware time")
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(moment.isoformat())
        os.replace(temporary, self.path)  # readers see the old time or the new one, never a partial write


@dataclass(frozen=True)
class Tick:
    """One line of a scheduler process: at clock value ``at`` it held the lease or not, and ran ``ran``."""

    at: dt.datetime
    leader: bool
    ran: list[dt.datetime]


def run(url: str, clock_file: Path, name: str) -> None:
    clock = FileClock(clock_file)
    engine = make_engine(url)
    sessions = session_factory(engine)
    runner = JobRunner(sessions, name, workers=1, heartbeat_s=0.2, clock=clock)
    runner.register(JobKind(PROBE, None, build=lambda params: lambda ctx: {"ran_by": name}))
    now = clock()

    def cycle_time() -> dt.datetime:
        """The clock as read at the start of this cycle: a whole tick happens at one time, the one reported."""
        return now

    scheduler = Scheduler(sessions, runner, name, clock=cycle_time, lease_s=LEASE_S)
    runner.start()
    last: dt.datetime | None = None
    while True:
        now = clock()
        runs = scheduler.tick()
        leader = scheduler.leader() == name
        if now != last or runs:
            line = {"at": now.isoformat(), "leader": leader, "ran": [each.due_at.isoformat() for each in runs]}
            print(json.dumps(line), flush=True)
            last = now
        time.sleep(TICK_PAUSE_S)


class SchedulerProcess:
    """One ``scheduler_process`` started by a test; its lines go to ``<workdir>/<name>.out``."""

    def __init__(self, workdir: Path, url: str, clock: FileClock, name: str) -> None:
        self.name = name
        self.output = workdir / f"{name}.out"
        self._argv = [sys.executable, "-m", "tests.support.scheduler_process", url, str(clock.path), name]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> SchedulerProcess:
        with self.output.open("wb") as out:
            self.proc = subprocess.Popen(self._argv, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        return self

    def ticks(self) -> list[Tick]:
        """What the process printed so far; fails when it died on its own."""
        lines, ticks = self.output.read_text().splitlines(), []
        for line in lines:
            try:
                data: dict[str, Any] = json.loads(line)
            except ValueError:
                continue
            ticks.append(Tick(dt.datetime.fromisoformat(data["at"]), bool(data["leader"]),
                              [dt.datetime.fromisoformat(at) for at in data["ran"]]))
        if self.proc is not None and self.proc.poll() not in (None, -signal.SIGKILL):
            raise AssertionError(f"scheduler process {self.name} exited with {self.proc.returncode}:\n"
                                 + "\n".join(lines[-30:]))
        return ticks

    def ticked_at(self, moment: dt.datetime) -> bool:
        return any(tick.at == moment for tick in self.ticks())

    def kill(self) -> None:
        """SIGKILL: no lease released, nothing cleaned up, as when a replica's machine dies."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)


if __name__ == "__main__":
    run(sys.argv[1], Path(sys.argv[2]), sys.argv[3])
