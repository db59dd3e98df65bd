#!/usr/bin/env python3
"""End-to-end tests of `customs server` with the real components, started here (harness.py): PostgreSQL 15,
docker-registry with the real test images pushed by skopeo, the built `customs` binary as api and worker processes,
and ajv (from npm) validating every Harbor response against the OpenAPI schemas of Harbor's scanner API v1.2.

Suites (one CTest entry each, so they run in parallel):
  HarborTest     a client that behaves as Harbor's (5 s timeout, no redirects, Refresh-After), schemas, equality
                 with `customs image --format json`, /v1/scans in every format, verdicts, auth, malformed requests
  QueueTest      3 workers x 600 jobs each done once; an idle worker woken by NOTIFY; kill -9 mid-job; a PostgreSQL
                 restart mid-run
  SnapshotTest   signed snapshots over HTTP, a stale store refused by a worker, re-match and the webhook notification
  AlertsTest     `customs watch --replay --webhook` posting to the server

Usage: server_e2e.py --customs PATH --source DIR --binary-dir DIR [unittest args, e.g. HarborTest]
"""
import base64
import hashlib
import http.server as http_server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CustomsServer, Postgres, Registry, http, run  # noqa: E402

CUSTOMS = SOURCE = BINARY_DIR = None
HARBOR_SPEC = None
HARBOR_REQUEST = "application/vnd.scanner.adapter.scan.request+json; version=1.1"
VULN_1_0 = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
VULN_1_1 = "application/vnd.security.vulnerability.report; version=1.1"
SBOM = "application/vnd.security.sbom.report+json; version=1.0"
RAW = "application/vnd.scanner.adapter.vuln.report.raw"


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def images():
    return os.path.join(BINARY_DIR, "testimages")


class Environment:
    """What every suite shares: a work dir, PostgreSQL, a registry with the test images, an advisory store."""

    def __init__(self, with_registry=True):
        self.work = tempfile.mkdtemp(prefix="customs-server-e2e-")
        self.postgres = Postgres(self.work)
        self.registry = None
        self.digests = {}
        if with_registry:
            self.registry = Registry(self.work)
            for name in ("pinned", "bookworm", "distroless"):
                self.digests[name] = self.registry.push(os.path.join(images(), name, "oci"), "1",
                                                        f"library/{name}", "1")
        self.store = os.path.join(self.work, "store.db")
        run([CUSTOMS, "db", "import", os.path.join(SOURCE, "data", "advisories"), "--db", self.store])
        self.servers = []

    def reference(self, name):
        return f"{self.registry.host}/library/{name}@{self.digests[name]}"

    def server(self, name, role, database, *extra, env=None):
        args = ["--role", role, "--listen", "127.0.0.1:0", "--postgres", self.postgres.dsn(database),
                "--db", self.store] + list(extra)
        registry_env = {}
        if self.registry:
            registry_env = {"CUSTOMS_REGISTRY_USERNAME": self.registry.user,
                            "CUSTOMS_REGISTRY_PASSWORD": self.registry.password}
        registry_env.update(env or {})
        server = CustomsServer(CUSTOMS, self.work, name, args, env=registry_env)
        self.servers.append(server)
        server.wait_listening()
        return server

    def close(self):
        for server in self.servers:
            server.stop()
        if self.registry:
            self.registry.stop()
        self.postgres.destroy()
        shutil.rmtree(self.work, ignore_errors=True)


def wait_ready(server, deadline=60):
    end = time.time() + deadline
    response = None
    while time.time() < end:
        response = http("GET", server.url("/readyz"))
        if response.status == 200:
            return response
        time.sleep(0.1)
    raise AssertionError(f"{server.name} not ready: {response.body if response else None}")


def wait_scan(server, scan_id, headers=None, deadline=180):
    end = time.time() + deadline
    while time.time() < end:
        response = http("GET", server.url(f"/v1/scans/{scan_id}"), headers=headers or {})
        if response.status != 202:
            return response
        time.sleep(0.2)
    raise AssertionError(f"scan {scan_id} did not finish")


class HarborClient:
    """Behaves as Harbor's scanner client (src/pkg/scan/rest/v1/client.go): every request within 5 s, redirects never
    followed, Refresh-After read as Harbor does (an int8; anything else means 5 s), polling until 200 or 500."""

    def __init__(self, base, api_key=None):
        self.base = base
        self.headers = {"X-ScannerAdapter-API-Key": api_key} if api_key else {}
        self.polls = 0
        self.refresh_seen = []

    def request(self, method, path, body=None, headers=None):
        merged = dict(self.headers)
        merged.update(headers or {})
        return http(method, self.base + path, body=body, headers=merged, timeout=5.0)

    def submit(self, registry_url, authorization, repository, digest, tag="1"):
        body = {"registry": {"url": registry_url, "authorization": authorization},
                "artifact": {"repository": repository, "digest": digest, "tag": tag,
                             "mime_type": "application/vnd.oci.image.manifest.v1+json"},
                "enabled_capabilities": [{"type": "vulnerability"}, {"type": "sbom"}]}
        started = time.time()
        response = self.request("POST", "/api/v1/scan", body, {"Content-Type": HARBOR_REQUEST})
        return response, time.time() - started

    def report(self, scan_id, accept, query="", deadline=180):
        end = time.time() + deadline
        while time.time() < end:
            response = self.request("GET", f"/api/v1/scan/{scan_id}/report{query}", headers={"Accept": accept})
            if response.status in (200, 500) or response.status not in (302,):
                return response
            self.polls += 1
            refresh = response.header("Refresh-After")
            self.refresh_seen.append(refresh)
            try:
                seconds = int(refresh)
                if not -128 <= seconds <= 127:
                    seconds = 5
            except (TypeError, ValueError):
                seconds = 5
            # The test shortens Harbor's wait (it would sleep `seconds`), but only ever as long as the server asked.
            time.sleep(min(seconds, 0.5))
        raise AssertionError("the report never became ready")


