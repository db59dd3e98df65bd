#!/usr/bin/env python3
"""End-to-end tests of Kubernetes admission and registry notifications with real components started here
(harness.py): PostgreSQL 15, docker-registry configured to POST its notifications to the server, the real test
images pushed with skopeo, `customs server` over real TLS with a certificate from an openssl-made CA.

No kube-apiserver can run here (none in Debian 12 or on npm): the AdmissionReview and ImageReview documents are
fixtures (tests/e2e/server/fixtures/) shaped as the apiserver sends them, posted by a client that verifies the server
against the CA as the apiserver does with the webhook's caBundle. Service DNS and the caBundle plumbing are not
exercised.

Suites:
  AdmissionTest   notifications enqueue scans of pushed manifests; Pod, Deployment, CronJob and ImageReview are
                  answered from stored verdicts (deny with code and message, allow), uid echoed; tags resolved; a miss
                  is denied or warned and enqueues a scan, except in a dry run; malformed reviews get 400

Usage: admission_e2e.py --customs PATH --source DIR --binary-dir DIR [unittest args]
"""
import http.client as httpclient
import json
import os
import shutil
import ssl
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CustomsServer, Postgres, Registry, http, run  # noqa: E402

CUSTOMS = SOURCE = BINARY_DIR = None
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
FAIL_ON = "UNKNOWN"  # the sample advisory data has no severities (see gate_e2e.py)


def images():
    return os.path.join(BINARY_DIR, "testimages")


def build_store(work):
    """The curl advisories of data/advisories: the pinned image fails, distroless and bookworm pass."""
    return harness.build_package_store(CUSTOMS, SOURCE, work)


def make_tls(work):
    """A CA and a server certificate for 127.0.0.1 and the in-cluster service name, made with openssl."""
    tls = os.path.join(work, "tls")
    os.makedirs(tls)
    ca_key, ca_crt = os.path.join(tls, "ca.key"), os.path.join(tls, "ca.crt")
    key, csr, crt = os.path.join(tls, "server.key"), os.path.join(tls, "server.csr"), os.path.join(tls, "server.crt")
    ext = os.path.join(tls, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:customs.customs.svc\nextendedKeyUsage=serverAuth\n")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt, "-days", "1",
         "-subj", "/CN=customs test CA"])
    run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj",
         "/CN=customs.customs.svc"])
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
         "-days", "1", "-extfile", ext])
    return ca_crt, crt, key


def https(address, method, path, body=None, ca=None, timeout=30.0):
    host, port = address.rsplit(":", 1)
    context = ssl.create_default_context(cafile=ca)
    connection = httpclient.HTTPSConnection(host, int(port), context=context, timeout=timeout)
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return harness.Response(response.status, response.getheaders(), data)


def fixture(name, image, init_image=None, dry_run=None):
    with open(os.path.join(FIXTURES, name)) as f:
        text = f.read()
    text = text.replace("__IMAGE__", image).replace("__INIT_IMAGE__", init_image or image)
    document = json.loads(text)
    if dry_run is not None:
        document["request"]["dryRun"] = dry_run
    return document


class AdmissionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="customs-admission-e2e-")
        cls.servers = []
        cls.registry = None
        cls.postgres = Postgres(cls.work)
        try:
            cls.database = cls.postgres.create_database()
            cls.store = build_store(cls.work)
            cls.ca, cert, key = make_tls(cls.work)
            # The TLS server answers admission and runs the worker; a plain api server receives the registry's
            # notifications (distribution's notification endpoints cannot be given a CA).
            cls.tls = cls.server("tls", "all", "--tls-cert", cert, "--tls-key", key, "--worker-poll-interval",
                                 "200ms")
            cls.warn = cls.server("warn", "api", "--tls-cert", cert, "--tls-key", key, "--admission-on-miss", "warn")
            cls.plain = cls.server("plain", "api")
            cls.registry = Registry(cls.work, notify_url=cls.plain.url("/v1/registry/events"))
            cls.digests = {}
            for name in ("pinned", "distroless"):
                cls.digests[name] = cls.registry.push(os.path.join(images(), name, "oci"), "1", f"library/{name}", "1")
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def server(cls, name, role, *extra):
        args = ["--role", role, "--listen", "127.0.0.1:0", "--postgres", cls.postgres.dsn(cls.database), "--db",
                cls.store, "--fail-on", FAIL_ON] + list(extra)
        # The server's registry credentials (resolving tags, the worker's pulls); the registry's port is not known
        # yet, and credentials from the environment apply to any registry.
        server = CustomsServer(CUSTOMS, cls.work, name, args,
                               env={"CUSTOMS_REGISTRY_USERNAME": "harbor", "CUSTOMS_REGISTRY_PASSWORD": "robot-secret"})
        cls.servers.append(server)
        server.wait_listening()
        return server

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers:
            server.stop()
        if cls.registry:
            cls.registry.stop()
        cls.postgres.destroy()
        shutil.rmtree(cls.work, ignore_errors=True)

    def sql(self, query):
        return self.postgres.scalar(self.database, query)

    def reference(self, name):
        return f"{self.registry.host}/library/{name}@{self.digests[name]}"

    def review(self, server, document, path="/v1/admission/validate"):
        response = https(server.address, "POST", path, document, ca=self.ca)
        self.assertEqual(response.status, 200, response.body)
        return response.json()

    def wait_verdicts(self):
        end = time.time() + 180
        while time.time() < end:
            count = int(self.sql("SELECT count(*) FROM verdicts WHERE manifest_digest IN "
                                 f"('{self.digests['pinned']}', '{self.digests['distroless']}')"))
            if count == 2:
                return
            time.sleep(0.2)
        self.fail("no verdicts for the pushed images: " + self.tls.log_text()[-3000:])

    def test_1_registry_notifications_enqueue_a_scan_of_the_pushed_manifest(self):
        end = time.time() + 60
        found = None
        while time.time() < end and not found:
            found = self.sql("SELECT job_id FROM scan_requests WHERE source = 'registry' AND manifest_digest = "
                             f"'{self.digests['pinned']}'")
            time.sleep(0.1)
        self.assertTrue(found, self.plain.log_text()[-3000:])
        pushes = [e for e in self.plain.events("registry_push") if self.digests["pinned"] in e["reference"]]
        self.assertTrue(pushes)
        # The worker scans it; the verdicts land in PostgreSQL.
        self.wait_verdicts()
        self.assertEqual(self.sql(f"SELECT passed FROM verdicts WHERE manifest_digest = '{self.digests['pinned']}'"),
                         "f")
        self.assertEqual(self.sql("SELECT passed FROM verdicts WHERE manifest_digest = "
                                  f"'{self.digests['distroless']}'"), "t")

    def test_2_pod_deployment_cronjob_from_stored_verdicts(self):
        self.wait_verdicts()
        for name in ("admission-pod.json", "admission-deployment.json", "admission-cronjob.json"):
            document = fixture(name, self.reference("pinned"), init_image=self.reference("distroless"))
            answer = self.review(self.tls, document)
            self.assertEqual(answer["apiVersion"], "admission.k8s.io/v1")
            self.assertEqual(answer["kind"], "AdmissionReview")
            response = answer["response"]
            self.assertEqual(response["uid"], document["request"]["uid"], name)
            self.assertFalse(response["allowed"], name)
            self.assertEqual(response["status"]["code"], 403)
            self.assertIn(self.digests["pinned"], response["status"]["message"])
            self.assertRegex(response["status"]["message"], r"CVE-\d+-\d+ UNKNOWN (curl|libcurl4)")
            clean = self.review(self.tls, fixture(name, self.reference("distroless")))["response"]
            self.assertTrue(clean["allowed"], clean)
            self.assertNotIn("status", clean)
        # A tag is resolved to its digest at the registry with the server's credentials.
        by_tag = self.review(self.tls, fixture("admission-pod.json", f"{self.registry.host}/library/pinned:1"))
        self.assertFalse(by_tag["response"]["allowed"])
        self.assertIn(self.digests["pinned"], by_tag["response"]["status"]["message"])
        # Deleting never needs a verdict.
        delete = fixture("admission-pod.json", self.reference("pinned"))
        delete["request"]["operation"] = "DELETE"
        delete["request"]["oldObject"], delete["request"]["object"] = delete["request"]["object"], None
        self.assertTrue(self.review(self.tls, delete)["response"]["allowed"])

    def test_3_a_miss_is_denied_and_enqueued_except_in_a_dry_run(self):
        unknown = f"{self.registry.host}/library/nothing@sha256:" + "e" * 64
        before = int(self.sql("SELECT count(*) FROM scan_requests"))
        dry = self.review(self.tls, fixture("admission-pod.json", unknown, dry_run=True))["response"]
        self.assertFalse(dry["allowed"])
        self.assertIn("dry run", dry["status"]["message"])
        self.assertEqual(int(self.sql("SELECT count(*) FROM scan_requests")), before)
        self.assertEqual(int(self.sql("SELECT count(*) FROM jobs WHERE payload->>'digest' = '" + "sha256:" + "e" * 64
                                      + "'")), 0)
        real = self.review(self.tls, fixture("admission-pod.json", unknown))["response"]
        self.assertFalse(real["allowed"])
        self.assertIn("no verdict", real["status"]["message"])
        self.assertEqual(int(self.sql("SELECT count(*) FROM scan_requests WHERE source = 'admission'")), 1)
        # Warn mode: allowed, with the warning.
        warned = self.review(self.warn, fixture("admission-pod.json", unknown))["response"]
        self.assertTrue(warned["allowed"])
        self.assertEqual(len(warned["warnings"]), 1)
        self.assertIn("no verdict", warned["warnings"][0])
        # Warn mode still denies a failing verdict.
        self.wait_verdicts()
        self.assertFalse(self.review(self.warn, fixture("admission-pod.json", self.reference("pinned")))
                         ["response"]["allowed"])

    def test_4_imagereview(self):
        self.wait_verdicts()
        denied = self.review(self.tls, fixture("imagereview.json", self.reference("pinned")), "/v1/imagereview")
        self.assertEqual(denied["kind"], "ImageReview")
        self.assertFalse(denied["status"]["allowed"])
        self.assertIn(self.digests["pinned"], denied["status"]["reason"])
        allowed = self.review(self.tls, fixture("imagereview.json", self.reference("distroless")), "/v1/imagereview")
        self.assertTrue(allowed["status"]["allowed"])

    def test_5_malformed_reviews_get_400(self):
        bad = [b"", b"{", b"[]", b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}',
               b'{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x"}}',
               b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"}}}',
               json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                           "request": {"uid": "u", "kind": {"kind": "Pod"}, "object": {"spec": {"containers": 7}}}}),
               json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                           "request": {"uid": "u", "kind": {"kind": "Pod"}, "object": {"spec": {"containers": [{}]}}}}),
               json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                           "request": {"uid": "u", "dryRun": "yes", "object": None}})]
        for body in bad:
            response = https(self.tls.address, "POST", "/v1/admission/validate", body, ca=self.ca)
            self.assertEqual(response.status, 400, body)
            self.assertIn("message", response.json()["error"])
        for body in (b"{}", b'{"apiVersion":"imagepolicy.k8s.io/v1alpha1","kind":"ImageReview","spec":{}}'):
            self.assertEqual(https(self.tls.address, "POST", "/v1/imagereview", body, ca=self.ca).status, 400)
        self.assertEqual(https(self.tls.address, "GET", "/healthz", ca=self.ca).status, 200)
        # Only TLS: a plain-HTTP client gets nowhere, and an unverified certificate is refused by the client.
        with self.assertRaises(Exception):
            http("GET", f"http://{self.tls.address}/healthz", timeout=3)
        with self.assertRaises(ssl.SSLError):
            https(self.tls.address, "GET", "/healthz", ca=None)

    def test_6_registry_event_media_types(self):
        with open(os.path.join(FIXTURES, "registry-events-v2.json")) as f:
            template = f.read()
        digest = "sha256:" + "a" * 64
        body = template.replace("__REGISTRY__", self.registry.host).replace("__DIGEST__", digest)
        for media_type in ("application/vnd.docker.distribution.events.v2+json",
                           "application/vnd.docker.distribution.events.v1+json"):
            response = http("POST", self.plain.url("/v1/registry/events"), body,
                            headers={"Content-Type": media_type})
            self.assertEqual(response.status, 200, response.body)
            self.assertEqual(response.json()["manifests"], 1)  # the blob push and the pull are not images to scan
        self.assertEqual(int(self.sql(f"SELECT count(*) FROM scan_requests WHERE manifest_digest = '{digest}'")), 1)
        self.assertEqual(http("POST", self.plain.url("/v1/registry/events"), body,
                              headers={"Content-Type": "text/plain"}).status, 415)
        for broken in (b"{}", b'{"events":{}}', b'{"events":[{"action":"push"}]}',
                       b'{"events":[{"action":"push","target":{"mediaType":'
                       b'"application/vnd.oci.image.manifest.v1+json","repository":"a","digest":"md5:1"}}]}'):
            self.assertEqual(http("POST", self.plain.url("/v1/registry/events"), broken,
                                  headers={"Content-Type": "application/vnd.docker.distribution.events.v1+json"})
                             .status, 400, broken)


def main():
    global CUSTOMS, SOURCE, BINARY_DIR
    args = sys.argv[1:]
    options = {}
    rest = []
    i = 0
    while i < len(args):
        if args[i] in ("--customs", "--source", "--binary-dir"):
            options[args[i]] = args[i + 1]
            i += 2
        else:
            rest.append(args[i])
            i += 1
    CUSTOMS = os.path.abspath(options["--customs"])
    SOURCE = os.path.abspath(options["--source"])
    BINARY_DIR = os.path.abspath(options["--binary-dir"])
    require_all = os.environ.get("CUSTOMS_REQUIRE_ALL") == "1"
    reason = harness.missing_requirements()
    if reason is None and not os.path.exists(os.path.join(images(), ".stamp")):
        reason = f"test images missing in {images()} (run scripts/testimages.sh)"
    if reason is not None:
        print(f"SKIP: {reason}")
        sys.exit(1 if require_all else 77)
    program = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, exit=False)
    result = program.result
    for test, why in result.skipped:
        print(f"SKIP: {test.id()}: {why}")
    if not result.wasSuccessful():
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
