#!/usr/bin/env python3
"""Admission latency and push-gate overhead of `customs server`, end to end, with everything started here
(tests/e2e/server/harness.py): PostgreSQL 15, docker-registry on loopback, the built binary.

A. Admission: the pinned (failing) and distroless (passing) test images are pushed to the registry, scanned by a
   worker, and their verdicts stored. Then ApacheBench (`ab`, apache2-utils) posts an AdmissionReview (the Pod
   fixture, one image by digest) to POST /v1/admission/validate over TLS, 100 concurrent requests: once over 100
   kept-alive HTTP/1.1 connections (h2load from nghttp2-client, as the apiserver keeps its connections), once with a new
   connection and TLS handshake per request (ab, apache2-utils); every answer is first checked once by hand (uid
   echoed, allowed as the verdict says); every answer must be 200. For reference, h2load again with 10 connections.
B. Push gate: `skopeo copy` of the distroless image (oci layout -> registry), straight to the registry and through the
   gate, alternating run by run, each to a new repository (so the blobs are uploaded every time). The first push
   through the gate scans the image; later ones are judged from the stored result. Medians are reported.

Usage: bench/gate_bench.py [BUILD_DIR] [REQUESTS] [ROUNDS]     (defaults: build/dev 5000 3)
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e", "server"))
import admission_e2e  # noqa: E402
import gate_e2e  # noqa: E402
from harness import CustomsServer, Postgres, Registry, missing_requirements, run  # noqa: E402


def ab(address, body_file, requests, concurrency, keep_alive):
    args = ["ab", "-q", "-n", str(requests), "-c", str(concurrency), "-p", body_file, "-T", "application/json"]
    if keep_alive:
        args.append("-k")
    out = run(args + [f"https://{address}/v1/admission/validate"], timeout=900).stdout
    percent = {int(m.group(1)): int(m.group(2)) for m in re.finditer(r"^\s+(\d+)%\s+(\d+)", out, re.M)}
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    rate = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    return {"p50": percent[50], "p99": percent[99], "max": percent[100], "failed": failed,
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "rate": rate}


def h2load(address, body_file, requests, concurrency, work):
    """100 persistent HTTP/1.1 connections over TLS (as the apiserver's webhook client keeps its connections), from
    h2load (nghttp2-client, C, one thread); per-request latencies from its --log-file."""
    log = tempfile.mktemp(prefix="h2load-", suffix=".log", dir=work)
    out = run(["h2load", "--h1", "-n", str(requests), "-c", str(concurrency), "-d", body_file, "-H",
               "Content-Type: application/json", "--log-file", log, f"https://{address}/v1/admission/validate"],
              timeout=900).stdout
    rows = [line.split("\t") for line in open(log).read().splitlines() if line]
    latencies = sorted(int(r[2]) / 1000.0 for r in rows)
    statuses = [int(r[1]) for r in rows]
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)  # noqa: E731
    rate = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    return {"p50": pick(0.50), "p99": pick(0.99), "max": round(latencies[-1], 1),
            "failed": sum(1 for s in statuses if s != 200) + (requests - len(rows)), "non2xx": 0, "rate": rate}


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "dev"))
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    customs = os.path.join(build, "cli", "customs")
    images = os.path.join(build, "testimages")
    reason = missing_requirements() or (None if shutil.which("ab") else "ab missing (apache2-utils)")
    if reason or not os.path.exists(os.path.join(images, "pinned", "oci")):
        print(f"cannot run: {reason or 'test images missing (scripts/testimages.sh ' + images + ')'}")
        return 2
    for module in (admission_e2e, gate_e2e):
        module.CUSTOMS, module.SOURCE, module.BINARY_DIR = customs, ROOT, build
    work = tempfile.mkdtemp(prefix="customs-gate-bench-")
    postgres = Postgres(work)
    servers = []
    registry = None
    try:
        database = postgres.create_database()
        store = admission_e2e.build_store(work)
        ca, cert, key = admission_e2e.make_tls(work)
        registry = Registry(work)
        env = {"CUSTOMS_REGISTRY_USERNAME": registry.user, "CUSTOMS_REGISTRY_PASSWORD": registry.password}

        def server(name, *args):
            s = CustomsServer(customs, work, name, ["--listen", "127.0.0.1:0", "--postgres", postgres.dsn(database),
                                                    "--db", store, "--fail-on", "UNKNOWN"] + list(args), env=env)
            servers.append(s)
            s.wait_listening()
            return s

        api = server("api", "--role", "all", "--tls-cert", cert, "--tls-key", key, "--worker-poll-interval", "200ms")
        digests = {name: registry.push(os.path.join(images, name, "oci"), "1", f"library/{name}", "1")
                   for name in ("pinned", "distroless")}
        for name, digest in digests.items():
            response = admission_e2e.https(api.address, "POST", "/v1/scans",
                                           {"reference": f"{registry.host}/library/{name}@{digest}"}, ca=ca)
            assert response.status == 202, response.body
        end = time.time() + 300
        while int(postgres.scalar(database, "SELECT count(*) FROM verdicts")) < 2:
            assert time.time() < end, "verdicts never stored"
            time.sleep(0.2)

        print(f"# A. admission: {requests} AdmissionReviews, 100 concurrent, TLS, known digests")
        print("| image | client | p50 ms | p99 ms | max ms | req/s | failed |")
        print("|---|---|---|---|---|---|---|")
        for name, allowed in (("pinned", False), ("distroless", True)):
            document = admission_e2e.fixture("admission-pod.json", f"{registry.host}/library/{name}@{digests[name]}")
            answer = admission_e2e.https(api.address, "POST", "/v1/admission/validate", document, ca=ca).json()
            assert answer["response"]["uid"] == document["request"]["uid"]
            assert answer["response"]["allowed"] == allowed, answer
            body_file = os.path.join(work, f"{name}.json")
            with open(body_file, "w") as f:
                json.dump(document, f)
            for client, concurrency in (("h2load", 100), ("ab", 100), ("h2load", 10)):
                if client == "h2load":
                    r = h2load(api.address, body_file, requests, concurrency, work)
                else:
                    r = ab(api.address, body_file, requests, concurrency, False)
                assert r["failed"] == 0 and r["non2xx"] == 0, r
                client = (f"h2load --h1 -c {concurrency}, keep-alive" if client == "h2load"
                          else f"ab -c {concurrency}, a TLS handshake per request")
                print(f"| {name} ({'deny' if not allowed else 'allow'}) | {client} | "
                      f"{r['p50']} | {r['p99']} | {r['max']} | {r['rate']:.0f} | {r['failed']} |")

        # The gate on a database of its own: its first push must scan (the worker above stored this image's result).
        gate_database = postgres.create_database()
        gate = CustomsServer(customs, work, "gate", ["--role", "gate", "--upstream", f"http://{registry.host}",
                                                     "--listen", "127.0.0.1:0", "--postgres",
                                                     postgres.dsn(gate_database), "--db", store, "--fail-on",
                                                     "UNKNOWN"])
        servers.append(gate)
        gate.wait_listening()
        layout = os.path.join(images, "distroless", "oci")

        def push(host, repository):
            started = time.monotonic()
            run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds",
                 f"{registry.user}:{registry.password}", f"oci:{layout}:1", f"docker://{host}/{repository}:1"])
            return time.monotonic() - started

        first = push(gate.address, "bench/first")
        direct, through = [], []
        for i in range(rounds):
            direct.append(push(registry.host, f"bench/direct{i}"))
            through.append(push(gate.address, f"bench/gated{i}"))
        scanned = [e for e in gate.events("gate_verdict") if e.get("scanned")]
        assert len(scanned) == 1, scanned
        print()
        print(f"# B. skopeo copy of the distroless image (2 layers), {rounds} rounds alternating")
        print("| path | median s | runs |")
        print("|---|---|---|")
        print(f"| straight to the registry | {statistics.median(direct):.2f} | {', '.join(f'{t:.2f}' for t in direct)} |")
        print(f"| through the gate (stored result) | {statistics.median(through):.2f} | "
              f"{', '.join(f'{t:.2f}' for t in through)} |")
        print(f"| through the gate, first push (scan) | {first:.2f} | 1 |")
        return 0
    finally:
        for s in servers:
            s.stop()
        if registry:
            registry.stop()
        postgres.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
