"""Services on a process-runtime node (issue 6): pods share the host's network, so the node runs
the userspace service proxy. A NodePort answers on the node address (127.0.0.1 here), spread
over both pods; as root the ClusterIP answers too (held on `lo`); a Service with no ready pod
refuses at once. Fixtures: conftest's `agent_server` (`tug server` with its process-runtime
agent)."""

from __future__ import annotations

import os
import socket
import urllib.request

from hollow import wait_for
from test_node_pods import pod_yaml
from tugserver import free_port


def web_pod(name: str, port: int, directory) -> str:
    """A python http.server on the host's network (process runtime), serving its name; its port
    is named `http`, so one Service reaches pods listening on different ports."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.html").write_text(f"{name}\n")
    extra = f"""    ports:
    - {{name: http, containerPort: {port}}}
    readinessProbe:
      tcpSocket: {{port: {port}}}
      periodSeconds: 1"""
    return pod_yaml(name, f"cd {directory} && exec /usr/bin/python3 -m http.server {port} --bind 127.0.0.1", extra_container=extra) \
        .replace("metadata:\n  name:", "metadata:\n  labels: {app: web}\n  name:", 1)


SERVICE = """
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {port: 80, targetPort: http}
"""


def get(url: str) -> str | None:
    try:
        return urllib.request.urlopen(url, timeout=2).read().decode().strip()
    except Exception:
        return None


def refused(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    # Accepted and closed at once (the proxy has no endpoint): a client sees the request fail.
    return get(f"http://{host}:{port}/") is None


def test_node_port_and_cluster_ip_through_the_userspace_proxy(node_kubectl, node_ns, tmp_path):
    k = node_kubectl
    for name in ("web-a", "web-b"):
        k.apply_text(web_pod(name, free_port(), tmp_path / name), "-n", node_ns)
    k.apply_text(SERVICE, "-n", node_ns)
    svc = k.json("get", "service", "web", "-n", node_ns)
    node_port = svc["spec"]["ports"][0]["nodePort"]
    cluster_ip = svc["spec"]["clusterIP"]

    def spread(url):
        def both():
            seen = {get(url) for _ in range(16)}
            return seen if {"web-a", "web-b"} <= seen else None
        return both
    wait_for("the NodePort reaching web-a and web-b", spread(f"http://127.0.0.1:{node_port}/"), 60)
    if os.geteuid() == 0:
        wait_for("the ClusterIP (on lo) reaching web-a and web-b", spread(f"http://{cluster_ip}/"), 30)

    # No pod left: refused at once.
    k.run("delete", "pod", "web-a", "web-b", "-n", node_ns, "--grace-period=1")
    wait_for("the NodePort refusing with no endpoints", lambda: refused("127.0.0.1", node_port), 30)

    # Deleting the Service closes its NodePort.
    k.run("delete", "service", "web", "-n", node_ns)
    wait_for("the NodePort closed", lambda: refused("127.0.0.1", node_port), 30)
    if os.geteuid() == 0:
        wait_for("the ClusterIP off lo", lambda: cluster_ip not in open("/proc/net/fib_trie").read() or None, 30)
