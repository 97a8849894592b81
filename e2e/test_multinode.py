"""Pods of several nodes reach each other and each other's Services (issue 6): three nodes, each
in its own network namespace, with its own containerd. Nodes a (`tug server`) and b share a
link, so their pod networks are joined by plain routes (host-gw); node c sits in another subnet
behind a router namespace, so traffic to and from its pods goes through VXLAN. Each namespace
gets its own copy of the test registry on its loopback (same storage), and kubectl runs inside
node a's namespace. Pods reach each other's addresses, the Service's DNS name and ClusterIP
from every node, and node c's NodePort from node a. Nothing is sent to the host's own addresses.

Fixtures and skips: cri.py; this suite also needs iproute2 and nftables."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from cri import SKIP, kill_shims_of, unmount_under
from hollow import wait_for
from kubectl import Kubectl

pytestmark = SKIP + [
    pytest.mark.skipif(shutil.which("nft") is None, reason="the pod network and service proxy need nftables (apt-get install nftables)"),
    pytest.mark.skipif(shutil.which("ip") is None, reason="network namespaces need iproute2 (apt-get install iproute2)"),
]

API_PORT = 6443
NODES = {  # name: (address, pod subnet side)
    "node-a": "10.99.1.2",
    "node-b": "10.99.1.3",
    "node-c": "10.99.2.2",
}


def enter(ns: str) -> list[str]:
    """The command prefix that runs a program in network namespace `ns` and nothing else: unlike
    `ip netns exec`, nsenter keeps the host's /sys (with the cgroup mounts runc needs), and it
    execs the program, so the pid is the program's own."""
    return ["nsenter", f"--net=/run/netns/{ns}", "--"]


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