def validate_openapi(cases, work):
    """ajv over (schema, document) pairs; returns its output. Documents are written to `work`."""
    tools = os.path.join(BINARY_DIR, "tools-schemas")
    fetched = run(["bash", os.path.join(SOURCE, "scripts", "fetch-schemas.sh"), tools], check=False, timeout=600)
    if fetched.returncode != 0:
        raise AssertionError("could not fetch ajv from npm: " + fetched.stderr)
    import yaml
    spec_json = os.path.join(work, "harbor-openapi.json")
    with open(HARBOR_SPEC) as f, open(spec_json, "w") as out:
        json.dump(yaml.safe_load(f), out)
    entries = []
    for i, (schema, document, expect) in enumerate(cases):
        path = os.path.join(work, f"doc-{i}-{schema}.json")
        with open(path, "w") as f:
            f.write(document if isinstance(document, str) else json.dumps(document))
        entries.append({"schema": schema, "file": path, "expect": expect})
    cases_json = os.path.join(work, "cases.json")
    with open(cases_json, "w") as f:
        json.dump(entries, f)
    result = run(["node", os.path.join(SOURCE, "tests", "e2e", "server", "validate_openapi.js"), tools, spec_json,
                  cases_json], check=False)
    return result.returncode, result.stdout + result.stderr


class EnvironmentTest(unittest.TestCase):
    """A suite with its own Environment (PostgreSQL, and the registry with the test images unless WITH_REGISTRY is
    false), torn down after its last test."""
    WITH_REGISTRY = True

    @classmethod
    def setUpClass(cls):
        cls.env = Environment(with_registry=cls.WITH_REGISTRY)

    @classmethod
    def tearDownClass(cls):
        cls.env.close()


