"""Backup scheduling with cron: expressions checked field by field, the crontab block built, merged and removed,
and a crontab command (a fake one in a temporary directory: the real user's crontab is never touched)."""

from __future__ import annotations

import shlex
import stat
from pathlib import Path

import pytest

from mongo_admin.errors import InvalidInputError
from mongo_admin.ops.backup.schedule import (
    CRONTAB_ENV,
    Crontab,
    CrontabError,
    ScheduleOptions,
    check_cron,
    install_schedule,
    merge_block,
    plan_schedule,
    remove_block,
    remove_schedule,
)

# A crontab command keeping the table in a file beside it, and noting every write.
FAKE_CRONTAB = """\
#!/bin/sh
here=$(dirname "$0")
case $1 in
  -l) if [ -f "$here/table" ]; then cat "$here/table"; else echo "no crontab for tester" >&2; exit 1; fi ;;
  -) cat >"$here/table"; echo write >>"$here/writes" ;;
  *) echo "crontab: usage error: $1" >&2; exit 1 ;;
esac
"""


@pytest.mark.parametrize(("expression", "normalised"), [
    ("0 2 * * *", "0 2 * * *"),
    ("  30   3 * *  * ", "30 3 * * *"),
    ("*/15 0-6,22-23 * * 1-5", "*/15 0-6,22-23 * * 1-5"),
    ("0 0 1 JAN,jul *", "0 0 1 JAN,jul *"),
    ("0 4 * * sun", "0 4 * * sun"),
    ("0 4 * * mon-fri", "0 4 * * mon-fri"),
    ("0 4 * * 7", "0 4 * * 7"),
    ("0-59/10 * 31 12 0", "0-59/10 * 31 12 0"),
])
def test_valid_cron_expressions(expression: str, normalised: str) -> None:
    assert check_cron(expression, "--full") == normalised


