#!/usr/bin/env python3
"""Scans per minute of `customs server` with 1 and 2 workers, on the real test images, end to end.

Everything is started here (tests/e2e/server/harness.py): PostgreSQL 15 on a Unix socket, docker-registry on
loopback, an api process and W worker processes of the built binary. N distinct images are pushed: copies of the
bookworm test image (4 layers, 57 MB gzip) that differ only in a config label, so every scan pulls, decompresses and
reads all layers (no analysis cache, and no stored result can answer: every digest is new to the database).

For each round and each W (alternating 1, 2, 1, 2, ...): a fresh database, N scans submitted through POST /v1/scans
before the workers start, then the clock runs from the workers' start until the last job is done. Every scan must end
done with the same package count as the others (a check that each worker really read each image).

Usage: bench/server_scale.py [BUILD_DIR] [IMAGES] [ROUNDS]     (defaults: build/release 12 2)
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e", "server"))
from harness import CustomsServer, Postgres, Registry, http, missing_requirements, run  # noqa: E402


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "release"))
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    customs = os.path.join(build, "cli", "customs")
    images = os.environ.get("CUSTOMS_TESTIMAGES") or os.path.join(build, "testimages")
    layout = os.path.join(images, "bookworm", "oci")
    reason = missing_requirements()
    if reason or not os.path.exists(layout):
        print(f"cannot run: {reason or layout + ' missing (scripts/testimages.sh ' + images + ')'}")
        return 2
    work = tempfile.mkdtemp(prefix="customs-server-bench-")
    postgres = registry = None
    servers = []
    try:
        postgres = Postgres(work)
        registry = Registry(work)
        variants = os.path.join(work, "variants")
        shutil.copytree(layout, variants)
        digests = []
        for i in range(count):
            run(["umoci", "config", "--image", f"{variants}:1", "--tag", f"v{i}", "--config.label",
                 f"customs.bench={i}"])
            digests.append(registry.push(variants, f"v{i}", "bench/bookworm", f"v{i}"))
        assert len(set(digests)) == count, "variants must have distinct digests"
        store = os.path.join(work, "store.db")
        run([customs, "db", "import", os.path.join(ROOT, "data", "advisories"), "--db", store])
        env = {"CUSTOMS_REGISTRY_USERNAME": registry.user, "CUSTOMS_REGISTRY_PASSWORD": registry.password}
        results = {1: [], 2: []}
        for round_number in range(rounds):
            for workers in (1, 2):
                database = postgres.create_database()
                base = ["--listen", "127.0.0.1:0", "--postgres", postgres.dsn(database), "--db", store]
                api = CustomsServer(customs, work, f"api-{round_number}-{workers}", ["--role", "api"] + base, env)
                servers.append(api)
                api.wait_listening()
                for digest in digests:
                    response = http("POST", api.url("/v1/scans"),
                                    {"reference": f"{registry.host}/bench/bookworm@{digest}"})
                    assert response.status == 202, response.body
                started = time.time()
                pool = []
                for w in range(workers):
                    worker = CustomsServer(customs, work, f"worker-{round_number}-{workers}-{w}",
                                           ["--role", "worker", "--worker-poll-interval", "200ms"] + base, env)
                    servers.append(worker)
                    pool.append(worker)
                while True:
                    open_jobs = int(postgres.scalar(database, "SELECT count(*) FROM jobs WHERE state IN "
                                                              "('queued', 'running')"))
                    if open_jobs == 0:
                        break
                    time.sleep(0.05)
                elapsed = time.time() - started
                states = postgres.psql(database, "SELECT state, count(*) FROM scan_requests GROUP BY state")
                assert states == [["done", str(count)]], states
                packages = set()
                for (scan_id,) in postgres.psql(database, "SELECT id FROM scan_requests"):
                    report = json.loads(http("GET", api.url(f"/v1/scans/{scan_id}")).body)
                    packages.add(report["summary"]["packages"])
                assert len(packages) == 1 and next(iter(packages)) > 50, packages
                pulled = sum(1 for w in pool for e in w.events("job_done") if e["result"].startswith("pulled"))
                assert pulled == count, f"{pulled} of {count} scans read their image"
                rate = count / elapsed * 60
                results[workers].append(rate)
                print(f"round {round_number + 1}, {workers} worker(s): {count} scans in {elapsed:.1f} s = "
                      f"{rate:.1f} scans/min", flush=True)
                for server in pool + [api]:
                    server.stop()
        load = os.getloadavg()
        print()
        print(f"images: {count} distinct bookworm variants (4 layers, 57 MB gzip each), {rounds} rounds alternating")
        print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
        print("| workers | scans/min (median) | runs |")
        print("|---|---|---|")
        for workers in (1, 2):
            runs = ", ".join(f"{r:.1f}" for r in results[workers])
            print(f"| {workers} | {statistics.median(results[workers]):.1f} | {runs} |")
        print(f"speed-up with 2 workers: {statistics.median(results[2]) / statistics.median(results[1]):.2f}x")
        return 0
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.stop()
        if registry:
            registry.stop()
        if postgres:
            postgres.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
