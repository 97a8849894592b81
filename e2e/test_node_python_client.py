"""The official Python client against pods the server's agent runs: logs, exec with an exit
code, and port-forward (the client's WebSocket protocols)."""

from __future__ import annotations

import pytest

from hollow import wait_for
from tugserver import free_port


@pytest.fixture
def node_core_v1(agent_server, node_kubectl):
    from kubernetes import client, config
    return client.CoreV1Api(config.new_client_from_config(config_file=str(agent_server.kubeconfig)))


def run_pod(api, ns, name, command):
    from kubernetes import client
    pod = client.V1Pod(metadata=client.V1ObjectMeta(name=name), spec=client.V1PodSpec(
        termination_grace_period_seconds=1,
        containers=[client.V1Container(name="main", image="busybox", command=["sh", "-c", command])]))
    api.create_namespaced_pod(ns, pod)
    wait_for(f"{name} Running", lambda: api.read_namespaced_pod(name, ns).status.phase == "Running", 30)


def test_logs_and_exec_with_the_python_client(node_core_v1, node_ns):
    from kubernetes.stream import stream
    api = node_core_v1
    run_pod(api, node_ns, "py", "echo from-python; sleep 3600")
    logs = wait_for("log line", lambda: api.read_namespaced_pod_log("py", node_ns) or None, 20)
    assert logs == "from-python\n"
    resp = stream(api.connect_get_namespaced_pod_exec, "py", node_ns, command=["sh", "-c", "echo out; echo err >&2; exit 4"],
                  stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
    resp.run_forever(timeout=20)
    assert resp.returncode == 4
    assert resp.read_stdout() == "out\n"
    assert resp.read_stderr() == "err\n"


def test_port_forward_with_the_python_client(node_core_v1, node_ns, tmp_path):
    from kubernetes.stream import portforward
    api = node_core_v1
    port = free_port()
    (tmp_path / "index.html").write_text("py-forward\n")
    run_pod(api, node_ns, "pyweb", f"cd {tmp_path} && exec /usr/bin/python3 -m http.server {port} --bind 127.0.0.1")

    def answer():
        pf = portforward(api.connect_get_namespaced_pod_portforward, "pyweb", node_ns, ports=str(port))
        sock = pf.socket(port)
        sock.settimeout(5)
        try:
            sock.sendall(b"GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n")
            data = b""
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.decode()
        except Exception:
            return None
        finally:
            sock.close()
            pf.close()

    body = wait_for("the pod answers through the forward", lambda: (r := answer()) and "py-forward" in r and r, 30)
    assert body.startswith("HTTP/1.0 200")