@pytest.mark.parametrize(("expression", "why"), [
    ("0 25 * * *", "the hour field's value 25 is out of range 0-23"),
    ("60 2 * * *", "the minute field's value 60 is out of range 0-59"),
    ("0 2 0 * *", "the day-of-month field's value 0 is out of range 1-31"),
    ("0 2 * 13 *", "the month field's value 13 is out of range 1-12"),
    ("0 2 * * 8", "the day-of-week field's value 8 is out of range 0-7"),
    ("0 2 * *", "it has 4 fields, cron needs 5: minute hour day-of-month month day-of-week"),
    ("0 2 * * * *", "it has 6 fields, cron needs 5"),
    ("@daily", "it has 1 field, cron needs 5"),
    ("*/0 * * * *", "the minute field '*/0' has a step of 0"),
    ("30-10 * * * *", "the minute field's range 30-10 goes backwards"),
    ("0 2 * * funday", "the day-of-week field's value 'funday' is not a number or a name (sun-sat)"),
    ("0 two * * *", "the hour field's value 'two' is not a number"),
    ("5/10 * * * *", "the minute field '5/10' has a step without a range: write 5-59/10 or */10"),
    ("0 2 ** * *", "the day-of-month field '**' is not a cron field"),
    ("0 2 1,,2 * *", "the day-of-month field '1,,2' is not a cron field"),
])
def test_bad_cron_expressions_name_the_field(expression: str, why: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_cron(expression, "--prune")
    assert raised.value.what == f"--prune {expression!r} is not a cron schedule"
    assert raised.value.why.startswith(why)
    assert "minute hour day-of-month month day-of-week" in raised.value.fix


BLOCK = ["# mongo-admin prod begin", "0 2 * * * run-it", "# mongo-admin prod end"]


def test_merge_appends_then_replaces_in_place_keeping_every_other_line() -> None:
    mine = "MAILTO=ops@example.com\n# my own job\n5 * * * * /usr/local/bin/rotate\n"
    merged = merge_block(mine, "prod", BLOCK)
    assert merged == mine + "\n".join(BLOCK) + "\n"
    assert merge_block(merged, "prod", BLOCK) == merged
    # Another cluster's block, and lines after ours, stay where they are; ours is replaced where it stands.
    with_more = merged + "# mongo-admin prod2 begin\n1 1 * * * other\n# mongo-admin prod2 end\n@reboot me\n"
    changed = merge_block(with_more, "prod", [BLOCK[0], "0 3 * * * run-it", BLOCK[2]])
    assert changed == with_more.replace("0 2 * * * run-it", "0 3 * * * run-it")
    assert remove_block(changed, "prod") == mine + "# mongo-admin prod2 begin\n1 1 * * * other\n" \
                                                   "# mongo-admin prod2 end\n@reboot me\n"
    assert remove_block(mine, "prod") == mine
    assert merge_block("", "prod", BLOCK) == "\n".join(BLOCK) + "\n"


@pytest.mark.parametrize("damaged", [
    "# mongo-admin prod begin\n0 2 * * * x\n",
    "0 2 * * * x\n# mongo-admin prod end\n",
    "# mongo-admin prod end\n# mongo-admin prod begin\n",
    "# mongo-admin prod begin\n# mongo-admin prod end\n# mongo-admin prod begin\n# mongo-admin prod end\n",
])
def test_a_damaged_block_is_never_guessed_at(damaged: str) -> None:
    with pytest.raises(CrontabError, match="the crontab's mongo-admin block of cluster prod is damaged") as raised:
        merge_block(damaged, "prod", BLOCK)
    assert raised.value.fix == "correct it with: crontab -e, then run this command again"
    with pytest.raises(CrontabError):
        remove_block(damaged, "prod")


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    """A scripts/ directory, with a space in its path (the lines must quote it)."""
    directory = tmp_path / "my scripts"
    (directory / "backup").mkdir(parents=True)
    (directory / "backup" / "full-backup.sh").write_text("#!/bin/sh\n")
    return directory


def command_words(line: str) -> list[str]:
    """A crontab line's command as /bin/sh would split it (cron's ``\\%`` read back as ``%``)."""
    return shlex.split(line.split(" ", 5)[5].replace("\\%", "%"))


def test_plan_calls_each_script_by_absolute_path_with_home_cluster_and_path(scripts: Path, tmp_path: Path) -> None:
    home = tmp_path / "home 50%"
    planned = plan_schedule("prod", ScheduleOptions(config="15 1 * * 0", pitr=True, health="*/5 * * * *",
                                                    scripts_dir=scripts, home=home), pitr_enabled=True)
    assert planned.message == "5 cron jobs for cluster prod"
    assert [(job.job, job.schedule) for job in planned.jobs] == [
        ("full backup", "0 2 * * *"), ("config backup", "15 1 * * 0"), ("pitr slicing", "* * * * *"),
        ("prune", "30 3 * * *"), ("health check", "*/5 * * * *")]
    assert planned.lines[0] == "# mongo-admin prod begin" and planned.lines[-1] == "# mongo-admin prod end"
    expected = [("backup/full-backup.sh", []), ("backup/config-backup.sh", []),
                ("backup/incremental-backup.sh", ["--once"]), ("backup/prune-backups.sh", []),
                ("disaster-recovery/health-check.sh", [])]
    for line, job, (script, extra) in zip(planned.lines[1:-1], planned.jobs, expected, strict=True):
        assert line.startswith(job.schedule + " ")
        assert line.endswith(" >/dev/null 2>&1")
        assert "%" not in line.replace("\\%", "")  # an unescaped % would end cron's command
        words = command_words(line.removesuffix(" >/dev/null 2>&1"))
        assert words[0] == f"MONGO_ADMIN_HOME={home}"
        assert words[1].startswith("PATH=") and words[1].endswith(":/usr/local/bin:/usr/bin:/bin")
        assert words[2:] == [str(scripts / script), "--cluster", "prod", *extra]
        assert job.script == str(scripts / script)


def test_plan_refuses_pitr_when_the_spec_does_not_enable_it(scripts: Path) -> None:
    options = ScheduleOptions(pitr=True, scripts_dir=scripts)
    with pytest.raises(InvalidInputError) as raised:
        plan_schedule("prod", options, pitr_enabled=False)
    assert raised.value.message() == (
        "cannot schedule PITR slicing for cluster prod: point-in-time recovery is not enabled: the spec's "
        "backup.pitr.enabled is false\n  fix: set backup.pitr.enabled: true in the cluster spec and deploy it, or "
        "leave out --pitr")
    reminded = plan_schedule("prod", ScheduleOptions(scripts_dir=scripts), pitr_enabled=True)
    assert reminded.message == "2 cron jobs for cluster prod; PITR is enabled in the spec but not scheduled " \
                               "(add --pitr)"


def test_plan_needs_a_job_scripts_and_valid_expressions(scripts: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="nothing to schedule for cluster prod"):
        plan_schedule("prod", ScheduleOptions(full=None, prune=None, scripts_dir=scripts), pitr_enabled=False)
    with pytest.raises(InvalidInputError, match="cannot find the mongo-admin scripts in ") as raised:
        plan_schedule("prod", ScheduleOptions(scripts_dir=tmp_path), pitr_enabled=False)
    assert "--scripts-dir DIR" in raised.value.fix
    with pytest.raises(InvalidInputError, match="--health '61 \\* \\* \\* \\*' is not a cron schedule"):
        plan_schedule("prod", ScheduleOptions(health="61 * * * *", scripts_dir=scripts), pitr_enabled=False)


def test_the_checkout_scripts_are_found_by_default() -> None:
    planned = plan_schedule("prod", ScheduleOptions(), pitr_enabled=False)
    repo = Path(__file__).resolve().parents[2]
    assert [job.script for job in planned.jobs] == [str(repo / "scripts/backup/full-backup.sh"),
                                                    str(repo / "scripts/backup/prune-backups.sh")]
    assert all(Path(job.script).is_file() for job in planned.jobs)


@pytest.fixture
def fake_crontab(tmp_path: Path) -> Crontab:
    directory = tmp_path / "fake"
    directory.mkdir()
    path = directory / "crontab"
    path.write_text(FAKE_CRONTAB)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return Crontab.find({CRONTAB_ENV: str(path)})


def writes(crontab: Crontab) -> int:
    log = Path(crontab.executable).parent / "writes"
    return len(log.read_text().splitlines()) if log.exists() else 0


def table(crontab: Crontab) -> str:
    return (Path(crontab.executable).parent / "table").read_text()


def test_install_is_idempotent_and_remove_takes_only_the_block(fake_crontab: Crontab, scripts: Path) -> None:
    planned = plan_schedule("prod", ScheduleOptions(scripts_dir=scripts), pitr_enabled=False)
    first = install_schedule(planned, fake_crontab)
    assert first.changed and first.action == "install"
    assert first.message == f"2 cron jobs for cluster prod installed in the crontab ({fake_crontab.executable})"
    assert table(fake_crontab) == "\n".join(planned.lines) + "\n"
    again = install_schedule(planned, fake_crontab)
    assert not again.changed and "already installed, unchanged" in again.message
    assert writes(fake_crontab) == 1

    mine = "MAILTO=me\n7 7 * * * /home/me/job.sh\n"
    (Path(fake_crontab.executable).parent / "table").write_text(mine + table(fake_crontab) + "# trailing note\n")
    later = plan_schedule("prod", ScheduleOptions(full="0 1 * * *", scripts_dir=scripts), pitr_enabled=False)
    assert install_schedule(later, fake_crontab).changed
    assert table(fake_crontab) == mine + "\n".join(later.lines) + "\n# trailing note\n"

    removed = remove_schedule("prod", fake_crontab)
    assert removed.changed and removed.lines == later.lines
    assert removed.message == f"removed the cron jobs of cluster prod from the crontab ({fake_crontab.executable})"
    assert table(fake_crontab) == mine + "# trailing note\n"
    nothing = remove_schedule("prod", fake_crontab)
    assert not nothing.changed and nothing.message == "no cron jobs of cluster prod in the crontab: nothing to remove"
    assert writes(fake_crontab) == 3


def test_a_missing_or_failing_crontab_command_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CrontabError) as missing:
        Crontab.find({CRONTAB_ENV: str(tmp_path / "nowhere" / "crontab")})
    assert missing.value.message().endswith(
        "fix: print the lines with `mongo-admin backup schedule` and install them your way")
    broken = tmp_path / "broken"
    broken.write_text("#!/bin/sh\necho 'crontab: you are not allowed to use this program' >&2\nexit 1\n")
    broken.chmod(0o755)
    with pytest.raises(CrontabError) as refused:
        Crontab.find({CRONTAB_ENV: str(broken)}).read()
    assert refused.value.what == f"cannot read the crontab with {broken} -l"
    assert refused.value.why == "crontab: you are not allowed to use this program"
