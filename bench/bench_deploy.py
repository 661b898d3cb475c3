"""Deploy benchmarks: wall time of a full local sandbox deploy and its breakdown per step, ``cluster status``
latency, and the start-up time of every CLI command that does not start a long job.

The deploy is the README's sandbox shape (3-member config server replica set, 2 shards of 3 members, 2 routers,
11 processes; the spec's security defaults unless ``--no-auth``) in a throwaway MONGO_ADMIN_HOME, destroyed at
the end. Targets: deploy <= 30 s on this machine, ``cluster status`` <= 1 s, every non-job command <= 2 s.

Run: .venv/bin/python bench/bench_deploy.py [--runs 5] [--no-auth]
Prints the results; records nothing (copy the numbers into docs/benchmarks.md by hand).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test harness lives in tests/support

from tests.support.simproc import free_port_block

DEPLOY_TARGET_S = 30.0
STATUS_TARGET_S = 1.0
COMMAND_TARGET_S = 2.0
SPEC = """\
name: bench
topology:
  config_servers: {{members: 3}}
  shards: [{{members: 3}}, {{members: 3}}]
  routers: 2
ports: {{base: {base}}}
{security}"""


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"




def mongo_admin() -> str:
    return str(Path(sys.executable).parent / "mongo-admin")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    began = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - began, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each short command")
    parser.add_argument("--no-auth", action="store_true", help="deploy without access control")
    args = parser.parse_args()
    cli = mongo_admin()
    with tempfile.TemporaryDirectory() as tmp:
        # As on an operator's machine, Python caches compiled modules (some sandboxes turn that off; then every
        # CLI call recompiles the platform's modules, about 0.2 s).
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["MONGO_ADMIN_HOME"] = tmp
        spec = Path(tmp) / "bench.yaml"
        security = "security: {auth: false, keyfile: false}\n" if args.no_auth else ""
        spec.write_text(SPEC.format(base=free_port_block(20), security=security))
        took, done = timed([cli, "-o", "json", "cluster", "deploy", "-f", str(spec)], env)
        if done.returncode != 0:
            raise SystemExit(f"deploy failed:\n{done.stderr}")
        result = json.loads(done.stdout)
        try:
            print(f"full local deploy (11 processes, {result['server']}, auth {'off' if args.no_auth else 'on'}): "
                  f"{took:.1f} s wall, {result['elapsed_s']:.1f} s in the engine "
                  f"({verdict(took <= DEPLOY_TARGET_S)} target <= {DEPLOY_TARGET_S:g} s)")
            for step in result["steps"]:
                print(f"  {step['step']:<22} {step['elapsed_s']:6.2f} s  {step['status']}")
            took_again, again = timed([cli, "-o", "json", "cluster", "deploy", "-f", str(spec)], env)
            print(f"re-deploy of the healthy cluster (changes nothing): {took_again:.1f} s, "
                  f"changed={json.loads(again.stdout)['changed']}")
            commands = {
                "cluster status": [cli, "cluster", "status"],
                "cluster list": [cli, "cluster", "list"],
                "cluster validate": [cli, "cluster", "validate", "-f", str(spec)],
                "cluster deploy --dry-run": [cli, "cluster", "deploy", "-f", str(spec), "--dry-run"],
                "cluster connect --print-only": [cli, "cluster", "connect", "--print-only"],
                "health-check": [cli, "health-check"],
                "binaries which": [cli, "binaries", "which"],
                "sandbox list": [cli, "sandbox", "list"],
                "--help": [cli, "--help"],
            }
            for label, argv in commands.items():
                times = []
                for _ in range(args.runs):
                    spent, finished = timed(argv, env)
                    if finished.returncode not in (0, 1):
                        raise SystemExit(f"{label} failed:\n{finished.stderr}")
                    times.append(spent)
                median = statistics.median(times)
                target = STATUS_TARGET_S if label == "cluster status" else COMMAND_TARGET_S
                print(f"{label}: median {median:.2f} s, max {max(times):.2f} s over {args.runs} runs "
                      f"({verdict(median <= target)} target <= {target:g} s)")
        finally:
            subprocess.run([cli, "cluster", "destroy", "--yes"], env=env, capture_output=True, check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
