#!/usr/bin/env python3
"""End-to-end tests of the registry push gate (`customs server --role gate`) with real components started here
(harness.py): docker-registry with htpasswd auth behind the gate, PostgreSQL 15, the real test images pushed with
skopeo through the gate, and the built `customs` binary.

Suites (one CTest entry each):
  GateTest        skopeo push of the vulnerable image is denied (403 DENIED naming the worst findings) and the tag
                  is absent upstream; a clean image arrives with an identical digest; re-push, HEAD and GET pass
                  through; an index is judged per platform; malformed manifests get 400; the verdicts are in
                  PostgreSQL; an unreachable upstream gives 502 and forwards nothing
  DockerPushTest  `docker push` through the gate with dockerd (docker.io) started here: refused for the vulnerable
                  image, the clean one arrives with the digest docker reports
  GateMemoryTest  a 1 GiB layer streams through the gate (upload, the scan of its manifest, download); the gate's
                  peak RSS (VmHWM) stays under 64 MiB

Usage: gate_e2e.py --customs PATH --source DIR --binary-dir DIR [unittest args, e.g. GateTest]
"""
import hashlib
import http.client as httpclient
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CustomsServer, Postgres, Registry, free_port, http, run  # noqa: E402

CUSTOMS = SOURCE = BINARY_DIR = None
# The store holds the curl advisories of the real sample data (data/advisories, derived from Debian's changelogs):
# the pinned image (curl 7.88.1-10+deb12u5) has findings; distroless (no curl) and bookworm (the current curl) have
# none. The sample data carries no severities (every finding is UNKNOWN), so the policy fails on any finding.
FAIL_ON = "UNKNOWN"


def build_store(work, package="curl", name="store.db"):
    return harness.build_package_store(CUSTOMS, SOURCE, work, package, name)


def images():
    return os.path.join(BINARY_DIR, "testimages")


def layout(name):
    return os.path.join(images(), name, "oci")


class GateEnvironment:
    """A registry, PostgreSQL, an advisory store and a gate in front of the registry."""

    def __init__(self, upstream=None):
        self.work = tempfile.mkdtemp(prefix="customs-gate-e2e-")
        self.postgres = Postgres(self.work)
        self.database = self.postgres.create_database()
        self.registry = Registry(self.work)
        self.store = build_store(self.work)
        self.servers = []
        self.gate = self.start_gate(upstream or f"http://{self.registry.host}")

    def start_gate(self, upstream, name="gate", store=None):
        args = ["--role", "gate", "--upstream", upstream, "--listen", "127.0.0.1:0", "--postgres",
                self.postgres.dsn(self.database), "--db", store or self.store, "--fail-on", FAIL_ON]
        server = CustomsServer(CUSTOMS, self.work, name, args)
        self.servers.append(server)
        server.wait_listening()
        return server

    def auth(self):
        return {"Authorization": self.registry.basic_authorization()}

    def close(self):
        for server in self.servers:
            server.stop()
        self.registry.stop()
        self.postgres.destroy()
        shutil.rmtree(self.work, ignore_errors=True)


def skopeo_push(env, gate, image, repository, tag, check=False):
    digestfile = os.path.join(env.work, f"digest-{repository.replace('/', '_')}-{tag}")
    result = run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds",
                  f"{env.registry.user}:{env.registry.password}", "--digestfile", digestfile,
                  f"oci:{layout(image)}:1", f"docker://{gate.address}/{repository}:{tag}"], check=check)
    digest = None
    if result.returncode == 0 and os.path.exists(digestfile):
        with open(digestfile) as f:
            digest = f.read().strip()
    return result, digest


def upstream_manifest(env, repository, reference):
    """GET the manifest from the registry directly (not through the gate)."""
    accept = ", ".join(["application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
                        "application/vnd.docker.distribution.manifest.v2+json",
                        "application/vnd.docker.distribution.manifest.list.v2+json"])
    return http("GET", f"http://{env.registry.host}/v2/{repository}/manifests/{reference}",
                headers=dict(env.auth(), Accept=accept))


