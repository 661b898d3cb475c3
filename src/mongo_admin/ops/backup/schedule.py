"""Scheduled backups with cron: the crontab lines that run the backup scripts for one cluster, and their
installation into the current user's crontab.

Every line calls a script under ``scripts/`` by its absolute path, with ``--cluster NAME``, ``MONGO_ADMIN_HOME``
and a ``PATH`` that finds this installation's ``mongo-admin`` first: cron starts jobs with an almost empty
environment. The scripts log every run, so the lines send their output nowhere.

Installed lines sit between two marker comments, ``# mongo-admin <cluster> begin`` and ``# mongo-admin <cluster>
end``. Installing replaces that block (or appends it) and keeps every other line of the crontab as it was;
removing deletes only the block. The crontab executable is ``$MONGO_ADMIN_CRONTAB``, else ``crontab`` on PATH.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mongo_admin.errors import InvalidInputError, MongoAdminError
from mongo_admin.home import platform_home

CRONTAB_ENV = "MONGO_ADMIN_CRONTAB"
SCRIPTS_DIR_ENV = "MONGO_ADMIN_SCRIPTS_DIR"
DEFAULT_FULL = "0 2 * * *"
DEFAULT_PRUNE = "30 3 * * *"
EVERY_MINUTE = "* * * * *"
# What cron's jobs find besides this installation's own bin directory.
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"

ScheduleAction = Literal["print", "install", "remove"]


class CrontabError(MongoAdminError):
    """The crontab could not be read or written: no crontab command, a failing one, or a damaged block."""


# ------------------------------------------------------------------------------------------ cron expressions
@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names[i] stands for low + i


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    # 0 and 7 are both Sunday.
    _Field("day-of-week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)
_ITEM = re.compile(r"^(?:(?P<star>\*)|(?P<low>[0-9a-z]+)(?:-(?P<high>[0-9a-z]+))?)(?:/(?P<step>[0-9]+))?$")


def _value(text: str, field: _Field) -> int:
    if text.isdigit():
        value = int(text)
        if not field.low <= value <= field.high:
            raise ValueError(f"the {field.name} field's value {value} is out of range {field.low}-{field.high}")
        return value
    if text in field.names:
        return field.low + field.names.index(text)
    allowed = f" or a name ({'-'.join((field.names[0], field.names[-1]))})" if field.names else ""
    raise ValueError(f"the {field.name} field's value {text!r} is not a number{allowed}")


def _check_field(text: str, field: _Field) -> None:
    for item in text.lower().split(","):
        match = _ITEM.match(item)
        if match is None:
            raise ValueError(f"the {field.name} field {text!r} is not a cron field: use *, N, N-M, lists "
                             "separated by commas and /STEP")
        if match["step"] is not None and int(match["step"]) == 0:
            raise ValueError(f"the {field.name} field {text!r} has a step of 0")
        if match["star"]:
            continue
        low = _value(match["low"], field)
        if match["high"] is not None:
            high = _value(match["high"], field)
            if high < low:
                raise ValueError(f"the {field.name} field's range {match['low']}-{match['high']} goes backwards")
        elif match["step"] is not None:
            raise ValueError(f"the {field.name} field {text!r} has a step without a range: write "
                             f"{match['low']}-{field.high}/{match['step']} or */{match['step']}")


def check_cron(expression: str, option: str) -> str:
    """``expression`` with its fields separated by single spaces, when it is a valid five-field cron schedule;
    InvalidInputError naming the bad field otherwise. ``option`` names where it came from (``--full``)."""
    fields = expression.split()
    try:
        if len(fields) != len(_FIELDS):
            raise ValueError(f"it has {len(fields)} field{'s' if len(fields) != 1 else ''}, cron needs 5: "
                             "minute hour day-of-month month day-of-week")
        for text, field in zip(fields, _FIELDS, strict=True):
            _check_field(text, field)
    except ValueError as exc:
        raise InvalidInputError(f"{option} {expression!r} is not a cron schedule", str(exc),
                                "write five fields, minute hour day-of-month month day-of-week, e.g. "
                                f"'{DEFAULT_FULL}' for 02:00 every day") from exc
    return " ".join(fields)


# ------------------------------------------------------------------------------------------ the lines
@dataclass(frozen=True)
class ScheduleOptions:
    """Which jobs to schedule, and when. ``None`` leaves a job out."""

    full: str | None = DEFAULT_FULL
    config: str | None = None
    pitr: bool = False
    prune: str | None = DEFAULT_PRUNE
    health: str | None = None
    scripts_dir: Path | None = None  # default: $MONGO_ADMIN_SCRIPTS_DIR, else this checkout's scripts/
    home: Path | None = None


@dataclass(frozen=True)
class ScheduledJob:
    job: str
    schedule: str
    script: str


@dataclass(frozen=True)
class ScheduleResult:
    """``lines`` is the whole block, markers included, exactly as it is (or would be) in the crontab."""

    message: str
    cluster: str
    action: ScheduleAction
    changed: bool
    crontab: str | None
    jobs: list[ScheduledJob]
    lines: list[str]


def begin_marker(cluster: str) -> str:
    return f"# mongo-admin {cluster} begin"


def end_marker(cluster: str) -> str:
    return f"# mongo-admin {cluster} end"


def find_scripts_dir(given: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The ``scripts/`` directory the lines call: ``given``, else ``$MONGO_ADMIN_SCRIPTS_DIR``, else the one in
    the checkout this package runs from."""
    env = os.environ if environ is None else environ
    checkout = Path(__file__).resolve().parents[4] / "scripts"
    candidate = given or (Path(env[SCRIPTS_DIR_ENV]) if env.get(SCRIPTS_DIR_ENV) else checkout)
    if not (candidate / "backup" / "full-backup.sh").is_file():
        raise InvalidInputError(f"cannot find the mongo-admin scripts in {candidate}",
                                "there is no backup/full-backup.sh in it",
                                f"pass --scripts-dir DIR (or set ${SCRIPTS_DIR_ENV}) naming the scripts/ directory "
                                "of a mongo-admin checkout")
    return candidate.resolve()


