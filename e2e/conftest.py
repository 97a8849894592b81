"""Fixtures for Tugboat's end-to-end suite.

One `tug server --no-agent` runs for the whole session on a free port of 127.0.0.1 with a
temporary data dir; tests talk to it with kubectl 1.37 (from the venv), with the system
kubectl where one exists (tests that take `any_kubectl`), and with the official Python client.
Every test gets its own namespace. When a test fails, the part of the server log written
while it ran is attached to its report.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import sys
import time
from pathlib import Path

import subprocess

import pytest

from hollow import start_simulator, stop_simulator
from kubectl import Kubectl
from rawapi import RawAPI
from tugserver import ALL_SERVERS, ServerError, TugServer, free_port, kill_containers_of

REPO = Path(__file__).resolve().parent.parent
TEST_TIMEOUT = int(os.environ.get("E2E_TEST_TIMEOUT", "120"))
SYSTEM_KUBECTL = "/usr/bin/kubectl"
KUBECTL_137 = os.environ.get("KUBECTL") or str(Path(sys.executable).parent / "kubectl")
LOG_OFFSETS = pytest.StashKey[dict]()


def _kubectl_candidates() -> list[tuple[str, str]]:
    """(id, path): kubectl 1.37 always; the system kubectl when it is installed."""
    found = [("kubectl-1.37", KUBECTL_137)]
    if (os.access(SYSTEM_KUBECTL, os.X_OK) and os.environ.get("E2E_SYSTEM_KUBECTL", "1") != "0"
            and os.path.realpath(SYSTEM_KUBECTL) != os.path.realpath(KUBECTL_137)):
        found.append(("kubectl-system", SYSTEM_KUBECTL))
    return found


def pytest_generate_tests(metafunc):
    if "any_kubectl" in metafunc.fixturenames:
        metafunc.parametrize("any_kubectl", [i for i, _ in _kubectl_candidates()], indirect=True)


def pytest_report_header(config):
    return [f"tug binary: {_tug_bin_path()}",
            "kubectl binaries: " + ", ".join(f"{i}={p}" for i, p in _kubectl_candidates())]


# --- failure reports carry the server log ---------------------------------------------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    item.stash[LOG_OFFSETS] = {id(s): s.log_size() for s in ALL_SERVERS}
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not rep.failed:
        return
    offsets = item.stash.get(LOG_OFFSETS, {})
    for s in ALL_SERVERS:
        start = offsets.get(id(s), 0)
        text = s.log_tail(start)
        if text.strip():
            rep.sections.append((f"tug server log during {rep.when} ({s.log_path}, pid {s.pid})", text))


# --- a per-test time limit (no plugin needed: SIGALRM raises in the test's main thread) ----

class TestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _time_limit():
    def on_alarm(signum, frame):
        raise TestTimeout(f"test ran longer than {TEST_TIMEOUT}s (E2E_TEST_TIMEOUT)")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TEST_TIMEOUT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# --- the server ----------------------------------------------------------------------------

def _tug_bin_path() -> str:
    return os.environ.get("TUG_BIN") or str(REPO / ".build" / "debug" / "tug")


@pytest.fixture(scope="session")
def tug_bin() -> str:
    path = _tug_bin_path()
    if not os.access(path, os.X_OK):
        pytest.exit(f"tug binary not found at {path}: build it (swift build) or set TUG_BIN", returncode=3)
    return path


@pytest.fixture(scope="session")
def e2e_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tug-e2e")


@pytest.fixture(scope="session")
def server(tug_bin, e2e_tmp) -> TugServer:
    """The shared server for the session (stopped with SIGTERM at the end)."""
    srv = TugServer(tug_bin, e2e_tmp / "data", e2e_tmp / "server.log")
    try:
        srv.start(timeout=60)
    except ServerError as e:
        # every test needs it: stop here with one clear message instead of one error per test
        pytest.exit(f"the shared tug server did not start: {e}", returncode=3)
    print(f"\ntug server pid {srv.pid} at {srv.url}, log {srv.log_path}")
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _server_alive(request):
    """Fail the test during which the shared server died; restart it (same data dir and
    port) before the next test, so one crash does not fail everything after it."""
    if "server" not in request.fixturenames:
        yield
        return
    srv = request.getfixturevalue("server")
    if not srv.running():
        srv.start(timeout=60, port=srv.port)
    yield
    if not srv.running():
        pytest.fail(f"tug server (pid {srv.pid}) exited with status {srv.proc.returncode} during this test "
                    f"(log: {srv.log_path})", pytrace=False)


@pytest.fixture(scope="session")
def kubeconfig(server) -> Path:
    return server.kubeconfig


@pytest.fixture(scope="session")
def api(server) -> RawAPI:
    return RawAPI.from_kubeconfig(server.kubeconfig)


@pytest.fixture
def server_factory(tug_bin, tmp_path):
    """Start extra servers with their own data dirs (for restart and kill tests)."""
    started: list[TugServer] = []

    def make(name: str = "srv") -> TugServer:
        srv = TugServer(tug_bin, tmp_path / f"{name}-data", tmp_path / f"{name}.log")
        started.append(srv)
        srv.start(timeout=60)
        return srv

    yield make
    for srv in started:
        try:
            srv.stop()
        except Exception:
            srv.kill()


@pytest.fixture
def cluster(server_factory, tug_bin, tmp_path, kubectls):
    """A fresh server with three hollow nodes (hollow-0..2, 4 CPU, 8Gi each); yields a
    kubectl 1.37 bound to it."""
    srv = server_factory("sched")
    sim, log = start_simulator(tug_bin, srv, tmp_path, "hollow", nodes=3, extra_args=("--cpu", "4", "--memory", "8Gi"))
    k = Kubectl(kubectls["kubectl-1.37"].binary, srv.kubeconfig, tmp_path / "kube-cache", "kubectl-1.37")
    try:
        for _ in range(100):
            out = k.run("get", "nodes", "--no-headers", check=False).stdout.split("\n")
            if len([line for line in out if " Ready " in line]) == 3:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("hollow nodes did not become Ready:\n" + (tmp_path / "simulate-hollow.log").read_text())
        yield k
    finally:
        stop_simulator(sim, log)


# --- kubectl -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def kubectls(kubeconfig, e2e_tmp) -> dict[str, Kubectl]:
    result = {}
    for ident, path in _kubectl_candidates():
        if not os.access(path, os.X_OK):
            pytest.exit(f"{ident} not found at {path} (run scripts/test, or set KUBECTL)", returncode=3)
        result[ident] = Kubectl(path, kubeconfig, e2e_tmp / f"kube-cache-{ident}", ident)
    version = result["kubectl-1.37"].client_version()
    assert version.startswith("v1.37."), f"{KUBECTL_137} is {version}, expected kubectl 1.37"
    return result


@pytest.fixture
def kubectl(kubectls) -> Kubectl:
    """kubectl 1.37."""
    return kubectls["kubectl-1.37"]


@pytest.fixture
def any_kubectl(request, kubectls) -> Kubectl:
    """Each available kubectl in turn (1.37, and the system one where installed)."""
    return kubectls[request.param]


# --- namespaces ----------------------------------------------------------------------------

def _ns_name(test_name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", test_name.lower()).strip("-")[:40].strip("-")
    return f"e2e-{base}-{secrets.token_hex(3)}"


@pytest.fixture
def ns_factory(api, request):
    """Create namespaces named after the test; deleted (best effort) afterwards."""
    made: list[str] = []

    def make(labels: dict | None = None) -> str:
        name = _ns_name(request.node.name)
        api.create_namespace(name, labels)
        made.append(name)
        return name

    yield make
    for name in made:
        api.delete_namespace(name)


@pytest.fixture
def ns(ns_factory) -> str:
    return ns_factory()


# --- the official Python client ------------------------------------------------------------

@pytest.fixture(scope="session")
def k8s_client(kubeconfig):
    from kubernetes import config
    return config.new_client_from_config(config_file=str(kubeconfig))


@pytest.fixture
def core_v1(k8s_client):
    from kubernetes import client
    return client.CoreV1Api(k8s_client)


@pytest.fixture
def apps_v1(k8s_client):
    from kubernetes import client
    return client.AppsV1Api(k8s_client)


@pytest.fixture
def editor_script(tmp_path):
    """Write an executable editor script for `kubectl edit` (EDITOR=<path>)."""
    def make(body: str) -> str:
        path = tmp_path / "editor.sh"
        path.write_text("#!/bin/sh\nset -e\n" + body + "\n")
        path.chmod(0o755)
        return str(path)
    return make



# --- a server with its own node agent (process runtime) -------------------------------------

@pytest.fixture(scope="session")
def agent_server(tug_bin, e2e_tmp) -> TugServer:
    """`tug server` with its node agent (process runtime, node `tug-e2e` on 127.0.0.1), shared by
    the node tests; each test uses its own namespace."""
    srv = TugServer(tug_bin, e2e_tmp / "agent-data", e2e_tmp / "agent-server.log", agent=True)
    srv.start(timeout=60)
    yield srv
    # Pods outlive their agent (as with kubelet): stop them through the API first, then make
    # sure no container of this data dir is left running.
    try:
        subprocess.run([_kubectl_candidates()[0][1], "--kubeconfig", str(srv.kubeconfig), "delete", "pods", "--all", "-A",
                        "--grace-period=1", "--timeout=60s"], capture_output=True, timeout=90)
    except Exception:
        pass
    try:
        srv.stop(timeout=60)
    except Exception:
        srv.kill()
    kill_containers_of(srv.data_dir)


@pytest.fixture(scope="session")
def node_kubectl(agent_server, kubectls, e2e_tmp) -> Kubectl:
    """kubectl 1.37 bound to `agent_server`, once its node is Ready."""
    k = Kubectl(kubectls["kubectl-1.37"].binary, agent_server.kubeconfig, e2e_tmp / "agent-kube-cache", "kubectl-1.37")
    for _ in range(300):
        out = k.run("get", "nodes", "--no-headers", check=False).stdout
        if " Ready " in out:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the server's node did not become Ready:\n" + agent_server.log_tail())
    return k


@pytest.fixture
def node_ns(node_kubectl, request) -> str:
    """A namespace on `agent_server`, deleted (without waiting) afterwards."""
    name = _ns_name(request.node.name)
    node_kubectl.run("create", "namespace", name)
    yield name
    node_kubectl.run("delete", "namespace", name, "--wait=false", check=False)


# --- the test image registry (real containers) ---------------------------------------------

@pytest.fixture(scope="session")
def registry(e2e_tmp):
    """The test images (busybox:1, httpd:1) in a registry on a free loopback port, for the
    real-container suites (cri.py). Defined here, once: a session fixture imported into several
    test modules would start one registry per module over the same folder and leak all but the
    last."""
    images, data = e2e_tmp / "images", e2e_tmp / "registry"
    addr = f"127.0.0.1:{free_port()}"
    env = dict(os.environ, REGISTRY_ADDR=addr)
    subprocess.run([str(REPO / "scripts/containers/build-test-images"), str(images)], check=True, env=env,
                   capture_output=True, timeout=300)
    subprocess.run([str(REPO / "scripts/containers/registry"), "start", str(data)], check=True, env=env, timeout=60)
    try:
        subprocess.run([str(REPO / "scripts/containers/push-test-images"), str(images)], check=True, env=env,
                       capture_output=True, timeout=300)
        yield addr
    finally:
        subprocess.run([str(REPO / "scripts/containers/registry"), "stop", str(data)], env=env, timeout=60)