class HarborTest(EnvironmentTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.database = cls.env.postgres.create_database()
        cls.api_key = "k3y-for-tests"
        cls.server = cls.env.server("all", "all", cls.database, "--api-key", cls.api_key,
                                    "--harbor-refresh-after", "2", "--worker-poll-interval", "1s")
        wait_ready(cls.server)
        cls.documents = []  # (schema, body, expect) for one ajv run at the end

    def auth(self):
        return {"Authorization": f"Bearer {self.api_key}"}

    def cli_report(self, reference, exit_codes=(0, 1)):
        env = dict(os.environ, CUSTOMS_REGISTRY_USERNAME=self.env.registry.user,
                   CUSTOMS_REGISTRY_PASSWORD=self.env.registry.password, HOME=self.env.work)
        # The server's workers run the vulnerability scanner (the image audit is not part of a server scan yet).
        result = run([CUSTOMS, "image", "--quiet", "--no-cache", "--scanners", "vuln", "--db", self.env.store,
                      "--format", "json", reference], check=False, env=env)
        self.assertIn(result.returncode, exit_codes, result.stderr)
        return result.stdout

    def test_1_harbor_flow_matches_customs_image(self):
        client = HarborClient(self.server.url(""), api_key=self.api_key)
        metadata = client.request("GET", "/api/v1/metadata")
        self.assertEqual(metadata.status, 200)
        self.assertEqual(metadata.header("Content-Type"), "application/vnd.scanner.adapter.metadata+json; version=1.1")
        self.documents.append(("ScannerAdapterMetadata", metadata.body.decode(), "valid"))

        digest = self.env.digests["pinned"]
        response, elapsed = client.submit(f"http://{self.env.registry.host}", self.env.registry.basic_authorization(),
                                          "library/pinned", digest)
        print(f"POST /api/v1/scan answered {response.status} in {elapsed * 1000:.1f} ms (Harbor gives up after 5 s)")
        self.assertEqual(response.status, 202, response.body)
        self.assertEqual(response.header("Content-Type"), "application/vnd.scanner.adapter.scan.response+json; "
                                                          "version=1.0")
        self.documents.append(("ScanResponse", response.body.decode(), "valid"))
        scan_id = response.json()["id"]

        report = client.report(scan_id, VULN_1_1)
        self.assertEqual(report.status, 200, report.body)
        self.assertGreater(client.polls, 0, "the first poll should have found the scan still running (302)")
        self.assertTrue(all(r == "2" for r in client.refresh_seen), client.refresh_seen)
        self.assertEqual(report.header("Content-Type"), VULN_1_1)
        harbor = report.json()
        self.documents.append(("HarborVulnerabilityReport", report.body.decode(), "valid"))
        self.assertEqual(harbor["artifact"]["digest"], digest)

        # The same digest through the CLI: the same vulnerabilities.
        cli = json.loads(self.cli_report(self.env.reference("pinned")))
        expected = sorted((f["id"], f["package"]["name"], f["package"]["version"], f["fixed_version"],
                           f["severity"]) for f in cli["findings"])
        got = sorted((v["id"], v["package"], v["version"], v["fix_version"], v["severity"].upper())
                     for v in harbor["vulnerabilities"])
        self.assertGreater(len(expected), 10)
        self.assertEqual(got, expected)

        # Version 1.0, the raw report, and both SBOM media types.
        v10 = client.report(scan_id, VULN_1_0)
        self.assertEqual(v10.status, 200)
        self.assertEqual(v10.header("Content-Type"), VULN_1_0)
        self.assertEqual(len(v10.json()["vulnerabilities"]), len(expected))
        self.documents.append(("HarborVulnerabilityReport", v10.body.decode(), "valid"))
        raw = client.report(scan_id, RAW)
        self.assertEqual(raw.status, 200)
        self.assertEqual(json.loads(raw.body)["findings"], cli["findings"])
        for media_type, key in (("application/spdx+json", "spdxVersion"),
                                ("application/vnd.cyclonedx+json", "bomFormat")):
            sbom = client.report(scan_id, SBOM, "?sbom_media_type=" + media_type)
            self.assertEqual(sbom.status, 200, sbom.body)
            self.assertEqual(sbom.json()["media_type"], media_type)
            self.assertIn(key, sbom.json()["sbom"])
            self.documents.append(("HarborSbomReport", sbom.body.decode(), "valid"))
        missing = client.report(scan_id, SBOM)
        self.assertEqual(missing.status, 400)
        self.documents.append(("ErrorResponse", missing.body.decode(), "valid"))
        unacceptable = client.report(scan_id, "text/html")
        self.assertEqual(unacceptable.status, 501)
        unknown = client.report("no-such-scan", VULN_1_1)
        self.assertEqual(unknown.status, 404)

        # Scanned again: the stored result for (digest, snapshot) answers at once, no 302.
        again, _ = client.submit(f"http://{self.env.registry.host}", self.env.registry.basic_authorization(),
                                 "library/pinned", digest)
        client.polls = 0
        second = client.report(again.json()["id"], VULN_1_1)
        self.assertEqual(second.status, 200)
        self.assertEqual(client.polls, 0)

    def test_2_v1_scans_in_every_format_equal_the_cli(self):
        reference = self.env.reference("bookworm")
        created = http("POST", self.server.url("/v1/scans"), {"reference": reference}, self.auth())
        self.assertEqual(created.status, 202, created.body)
        scan_id = created.json()["id"]
        self.assertEqual(created.header("Location"), f"/v1/scans/{scan_id}")
        report = wait_scan(self.server, scan_id, dict(self.auth(), Accept="application/json"))
        self.assertEqual(report.status, 200, report.body)
        self.assertEqual(report.header("X-Customs-Manifest-Digest"), self.env.digests["bookworm"])
        self.assertEqual(report.body.decode(), self.cli_report(reference))
        for accept, check in (("application/sarif+json", lambda b: json.loads(b)["version"] == "2.1.0"),
                              ("application/vnd.cyclonedx+json", lambda b: json.loads(b)["bomFormat"] == "CycloneDX"),
                              ("application/xml", lambda b: b.startswith(b"<?xml")),
                              ("text/markdown", lambda b: b.startswith(b"### customs")),
                              ("text/plain", lambda b: reference.encode() in b)):
            response = http("GET", self.server.url(f"/v1/scans/{scan_id}"), headers=dict(self.auth(), Accept=accept))
            self.assertEqual(response.status, 200, accept)
            self.assertTrue(check(response.body), accept)
        self.assertEqual(http("GET", self.server.url(f"/v1/scans/{scan_id}"),
                              headers=dict(self.auth(), Accept="image/png")).status, 406)
        # Policy in the request: fail on any finding (the sample advisory data has no severities: UNKNOWN).
        strict = http("POST", self.server.url("/v1/scans"),
                      {"reference": self.env.reference("pinned"), "policy": {"fail_on": "UNKNOWN"}}, self.auth())
        self.assertEqual(strict.status, 202)
        judged = wait_scan(self.server, strict.json()["id"], self.auth())
        self.assertEqual(judged.header("X-Customs-Verdict"), "fail")
        self.assertEqual(judged.header("X-Customs-Exit-Code"), "1")
        # By digest alone, once the image is known; and its verdict, looked up by digest.
        by_digest = http("POST", self.server.url("/v1/scans"), {"digest": self.env.digests["bookworm"]}, self.auth())
        self.assertEqual(by_digest.status, 202)
        self.assertEqual(by_digest.json()["status"], "done")
        verdict = http("GET", self.server.url(f"/v1/verdicts/{self.env.digests['bookworm']}"), headers=self.auth())
        self.assertEqual(verdict.status, 200, verdict.body)
        self.assertTrue(verdict.json()["passed"])
        unknown = http("POST", self.server.url("/v1/scans"), {"digest": "sha256:" + "0" * 64}, self.auth())
        self.assertEqual(unknown.status, 422)

    def test_5_hostile_images_equal_the_cli_byte_for_byte(self):
        # Invalid UTF-8 in package fields, os-release and file names goes through PostgreSQL and back unchanged: the
        # server's report names the same U+FFFD values and the same escaped raw bytes as `customs image`; an image
        # whose package database yields nothing is incomplete (exit 3) in both.
        sys.path.insert(0, os.path.join(SOURCE, "tests", "e2e"))
        import make_hostile_images as hostile
        bad = b"".join(hostile.BAD_UTF8)
        fields = b"".join(hostile.stanza(b"pkg%d" % i, b"1.0" + seq, arch=b"amd" + seq,
                                         extra=b"Source: src" + seq + b" (2.0" + seq + b")\n")
                          for i, seq in enumerate(hostile.BAD_UTF8)) + hostile.STATUS
        # A package with findings whose architecture is not UTF-8: its findings carry raw_escaped.
        fields += hostile.stanza(b"curl", b"7.88.1-10+deb12u5", arch=b"amd64" + hostile.BAD_UTF8[0])
        names = [("etc", "dir", None), ("etc/os-release", "file", hostile.OS_RELEASE),
                 ("var/lib/dpkg/status.d", "dir", None)]
        for i, seq in enumerate(hostile.BAD_UTF8):
            names.append((b"var/lib/dpkg/status.d/pkg" + seq, "file",
                          b"Package: pkg%d\nArchitecture: amd64\nVersion: 1.0\n" % i))
        names.append((b"var/lib/dpkg/status.d/broken" + hostile.BAD_UTF8[3], "file", b"Package: broken\n"))
        cases = {
            "utf8-dpkg-fields": ([hostile.os_release_layer(hostile.OS_RELEASE, fields)], 0),
            "utf8-os-release": ([hostile.os_release_layer(b'PRETTY_NAME="Debian ' + bad + b'"\nID=debian\n'
                                                          b'VERSION_ID="12"\nVERSION_CODENAME=bookworm\n')], 0),
            "utf8-file-names": ([hostile.tar_bytes(names, fmt=hostile.tarfile.GNU_FORMAT)], 0),
            "dpkg-nothing-valid": ([hostile.os_release_layer(
                hostile.OS_RELEASE, b"Package: bash\nStatus: install ok installed\n\n" * 3)], 3),
        }
        escaped = 0
        for name, (layers, exit_code) in cases.items():
            layout = os.path.join(self.env.work, "hostile", name)
            hostile.oci_layout(layout, layers)
            digest = self.env.registry.push(layout, None, f"hostile/{name}", "1")
            reference = f"{self.env.registry.host}/hostile/{name}@{digest}"
            created = http("POST", self.server.url("/v1/scans"), {"reference": reference}, self.auth())
            self.assertEqual(created.status, 202, created.body)
            report = wait_scan(self.server, created.json()["id"], dict(self.auth(), Accept="application/json"))
            self.assertEqual(report.status, 200, (name, report.body))
            self.assertEqual(report.header("X-Customs-Exit-Code"), str(exit_code), name)
            cli = self.cli_report(reference, exit_codes=(exit_code,))
            self.assertEqual(report.body.decode(), cli, name)
            escaped += cli.count("raw_escaped")
        self.assertGreater(escaped, 0, "no report carried the escaped raw bytes: the test proves nothing")

    def test_3_a_missing_image_fails_clearly(self):
        created = http("POST", self.server.url("/v1/scans"),
                       {"reference": f"{self.env.registry.host}/library/nothing-here:1"}, self.auth())
        self.assertEqual(created.status, 202)
        failed = wait_scan(self.server, created.json()["id"], self.auth())
        self.assertEqual(failed.status, 422)
        self.assertIn("404", failed.json()["error"]["message"])
        client = HarborClient(self.server.url(""), api_key=self.api_key)
        response, _ = client.submit(f"http://{self.env.registry.host}", self.env.registry.basic_authorization(),
                                    "library/pinned", "sha256:" + "1" * 64)
        self.assertEqual(response.status, 202)
        report = client.report(response.json()["id"], VULN_1_1)
        self.assertEqual(report.status, 500)
        self.assertIn("message", report.json()["error"])
        self.documents.append(("ErrorResponse", report.body.decode(), "valid"))

    def test_4_auth_and_malformed_requests(self):
        self.assertEqual(http("GET", self.server.url("/api/v1/metadata")).status, 401)
        self.assertEqual(http("GET", self.server.url("/api/v1/metadata"),
                              headers={"Authorization": "Bearer wrong"}).status, 401)
        basic = "Basic " + base64.b64encode(f"anyone:{self.api_key}".encode()).decode()
        self.assertEqual(http("GET", self.server.url("/api/v1/metadata"), headers={"Authorization": basic}).status,
                         200)
        self.assertEqual(http("GET", self.server.url("/healthz")).status, 200)
        self.assertEqual(http("GET", self.server.url("/metrics")).status, 200)
        key = {"X-ScannerAdapter-API-Key": self.api_key}
        bad_bodies = [b"", b"{", b"[]", b"null", b"\xff\xfe", b'{"registry":1}', b'{"registry":{},"artifact":[]}',
                      b'{"registry":{"url":"https://r"},"artifact":{"repository":"a","digest":"md5:1"}}',
                      json.dumps({"registry": {"url": "https://r"},
                                  "artifact": {"repository": "a/b", "digest": "sha256:" + "a" * 64,
                                               "mime_type": "application/x-helm"}}).encode()]
        for body in bad_bodies:
            response = http("POST", self.server.url("/api/v1/scan"), body, dict(key, **{"Content-Type": HARBOR_REQUEST}))
            self.assertIn(response.status, (400, 413, 422, 501), body[:60])
            if response.status != 413:
                self.assertEqual(response.header("Content-Type"), "application/vnd.scanner.adapter.error+json; "
                                                                  "version=1.0")
                self.documents.append(("ErrorResponse", response.body.decode(), "valid"))
        for body in (b"", b"{}", b'{"reference":5}', b'{"reference":"alpine"}', b'{"digest":"sha256:zz"}',
                     b'{"reference":"r.io/a","policy":{"fail_on":"SEVERE"}}', b'{"unexpected":true}'):
            self.assertEqual(http("POST", self.server.url("/v1/scans"), body, key).status, 400, body)
        self.assertEqual(http("DELETE", self.server.url("/v1/scans"), None, key).status, 405)
        self.assertEqual(http("GET", self.server.url("/v1/nothing"), None, key).status, 404)
        self.assertEqual(http("GET", self.server.url("/v1/verdicts/not-a-digest"), None, key).status, 400)
        # Raw: a malformed request line, a header block over the limit, a body over the limit (refused from its
        # Content-Length, before it is sent).
        for raw, status in ((b"BREW /coffee HTCPCP/1.0\r\n\r\n", b"400"),
                            (b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 40000 + b"\r\n\r\n", b"431"),
                            (b"POST /api/v1/scan HTTP/1.1\r\nHost: x\r\nX-ScannerAdapter-API-Key: " +
                             self.api_key.encode() + b"\r\nContent-Length: 2000000\r\n\r\n", b"413")):
            with socket.create_connection(("127.0.0.1", int(self.server.address.split(":")[1])), timeout=5) as s:
                s.sendall(raw)
                answer = s.recv(4096)
            self.assertTrue(answer.startswith(b"HTTP/1.1 " + status), answer[:80])
        # Still alive and serving.
        self.assertEqual(http("GET", self.server.url("/readyz")).status, 200)

    def test_9_every_harbor_response_validates_against_the_openapi_schemas(self):
        # The validator must reject, or the check proves nothing.
        self.documents.append(("HarborVulnerabilityReport",
                               json.dumps({"vulnerabilities": [{"id": 1, "severity": "Severe"}]}), "invalid"))
        self.documents.append(("ScannerAdapterMetadata", json.dumps({"scanner": {}}), "invalid"))
        self.assertGreaterEqual(len(self.documents), 10)
        code, output = validate_openapi(self.documents, self.env.work)
        print(output)
        self.assertEqual(code, 0, output)


class QueueTest(EnvironmentTest):
    def submit_many(self, api, count):
        names = ("pinned", "bookworm", "distroless")
        ids = []
        for i in range(count):
            response = http("POST", api.url("/v1/scans"), {"reference": self.env.reference(names[i % 3])})
            self.assertEqual(response.status, 202, response.body)
            ids.append(response.json()["id"])
        return ids

    def wait_all_done(self, database, count, deadline=300):
        end = time.time() + deadline
        while time.time() < end:
            open_jobs = int(self.env.postgres.scalar(database, "SELECT count(*) FROM jobs WHERE state IN "
                                                               "('queued', 'running')"))
            if open_jobs == 0:
                return
            time.sleep(0.2)
        raise AssertionError("jobs still open: " + str(self.env.postgres.psql(
            database, "SELECT state, count(*) FROM jobs GROUP BY state")))

    def done_events(self, workers):
        events = []
        for worker in workers:
            events += [(e["job"], worker.name) for e in worker.events("job_done")]
        return events

    def test_1_three_workers_do_600_jobs_exactly_once(self):
        database = self.env.postgres.create_database()
        api = self.env.server("queue-api", "api", database)
        ids = self.submit_many(api, 600)
        workers = [self.env.server(f"queue-worker-{i}", "worker", database, "--worker-poll-interval", "1s")
                   for i in range(3)]
        started = time.time()
        self.wait_all_done(database, 600)
        print(f"600 jobs by 3 workers in {time.time() - started:.1f} s")
        events = self.done_events(workers)
        jobs = [job for job, _ in events]
        self.assertEqual(len(jobs), 600)
        self.assertEqual(len(set(jobs)), 600, "a job was done twice")
        per_worker = {w.name: sum(1 for _, name in events if name == w.name) for w in workers}
        print("jobs per worker:", per_worker)
        self.assertTrue(all(n > 0 for n in per_worker.values()), per_worker)
        rows = self.env.postgres.psql(database, "SELECT state, max(attempts), count(*) FROM jobs GROUP BY state")
        self.assertEqual(rows, [["done", "1", "600"]])
        states = self.env.postgres.psql(database, "SELECT state, count(*) FROM scan_requests GROUP BY state")
        self.assertEqual(states, [["done", "600"]])
        # Three images, each pulled and read once at most per worker; every other job answered from the store.
        pulled = sum(1 for w in workers for e in w.events("job_done") if e["result"].startswith("pulled"))
        self.assertLessEqual(pulled, 9)
        self.assertGreaterEqual(pulled, 3)
        for w in workers + [api]:
            self.assertEqual(w.stop(), 0, w.log_text()[-2000:])

    def test_2_an_idle_worker_wakes_on_notify(self):
        database = self.env.postgres.create_database()
        api = self.env.server("notify-api", "api", database)
        # A 10-minute poll: anything picked up within the test's wait was picked up because of NOTIFY.
        worker = self.env.server("notify-worker", "worker", database, "--worker-poll-interval", "600s")
        worker.wait_for(lambda e: e.get("event") == "worker_idle", "worker_idle")
        time.sleep(0.5)  # well inside its first 600 s wait
        submitted = time.time()
        response = http("POST", api.url("/v1/scans"), {"reference": self.env.reference("distroless")})
        self.assertEqual(response.status, 202)
        claimed = worker.wait_for(lambda e: e.get("event") == "job_claimed", "job_claimed", deadline=30)[0]
        woken = worker.events("worker_woken")
        self.assertTrue(woken and woken[-1]["by"] == "notify", woken)
        created = self.env.postgres.scalar(database, "SELECT extract(epoch FROM started_at - created_at) * 1000 "
                                                     "FROM jobs")
        print(f"NOTIFY wake-up: job claimed {float(created):.1f} ms after it was enqueued "
              f"(client-side {1000 * (time.time() - submitted):.0f} ms including the HTTP round trip); "
              f"the poll interval was 600 s")
        self.assertEqual(claimed["attempt"], 1)

    def test_3_a_killed_worker_s_job_runs_again_with_attempts_2(self):
        database = self.env.postgres.create_database()
        api = self.env.server("kill-api", "api", database)
        # A registry that answers each connection only after 3 s, so the job is surely mid-flight when killed.
        proxy = SlowProxy(self.env.registry.port, delay=3.0)
        try:
            reference = f"127.0.0.1:{proxy.port}/library/pinned@{self.env.digests['pinned']}"
            doomed = self.env.server("kill-worker-a", "worker", database, "--worker-lease", "2s",
                                     "--worker-id", "worker-a")
            response = http("POST", api.url("/v1/scans"), {"reference": reference})
            self.assertEqual(response.status, 202)
            scan_id = response.json()["id"]
            doomed.wait_for(lambda e: e.get("event") == "job_claimed", "job_claimed")
            proxy.wait_for_connection()
            doomed.kill9()
            rows = self.env.postgres.psql(database, "SELECT state, attempts, worker FROM jobs")
            self.assertEqual(rows, [["running", "1", "worker-a"]])
            survivor = self.env.server("kill-worker-b", "worker", database, "--worker-lease", "2s",
                                       "--worker-id", "worker-b", "--worker-poll-interval", "500ms")
            done = survivor.wait_for(lambda e: e.get("event") == "job_done", "job_done", deadline=120)[0]
            self.assertEqual(done["attempt"], 2)
            rows = self.env.postgres.psql(database, "SELECT state, attempts, worker, last_error FROM jobs")
            self.assertEqual(rows[0][:3], ["done", "2", "worker-b"])
            self.assertIn("worker-a", rows[0][3])
            report = wait_scan(api, scan_id)
            self.assertEqual(report.status, 200)
        finally:
            proxy.close()

    def test_4_postgres_restarts_mid_run_and_nothing_is_lost(self):
        database = self.env.postgres.create_database()
        api = self.env.server("restart-api", "api", database)
        ids = self.submit_many(api, 200)
        workers = [self.env.server(f"restart-worker-{i}", "worker", database, "--worker-lease", "5s",
                                   "--worker-poll-interval", "500ms") for i in range(2)]
        end = time.time() + 120
        while time.time() < end and len(self.done_events(workers)) < 20:
            time.sleep(0.05)
        done_before = len(self.done_events(workers))
        self.assertGreaterEqual(done_before, 20)
        self.assertLess(done_before, 200, "the restart should happen mid-run")
        self.env.postgres.restart()
        print(f"PostgreSQL restarted after {done_before} of 200 jobs")
        self.wait_all_done(database, 200)
        rows = self.env.postgres.psql(database, "SELECT state, count(*) FROM jobs GROUP BY state")
        self.assertEqual(rows, [["done", "200"]])
        states = self.env.postgres.psql(database, "SELECT state, count(*) FROM scan_requests GROUP BY state")
        self.assertEqual(states, [["done", "200"]])
        jobs = [job for job, _ in self.done_events(workers)]
        self.assertEqual(len(set(jobs)), 200)
        self.assertEqual(len(jobs), 200, "a job was recorded done twice")
        reconnects = sum(len(w.events("worker_connected")) for w in workers)
        self.assertGreaterEqual(reconnects, 4, "both workers should have connected twice")
        # The API reconnects too.
        response = http("GET", api.url(f"/v1/scans/{ids[-1]}"))
        self.assertEqual(response.status, 200)


class SlowProxy:
    """TCP proxy to the registry that waits `delay` seconds before forwarding each new connection."""

    def __init__(self, upstream_port, delay):
        self.upstream_port, self.delay = upstream_port, delay
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.connected = threading.Event()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connected.set()
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        time.sleep(self.delay)
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            client.close()
            return

        def pipe(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        forward = threading.Thread(target=pipe, args=(client, upstream), daemon=True)
        forward.start()
        pipe(upstream, client)
        forward.join(30)
        client.close()
        upstream.close()

    def wait_for_connection(self):
        if not self.connected.wait(60):
            raise AssertionError("the worker never connected to the registry")

    def close(self):
        self.closed = True
        self.listener.close()


class WebhookReceiver:
    """Collects JSON POSTs on a loopback port."""

    def __init__(self):
        received = self.received = []

        class Handler(http_server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http_server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class StaticFiles:
    """Serves a directory over HTTP on loopback (the snapshot publisher's web server)."""

    def __init__(self, directory):
        handler = lambda *a, **k: http_server.SimpleHTTPRequestHandler(*a, directory=directory, **k)  # noqa: E731
        http_server.SimpleHTTPRequestHandler.log_message = lambda *a: None
        self.server = http_server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SnapshotTest(EnvironmentTest):
    def test_signed_snapshots_reach_the_worker_and_new_findings_are_announced(self):
        work = self.env.work
        key, pub = os.path.join(work, "snap.key"), os.path.join(work, "snap.pub")
        run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key])
        run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub])
        other_key, other_pub = os.path.join(work, "other.key"), os.path.join(work, "other.pub")
        run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", other_key])
        run(["openssl", "pkey", "-in", other_key, "-pubout", "-out", other_pub])

        # Feed host: first a store without curl's advisories, then the full one.
        import gzip
        with gzip.open(os.path.join(SOURCE, "data", "advisories", "debian-bookworm-derived.json.gz")) as f:
            tracker = json.load(f)
        del tracker["curl"]
        partial_feed = os.path.join(work, "partial", "debian-bookworm-derived.json")
        os.makedirs(os.path.dirname(partial_feed))
        with open(partial_feed, "w") as f:
            json.dump(tracker, f)
        feed_db = os.path.join(work, "feed", "customs.db")
        run([CUSTOMS, "db", "import", partial_feed, "--db", feed_db])
        published = os.path.join(work, "published")
        run([CUSTOMS, "db", "publish", published, "--db", feed_db, "--key", key])
        files = StaticFiles(published)
        receiver = WebhookReceiver()
        try:
            # A worker with an old store refuses work and says what to do.
            worker_db = os.path.join(work, "worker", "customs.db")
            os.makedirs(os.path.dirname(worker_db))
            shutil.copy(self.env.store, worker_db)
            run(["sqlite3", worker_db, "UPDATE meta SET value = '2020-01-01T00:00:00Z' WHERE key = 'built_at'"])
            database = self.env.postgres.create_database()
            server = CustomsServer(CUSTOMS, work, "snapshot-all", [
                "--role", "all", "--listen", "127.0.0.1:0", "--postgres", self.env.postgres.dsn(database),
                "--db", worker_db, "--max-db-age", "72h", "--worker-poll-interval", "300ms",
                "--notify-webhook", f"http://127.0.0.1:{receiver.port}/hook"],
                env={"CUSTOMS_REGISTRY_USERNAME": self.env.registry.user,
                     "CUSTOMS_REGISTRY_PASSWORD": self.env.registry.password})
            self.env.servers.append(server)
            server.wait_listening()
            not_ready = server.wait_for(lambda e: e.get("event") == "worker_not_ready" and "older than" in
                                        e.get("reason", ""), "the stale-store refusal")[0]
            self.assertIn("customs db update --from", not_ready["reason"])
            ready = http("GET", server.url("/readyz"))
            self.assertEqual(ready.status, 503)
            self.assertIn("older than the maximum age", ready.body.decode())

            # A tampered snapshot and a wrong key are refused over HTTP; the old store stays.
            before = sha256_of(worker_db)
            refused = run([CUSTOMS, "db", "update", "--from", files.url, "--key", other_pub, "--db", worker_db],
                          check=False)
            self.assertEqual(refused.returncode, 3)
            self.assertIn("does not verify", refused.stderr)
            self.assertEqual(sha256_of(worker_db), before)

            # The signed snapshot installs; the worker picks it up and scans.
            installed = run([CUSTOMS, "db", "update", "--from", files.url, "--key", pub, "--db", worker_db,
                             "--max-db-age", "1h"])
            self.assertIn("installed snapshot", installed.stdout)
            wait_ready(server)
            created = http("POST", server.url("/v1/scans"), {"reference": self.env.reference("pinned")})
            first = wait_scan(server, created.json()["id"])
            self.assertEqual(first.status, 200)
            before_ids = {f["id"] for f in first.json()["findings"]}
            self.assertFalse(any(f["package"]["source_name"] == "curl" for f in first.json()["findings"]))

            # The full store, published and installed: the stored inventory is matched again, and the webhook hears
            # of the image's new (curl) findings.
            run([CUSTOMS, "db", "import", os.path.join(SOURCE, "data", "advisories"), "--db", feed_db])
            run([CUSTOMS, "db", "publish", published, "--db", feed_db, "--key", key])
            run([CUSTOMS, "db", "update", "--from", files.url, "--key", pub, "--db", worker_db])
            end = time.time() + 120
            while time.time() < end and not receiver.received:
                time.sleep(0.1)
            self.assertEqual(len(receiver.received), 1, receiver.received)
            note = receiver.received[0]
            print("notification:", json.dumps(note)[:400])
            self.assertEqual(note["event"], "customs.new_findings")
            self.assertEqual(note["manifest_digest"], self.env.digests["pinned"])
            self.assertEqual(note["repositories"], [f"{self.env.registry.host}/library/pinned"])
            self.assertEqual(note["most_severe"]["package"] in ("curl", "libcurl4"), True, note)
            self.assertGreater(note["new_findings"], 0)
            self.assertTrue({f["id"] for f in note["findings"]}.isdisjoint(before_ids))
            self.assertTrue(all(f["package"] in ("curl", "libcurl4") for f in note["findings"]), note["findings"])
            jobs = self.env.postgres.psql(database, "SELECT kind, state, count(*) FROM jobs GROUP BY kind, state "
                                                    "ORDER BY kind")
            self.assertIn(["rematch", "done", "1"], jobs)
            self.assertEqual(self.env.postgres.scalar(database, "SELECT state FROM notifications"), "delivered")
            # The verdict follows the new snapshot.
            verdict = http("GET", server.url(f"/v1/verdicts/{self.env.digests['pinned']}"))
            self.assertEqual(verdict.json()["snapshot_digest"], "sha256:" + sha256_of(worker_db))
        finally:
            files.close()
            receiver.close()


