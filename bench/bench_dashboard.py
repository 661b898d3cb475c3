"""Dashboard benchmark, in Debian's Chromium on localhost: the production bundle's size, the first load and the
navigation timings, and how long a member's state change takes to show on the topology page.

Targets (issue 9): initial JavaScript <= 300 KB gzipped; first meaningful render <= 1 s; navigation between pages
<= 200 ms; a member state change visible within 5 s.

What runs, all on this machine, in a throwaway directory:

- a sandbox cluster deployed by mongo-admin as `cluster deploy` does: a 3-member config server replica set, two
  3-member shards and two routers (11 simulator processes), access control on;
- the platform database (SQLite), migrated and given its admin user with the CLI;
- the API with the dashboard's production build (web/dist, built by tools/web.sh), served by `mongo-admin api serve`
  (one uvicorn process, background on, pollers at the default interval), the cluster registered as deployed;
- bench/dashboard_timings.mjs: Playwright (web/node_modules) driving /usr/bin/chromium headless.

What is measured, and how:

- bundle: the files index.html loads before any page (its module script, the modules it preloads, the stylesheet),
  gzipped as the API sends them (level 9), and every lazy chunk;
- first load, cold (a new browser context each round: empty cache, no service worker) and warm (a reload): from the
  start of the navigation (the page's performance.timeOrigin) to the topology page showing every member's state
  (first meaningful render), with the browser's first contentful paint beside it. The session cookie is set
  before the navigation (a login through the API), as for an operator who is already logged in;
- navigation: click on a link of the header or of the cluster tabs, until the next page's content is there (its
  table rows, chart canvas or form), read in the page as performance.now() at the click and when the content
  appears (both inside the page, so the driver's round trips are not counted). A second passes on each page
  before the next click, as an operator reads it. The first visit of each page (its data not yet cached in the
  page) is reported apart from the later ones;
- update latency: a secondary is stopped (then started) through the API's node-stop (node-start) job while the
  topology page is open; the time from the request to the page showing the member's new state, and from the job's
  end (the process gone) to the page showing it. Both clocks are this machine's.

Run: .venv/bin/python bench/bench_dashboard.py [--rounds 5] [--updates 4]
Prints the results; records nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test harness lives in tests/support

from tests.support.clusters import deployed_cluster
from tests.support.simproc import free_port_block, wait_until

from platform_server import ADMIN, cpu_model, create_platform, login, platform_env, request, serving

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
DIST = WEB / "dist"
CHROMIUM = os.environ.get("MONGO_ADMIN_CHROMIUM", "/usr/bin/chromium")
CLUSTER = "benchweb"
SPEC = """\
name: benchweb
topology:
  config_servers: {{members: 3}}
  shards: [{{members: 3}}, {{members: 3}}]
  routers: 2
