"""Services end to end with real containers (issue 6): a Deployment behind a ClusterIP through
the nftables service proxy, cluster DNS from inside pods, NodePort and LoadBalancer on the node
(127.0.0.1), an Ingress routing two paths, and scaling to zero refusing at once.
Fixtures and skips: cri.py; nftables comes with scripts/test as root."""

from __future__ import annotations

import shutil
import socket
import time

import pytest

from cri import SKIP, ck, cri_server, http_get, ns, pod, status, wait_running  # noqa: F401 (fixtures)
from hollow import wait_for
from tugserver import free_port

INGRESS_PORT = free_port()
SERVER_ARGS = ["--ingress-http-port", str(INGRESS_PORT), "--ingress-https-port", "0"]

pytestmark = SKIP + [pytest.mark.skipif(shutil.which("nft") is None, reason="the service proxy needs nftables (apt-get install nftables)")]


def web(name: str, image: str, replicas: int = 3, labels: str = "") -> str:
    """A Deployment of httpd pods that each serve their own name."""
    app = labels or name
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {app}}}
  template:
    metadata:
      labels: {{app: {app}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: {image}
        command: ["sh", "-c", "mkdir -p /srv/www/a /srv/www/b && for d in /srv/www /srv/www/a /srv/www/b; do echo $(hostname) > $d/index.html; done && exec httpd -f -p 8080 -h /srv/www"]
        ports:
        - {{name: http, containerPort: 8080}}
        readinessProbe:
          tcpSocket: {{port: 8080}}
          periodSeconds: 1
"""


def service(name: str, app: str, type_: str = "ClusterIP", port: int = 80, extra: str = "") -> str:
    return f"""
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  type: {type_}
  selector: {{app: {app}}}
{extra}
  ports:
  - {{name: http, port: {port}, targetPort: http}}
"""


def ready_pods(k, ns, app, count):
    def ready():
        pods = k.json("get", "pods", "-n", ns, "-l", f"app={app}")["items"]
        ok = [p for p in pods if any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))]
        return ok if len(ok) == count else None
    return wait_for(f"{count} ready {app} pods", ready, 180)


def client_pod(k, ns, registry):
    k.apply_text(pod("client", f"{registry}/busybox:1", ["sleep", "3600"]), "-n", ns)
    wait_running(k, ns, "client")


def fetch_in_pod(k, ns, address, port=80, path="/"):
    """One HTTP GET from the client pod (busybox nc; its wget crashes statically linked)."""
    request = f"printf 'GET {path} HTTP/1.0\\r\\n\\r\\n' | nc -w 2 {address} {port}"
    out = k.run("exec", "client", "-n", ns, "--", "sh", "-c", request, check=False).stdout
    if "200 OK" not in out:
        return None
    head, sep, body = out.replace("\r\n", "\n").partition("\n\n")
    return body.strip() if sep else None


def names_seen(fetch, timeout=60):
    """The pod names answering through `fetch` until all three are seen (endpoints may join the
    service a moment after their pods are Ready) or the time is up."""
    seen = set()
    deadline = time.monotonic() + timeout
    while len(seen) < 3 and time.monotonic() < deadline:
        body = fetch()
        if body:
            seen.add(body)
    return seen


def refused(host, port):
    """True when a TCP connect is refused at once (not a timeout)."""
    start = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=3):
            return False
    except ConnectionRefusedError:
        return time.monotonic() - start < 1.5
    except OSError:
        return False


def test_cluster_ip_spreads_over_three_pods_from_a_pod_and_from_the_node(ck, ns, registry):
    k = ck
    k.apply_text(web("web", f"{registry}/httpd:1"), "-n", ns)
    k.apply_text(service("web", "web"), "-n", ns)
    pods = ready_pods(k, ns, "web", 3)
    names = {p["metadata"]["name"] for p in pods}
    ip = k.json("get", "service", "web", "-n", ns)["spec"]["clusterIP"]
    assert ip.startswith("10.43."), ip
    client_pod(k, ns, registry)
    wait_for("the ClusterIP answers in a pod", lambda: fetch_in_pod(k, ns, ip), 30)
    assert names_seen(lambda: fetch_in_pod(k, ns, ip)) == names
    wait_for("the ClusterIP answers on the node", lambda: http_get(f"http://{ip}/"), 30)
    assert names_seen(lambda: (http_get(f"http://{ip}/") or "").strip()) == names


def test_cluster_dns_answers_services_headless_and_srv(ck, ns, registry):
    k = ck
    k.apply_text(web("web", f"{registry}/httpd:1"), "-n", ns)
    k.apply_text(service("web", "web"), "-n", ns)
    k.apply_text(service("web-headless", "web", extra="  clusterIP: None"), "-n", ns)
    pods = ready_pods(k, ns, "web", 3)
    ip = k.json("get", "service", "web", "-n", ns)["spec"]["clusterIP"]
    client_pod(k, ns, registry)

    def lookup(*args):
        r = k.run("exec", "client", "-n", ns, "--", "nslookup", *args, check=False)
        return r.stdout if r.returncode == 0 else None
    out = wait_for("nslookup of the service", lambda: lookup(f"web.{ns}.svc.cluster.local"), 60)
    assert ip in out, out
    # The search path makes the short name work too (busybox tries every suffix and exits 1 when
    # any of them is NXDOMAIN, so look at what it found).
    short = k.run("exec", "client", "-n", ns, "--", "nslookup", "web", check=False).stdout
    assert f"Name:\tweb.{ns}.svc.cluster.local" in short and ip in short, short
    pod_ips = {p["status"]["podIP"] for p in pods}
    headless = wait_for("headless answers with pod IPs",
                        lambda: (o := lookup(f"web-headless.{ns}.svc.cluster.local")) and all(i in o for i in pod_ips) and o, 60)
    assert ip not in headless, headless
    srv = wait_for("SRV for the named port", lambda: lookup("-type=srv", f"_http._tcp.web.{ns}.svc.cluster.local"), 30)
    assert "80" in srv and f"web.{ns}.svc.cluster.local" in srv, srv
    missing = k.run("exec", "client", "-n", ns, "--", "nslookup", f"nope.{ns}.svc.cluster.local", check=False)
    assert missing.returncode != 0 and "NXDOMAIN" in (missing.stdout + missing.stderr), missing.stdout + missing.stderr


def test_node_port_and_load_balancer_answer_on_the_node(ck, ns, registry):
    k = ck
    k.apply_text(web("web", f"{registry}/httpd:1"), "-n", ns)
    k.apply_text(service("web-np", "web", "NodePort"), "-n", ns)
    lb_port = free_port()
    k.apply_text(service("web-lb", "web", "LoadBalancer", port=lb_port), "-n", ns)
    ready_pods(k, ns, "web", 3)
    node_port = k.json("get", "service", "web-np", "-n", ns)["spec"]["ports"][0]["nodePort"]
    assert 30000 <= node_port <= 32767
    assert wait_for("the NodePort answers on 127.0.0.1", lambda: http_get(f"http://127.0.0.1:{node_port}/"), 30)
    ingress = wait_for("the LoadBalancer gets an address", lambda: k.json("get", "service", "web-lb", "-n", ns)
                       .get("status", {}).get("loadBalancer", {}).get("ingress"), 30)
    assert ingress[0]["ip"] == "127.0.0.1", ingress
    shown = k.run("get", "service", "web-lb", "-n", ns).stdout
    assert "127.0.0.1" in shown, shown
    assert wait_for("the LoadBalancer answers", lambda: http_get(f"http://127.0.0.1:{lb_port}/"), 30)


def test_ingress_routes_two_paths_to_two_services(ck, ns, registry):
    k = ck
    k.apply_text(web("alpha", f"{registry}/httpd:1", replicas=1), "-n", ns)
    k.apply_text(web("beta", f"{registry}/httpd:1", replicas=1), "-n", ns)
    k.apply_text(service("alpha", "alpha"), "-n", ns)
    k.apply_text(service("beta", "beta"), "-n", ns)
    alpha = ready_pods(k, ns, "alpha", 1)[0]["metadata"]["name"]
    beta = ready_pods(k, ns, "beta", 1)[0]["metadata"]["name"]
    k.apply_text(f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: paths
spec:
  rules:
  - http:
      paths:
      - {{path: /a, pathType: Prefix, backend: {{service: {{name: alpha, port: {{name: http}}}}}}}}
      - {{path: /b, pathType: Prefix, backend: {{service: {{name: beta, port: {{number: 80}}}}}}}}
""", "-n", ns)
    base = f"http://127.0.0.1:{INGRESS_PORT}"
    assert wait_for("/a through the ingress", lambda: (http_get(f"{base}/a/") or "").strip() == alpha, 60)
    assert wait_for("/b through the ingress", lambda: (http_get(f"{base}/b/") or "").strip() == beta, 30)
    assert http_get(f"{base}/c/") is None, "no rule for /c"
    wait_for("the Ingress status", lambda: k.json("get", "ingress", "paths", "-n", ns)
             .get("status", {}).get("loadBalancer", {}).get("ingress"), 30)
    classes = k.run("get", "ingressclass").stdout
    assert "tugboat" in classes, classes


def test_scaling_to_zero_refuses_at_once_and_back_restores(ck, ns, registry):
    k = ck
    k.apply_text(web("web", f"{registry}/httpd:1", replicas=1), "-n", ns)
    k.apply_text(service("web", "web", "NodePort"), "-n", ns)
    ready_pods(k, ns, "web", 1)
    svc = k.json("get", "service", "web", "-n", ns)
    ip, node_port = svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["nodePort"]
    wait_for("the service answers", lambda: http_get(f"http://{ip}/"), 30)
    k.run("scale", "deployment", "web", "-n", ns, "--replicas=0")
    wait_for("the ClusterIP refuses", lambda: refused(ip, 80), 30)
    assert refused("127.0.0.1", node_port)
    k.run("scale", "deployment", "web", "-n", ns, "--replicas=1")
    ready_pods(k, ns, "web", 1)
    assert wait_for("the service answers again", lambda: http_get(f"http://{ip}/"), 30)