class AlertsTest(EnvironmentTest):
    WITH_REGISTRY = False

    def test_watch_posts_alerts_that_the_server_stores(self):
        database = self.env.postgres.create_database()
        key = "alert-key"
        server = self.env.server("alerts-api", "api", database, "--api-key", key)
        events = os.path.join(self.env.work, "events.jsonl")
        with open(events, "w") as f:
            for pid in (7, 8):
                f.write(json.dumps({"type": "execve", "time_ns": 1764347400000000000 + pid, "pid": pid,
                                    "name": "bash", "exepath": "/usr/bin/bash",
                                    "container_id": "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"})
                        + "\n")
        host, port = server.address.split(":")
        url = f"http://customs:{key}@{host}:{port}/v1/runtime/alerts"
        watch = run([CUSTOMS, "watch", "--replay", events, "--webhook", url], check=False)
        self.assertEqual(watch.returncode, 0, watch.stderr)
        printed = [json.loads(line) for line in watch.stdout.splitlines() if line.startswith("{")]
        self.assertEqual(len(printed), 2)
        listed = http("GET", server.url("/v1/runtime/alerts"), headers={"Authorization": f"Bearer {key}"})
        self.assertEqual(listed.status, 200, (listed.body, server.log_text()[-3000:]))
        stored = [a["alert"] for a in listed.json()["alerts"]]
        self.assertEqual(len(stored), 2)
        # Stored exactly as watch printed them.
        self.assertEqual(sorted(json.dumps(a, sort_keys=True) for a in stored),
                         sorted(json.dumps(a, sort_keys=True) for a in printed))
        rows = self.env.postgres.psql(database, "SELECT rule, container_id FROM runtime_alerts")
        self.assertEqual(rows, [["Shell spawned in a container", "abcdef012345"]] * 2)
        # Without the key, and with bodies that are not alerts.
        self.assertEqual(http("POST", server.url("/v1/runtime/alerts"), printed[0]).status, 401)
        auth = {"Authorization": f"Bearer {key}"}
        for body in (b"{}", b"[]", b"not json", b'{"rule":"r","priority":"p","time":"noon"}',
                     b'{"rule":"r\\u0000","priority":"p","time":"2026-11-28T16:20:00Z"}'):
            self.assertEqual(http("POST", server.url("/v1/runtime/alerts"), body, auth).status, 400, body)
        self.assertEqual(http("GET", server.url("/v1/runtime/alerts?limit=x"), headers=auth).status, 400)