def _cli_dir() -> Path | None:
    """The directory holding this installation's ``mongo-admin`` (a virtualenv's bin: next to its python)."""
    beside = Path(sys.executable).parent
    if (beside / "mongo-admin").is_file():
        return beside
    found = shutil.which("mongo-admin")
    return Path(found).resolve().parent if found else None


def _cron_quote(text: str) -> str:
    """Quoted for /bin/sh, with ``%`` escaped: in a crontab command an unescaped ``%`` ends the command."""
    return shlex.quote(text).replace("%", "\\%")


def plan_schedule(cluster: str, options: ScheduleOptions, *, pitr_enabled: bool) -> ScheduleResult:
    """The crontab block for ``cluster``; nothing is read but the scripts directory. ``pitr_enabled`` is the
    spec's ``backup.pitr.enabled``: PITR slicing is refused without it."""
    jobs: list[tuple[str, str, str, list[str]]] = []
    if options.full is not None:
        jobs.append(("full backup", check_cron(options.full, "--full"), "backup/full-backup.sh", []))
    if options.config is not None:
        jobs.append(("config backup", check_cron(options.config, "--config"), "backup/config-backup.sh", []))
    if options.pitr:
        if not pitr_enabled:
            raise InvalidInputError(f"cannot schedule PITR slicing for cluster {cluster}",
                                    "point-in-time recovery is not enabled: the spec's backup.pitr.enabled is false",
                                    "set backup.pitr.enabled: true in the cluster spec and deploy it, or leave out "
                                    "--pitr")
        jobs.append(("pitr slicing", EVERY_MINUTE, "backup/incremental-backup.sh", ["--once"]))
    if options.prune is not None:
        jobs.append(("prune", check_cron(options.prune, "--prune"), "backup/prune-backups.sh", []))
    if options.health is not None:
        jobs.append(("health check", check_cron(options.health, "--health"), "disaster-recovery/health-check.sh",
                     []))
    if not jobs:
        raise InvalidInputError(f"nothing to schedule for cluster {cluster}", "every job was left out",
                                "keep at least one of --full, --config, --pitr, --prune, --health")

    scripts = find_scripts_dir(options.scripts_dir)
    home = (options.home or platform_home()).resolve()
    cli_dir = _cli_dir()
    env = [f"MONGO_ADMIN_HOME={_cron_quote(str(home))}"]
    if cli_dir is not None:
        env.append(f"PATH={_cron_quote(f'{cli_dir}:{SYSTEM_PATH}')}")
    lines = [begin_marker(cluster)]
    scheduled = []
    for job, when, script, extra in jobs:
        path = scripts / script
        command = [_cron_quote(str(path)), "--cluster", cluster, *extra]
        lines.append(f"{when} {' '.join(env)} {' '.join(command)} >/dev/null 2>&1")
        scheduled.append(ScheduledJob(job, when, str(path)))
    lines.append(end_marker(cluster))
    note = "" if options.pitr or not pitr_enabled else "; PITR is enabled in the spec but not scheduled (add --pitr)"
    return ScheduleResult(f"{len(scheduled)} cron job{'s' if len(scheduled) != 1 else ''} for cluster {cluster}"
                          f"{note}", cluster, "print", False, None, scheduled, lines)


def schedule_for(cluster: str, options: ScheduleOptions) -> ScheduleResult:
    """``plan_schedule`` for a deployed cluster, with PITR as its spec says."""
    from mongo_admin.ops.cluster.state import open_cluster

    _, record = open_cluster(cluster, options.home)
    return plan_schedule(cluster, options, pitr_enabled=record.backup.pitr.enabled)