class Lab:
    """The namespaces, links and processes of one three-node cluster; `close` removes them all."""

    def __init__(self, root: Path, tug_bin: str, registry_addr: str, registry_storage: Path):
        self.root = root
        self.tug_bin = tug_bin
        self.registry_addr = registry_addr
        self.registry_storage = registry_storage
        tag = uuid.uuid4().hex[:6]
        self.ns = {name: f"tugmn-{tag}-{name[-1]}" for name in NODES}
        self.router = f"tugmn-{tag}-r"
        self.procs: list[tuple[str, subprocess.Popen]] = []

    # --- network -------------------------------------------------------------------

    def build_network(self) -> None:
        for ns in [*self.ns.values(), self.router]:
            ip("netns", "add", ns)
            ip("-n", ns, "link", "set", "lo", "up")
        r = self.router
        ip("-n", r, "link", "add", "lan", "type", "bridge")
        ip("-n", r, "addr", "add", "10.99.1.1/24", "dev", "lan")
        ip("-n", r, "link", "set", "lan", "up")
        for name, address in NODES.items():
            ns, peer = self.ns[name], "v" + name[-1]
            ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", peer, "netns", r)
            ip("-n", ns, "addr", "add", address + "/24", "dev", "eth0")
            ip("-n", ns, "link", "set", "eth0", "up")
            if address.startswith("10.99.1."):
                ip("-n", r, "link", "set", peer, "master", "lan")
                gateway = "10.99.1.1"
            else:
                ip("-n", r, "addr", "add", "10.99.2.1/24", "dev", peer)
                gateway = "10.99.2.1"
            ip("-n", r, "link", "set", peer, "up")
            ip("-n", ns, "route", "add", "default", "via", gateway)
        subprocess.run(enter(r) + ["sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"], check=True, timeout=30)

    # --- processes -----------------------------------------------------------------

    def spawn(self, label: str, ns: str, args: list[str]) -> subprocess.Popen:
        log = open(self.root / f"{label}.log", "ab")
        proc = subprocess.Popen(enter(ns) + args, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.procs.append((label, proc))
        return proc

    def in_ns(self, ns: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(enter(ns) + list(args), capture_output=True, text=True, timeout=timeout)

    def start_registries(self) -> None:
        """The session's registry storage, served again on each node's own 127.0.0.1."""
        for name, ns in self.ns.items():
            config = self.root / f"registry-{name}.yml"
            config.write_text(f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {self.registry_storage}\n"
                              f"http:\n  addr: {self.registry_addr}\n")
            self.spawn(f"registry-{name}", ns, ["docker-registry", "serve", str(config)])
        for ns in self.ns.values():
            wait_for(f"the registry in {ns}", lambda ns=ns: self.in_ns(ns, "curl", "-fs", "-o", "/dev/null", "--max-time", "2",
                                                                      f"http://{self.registry_addr}/v2/").returncode == 0, 30)

    def node_args(self, name: str) -> list[str]:
        return ["--node-name", name, "--node-ip", NODES[name], "--start-containerd", "--insecure-registry", self.registry_addr,
                "--data-dir", str(self.root / name), "--ingress-https-port", "0"]

    def start_cluster(self) -> None:
        self.spawn("node-a", self.ns["node-a"], [self.tug_bin, "server", "--listen", f"0.0.0.0:{API_PORT}", "--insecure-listen-any",
                                                 *self.node_args("node-a")])
        kubeconfig = self.root / "node-a" / "admin.kubeconfig"
        wait_for("tug server ready in node a's namespace", lambda: self.alive() and kubeconfig.exists() and self.in_ns(
            self.ns["node-a"], "curl", "-fs", "-o", "/dev/null", "--max-time", "2", f"http://127.0.0.1:{API_PORT}/readyz").returncode == 0, 180)
        for name in ("node-b", "node-c"):
            self.spawn(name, self.ns[name], [self.tug_bin, "agent", "--server", f"http://{NODES['node-a']}:{API_PORT}",
                                             *self.node_args(name)])

    def alive(self) -> bool:
        dead = [f"{label} exited with {p.returncode}:\n{self.log_tail(label)}" for label, p in self.procs if p.poll() is not None]
        if dead:
            raise AssertionError("\n".join(dead))
        return True

    def log_tail(self, label: str, lines: int = 40) -> str:
        try:
            return "\n".join((self.root / f"{label}.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kubectl(self, kubectl_binary: str) -> Kubectl:
        wrapper = self.root / "kubectl-in-a"
        wrapper.write_text(f"#!/bin/sh\nexec {' '.join(enter(self.ns['node-a']))} {kubectl_binary} \"$@\"\n")
        wrapper.chmod(0o755)
        return Kubectl(str(wrapper), self.root / "node-a" / "admin.kubeconfig", self.root / "kube-cache", "kubectl-1.37")

    def close(self, k: Kubectl | None) -> None:
        if k is not None:
            try:
                k.run("delete", "pods", "--all", "-A", "--grace-period=1", "--timeout=60s", check=False, timeout=90)
            except Exception:
                pass
        # Agents first, then the server, then the registries: each by its pid.
        for label, proc in sorted(self.procs, key=lambda lp: (not lp[0].startswith("node-"), lp[0] == "node-a")):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=30)
        for name in NODES:
            kill_shims_of(str(self.root / name))
            unmount_under(self.root / name)
        for ns in [*self.ns.values(), self.router]:
            ip("netns", "del", ns, check=False)


@pytest.fixture(scope="module")
def lab(tug_bin, e2e_tmp, registry, kubectls):
    root = e2e_tmp / "multinode"
    root.mkdir(exist_ok=True)
    lab = Lab(root, tug_bin, registry, e2e_tmp / "registry" / "storage")
    k = None
    try:
        lab.build_network()
        lab.start_registries()
        lab.start_cluster()
        k = lab.kubectl(kubectls["kubectl-1.37"].binary)

        def ready():
            lab.alive()
            r = k.run("get", "nodes", "-o", "json", check=False, timeout=20)
            nodes = json.loads(r.stdout)["items"] if r.returncode == 0 else []
            good = [n for n in nodes if n["spec"].get("podCIDR") and any(
                c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))]
            return len(good) == 3
        wait_for("three Ready nodes with pod CIDRs", ready, 240)
        yield lab, k
    finally:
        lab.close(k)


def web_pod(name: str, node: str, image: str) -> dict:
    """An httpd pod on `node` that serves its name at / and the client's address at /cgi-bin/ip."""
    script = ("mkdir -p /srv/www/cgi-bin && hostname > /srv/www/index.html && "
              "printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /srv/www/cgi-bin/ip && "
              "chmod +x /srv/www/cgi-bin/ip && exec httpd -f -p 8080 -h /srv/www")
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "web"}},
        "spec": {
            "nodeName": node, "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "httpd", "image": image, "command": ["sh", "-c", script],
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1}}],
        },
    }


