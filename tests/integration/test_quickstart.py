"""The README's first command, as a new user runs it: it deploys the sandbox sharded cluster and shows every member
healthy; run again, it changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_deploys_the_secure_sandbox_cluster_and_shows_it_healthy(home: Path) -> None:
    env = {**os.environ, "MONGO_ADMIN_HOME": str(home), "MONGO_ADMIN_OUTPUT": "json"}
    first = subprocess.run([str(ROOT / "tools" / "quickstart.sh")], env=env, capture_output=True, text=True,
                           timeout=600, check=False)
    assert first.returncode == 0, first.stderr
    deployed, status = [json.loads(chunk) for chunk in _documents(first.stdout)]
    assert deployed["changed"] is True and deployed["cluster"] == "sandbox"
    assert status["health"] == "healthy"
    assert [rs["name"] for rs in status["replica_sets"]] == ["cfg", "shard0", "shard1"]
    assert len(status["members"]) == 9 and all(m["health"] == 1 for m in status["members"])
    assert len(status["routers"]) == 2
    assert (home / "clusters" / "sandbox" / "secrets" / "admin.json").stat().st_mode & 0o777 == 0o600
    assert "mongo-admin cluster connect" in first.stderr

    again = subprocess.run([str(ROOT / "tools" / "quickstart.sh")], env=env, capture_output=True, text=True,
                           timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    assert json.loads(_documents(again.stdout)[0])["changed"] is False
    subprocess.run([str(ROOT / ".venv" / "bin" / "mongo-admin"), "cluster", "destroy", "--yes"], env=env,
                   capture_output=True, timeout=120, check=True)


def _documents(stdout: str) -> list[str]:
    """The JSON documents printed one after the other (each starts with '{' at the start of a line)."""
    chunks: list[str] = []
    for line in stdout.splitlines(keepends=True):
        if line.startswith("{"):
            chunks.append(line)
        elif chunks:
            chunks[-1] += line
    return chunks