def main():
    global CUSTOMS, SOURCE, BINARY_DIR, HARBOR_SPEC
    args = sys.argv[1:]
    options = {}
    rest = []
    i = 0
    while i < len(args):
        if args[i] in ("--customs", "--source", "--binary-dir", "--shared-data"):
            options[args[i]] = args[i + 1]
            i += 2
        else:
            rest.append(args[i])
            i += 1
    CUSTOMS = os.path.abspath(options["--customs"])
    SOURCE = os.path.abspath(options["--source"])
    BINARY_DIR = os.path.abspath(options["--binary-dir"])
    HARBOR_SPEC = os.path.join(options.get("--shared-data", os.path.join(SOURCE, "..", "shared", "data")), "specs",
                               "harbor-scanner-adapter-openapi-v1.2.yaml")
    require_all = os.environ.get("CUSTOMS_REQUIRE_ALL") == "1"
    reason = harness.missing_requirements()
    if reason is None and not os.path.exists(os.path.join(images(), ".stamp")):
        reason = f"test images missing in {images()} (run scripts/testimages.sh)"
    if reason is None and not os.path.exists(HARBOR_SPEC):
        reason = f"Harbor's OpenAPI spec missing: {HARBOR_SPEC}"
    if reason is not None:
        print(f"SKIP: {reason}")
        sys.exit(1 if require_all else 77)
    program = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, exit=False)
    result = program.result
    for test, why in result.skipped:
        print(f"SKIP: {test.id()}: {why}")
    if not result.wasSuccessful():
        sys.exit(1)
    if result.skipped:
        sys.exit(1 if require_all else (77 if len(result.skipped) == result.testsRun else 0))
    sys.exit(0)


if __name__ == "__main__":
    main()