def push_direct(env, image, repository, tag):
    """skopeo straight to the registry (the gate is not involved); returns the manifest digest."""
    return env.registry.push(layout(image), "1", repository, tag)


class GateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = GateEnvironment()
        cls.gate = cls.env.gate

    @classmethod
    def tearDownClass(cls):
        cls.env.close()

    def test_1_vulnerable_image_is_denied_and_never_tagged(self):
        result, _ = skopeo_push(self.env, self.gate, "pinned", "library/app", "vulnerable")
        self.assertNotEqual(result.returncode, 0, result.stdout)
        print(f"skopeo: {result.stderr.strip()}")
        self.assertIn("denied", result.stderr)
        self.assertIn("customs: image sha256:", result.stderr)
        self.assertIn("(linux/amd64) is denied", result.stderr)  # the platform of the image's config
        self.assertRegex(result.stderr, r"CVE-\d+-\d+ UNKNOWN (curl|libcurl4) 7.88.1-10\+deb12u5 \(fixed in ")
        missing = upstream_manifest(self.env, "library/app", "vulnerable")
        self.assertEqual(missing.status, 404, missing.body)
        tags = http("GET", f"http://{self.env.registry.host}/v2/library/app/tags/list", headers=self.env.auth())
        if tags.status == 200:
            self.assertNotIn("vulnerable", tags.json().get("tags") or [])
        # The verdict is in PostgreSQL for admission to find.
        failed = self.env.postgres.scalar(self.env.database, "SELECT count(*) FROM verdicts WHERE NOT passed")
        self.assertGreaterEqual(int(failed), 1)
        denied = self.gate.events("gate_denied")
        self.assertTrue(any(e.get("reference") == "vulnerable" for e in denied), denied)

    def test_2_clean_image_arrives_byte_for_byte(self):
        result, pushed = skopeo_push(self.env, self.gate, "distroless", "library/app", "clean")
        self.assertEqual(result.returncode, 0, result.stderr)
        upstream = upstream_manifest(self.env, "library/app", "clean")
        self.assertEqual(upstream.status, 200, upstream.body)
        upstream_digest = "sha256:" + hashlib.sha256(upstream.body).hexdigest()
        self.assertEqual(upstream_digest, pushed)
        self.assertEqual(upstream.header("Docker-Content-Digest"), pushed)
        # The OCI layout's manifest is what skopeo sent: the same bytes arrived.
        with open(os.path.join(layout("distroless"), "index.json")) as f:
            layout_digest = json.load(f)["manifests"][0]["digest"]
        self.assertEqual(pushed, layout_digest)
        passed = self.env.postgres.scalar(
            self.env.database, f"SELECT passed FROM verdicts WHERE manifest_digest = '{pushed}'")
        self.assertEqual(passed, "t")

    def test_3_repush_head_and_get_pass_through(self):
        first, digest = skopeo_push(self.env, self.gate, "distroless", "library/again", "1")
        self.assertEqual(first.returncode, 0, first.stderr)
        again, digest_again = skopeo_push(self.env, self.gate, "distroless", "library/again", "1")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(digest, digest_again)
        # The second verdict came from the stored result, without a scan.
        verdicts = [e for e in self.gate.events("gate_verdict") if e.get("digest") == digest]
        self.assertGreaterEqual(len(verdicts), 2)
        self.assertFalse(verdicts[-1]["scanned"])
        accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
        head = http("HEAD", self.gate.url("/v2/library/again/manifests/1"), headers=dict(self.env.auth(), Accept=accept))
        self.assertEqual(head.status, 200)
        self.assertEqual(head.header("Docker-Content-Digest"), digest)
        got = http("GET", self.gate.url("/v2/library/again/manifests/1"), headers=dict(self.env.auth(), Accept=accept))
        self.assertEqual(got.status, 200)
        self.assertEqual(int(head.header("Content-Length")), len(got.body))
        self.assertEqual("sha256:" + hashlib.sha256(got.body).hexdigest(), digest)
        layer = json.loads(got.body)["layers"][0]
        blob = http("GET", self.gate.url(f"/v2/library/again/blobs/{layer['digest']}"), headers=self.env.auth(),
                    timeout=60)
        self.assertEqual(blob.status, 200)
        self.assertEqual(len(blob.body), layer["size"])
        self.assertEqual("sha256:" + hashlib.sha256(blob.body).hexdigest(), layer["digest"])
        blob_head = http("HEAD", self.gate.url(f"/v2/library/again/blobs/{layer['digest']}"), headers=self.env.auth())
        self.assertEqual(blob_head.status, 200)
        self.assertEqual(int(blob_head.header("Content-Length")), layer["size"])
        # Without credentials the registry's challenge comes through unchanged.
        anonymous = http("GET", self.gate.url("/v2/"))
        self.assertEqual(anonymous.status, 401)
        self.assertIn("Basic", anonymous.header("WWW-Authenticate") or "")
        # Pulling back through the gate with skopeo gives the same image.
        pulled = os.path.join(self.env.work, "pulled")
        run(["skopeo", "copy", "--src-tls-verify=false", "--src-creds",
             f"{self.env.registry.user}:{self.env.registry.password}",
             f"docker://{self.gate.address}/library/again:1", f"oci:{pulled}:1"])
        with open(os.path.join(pulled, "index.json")) as f:
            self.assertEqual(json.load(f)["manifests"][0]["digest"], digest)

    def index_body(self, children):
        manifests = []
        for digest, platform in children:
            raw = upstream_manifest(self.env, "library/multi", digest)
            self.assertEqual(raw.status, 200, raw.body)
            os_name, arch = platform.split("/")
            manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest,
                              "size": len(raw.body), "platform": {"os": os_name, "architecture": arch}})
        return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                           "manifests": manifests}).encode()

    def put_manifest(self, repository, reference, body, media_type):
        return http("PUT", self.gate.url(f"/v2/{repository}/manifests/{reference}"), body=body,
                    headers=dict(self.env.auth(), **{"Content-Type": media_type}), timeout=120)

    def test_4_an_index_is_judged_per_platform(self):
        # The children are pushed by digest straight to the registry (as a multi-platform push does before its
        # index); the index then goes through the gate, which reads each child back and judges it.
        clean = push_direct(self.env, "distroless", "library/multi", "clean-child")
        vulnerable = push_direct(self.env, "pinned", "library/multi", "vulnerable-child")
        mixed = self.index_body([(clean, "linux/amd64"), (vulnerable, "linux/arm64")])
        denied = self.put_manifest("library/multi", "mixed", mixed, "application/vnd.oci.image.index.v1+json")
        self.assertEqual(denied.status, 403, denied.body)
        error = denied.json()["errors"][0]
        self.assertEqual(error["code"], "DENIED")
        self.assertIn(f"{vulnerable} (linux/arm64)", error["message"])
        self.assertNotIn("linux/amd64", error["message"])
        self.assertEqual(upstream_manifest(self.env, "library/multi", "mixed").status, 404)
        good = self.index_body([(clean, "linux/amd64"), (push_direct(self.env, "bookworm", "library/multi", "b"),
                                                          "linux/arm64")])
        accepted = self.put_manifest("library/multi", "good", good, "application/vnd.oci.image.index.v1+json")
        self.assertEqual(accepted.status, 201, accepted.body)
        stored = upstream_manifest(self.env, "library/multi", "good")
        self.assertEqual(stored.status, 200)
        self.assertEqual(stored.body, good)
        judged = {e["platform"] for e in self.gate.events("gate_verdict") if e.get("platform")}
        self.assertTrue({"linux/amd64", "linux/arm64"} <= judged, judged)

    def multi_platform_layout(self, name, arms):
        """An OCI layout whose tag "multi" is an image index over test images, each labelled with a platform."""
        directory = os.path.join(self.env.work, name)
        blobs = os.path.join(directory, "blobs", "sha256")
        os.makedirs(blobs)
        with open(os.path.join(directory, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        manifests = []
        for image, platform in arms:
            source = layout(image)
            for blob in os.listdir(os.path.join(source, "blobs", "sha256")):
                target = os.path.join(blobs, blob)
                if not os.path.exists(target):
                    shutil.copyfile(os.path.join(source, "blobs", "sha256", blob), target)
            with open(os.path.join(source, "index.json")) as f:
                descriptor = json.load(f)["manifests"][0]
            os_name, arch = platform.split("/")
            manifests.append({"mediaType": descriptor["mediaType"], "digest": descriptor["digest"],
                              "size": descriptor["size"], "platform": {"os": os_name, "architecture": arch}})
        index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                            "manifests": manifests}).encode()
        digest = hashlib.sha256(index).hexdigest()
        with open(os.path.join(blobs, digest), "wb") as f:
            f.write(index)
        with open(os.path.join(directory, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": [
                {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + digest,
                 "size": len(index), "annotations": {"org.opencontainers.image.ref.name": "multi"}}]}, f)
        return directory, "sha256:" + digest

    def test_4b_skopeo_copy_all_of_a_multi_platform_index(self):
        # A real client pushing an index: skopeo pushes each platform manifest by digest, then the index by tag.
        bad, _ = self.multi_platform_layout("multi-bad", [("distroless", "linux/amd64"), ("pinned", "linux/arm64")])
        result = run(["skopeo", "copy", "--all", "--dest-tls-verify=false", "--dest-creds",
                      f"{self.env.registry.user}:{self.env.registry.password}", f"oci:{bad}:multi",
                      f"docker://{self.gate.address}/library/multi-real:bad"], check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("denied: customs: image sha256:", result.stderr)
        self.assertEqual(upstream_manifest(self.env, "library/multi-real", "bad").status, 404)
        good, index_digest = self.multi_platform_layout(
            "multi-good", [("distroless", "linux/amd64"), ("bookworm", "linux/arm64")])
        result = run(["skopeo", "copy", "--all", "--dest-tls-verify=false", "--dest-creds",
                      f"{self.env.registry.user}:{self.env.registry.password}", f"oci:{good}:multi",
                      f"docker://{self.gate.address}/library/multi-real:good"], check=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        stored = upstream_manifest(self.env, "library/multi-real", "good")
        self.assertEqual(stored.status, 200)
        self.assertEqual("sha256:" + hashlib.sha256(stored.body).hexdigest(), index_digest)

    def test_5_malformed_manifests_get_400(self):
        for body, media_type in ((b"{not json", "application/vnd.oci.image.manifest.v1+json"),
                                 (b"[]", "application/vnd.oci.image.manifest.v1+json"),
                                 (b'{"schemaVersion":1,"name":"x","fsLayers":[]}',
                                  "application/vnd.docker.distribution.manifest.v1+prettyjws"),
                                 (b'{"schemaVersion":2,"config":{"digest":"md5:00"},"layers":[]}',
                                  "application/vnd.oci.image.manifest.v1+json")):
            response = self.put_manifest("library/bad", "1", body, media_type)
            self.assertEqual(response.status, 400, body)
            self.assertEqual(response.json()["errors"][0]["code"], "MANIFEST_INVALID")
        # A manifest whose blobs the registry does not have is refused before it reaches the registry.
        ghost = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                       "digest": "sha256:" + "1" * 64, "size": 10},
                            "layers": []}).encode()
        response = self.put_manifest("library/bad", "ghost", ghost, "application/vnd.oci.image.manifest.v1+json")
        self.assertEqual(response.status, 400, response.body)
        self.assertEqual(response.json()["errors"][0]["code"], "MANIFEST_BLOB_UNKNOWN")
        self.assertEqual(upstream_manifest(self.env, "library/bad", "ghost").status, 404)
        # Without credentials the pushed image cannot be read back: 401 with the registry's challenge, as the
        # registry itself would answer, and nothing forwarded.
        with open(os.path.join(layout("distroless"), "index.json")) as f:
            manifest_digest = json.load(f)["manifests"][0]["digest"]
        with open(os.path.join(layout("distroless"), "blobs", "sha256", manifest_digest.split(":")[1]), "rb") as f:
            manifest = f.read()
        anonymous = http("PUT", self.gate.url("/v2/library/bad/manifests/anonymous"), body=manifest,
                         headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}, timeout=60)
        self.assertEqual(anonymous.status, 401, anonymous.body)
        self.assertEqual(anonymous.json()["errors"][0]["code"], "UNAUTHORIZED")
        self.assertIn("Basic", anonymous.header("WWW-Authenticate") or "")
        self.assertEqual(upstream_manifest(self.env, "library/bad", "anonymous").status, 404)
        # Health stays beside the proxy.
        self.assertEqual(http("GET", self.gate.url("/healthz")).status, 200)
        self.assertEqual(http("GET", self.gate.url("/readyz")).status, 200)

    def test_7_a_swapped_store_is_picked_up(self):
        # A store without curl advisories lets the pinned image through; `customs db update` style swap (a rename
        # over the file) to the curl store, and the next push of the same image is judged again and refused.
        store = build_store(self.env.work, package="389-ds-base", name="swap.db")
        gate = self.env.start_gate(f"http://{self.env.registry.host}", name="gate-swap", store=store)
        first, _ = skopeo_push(self.env, gate, "pinned", "library/swap", "before")
        self.assertEqual(first.returncode, 0, first.stderr)
        fresh = build_store(self.env.work, package="curl", name="swap-new.db")
        os.rename(fresh, store)
        second, _ = skopeo_push(self.env, gate, "pinned", "library/swap", "after")
        self.assertNotEqual(second.returncode, 0)
        self.assertIn("denied: customs:", second.stderr)
        self.assertEqual(upstream_manifest(self.env, "library/swap", "after").status, 404)
        self.assertEqual(len(gate.events("gate_store_opened")), 2)
        gate.stop()

    def test_6_upstream_down_gives_502_and_forwards_nothing(self):
        dead = self.env.start_gate(f"http://127.0.0.1:{free_port()}", name="gate-dead")
        base = http("GET", dead.url("/v2/"), headers=self.env.auth())
        self.assertEqual(base.status, 502)
        self.assertEqual(base.json()["errors"][0]["code"], "UNAVAILABLE")
        with open(os.path.join(layout("distroless"), "index.json")) as f:
            manifest_digest = json.load(f)["manifests"][0]["digest"]
        with open(os.path.join(layout("distroless"), "blobs", "sha256", manifest_digest.split(":")[1]), "rb") as f:
            manifest = f.read()
        put = http("PUT", dead.url("/v2/library/app/manifests/down"), body=manifest,
                   headers=dict(self.env.auth(), **{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}),
                   timeout=60)
        self.assertEqual(put.status, 502, put.body)
        self.assertEqual(put.json()["errors"][0]["code"], "UNAVAILABLE")
        result, _ = skopeo_push(self.env, dead, "distroless", "library/app", "down")
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(upstream_manifest(self.env, "library/app", "down").status, 404)
        dead.stop()


