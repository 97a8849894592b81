"""Start, stop and kill a `tug server` process for the end-to-end tests.

Every server is tracked in ALL_SERVERS so that conftest can attach the relevant part of
its log to a failing test's report, and so that nothing is left running at exit.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

READY_PREFIX = "tug server ready at "

ALL_SERVERS: list["TugServer"] = []


class ServerError(RuntimeError):
    """The server did not start, did not become ready, or did not stop as it should."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TugServer:
    """One `tug server` process on a data dir, listening on 127.0.0.1: without a node agent
    (`--no-agent`), or with one (`agent=True`: process runtime, node IP 127.0.0.1, node name
    `tug-e2e`, agent port on a free loopback port)."""

    NODE_NAME = "tug-e2e"

    def __init__(self, binary: str, data_dir: Path, log_path: Path, extra_args: list[str] | None = None, agent: bool = False,
                 runtime: str = "process"):
        self.binary = binary
        self.agent = agent
        self.runtime = runtime
        self.kubelet_port: int | None = None
        self.data_dir = Path(data_dir)
        self.log_path = Path(log_path)
        self.extra_args = list(extra_args or [])
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        ALL_SERVERS.append(self)

    # --- addresses -------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "admin.kubeconfig"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # --- log -------------------------------------------------------------------------

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_text(self, start: int = 0) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(start)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, start: int = 0, max_lines: int = 200) -> str:
        lines = self.log_text(start).splitlines()
        if len(lines) > max_lines:
            lines = [f"... ({len(lines) - max_lines} earlier lines in {self.log_path})"] + lines[-max_lines:]
        return "\n".join(lines)

    # --- lifecycle -------------------------------------------------------------------

    def start(self, timeout: float = 60.0, port: int | None = None) -> None:
        """Start the process and wait until /readyz answers 200 and the kubeconfig exists."""
        if self.running():
            raise ServerError("server already running")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        if self.agent:
            self.kubelet_port = self.kubelet_port or free_port()
            node = ["--runtime", self.runtime, "--node-ip", "127.0.0.1", "--node-name", self.NODE_NAME,
                    "--kubelet-port", str(self.kubelet_port)]
        else:
            node = ["--no-agent"]
        args = [self.binary, "server", *node, "--data-dir", str(self.data_dir),
                "--listen", f"127.0.0.1:{self.port}", *self.extra_args]
        log = open(self.log_path, "ab")
        log.write(f"\n===== e2e: starting (#{self.starts + 1}): {' '.join(args)}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.starts += 1
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise ServerError(f"tug server exited with status {rc} before it was ready\n"
                                  f"--- server log ({self.log_path}) ---\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    if r.status == 200 and self.kubeconfig.exists():
                        return
                    last = f"/readyz answered {r.status}, kubeconfig exists: {self.kubeconfig.exists()}"
            except urllib.error.HTTPError as e:
                last = f"/readyz answered {e.code}"
            except OSError as e:
                last = f"/readyz: {e}"
            time.sleep(0.1)
        self.kill()
        raise ServerError(f"tug server not ready after {timeout:.0f}s ({last})\n"
                          f"--- server log ({self.log_path}) ---\n{self.log_tail()}")

    def ready_lines(self) -> list[str]:
        return [l.strip() for l in self.log_text().splitlines() if l.strip().startswith(READY_PREFIX)]

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, wait for exit; SIGKILL and raise if it does not exit in time."""
        if not self.proc:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise ServerError(f"tug server (pid {self.proc.pid}) did not exit within {timeout:.0f}s "
                                  f"of SIGTERM; killed\n{self.log_tail()}")
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL by pid (no cleanup in the server) and reap."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


@atexit.register
def _kill_leftovers() -> None:
    for s in ALL_SERVERS:
        try:
            s.kill()
        except Exception:
            pass


def kill_containers_of(data_dir: Path) -> None:
    """Kill what a test's pods leave running once their agent is gone: each process-runtime
    container's process group (its pid is in `started.json`) and the shims, all under
    `data_dir`."""
    for started in Path(data_dir).glob("**/runtime/process/containers/*/started.json"):
        try:
            pid = int(json.loads(started.read_text())["pid"])
            os.killpg(pid, signal.SIGKILL)
        except (OSError, ValueError, KeyError):
            pass
    marker = str(data_dir)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = [a.decode("utf-8", "replace") for a in (entry / "cmdline").read_bytes().split(b"\0")]
        except OSError:
            continue
        if args and args[0].endswith("tug-shim") and any(a.startswith(marker) for a in args):
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass
