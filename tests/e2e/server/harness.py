"""Real components for the `customs server` end-to-end tests, each started by the test and stopped by it.

- Postgres: PostgreSQL 15 from Debian (initdb/pg_ctl in /usr/lib/postgresql/15/bin), run as the `postgres` user
  (the server refuses root), listening on a Unix socket in a temporary directory only; one database per test.
- Registry: Debian's docker-registry on a random loopback port with htpasswd (bcrypt) Basic auth; images are pushed
  with skopeo from the OCI layouts scripts/testimages.sh builds.
- CustomsServer: `customs server` processes; their JSON log (stderr) is kept and parsed (the "listening" event gives
  the address when the port is 0).
- http(): a plain HTTP client that never follows redirects (as Harbor's does not).

Every process is killed by its own pid; nothing here signals processes by name.
"""
import http.client as httpclient
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse

PG_BIN = "/usr/lib/postgresql/15/bin"
TIMEOUT = 120


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, deadline=20.0):
    end = time.time() + deadline
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def run(args, check=True, **kwargs):
    kwargs.setdefault("timeout", TIMEOUT)
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr}{result.stdout}")
    return result


def missing_requirements():
    """Why these tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (PostgreSQL is started as the postgres user with runuser)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres user (apt-get install postgresql-15)"
    for tool in (f"{PG_BIN}/initdb", f"{PG_BIN}/pg_ctl"):
        if not os.path.exists(tool):
            return f"{tool} missing (apt-get install postgresql-15)"
    for tool in ("docker-registry", "skopeo", "htpasswd", "runuser", "psql", "node", "npm", "openssl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/install-deps.sh)"
    return None


class Postgres:
    """One PostgreSQL cluster on a Unix socket in `work`; databases are created per test."""

    def __init__(self, work):
        self.dir = tempfile.mkdtemp(prefix="pg-", dir=work)
        os.chmod(work, 0o755)
        os.chmod(self.dir, 0o700)
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.socket_dir = self.dir
        self.log = os.path.join(self.dir, "postgres.log")
        self._as_postgres([f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                           "--no-sync", "--no-instructions"])
        self.start()
        self.counter = 0

    def _as_postgres(self, args, check=True):
        return run(["runuser", "-u", "postgres", "--"] + args, check=check)

    def start(self):
        # Unix socket only (listen_addresses empty), fsync off: test data, speed matters more than durability.
        options = f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off -c max_connections=200"
        self._as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "-t", "60",
                           "start"])

    def stop(self, mode="fast"):
        self._as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop"], check=False)

    def restart(self):
        # stop + start rather than `pg_ctl restart`, which would not pass -l and leave the server on our pipes.
        self.stop("fast")
        self.start()

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def create_database(self, prefix="customs"):
        self.counter += 1
        name = f"{prefix}_{os.getpid()}_{self.counter}"
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return name

    def dsn(self, database):
        return f"host={self.socket_dir} user=postgres dbname={database}"

    def psql(self, database, sql):
        """Runs SQL and returns rows as lists of strings (tab-separated, unaligned)."""
        result = run(["psql", "-h", self.socket_dir, "-U", "postgres", "-d", database, "-X", "-A", "-t", "-F", "\t",
                      "-v", "ON_ERROR_STOP=1", "-c", sql])
        return [line.split("\t") for line in result.stdout.splitlines() if line != ""]

    def scalar(self, database, sql):
        rows = self.psql(database, sql)
        return rows[0][0] if rows else None


class Registry:
    """docker-registry on 127.0.0.1 with htpasswd Basic auth (bcrypt only, as the registry requires)."""

    def __init__(self, work, user="harbor", password="robot-secret", notify_url=None):
        self.user, self.password = user, password
        self.dir = tempfile.mkdtemp(prefix="registry-", dir=work)
        self.port = free_port()
        htpasswd = os.path.join(self.dir, "htpasswd")
        run(["htpasswd", "-Bbc", htpasswd, user, password])
        self.config = os.path.join(self.dir, "config.yml")
        with open(self.config, "w") as f:
            f.write(f"""version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {self.dir}/storage
http:
  addr: 127.0.0.1:{self.port}
  secret: customs-server-test
auth:
  htpasswd:
    realm: customs-test
    path: {htpasswd}
""")
            if notify_url:
                # Registry notifications (distribution's configuration.md, "notifications"): every event is POSTed.
                f.write(f"""notifications:
  events:
    includereferences: true
  endpoints:
    - name: customs
      url: {notify_url}
      timeout: 2s
      threshold: 3
      backoff: 1s
