"""Compatibility suite: the real `portico` binary driven by boto3, awscli and plain HTTP.

Starts one Portico per test session on free loopback ports with a temporary data
directory, an echo backend for the data plane, and hands tests ready clients.
"""

import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
ACCESS_KEY = "AKIACOMPATTESTROOT01"
SECRET_KEY = "compat/test/secret/key/0123456789abcdefghij"
REGION = "us-east-1"


def portico_binary():
    explicit = os.environ.get("PORTICO_BIN")
    if explicit:
        return explicit
    for profile in ("debug", "release"):
        candidate = ROOT / "target" / profile / "portico"
        if candidate.exists():
            return str(candidate)
    raise RuntimeError("build portico first (cargo build) or set PORTICO_BIN")


class Portico:
    def __init__(self, extra_args=()):
        self.data_dir = tempfile.mkdtemp(prefix="portico-compat-")
        self.extra_args = list(extra_args)
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            [
                portico_binary(), "serve",
                "--listen", "127.0.0.1:0",
                "--admin-listen", "127.0.0.1:0",
                "--data-dir", self.data_dir,
                "--root-credentials", f"{ACCESS_KEY}:{SECRET_KEY}",
                *self.extra_args,
            ],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "RUST_LOG": "warn"},
        )
        self.data_url = self.admin_url = None
        deadline = time.time() + 30
        while time.time() < deadline and not (self.data_url and self.admin_url):
            line = self.process.stdout.readline()
            if not line:
                break
            line = line.strip()
            if line.startswith("Data plane:"):
                self.data_url = line.split(":", 1)[1].strip()
            if line.startswith("Control plane:"):
                self.admin_url = line.split(":", 1)[1].strip()
        if not (self.data_url and self.admin_url):
            self.stop()
            raise RuntimeError("portico did not print its addresses")
        # Keep draining stdout so the process never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def restart(self):
        """Stops the process gracefully and starts it again on the same data directory
        (the addresses change)."""
        self.process.terminate()
        self.process.wait(timeout=15)
        self.start()

    def invoke_url(self, api_id, stage, path=""):
        return f"{self.data_url}/restapis/{api_id}/{stage}/_user_request_{path}"

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)


class EchoHandler(BaseHTTPRequestHandler):
    """Answers every request with a JSON description of it."""

    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        status = 200
        parts = self.path.split("?")[0].split("/")
        if "status" in parts and parts.index("status") + 1 < len(parts):
            status = int(parts[parts.index("status") + 1])
        payload = json.dumps({
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Echo", "1")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _answer

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def portico():
    server = Portico()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def backend():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def apigw(portico):
    return boto3.client(
        "apigateway",
        endpoint_url=portico.admin_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture(scope="session")
def iam(portico):
    """boto3's `iam` client signed with the root credentials."""
    return boto3.client(
        "iam",
        endpoint_url=portico.admin_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture(scope="session")
def lam(portico):
    """boto3's `lambda` client signed with the root credentials."""
    return boto3.client(
        "lambda",
        endpoint_url=portico.admin_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def api(apigw):
    """A fresh RestApi, deleted after the test."""
    created = apigw.create_rest_api(name="compat")
    yield created
    try:
        apigw.delete_rest_api(restApiId=created["id"])
    except apigw.exceptions.NotFoundException:
        pass


@pytest.fixture(scope="session")
def aws(portico):
    """Runs `aws apigateway ...` against Portico and returns the parsed JSON output."""
    executable = shutil.which("aws")
    if executable is None:
        pytest.fail("awscli is not installed (scripts/test installs it)")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PAGER": "",
    }

    def run(*args, expect_failure=False):
        completed = subprocess.run(
            [executable, "--endpoint-url", portico.admin_url, "--output", "json", "apigateway", *args],
            capture_output=True, text=True, env=env, timeout=60,
        )
        if expect_failure:
            assert completed.returncode != 0, completed.stdout
            return completed.stderr
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout) if completed.stdout.strip() else None

    return run


@pytest.fixture(scope="session")
def http():
    session = requests.Session()
    yield session
    session.close()