class Dockerd:
    """dockerd 20.10 (docker.io from Debian) with its own data root, exec root and socket; no bridge and no iptables
    rules, so it neither needs nor disturbs the host's network (other agents run their own daemons). Stopped by pid."""

    def __init__(self, work):
        self.dir = tempfile.mkdtemp(prefix="dockerd-", dir=work)
        self.socket = os.path.join(self.dir, "docker.sock")
        self.config = os.path.join(self.dir, "client")
        os.makedirs(self.config)
        self.log = open(os.path.join(self.dir, "dockerd.log"), "w")
        self.process = subprocess.Popen(
            ["dockerd", "--data-root", os.path.join(self.dir, "data"), "--exec-root", os.path.join(self.dir, "exec"),
             "--host", f"unix://{self.socket}", "--pidfile", os.path.join(self.dir, "docker.pid"), "--bridge", "none",
             "--iptables=false", "--ip6tables=false"], stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        end = time.time() + 60
        while time.time() < end:
            if os.path.exists(self.socket) and self.docker(["version"], check=False).returncode == 0:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("dockerd did not start: " + open(os.path.join(self.dir, "dockerd.log")).read()[-2000:])

    def docker(self, args, check=True):
        # The Debian 20.10 CLI (FIELD-NOTES: a newer CLI on PATH may behave differently).
        return run(["/usr/bin/docker", "--config", self.config, "-H", f"unix://{self.socket}"] + args, check=check,
                   timeout=600)

    def load(self, archive):
        out = self.docker(["load", "-i", archive]).stdout
        for line in out.splitlines():
            if line.startswith("Loaded image ID: "):
                return line.split(": ", 1)[1].strip()
            if line.startswith("Loaded image: "):
                return line.split(": ", 1)[1].strip()
        raise AssertionError(f"docker load said: {out}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


class DockerPushTest(unittest.TestCase):
    """`docker push` through the gate, with dockerd started here."""

    @classmethod
    def setUpClass(cls):
        if shutil.which("dockerd") is None or not os.path.exists("/usr/bin/docker"):
            raise unittest.SkipTest("dockerd or /usr/bin/docker missing (apt-get install docker.io)")
        cls.env = GateEnvironment()
        cls.gate = cls.env.gate
        try:
            cls.dockerd = Dockerd(cls.env.work)
        except Exception:
            cls.env.close()
            raise
        login = subprocess.run(["/usr/bin/docker", "--config", cls.dockerd.config, "-H", f"unix://{cls.dockerd.socket}",
                                "login", cls.gate.address, "-u", cls.env.registry.user, "--password-stdin"],
                               input=cls.env.registry.password, capture_output=True, text=True, timeout=60)
        if login.returncode != 0:
            cls.tearDownClass()
            raise RuntimeError(f"docker login through the gate failed: {login.stderr}")

    @classmethod
    def tearDownClass(cls):
        cls.dockerd.stop()
        cls.env.close()

    def push(self, archive, repository):
        image = self.dockerd.load(os.path.join(images(), archive, "docker-archive.tar"))
        target = f"{self.gate.address}/{repository}:1"
        self.dockerd.docker(["tag", image, target])
        return self.dockerd.docker(["push", target], check=False)

    def test_1_docker_push_of_the_vulnerable_image_is_refused(self):
        result = self.push("pinned", "library/docker-vulnerable")
        output = result.stdout + result.stderr
        print(f"docker push: {output.strip().splitlines()[-1]}")
        self.assertNotEqual(result.returncode, 0, output)
        self.assertIn("denied: customs: image sha256:", output)
        self.assertEqual(upstream_manifest(self.env, "library/docker-vulnerable", "1").status, 404)

    def test_2_docker_push_of_a_clean_image_succeeds(self):
        result = self.push("bookworm", "library/docker-clean")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        match = re.search(r"digest: (sha256:[0-9a-f]{64}) size: (\d+)", result.stdout)
        self.assertTrue(match, result.stdout)
        upstream = upstream_manifest(self.env, "library/docker-clean", "1")
        self.assertEqual(upstream.status, 200)
        self.assertEqual("sha256:" + hashlib.sha256(upstream.body).hexdigest(), match.group(1))
        self.assertEqual(len(upstream.body), int(match.group(2)))


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


class GateMemoryTest(unittest.TestCase):
    """A 1 GiB layer (an uncompressed tar holding one 1 GiB file) streams through the gate: uploaded, judged when its
    manifest is pushed (the gate reads the whole layer back from the registry and walks it), downloaded again; the
    gate's peak RSS stays bounded throughout."""

    FILE_SIZE = 1 << 30

    @classmethod
    def setUpClass(cls):
        cls.env = GateEnvironment()
        cls.gate = cls.env.gate

    @classmethod
    def tearDownClass(cls):
        cls.env.close()

    def layer_chunks(self):
        """The tar stream: one member header, the file's bytes (1 MiB blocks, not compressible into nothing), the
        end-of-archive blocks."""
        info = tarfile.TarInfo("data/big.bin")
        info.size = self.FILE_SIZE
        info.mtime = 1700000000
        yield info.tobuf(format=tarfile.PAX_FORMAT)
        block = hashlib.sha256(b"customs").digest() * (1 << 15)
        for _ in range(self.FILE_SIZE // len(block)):
            yield block
        yield b"\0" * 1024

    def connection(self):
        return httpclient.HTTPConnection("127.0.0.1", int(self.gate.address.split(":")[1]), timeout=600)

    def upload(self, connection, repository, size, chunks, digest):
        connection.request("POST", f"/v2/{repository}/blobs/uploads/", headers=self.env.auth())
        started = connection.getresponse()
        started.read()
        self.assertEqual(started.status, 202)
        location = started.getheader("Location")
        self.assertIn(self.gate.address, location)  # rewritten (or built) for the gate, not the upstream
        path = location.split(self.gate.address, 1)[1]
        separator = "&" if "?" in path else "?"
        connection.putrequest("PUT", f"{path}{separator}digest={digest}")
        connection.putheader("Authorization", self.env.registry.basic_authorization())
        connection.putheader("Content-Type", "application/octet-stream")
        connection.putheader("Content-Length", str(size))
        connection.endheaders()
        for chunk in chunks:
            connection.send(chunk)
        done = connection.getresponse()
        done.read()
        self.assertEqual(done.status, 201)

    def test_1gib_layer_streams_with_bounded_memory(self):
        digest, size = hashlib.sha256(), 0
        for chunk in self.layer_chunks():
            digest.update(chunk)
            size += len(chunk)
        layer_digest = "sha256:" + digest.hexdigest()
        config = json.dumps({"architecture": "amd64", "os": "linux",
                             "config": {"User": "1000"},
                             "rootfs": {"type": "layers", "diff_ids": [layer_digest]}}).encode()
        config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                          "digest": config_digest, "size": len(config)},
                               "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                           "digest": layer_digest, "size": size}]}).encode()
        before = vm_hwm_kib(self.gate.process.pid)
        connection = self.connection()
        self.upload(connection, "library/big", size, self.layer_chunks(), layer_digest)
        after_upload = vm_hwm_kib(self.gate.process.pid)
        self.upload(connection, "library/big", len(config), [config], config_digest)
        # The manifest push: the gate reads the 1 GiB layer back and walks it before it forwards the manifest.
        connection.request("PUT", "/v2/library/big/manifests/1", body=manifest,
                           headers=dict(self.env.auth(),
                                        **{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}))
        pushed = connection.getresponse()
        body = pushed.read()
        self.assertEqual(pushed.status, 201, body)
        after_scan = vm_hwm_kib(self.gate.process.pid)
        verdict = [e for e in self.gate.events("gate_verdict") if e.get("repository") == "library/big"]
        self.assertTrue(verdict and verdict[-1]["scanned"] and verdict[-1]["passed"], verdict)
        connection.request("GET", f"/v2/library/big/blobs/{layer_digest}", headers=self.env.auth())
        back = connection.getresponse()
        self.assertEqual(back.status, 200)
        check = hashlib.sha256()
        total = 0
        while True:
            data = back.read(1 << 20)
            if not data:
                break
            total += len(data)
            check.update(data)
        connection.close()
        self.assertEqual(total, size)
        self.assertEqual("sha256:" + check.hexdigest(), layer_digest)
        after_download = vm_hwm_kib(self.gate.process.pid)
        print(f"gate VmHWM: {before} KiB at start, {after_upload} KiB after a 1 GiB layer upload, {after_scan} KiB "
              f"after its manifest was judged (the layer read back and walked), {after_download} KiB after a "
              f"1 GiB download")
        self.assertLess(after_download, 64 * 1024)


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
    if result.skipped:
        sys.exit(1 if require_all else (77 if len(result.skipped) == result.testsRun else 0))
    sys.exit(0)


if __name__ == "__main__":
    main()
