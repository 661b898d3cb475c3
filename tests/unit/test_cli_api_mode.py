"""The CLI's API mode without a server: the API's address and where the token comes from, the stored login, and
the commands that refuse --api (or need it) before any request is made."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mongo_admin.cli.api_config import (
    StoredLogin,
    cleartext_warning,
    find_token,
    normalize_url,
    read_login,
    remove_login,
    write_login,
)
from mongo_admin.cli.app import Application
from mongo_admin.cli.main import cli
from mongo_admin.errors import InvalidInputError

ROOT = Path(__file__).resolve().parents[2]
SPEC = str(ROOT / "docs" / "examples" / "cluster.yaml")
# Nothing listens there: a command that made a request would fail to connect, not be refused.
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MONGO_ADMIN_HOME", str(tmp_path / "home"))
    for name in ("MONGO_ADMIN_OUTPUT", "MONGO_ADMIN_API_URL", "MONGO_ADMIN_API_TOKEN", "MONGO_ADMIN_API_TOKEN_FILE",
                 "MONGO_ADMIN_CLUSTER"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="mongo-admin")


@pytest.mark.parametrize(("given", "root"), [
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("https://ops.example:8443/", "https://ops.example:8443"),
    ("https://ops.example/api/v1/", "https://ops.example"),
    ("https://proxy.example/mongo-admin/api/v1", "https://proxy.example/mongo-admin"),
])
def test_the_api_url_is_the_server_root(given: str, root: str) -> None:
    assert normalize_url(given) == root


@pytest.mark.parametrize(("given", "why"), [
    ("ops.example:8000", "it needs http:// or https:// and a host"),
    ("ftp://ops.example", "it needs http:// or https:// and a host"),
    ("https://admin:secret@ops.example", "it carries a query, a fragment or credentials"),
    ("https://ops.example/?token=x", "it carries a query, a fragment or credentials"),
])
def test_a_url_that_is_no_api_address_is_refused(given: str, why: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        normalize_url(given)
    assert refused.value.why == why


@pytest.mark.parametrize(("url", "warned"), [
    ("http://127.0.0.1:8000", False), ("http://localhost:8000", False), ("http://[::1]:8000", False),
    ("https://ops.example", False), ("http://ops.example:8000", True), ("http://10.0.0.5:8000", True),
])
def test_plain_http_off_this_machine_is_warned_about(url: str, warned: bool) -> None:
    warning = cleartext_warning(url)
    assert (warning is not None) == warned
    if warning:
        assert warning.startswith(f"warning: {url} is plain http to another machine")


def test_the_warning_is_shown_when_the_client_is_made(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    client = Application(api_url="http://ops.example:8000").api
    assert client is not None and client.token is None
    assert "warning: http://ops.example:8000 is plain http to another machine" in capsys.readouterr().err


def test_token_precedence_file_then_environment_then_stored_login(home: Path, tmp_path: Path) -> None:
    url = "https://ops.example"
    write_login(home, StoredLogin(url, "alice", "mat_stored", 7, "cli"))
    stored, _ = find_token(url, None, home, {})
    assert stored is not None and stored.value == "mat_stored" and "alice" in stored.source
    assert find_token("https://other.example", None, home, {}) == (None, None)
    from_env, _ = find_token(url, None, home, {"MONGO_ADMIN_API_TOKEN": " mat_env \n"})
    assert from_env is not None and (from_env.value, from_env.source) == ("mat_env", "$MONGO_ADMIN_API_TOKEN")
    token_file = tmp_path / "token"
    token_file.write_text("mat_file\nignored\n")
    token_file.chmod(0o600)
    from_file, warning = find_token(url, token_file, home, {"MONGO_ADMIN_API_TOKEN": "mat_env"})
    assert from_file is not None and from_file.value == "mat_file" and warning is None
    token_file.chmod(0o640)
    assert find_token(url, token_file, home, {})[1] == (f"warning: the token file {token_file} can be read by other "
                                                        f"users; chmod 600 {token_file}")


def test_an_empty_or_missing_token_file_is_an_error(home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(InvalidInputError, match="is empty"):
        find_token("https://ops.example", empty, home, {})
    with pytest.raises(InvalidInputError, match="cannot read the token file"):
        find_token("https://ops.example", tmp_path / "absent", home, {})


def test_the_stored_login_is_private_to_its_owner(home: Path) -> None:
    path = write_login(home, StoredLogin("https://ops.example", "alice", "mat_secret", 3, "cli"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_login(home) == StoredLogin("https://ops.example", "alice", "mat_secret", 3, "cli")
    assert remove_login(home) and read_login(home) is None and not remove_login(home)
    path.write_text("{not json")
    with pytest.raises(InvalidInputError, match="cannot be read"):
        read_login(home)


@pytest.mark.parametrize(("args", "command"), [
    (["sandbox", "list"], "sandbox"),
    (["binaries", "which"], "binaries"),
    (["paths"], "paths"),
    (["cluster", "use", "prod"], "cluster use"),
    (["cluster", "connect", "--cluster", "prod"], "cluster connect"),
    (["backup", "schedule", "--cluster", "prod"], "backup schedule"),
    (["backup", "pitr", "run", "--cluster", "prod", "--once"], "backup pitr run"),
    (["api", "serve"], "api serve"),
    (["api", "migrate"], "api migrate"),
    (["api", "create-admin"], "api create-admin"),
])
def test_commands_of_this_machine_refuse_the_api(home: Path, args: list[str], command: str) -> None:
    result = run("--api", NOWHERE, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: 'mongo-admin {command}' does not run through the API: ")
    assert result.stderr.endswith("  fix: run it without --api (and without $MONGO_ADMIN_API_URL in the "
                                  "environment)\n")


@pytest.mark.parametrize(("args", "named"), [
    (["cluster", "deploy", "-f", SPEC, "--binary-dir", "/opt/mongodb/bin"], "--binary-dir names a directory"),
    (["backup", "create", "--storage", "/backups"], "--storage cannot go through --api"),
    (["backup", "verify", "b1", "--restore", "--keep"], "--keep cannot go through --api"),
    (["restore", "cluster", "b1", "--encryption-key-file", "/key", "--yes"],
     "--encryption-key-file cannot go through --api"),
])
def test_options_naming_this_machines_files_refuse_the_api(home: Path, args: list[str], named: str) -> None:
    result = run("--api", NOWHERE, *args)
    assert result.exit_code == 2
    assert named in result.stderr


def test_commands_that_need_no_server_run_here_with_the_api_given(home: Path) -> None:
    valid = run("--api", NOWHERE, "cluster", "validate", "-f", SPEC)
    assert valid.exit_code == 0 and "is valid" in valid.stdout
    document = run("--api", NOWHERE, "api", "openapi")
    assert document.exit_code == 0 and json.loads(document.stdout)["info"]["title"] == "mongo-admin API"


@pytest.mark.parametrize("args", [["jobs", "list"], ["jobs", "follow", "j1"], ["schedules", "list"],
                                  ["api", "login", "--username", "alice"]])
def test_commands_of_the_api_need_it(home: Path, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: 'mongo-admin {' '.join(args[:2])}' needs the API: ")
    assert "fix: give --api URL (or set $MONGO_ADMIN_API_URL)" in result.stderr


def test_logout_without_a_login_says_so(home: Path) -> None:
    result = run("api", "logout")
    assert result.exit_code == 0
    assert result.stdout == f"not logged in: there is no {home / 'api-login.json'}\n"


def test_a_bad_api_url_is_a_usage_error(home: Path) -> None:
    result = run("--api", "ops.example:8000", "cluster", "list")
    assert result.exit_code == 2
    assert "Invalid value for '--api': 'ops.example:8000' is not the address of an API" in result.stderr
