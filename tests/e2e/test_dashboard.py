"""The dashboard end to end: Playwright (web/e2e/*.spec.ts) drives Debian's Chromium against the real API, which
serves the production build (web/dist) and manages a real sandbox cluster deployed for this module.

Each spec file runs as one pytest test, in its own `playwright test` process, against the same API and cluster;
a spec that changes the cluster (stops a member, restores) puts it back. Screenshots land in web/e2e/screenshots."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mongo_admin.ops.backup.pitr import PitrOptions, run_slicer
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster
from tests.support.clusters import deployed_cluster
from tests.support.platform_api import PASSWORD, ROLES
from tests.support.served_api import ServedApi, served_api
from tests.support.simproc import free_port_block

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

WEB = Path(__file__).resolve().parents[2] / "web"
# The production build the API serves: web/dist, or another build (`vite build --outDir DIR`) named here.
DIST = Path(os.environ.get("MONGO_ADMIN_E2E_WEB_DIST", WEB / "dist"))
SPECS = sorted(path.name for path in (WEB / "e2e").glob("*.spec.ts"))
CHROMIUM = os.environ.get("MONGO_ADMIN_CHROMIUM", "/usr/bin/chromium")
CLUSTER = "e2e"
# A sharded cluster small enough for CI: one shard of three members (a member can stop and the shard keeps its
# primary), one single-member shard, one config server, one router; point-in-time recovery every few seconds.
SPEC = """\
name: {name}
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 3}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
backup: {{pitr: {{enabled: true, slice_seconds: 5}}}}
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    assert (DIST / "index.html").is_file(), f"no dashboard build in {DIST}: run tools/web.sh (or tools/bootstrap.sh)"
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run tools/chromium.sh"
    home = tmp_path_factory.mktemp("e2e-home")
    with deployed_cluster(SPEC.format(name=CLUSTER, base=free_port_block(10)), home):
        paths, record = open_cluster(CLUSTER, home)
        with ClusterAccess(paths, record).router_client(timeout_s=30.0) as client:
            client.admin.command("enableSharding", "shop")
            client.admin.command("shardCollection", "shop.orders", key={"_id": "hashed"})
            client["shop"]["orders"].insert_many([{"_id": n, "total": n * 3} for n in range(500)])
            client["shop"]["customers"].insert_many([{"name": f"customer {n}"} for n in range(50)])
        yield home


@pytest.fixture(scope="module")
def slicer(home: Path) -> Iterator[None]:
    """Point-in-time slicing every 5 s while the module runs, as `mongo-admin backup pitr run` runs beside a
    production API: it waits for the first full backup (a spec takes one), then the restorable window follows."""
    stop = threading.Event()
    thread = threading.Thread(target=run_slicer, args=(CLUSTER, PitrOptions(home=home), stop), name="e2e-slicer",
                              daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(60)


@pytest.fixture(scope="module")
def served(home: Path, slicer: None, tmp_path_factory: pytest.TempPathFactory, migrated_db_template: Path,
           cheap_password_hashing: None) -> Iterator[ServedApi]:
    with served_api(home, tmp_path_factory.mktemp("e2e-db"), migrated_db_template, background=True,
                    web_dir=DIST, metrics_interval_s=1.0) as api:
        api.register_deployed(CLUSTER)
        yield api


@pytest.mark.parametrize("spec", SPECS)
def test_dashboard(spec: str, served: ServedApi, home: Path) -> None:
    npx = shutil.which("npx")
    assert npx, "npx (Node.js) is needed for the dashboard's end-to-end tests"
    env = {
        **os.environ,
        "E2E_BASE_URL": served.url,
        "E2E_CLUSTER": CLUSTER,
        "E2E_PASSWORD": PASSWORD,
        "E2E_CHROMIUM": CHROMIUM,
        **{f"E2E_TOKEN_{role.upper()}": served.token(role) for role in ROLES},
    }
    result = subprocess.run([npx, "playwright", "test", f"e2e/{spec}", "--reporter=line"], cwd=WEB, env=env,
                            capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, f"{spec} failed:\n{result.stdout}\n{result.stderr}"