ports: {{base: {base}}}
"""
TARGETS = {"initial_js_gzip_kb": 300, "first_render_ms": 1000, "navigation_ms": 200, "update_s": 5}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="cold loads, warm loads and navigation rounds")
    parser.add_argument("--updates", type=int, default=4, help="member stop/start cycles watched on the topology")
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        sys.exit("no dashboard build in web/dist: run tools/web.sh")
    if not Path(CHROMIUM).is_file():
        sys.exit(f"{CHROMIUM} is missing: run tools/chromium.sh")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores")
    report_bundle()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        home = Path(tmp)
        started = time.monotonic()
        with deployed_cluster(SPEC.format(base=free_port_block(20)), home):
            print(f"deployed {CLUSTER} (11 processes) in {time.monotonic() - started:.1f} s")
            run(home, args)


def initial_files(html: str) -> list[str]:
    """The files index.html loads before any page: its module script, the modules it preloads, its stylesheets."""
    found = re.findall(r'<script[^>]*type="module"[^>]*src="([^"]+)"', html)
    found += re.findall(r'<link[^>]*rel="(?:modulepreload|stylesheet)"[^>]*href="([^"]+)"', html)
    return sorted(set(found))


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def report_bundle() -> None:
    initial = initial_files((DIST / "index.html").read_text())
    js = [name for name in initial if name.endswith(".js")]
    css = [name for name in initial if name.endswith(".css")]
    initial_js = sum(gzipped(DIST / name.lstrip("/")) for name in js)
    initial_css = sum(gzipped(DIST / name.lstrip("/")) for name in css)
    chunks = sorted((DIST / "assets").glob("*.js"))
    lazy = [(path.name, path.stat().st_size, gzipped(path)) for path in chunks if f"/assets/{path.name}" not in js]
    print(f"\nbundle: initial JavaScript {initial_js / 1024:.1f} KB gzipped ({len(js)} file(s), raw "
          f"{sum((DIST / n.lstrip('/')).stat().st_size for n in js) / 1024:.1f} KB), CSS {initial_css / 1024:.1f} KB "
          f"gzipped — target <= {TARGETS['initial_js_gzip_kb']} KB: "
          f"{'met' if initial_js / 1024 <= TARGETS['initial_js_gzip_kb'] else 'MISSED'}")
    print(f"lazy chunks: {len(lazy)}, {sum(gz for _, _, gz in lazy) / 1024:.1f} KB gzipped in all; largest:")
    for name, raw, gz in sorted(lazy, key=lambda item: -item[2])[:6]:
        print(f"  {name:<40} {raw / 1024:7.1f} KB raw {gz / 1024:7.1f} KB gzipped")


def run(home: Path, args: argparse.Namespace) -> None:
    env = platform_env(home, web_dir=str(DIST))
    password = create_platform(home, env)
    with serving(env) as (base, _):
        token = login(base, password)
        status, body = request(base, "/api/v1/clusters", token, {"deployed": CLUSTER})
        assert status == 201, body
        prepare(base, token)
        timings = browse(base, token, password, args)
    report(timings)


def prepare(base: str, token: str) -> None:
    """What the pages show besides the cluster: one backup (so a job) and one schedule."""
    status, body = request(base, f"/api/v1/clusters/{CLUSTER}/backups", token, {"type": "full"})
    assert status == 202, body
    job_id = body["job_id"]

    def ended() -> bool:
        state = request(base, f"/api/v1/jobs/{job_id}", token)[1]["state"]
        assert state not in ("failed", "cancelled"), f"the backup job {job_id} ended {state}"
        return bool(state == "succeeded")

    wait_until(ended, "see the backup job succeed", 120, 0.5)
    status, body = request(base, "/api/v1/schedules", token, {"name": "hourly health", "kind": "health-check",
                                                             "cluster": CLUSTER, "cron": "0 * * * *"})
    assert status == 201, body


def browse(base: str, token: str, password: str, args: argparse.Namespace) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node is needed to drive Chromium"
    env = {**os.environ, "BENCH_BASE_URL": base, "BENCH_TOKEN": token, "BENCH_USER": ADMIN,
           "BENCH_PASSWORD": password, "BENCH_CLUSTER": CLUSTER, "BENCH_ROUNDS": str(args.rounds),
           "BENCH_UPDATES": str(args.updates), "BENCH_CHROMIUM": CHROMIUM}
    result = subprocess.run([node, str(Path(__file__).with_name("dashboard_timings.mjs"))], env=env, cwd=WEB,
                            capture_output=True, text=True, timeout=1800, check=False)
    if result.returncode != 0:
        sys.exit(f"dashboard_timings.mjs failed:\n{result.stdout}\n{result.stderr}")
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH_RESULT "))
    timings: dict[str, Any] = json.loads(line.removeprefix("BENCH_RESULT "))
    return timings


def summary(values: list[float]) -> str:
    return (f"median {statistics.median(values):7.0f}  min {min(values):7.0f}  max {max(values):7.0f}"
            f"  (n={len(values)})")


def report(timings: dict[str, Any]) -> None:
    print("\nfirst load of the topology page (ms from navigation start):")
    for kind in ("cold", "warm"):
        loads = timings["loads"][kind]
        render = [load["render_ms"] for load in loads]
        print(f"  {kind:<5} first meaningful render {summary(render)}")
        print(f"  {kind:<5} first contentful paint  {summary([load['fcp_ms'] for load in loads])}")
        met = max(render) <= TARGETS["first_render_ms"]
        print(f"        target <= {TARGETS['first_render_ms']} ms (every load): {'met' if met else 'MISSED'}")
    print("\nnavigation (ms from the click to the page's content; first visit of each page, then the later ones):")
    for label, pick in (("first visit", slice(0, 1)), ("later visits", slice(1, None))):
        worst = 0.0
        for step, values in timings["navigation"].items():
            print(f"  {label:<12} {step:<24} {summary(values[pick])}")
            worst = max(worst, *values[pick])
        print(f"  {label:<12} target <= {TARGETS['navigation_ms']} ms (every click): "
              f"{'met' if worst <= TARGETS['navigation_ms'] else 'MISSED'} (worst {worst:.0f} ms)")
    print("\nmember state change shown on the topology page (s):")
    worst = 0.0
    for change in ("down", "up"):
        rows = [row for row in timings["updates"] if row["change"] == change]
        from_request = [row["from_request_s"] for row in rows]
        from_job = [row["from_job_end_s"] for row in rows]
        print(f"  {change:<4} from the request  {' '.join(f'{v:.2f}' for v in from_request)}")
        print(f"  {change:<4} from the job's end {' '.join(f'{v:.2f}' for v in from_job)}")
        worst = max(worst, *from_job)
    print(f"  target <= {TARGETS['update_s']} s from the change: {'met' if worst <= TARGETS['update_s'] else 'MISSED'}"
          f" (worst {worst:.2f} s)")


if __name__ == "__main__":
    main()
