#!/usr/bin/env python3
"""The deploy files (deploy/): the Kubernetes manifests are consistent with each other and with the server (every
setting in the ConfigMap is one `customs server` knows; the webhook calls the Service and path the api serves; every
customs container runs as non-root with a read-only root filesystem), the Dockerfile passes `customs lint`, and the
image deploy/build-image.sh builds (when it was built: it needs the Debian archive) passes `customs image` and runs as
user 65532.

No Kubernetes cluster runs here (no kube-apiserver in Debian 12 or on npm): the manifests are checked as documents,
not applied.

Usage: deploy_test.py --customs PATH --source DIR --binary-dir DIR
"""
import json
import os
import subprocess
import sys
import unittest

try:
    import yaml
except ImportError:  # python3-yaml
    yaml = None

CUSTOMS = SOURCE = BINARY_DIR = None


def documents():
    out = []
    directory = os.path.join(SOURCE, "deploy", "kubernetes")
    for name in sorted(os.listdir(directory)):
        if name.endswith(".yaml"):
            with open(os.path.join(directory, name)) as f:
                out += [(name, d) for d in yaml.safe_load_all(f) if d]
    return out


def flatten(mapping, prefix=""):
    for key, value in mapping.items():
        if isinstance(value, dict):
            yield from flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


class DeployTest(unittest.TestCase):
    def setUp(self):
        if yaml is None:
            self.skipTest("python3-yaml missing")
        self.docs = documents()

    def of_kind(self, kind):
        return [d for _, d in self.docs if d["kind"] == kind]

    def test_every_role_has_a_deployment_running_as_non_root(self):
        roles = {}
        for deployment in self.of_kind("Deployment"):
            pod = deployment["spec"]["template"]["spec"]
            self.assertTrue(pod["securityContext"]["runAsNonRoot"], deployment["metadata"]["name"])
            self.assertEqual(pod["securityContext"]["runAsUser"], 65532)
            self.assertEqual(deployment["spec"]["selector"]["matchLabels"],
                             {k: v for k, v in deployment["spec"]["template"]["metadata"]["labels"].items()
                              if k in deployment["spec"]["selector"]["matchLabels"]})
            for container in pod.get("initContainers", []) + pod["containers"]:
                security = container["securityContext"]
                self.assertFalse(security["allowPrivilegeEscalation"])
                self.assertTrue(security["readOnlyRootFilesystem"])
                self.assertEqual(security["capabilities"]["drop"], ["ALL"])
                mounts = {m["name"] for m in container.get("volumeMounts", [])}
                self.assertTrue(mounts <= {v["name"] for v in pod["volumes"]}, container["name"])
            args = pod["containers"][0]["args"]
            roles[args[args.index("--role") + 1]] = deployment
        self.assertEqual(set(roles), {"api", "worker", "gate"})
        self.assertIn("--upstream", roles["gate"]["spec"]["template"]["spec"]["containers"][0]["args"])

    def test_the_webhook_calls_the_api_service(self):
        (webhook_config,) = self.of_kind("ValidatingWebhookConfiguration")
        (webhook,) = webhook_config["webhooks"]
        self.assertEqual(webhook["admissionReviewVersions"], ["v1"])
        self.assertEqual(webhook["sideEffects"], "NoneOnDryRun")  # misses enqueue scans, dry runs do not
        self.assertLessEqual(webhook["timeoutSeconds"], 10)
        service_ref = webhook["clientConfig"]["service"]
        self.assertEqual(service_ref["path"], "/v1/admission/validate")
        services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in self.of_kind("Service")}
        service = services[(service_ref["namespace"], service_ref["name"])]
        port = next(p for p in service["spec"]["ports"] if p["port"] == service_ref["port"])
        api = next(d for d in self.of_kind("Deployment")
                   if d["spec"]["template"]["metadata"]["labels"] == service["spec"]["selector"])
        container = api["spec"]["template"]["spec"]["containers"][0]
        self.assertIn(port["targetPort"], {p["name"] for p in container["ports"]})
        kinds = {r for rule in webhook["rules"] for r in rule["resources"]}
        self.assertTrue({"pods", "deployments", "cronjobs", "jobs", "statefulsets", "daemonsets"} <= kinds)

    def test_the_config_names_only_settings_the_server_knows(self):
        (config_map,) = self.of_kind("ConfigMap")
        settings = yaml.safe_load(config_map["data"]["server.yaml"])
        help_text = subprocess.run([CUSTOMS, "server", "--help"], capture_output=True, text=True).stdout
        for key in flatten(settings):
            self.assertIn(f"(config: {key})", help_text, key)
        self.assertTrue(self.of_kind("StatefulSet"))  # the PostgreSQL example

    def test_the_dockerfile_passes_customs_lint(self):
        result = subprocess.run([CUSTOMS, "lint", os.path.join(SOURCE, "deploy", "Dockerfile"), "--format", "json"],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        findings = json.loads(result.stdout)["findings"]
        serious = [f for f in findings if f["severity"] not in ("info", "low")]
        self.assertEqual(serious, [])
        self.assertNotIn("user-root", {f["rule"] for f in findings})

    def test_the_built_image_passes_customs_image(self):
        layout = os.path.join(BINARY_DIR, "customs-image", "oci")
        if not os.path.exists(os.path.join(layout, "index.json")):
            self.skipTest(f"no image at {layout} (deploy/build-image.sh builds it from the Debian archive)")
        store = os.path.join(BINARY_DIR, "deploy-test-store.db")
        subprocess.run([CUSTOMS, "db", "import", os.path.join(SOURCE, "data", "advisories"), "--db", store],
                       check=True, capture_output=True)
        result = subprocess.run([CUSTOMS, "image", layout, "--db", store, "--format", "json"], capture_output=True,
                                text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual(report["os"]["family"], "debian")
        with open(os.path.join(layout, "index.json")) as f:
            manifest_digest = json.load(f)["manifests"][0]["digest"]
        with open(os.path.join(layout, "blobs", "sha256", manifest_digest.split(":")[1])) as f:
            config_digest = json.load(f)["config"]["digest"]
        with open(os.path.join(layout, "blobs", "sha256", config_digest.split(":")[1])) as f:
            config = json.load(f)["config"]
        self.assertEqual(config["User"], "65532:65532")
        self.assertEqual(config["Entrypoint"], ["/usr/bin/customs"])


def main():
    global CUSTOMS, SOURCE, BINARY_DIR
    args = sys.argv[1:]
    options = {args[i]: args[i + 1] for i in range(0, len(args) - 1, 2) if args[i].startswith("--")}
    CUSTOMS = os.path.abspath(options["--customs"])
    SOURCE = os.path.abspath(options["--source"])
    BINARY_DIR = os.path.abspath(options["--binary-dir"])
    program = unittest.main(argv=[sys.argv[0]], verbosity=2, exit=False)
    result = program.result
    for test, why in result.skipped:
        print(f"SKIP: {test.id()}: {why}")
    if not result.wasSuccessful():
        sys.exit(1)
    if result.skipped and os.environ.get("CUSTOMS_REQUIRE_ALL") == "1":
        sys.exit(1)
    sys.exit(77 if result.skipped and len(result.skipped) == result.testsRun else 0)


if __name__ == "__main__":
    main()