# ------------------------------------------------------------------------------------------ the crontab
def _block_span(lines: Sequence[str], cluster: str) -> tuple[int, int] | None:
    """(first, last) index of the cluster's block, markers included; CrontabError when it is not whole."""
    begin, end = begin_marker(cluster), end_marker(cluster)
    stripped = [line.strip() for line in lines]
    starts = [i for i, line in enumerate(stripped) if line == begin]
    ends = [i for i, line in enumerate(stripped) if line == end]
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise CrontabError(f"the crontab's mongo-admin block of cluster {cluster} is damaged",
                           f"expected one '{begin}' line followed by one '{end}' line, found {len(starts)} and "
                           f"{len(ends)}", "correct it with: crontab -e, then run this command again")
    return starts[0], ends[0]


def merge_block(crontab: str, cluster: str, block: Sequence[str]) -> str:
    """``crontab`` with the cluster's block replaced by ``block`` (or appended), every other line unchanged."""
    lines = crontab.splitlines()
    span = _block_span(lines, cluster)
    if span is None:
        lines = [*lines, *block]
    else:
        lines = [*lines[: span[0]], *block, *lines[span[1] + 1:]]
    return "".join(line + "\n" for line in lines)


def remove_block(crontab: str, cluster: str) -> str:
    """``crontab`` without the cluster's block, every other line unchanged."""
    lines = crontab.splitlines()
    span = _block_span(lines, cluster)
    if span is not None:
        lines = [*lines[: span[0]], *lines[span[1] + 1:]]
    return "".join(line + "\n" for line in lines)


class Crontab:
    """The current user's crontab, through the ``crontab`` command (``-l`` to read, ``-`` to write)."""

    def __init__(self, executable: str) -> None:
        self.executable = executable

    @classmethod
    def find(cls, environ: Mapping[str, str] | None = None) -> Crontab:
        """``$MONGO_ADMIN_CRONTAB`` (a path or a name on PATH), else ``crontab``; CrontabError when absent."""
        env = os.environ if environ is None else environ
        name = env.get(CRONTAB_ENV) or "crontab"
        found = shutil.which(name)
        if found is None:
            why = f"${CRONTAB_ENV} names it" if env.get(CRONTAB_ENV) else "this machine has no crontab command on PATH"
            raise CrontabError(f"{name} not found", why,
                               "print the lines with `mongo-admin backup schedule` and install them your way")
        return cls(found)

    def read(self) -> str:
        """The crontab's text; empty when the user has none yet."""
        done = self._run(["-l"], None)
        if done.returncode == 0:
            return done.stdout
        if "no crontab" in done.stderr.lower():
            return ""
        raise CrontabError(f"cannot read the crontab with {self.executable} -l", _first_line(done),
                           "check that this user may use cron (cron.allow / cron.deny)")

    def write(self, text: str) -> None:
        done = self._run(["-"], text)
        if done.returncode != 0:
            raise CrontabError(f"cannot install the crontab with {self.executable} -", _first_line(done),
                               "check the lines with `mongo-admin backup schedule`, and that this user may use cron")

    def _run(self, args: list[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([self.executable, *args], input=stdin, capture_output=True, text=True,
                                  timeout=60, check=False)
        except OSError as exc:
            raise CrontabError(f"cannot run {self.executable}", str(exc),
                               "print the lines with `mongo-admin backup schedule` and install them your way") from exc


def _first_line(done: subprocess.CompletedProcess[str]) -> str:
    text = (done.stderr or done.stdout).strip()
    return text.splitlines()[0] if text else f"it exited with code {done.returncode}"


def install_schedule(schedule: ScheduleResult, crontab: Crontab) -> ScheduleResult:
    """Put ``schedule``'s block into the crontab; written only when it changes something."""
    before = crontab.read()
    after = merge_block(before, schedule.cluster, schedule.lines)
    changed = after != before
    if changed:
        crontab.write(after)
    what = "installed" if changed else "already installed, unchanged"
    return ScheduleResult(f"{len(schedule.jobs)} cron job{'s' if len(schedule.jobs) != 1 else ''} for cluster "
                          f"{schedule.cluster} {what} in the crontab ({crontab.executable})", schedule.cluster,
                          "install", changed, crontab.executable, schedule.jobs, schedule.lines)


def remove_schedule(cluster: str, crontab: Crontab) -> ScheduleResult:
    """Take the cluster's block out of the crontab; nothing to remove is not an error."""
    before = crontab.read()
    lines = before.splitlines()
    span = _block_span(lines, cluster)
    removed = lines[span[0]: span[1] + 1] if span is not None else []
    if span is not None:
        crontab.write(remove_block(before, cluster))
    message = (f"removed the cron jobs of cluster {cluster} from the crontab ({crontab.executable})" if removed
               else f"no cron jobs of cluster {cluster} in the crontab: nothing to remove")
    return ScheduleResult(message, cluster, "remove", bool(removed), crontab.executable, [], removed)