""")
        self.log = open(os.path.join(self.dir, "registry.log"), "w")
        self.process = subprocess.Popen(["docker-registry", "serve", self.config], stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        wait_port(self.port)
        self.host = f"127.0.0.1:{self.port}"

    def push(self, oci_layout, tag_in_layout, repository, tag):
        """skopeo copy oci:LAYOUT:TAG -> docker://HOST/REPO:TAG; returns the manifest digest. tag_in_layout None: the
        layout's only manifest."""
        source = f"oci:{oci_layout}" + (f":{tag_in_layout}" if tag_in_layout is not None else "")
        run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", f"{self.user}:{self.password}",
             source, f"docker://{self.host}/{repository}:{tag}"])
        inspect = run(["skopeo", "inspect", "--tls-verify=false", "--creds", f"{self.user}:{self.password}",
                       "--raw", f"docker://{self.host}/{repository}:{tag}"])
        import hashlib
        return "sha256:" + hashlib.sha256(inspect.stdout.encode()).hexdigest()

    def basic_authorization(self):
        import base64
        return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


class CustomsServer:
    """A `customs server` process. Its stderr (JSON lines) goes to a file that events() parses."""

    def __init__(self, customs, work, name, args, env=None):
        self.name = name
        self.log_path = os.path.join(work, f"{name}.log")
        self.log = open(self.log_path, "w")
        full_env = dict(os.environ)
        full_env.pop("CUSTOMS_REGISTRY_USERNAME", None)
        full_env.pop("CUSTOMS_REGISTRY_PASSWORD", None)
        full_env["HOME"] = work  # no ~/.docker/config.json from the machine
        full_env.update(env or {})
        self.args = [customs, "server"] + list(args)
        self.process = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, env=full_env,
                                        start_new_session=True)
        self.address = None

    def events(self, event=None):
        out = []
        with open(self.log_path) as f:
            for line in f:
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if event is None or item.get("event") == event:
                    out.append(item)
        return out

    def wait_for(self, predicate, what, deadline=60.0):
        end = time.time() + deadline
        while time.time() < end:
            found = [e for e in self.events() if predicate(e)]
            if found:
                return found
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}) while waiting for {what}:\n"
                                   + open(self.log_path).read()[-3000:])
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: no {what} within {deadline} s:\n" + open(self.log_path).read()[-3000:])

    def wait_listening(self):
        event = self.wait_for(lambda e: e.get("event") == "listening", "listening event")[0]
        self.address = event["address"]
        return self.address

    def url(self, path):
        return f"http://{self.address}{path}"

    def kill9(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
        return self.process.returncode

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)


def http(method, url, body=None, headers=None, timeout=5.0):
    """One request, no redirect following (http.client never follows), `timeout` seconds for everything."""
    parsed = urllib.parse.urlsplit(url)
    connection = httpclient.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    path = parsed.path + (("?" + parsed.query) if parsed.query else "")
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return Response(response.status, response.getheaders(), data)


def build_package_store(customs, source, work, package="curl", name="store.db"):
    """A store holding one source package's advisories from the sample data (data/advisories, derived from Debian's
    changelogs). With curl's: the pinned test image (curl 7.88.1-10+deb12u5) has findings, distroless (no curl) and
    bookworm (the current curl) have none; the sample data has no severities, so every finding is UNKNOWN."""
    import gzip
    feed = tempfile.mkdtemp(prefix=f"feed-{package}-", dir=work)
    with gzip.open(os.path.join(source, "data", "advisories", "debian-bookworm-derived.json.gz")) as f:
        advisories = json.load(f)
    with open(os.path.join(feed, "debian-bookworm-derived.json"), "w") as f:
        json.dump({package: advisories[package]}, f)
    store = os.path.join(work, name)
    run([customs, "db", "import", feed, "--db", store])
    return store


def build_store(customs, feeds, db_path):
    run([customs, "db", "import", feeds, "--db", db_path])
    return db_path


class Background:
    """Runs `function` on a thread and keeps its exception for the test to raise."""

    def __init__(self, function):
        self.error = None
        self.thread = threading.Thread(target=self._run, args=(function,), daemon=True)
        self.thread.start()

    def _run(self, function):
        try:
            function()
        except Exception as e:  # noqa: BLE001 - re-raised by join()
            self.error = e

    def join(self, timeout=None):
        self.thread.join(timeout)
        if self.error:
            raise self.error