SERVICE = {
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
    "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
}


def test_pods_on_three_nodes_reach_each_other_and_each_others_services(lab, registry):
    lab_, k = lab
    ns = "multinode"
    k.run("create", "namespace", ns)
    pods = {"web-a": "node-a", "web-b": "node-b", "web-c": "node-c"}
    items = [web_pod(name, node, f"{registry}/httpd:1") for name, node in pods.items()] + [SERVICE]
    k.apply_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}), "-n", ns)

    def all_ready():
        lab_.alive()
        got = k.json("get", "pods", "-n", ns, "-l", "app=web")["items"]
        ready = {p["metadata"]["name"]: p["status"]["podIP"] for p in got if p["status"].get("podIP") and any(
            c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))}
        return ready if len(ready) == 3 else None
    ips = wait_for("three ready web pods, one per node", all_ready, 240)
    routes = {name: lab_.in_ns(lab_.ns[name], "ip", "route", "show", "proto", "152").stdout for name in NODES}
    assert "dev tug.vxlan" in routes["node-a"] and "via 10.99.1.3" in routes["node-a"], routes
    assert "dev tug.vxlan" in routes["node-c"] and "10.99.1." not in routes["node-c"], routes

    def get(from_pod: str, address: str, port: int, path: str) -> str:
        """One HTTP GET from inside a pod with busybox nc (its static wget crashes); the body's last line."""
        r = k.run("exec", "-n", ns, from_pod, "--", "sh", "-c",
                  f"printf 'GET {path} HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {address} {port}", check=False, timeout=30)
        lines = r.stdout.strip().splitlines()
        return lines[-1].strip() if r.returncode == 0 and lines and "200 OK" in r.stdout else f"<failed: {r.stdout} {r.stderr}>"

    # Pod to pod across nodes, both ways and over both kinds of route, with no address rewriting
    # (busybox httpd shows the client as [::ffff:A.B.C.D]).
    for source in pods:
        for target in pods:
            if source != target:
                answer = get(source, ips[target], 8080, "/cgi-bin/ip")
                assert answer.removeprefix("[::ffff:").removesuffix("]") == ips[source], f"{source} -> {target} ({ips[target]}): {answer}"

    # The Service, by its DNS name from a pod on the node behind the router, and from every node
    # spread over the pods of all three.
    cluster_ip = k.json("get", "service", "web", "-n", ns)["spec"]["clusterIP"]
    lookup = k.run("exec", "-n", ns, "web-c", "--", "nslookup", f"web.{ns}.svc.cluster.local", check=False)
    assert cluster_ip in lookup.stdout, lookup.stdout + lookup.stderr
    for source in pods:
        def seen_everywhere():
            r = k.run("exec", "-n", ns, source, "--", "sh", "-c",
                      f"for i in $(seq 24); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 {cluster_ip} 80 | tail -1; done",
                      check=False, timeout=90)
            names = set(r.stdout.split()) & set(pods)
            return names if names == set(pods) else None
        wait_for(f"the Service from {source} reaching web-a, web-b and web-c", seen_everywhere, 90)

    # The NodePort of node c (behind the router), from node a's host network: all three pods.
    node_port = k.json("get", "service", "web", "-n", ns)["spec"]["ports"][0]["nodePort"]

    def node_port_spread():
        seen = set()
        for _ in range(24):
            r = lab_.in_ns(lab_.ns["node-a"], "curl", "-s", "--max-time", "2", f"http://{NODES['node-c']}:{node_port}/")
            seen.add(r.stdout.strip())
        return seen if set(pods) <= seen else None
    wait_for("node c's NodePort reaching web-a, web-b and web-c", node_port_spread, 90)
