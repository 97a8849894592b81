"""Shared fixtures for the real-container suites (test_containers.py, test_services.py,
test_multinode.py): `tug server --start-containerd` (one per test module; a module's SERVER_ARGS
adds flags), kubectl against it, a namespace per test. The test images come from the `registry`
fixture in conftest.py.

Needs root and Debian's containerd, runc, containernetworking-plugins, docker-registry,
busybox-static, skopeo and umoci (scripts/test installs them when run as root); the suites skip
otherwise, saying why."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from hollow import wait_for
from tugserver import TugServer, free_port

REPO = Path(__file__).resolve().parent.parent
TOOLS = ["containerd", "runc", "ctr", "docker-registry", "skopeo", "umoci"]


def _missing() -> list[str]:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not Path("/usr/lib/cni/bridge").exists():
        missing.append("containernetworking-plugins")
    if not Path("/bin/busybox").exists():
        missing.append("busybox-static")
    return missing


SKIP = [
    pytest.mark.skipif(os.geteuid() != 0, reason="real containers need root (run scripts/test as root)"),
    pytest.mark.skipif(bool(_missing()), reason=f"missing for real containers: {', '.join(_missing())} "
                       "(apt-get install containerd runc containernetworking-plugins docker-registry busybox-static skopeo umoci)"),
]


def kill_shims_of(socket_marker: str) -> None:
    """containerd's per-pod shims outlive containerd; stop the ones of this test's containerd."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if "containerd-shim" in args and socket_marker in args:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass


def unmount_under(directory: Path) -> None:
    """Lazily unmount what containerd left mounted under `directory` (sandbox shm, container
    rootfs) once its shims are gone, so the test's temporary files can be removed."""
    prefix = str(Path(directory).resolve()) + "/"
    try:
        mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    except OSError:
        return
    for target in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def cri_server(tug_bin, e2e_tmp, registry, request):
    name = request.module.__name__.replace("test_", "")
    extra = list(getattr(request.module, "SERVER_ARGS", []))
    srv = TugServer(tug_bin, e2e_tmp / f"cri-data-{name}", e2e_tmp / f"cri-server-{name}.log", agent=True, runtime="auto",
                    extra_args=["--start-containerd", "--insecure-registry", registry, *extra])
    srv.start(timeout=180)
    yield srv
    try:
        subprocess.run([shutil.which("kubectl") or str(REPO / ".build-e2e/venv/bin/kubectl"), "--kubeconfig", str(srv.kubeconfig),
                        "delete", "pods", "--all", "-A", "--grace-period=1", "--timeout=90s"], capture_output=True, timeout=120)
    except Exception:
        pass
    try:
        srv.stop(timeout=90)
    except Exception:
        srv.kill()
    kill_shims_of(str(srv.data_dir))
    unmount_under(srv.data_dir)


@pytest.fixture(scope="module")
def ck(cri_server, kubectls, e2e_tmp):
    from kubectl import Kubectl
    k = Kubectl(kubectls["kubectl-1.37"].binary, cri_server.kubeconfig, e2e_tmp / f"cri-kube-cache-{cri_server.data_dir.name}", "kubectl-1.37")
    wait_for("the node Ready with a pod CIDR", lambda: " Ready " in k.run("get", "nodes", "--no-headers", check=False).stdout
             and k.json("get", "node", TugServer.NODE_NAME).get("spec", {}).get("podCIDR"), 120)
    return k


@pytest.fixture
def ns(ck, request):
    name = "cri-" + request.node.name.replace("_", "-")[:40].strip("-").lower()
    ck.run("create", "namespace", name)
    yield name
    ck.run("delete", "namespace", name, "--wait=false", check=False)


def pod(name: str, image: str, command: list[str] | None = None, container_extra: str = "", spec_extra: str = "") -> str:
    cmd = f"\n    command: {json.dumps(command)}" if command else ""
    return f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  terminationGracePeriodSeconds: 2
{spec_extra}
  containers:
  - name: main
    image: {image}{cmd}
{container_extra}
"""


def status(k, ns, name):
    return k.json("get", "pod", name, "-n", ns).get("status", {})


def wait_running(k, ns, name, timeout=120):
    wait_for(f"{name} Running", lambda: status(k, ns, name).get("phase") == "Running", timeout)
    return status(k, ns, name)


def http_get(url: str) -> str | None:
    try:
        return urllib.request.urlopen(url, timeout=2).read().decode()
    except Exception:
        return None


