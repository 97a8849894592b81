"""Real containers: `tug server --start-containerd` runs pods through containerd's CRI with a CNI
bridge on the node's pod CIDR, images from a registry on loopback (issue 5's end-to-end test).
Fixtures and skips: cri.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cri import SKIP, ck, cri_server, http_get, ns, pod, status, wait_running  # noqa: F401 (fixtures)
from hollow import wait_for
from tugserver import TugServer, free_port

pytestmark = SKIP


def test_httpd_from_the_registry_gets_a_pod_ip_and_answers(ck, ns, registry):
    k = ck
    k.apply_text(pod("web", f"{registry}/httpd:1"), "-n", ns)
    st = wait_running(k, ns, "web")
    ip = st["podIP"]
    assert ip.startswith("10.42."), st
    assert st["containerStatuses"][0]["containerID"].startswith("containerd://")
    node = k.json("get", "node", TugServer.NODE_NAME)
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
    body = wait_for("httpd answers on the pod IP", lambda: http_get(f"http://{ip}/"), 30)
    assert body, body
    out = k.run("exec", "web", "-n", ns, "--", "sh", "-c", "echo in-pod $(hostname)").stdout
    assert out.strip() == "in-pod web"
    desc = k.run("describe", "pod", "web", "-n", ns).stdout
    assert "Pulling image" in desc or "already present" in desc, desc


def test_pods_reach_each_other_and_logs_work(ck, ns, registry):
    k = ck
    k.apply_text(pod("server", f"{registry}/httpd:1"), "-n", ns)
    k.apply_text(pod("client", f"{registry}/busybox:1", ["sh", "-c", "echo hello from client; sleep 3600"]), "-n", ns)
    server_ip = wait_running(k, ns, "server")["podIP"]
    client_ip = wait_running(k, ns, "client")["podIP"]
    assert server_ip != client_ip and client_ip.startswith("10.42.")
    # busybox-static's wget crashes (glibc static resolver); nc speaks the HTTP by hand.
    request = f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc {server_ip} 80"
    fetched = wait_for("client fetches from server", lambda: k.run(
        "exec", "client", "-n", ns, "--", "sh", "-c", request, check=False).stdout or None, 30)
    assert "200 OK" in fetched and "tugboat httpd" in fetched, fetched
    logs = wait_for("client logs", lambda: k.run("logs", "client", "-n", ns, check=False).stdout or None, 30)
    assert "hello from client" in logs


def test_memory_hog_is_oom_killed_and_restarted(ck, ns, registry):
    k = ck
    limits = """    resources:
      limits:
        memory: 32Mi"""
    # The main process itself must be the one killed: tail keeps the last 150 MB of an endless stream.
    k.apply_text(pod("hog", f"{registry}/busybox:1", ["tail", "-c", "150000000", "/dev/zero"], container_extra=limits), "-n", ns)

    def oom_restarted():
        cs = (status(k, ns, "hog").get("containerStatuses") or [{}])[0]
        last = cs.get("lastState", {}).get("terminated", {})
        return cs if cs.get("restartCount", 0) >= 1 and last.get("reason") == "OOMKilled" else None
    cs = wait_for("the hog OOMKilled and restarted", oom_restarted, 120)
    assert cs["lastState"]["terminated"]["exitCode"] == 137


def test_wrong_image_ends_in_image_pull_backoff(ck, ns, registry):
    k = ck
    k.apply_text(pod("ghost", f"{registry}/no-such-image:1", ["sh"]), "-n", ns)

    def backing_off():
        cs = (status(k, ns, "ghost").get("containerStatuses") or [{}])[0]
        return cs.get("state", {}).get("waiting", {}).get("reason") == "ImagePullBackOff"
    wait_for("ImagePullBackOff", backing_off, 90)
    events = k.run("get", "events", "-n", ns, "--field-selector", "involvedObject.name=ghost").stdout
    assert "Failed to pull image" in events, events
    assert "BackOff" in events, events


def test_run_as_user_and_read_only_root_are_enforced(ck, ns, registry):
    k = ck
    security = """    securityContext:
      runAsUser: 1000
      readOnlyRootFilesystem: true"""
    script = "id -u; touch /probe 2>&1 || true; sleep 3600"
    k.apply_text(pod("locked", f"{registry}/busybox:1", ["sh", "-c", script], container_extra=security), "-n", ns)
    wait_running(k, ns, "locked")
    logs = wait_for("locked logs", lambda: k.run("logs", "locked", "-n", ns, check=False).stdout or None, 30)
    lines = logs.splitlines()
    assert lines[0] == "1000", logs
    assert "Read-only file system" in logs, logs


def test_deleting_a_pod_removes_its_sandbox_ip_and_cgroups(ck, ns, registry, cri_server):
    k = ck
    k.apply_text(pod("gone", f"{registry}/busybox:1", ["sleep", "3600"]), "-n", ns)
    st = wait_running(k, ns, "gone")
    ip = st["podIP"]
    uid = k.json("get", "pod", "gone", "-n", ns)["metadata"]["uid"]
    # The node's own containerd keeps host-local's records under its data dir.
    ipam = [p for p in cri_server.data_dir.glob(f"**/cni-ipam/*/{ip}")]
    assert ipam, f"host-local has no record of {ip} under {cri_server.data_dir}"

    def cgroups():
        try:
            return [str(p) for p in Path("/sys/fs/cgroup").glob(f"*/kubepods*/**/pod{uid}")] + \
                   [str(p) for p in Path("/sys/fs/cgroup").glob(f"kubepods*/**/pod{uid}")]
        except FileNotFoundError:
            return ["(a folder went away while listing: still being removed)"]
    assert cgroups(), "the pod has no cgroup"
    socket = next(cri_server.data_dir.glob("**/containerd.sock"), None)
    k.run("delete", "pod", "gone", "-n", ns, "--timeout=60s")
    wait_for("the pod's IP released", lambda: not any(p.exists() for p in ipam), 30)
    wait_for("the pod's cgroups removed", lambda: not cgroups(), 30)
    if socket:
        out = subprocess.run(["ctr", "-a", str(socket), "-n", "k8s.io", "containers", "ls", "-q",
                              f'labels."io.kubernetes.pod.uid"=={uid}'], capture_output=True, text=True, timeout=30)
        assert out.stdout.strip() == "", out.stdout


def test_tug_images_import_and_ls_then_a_pod_runs_it_without_a_registry(ck, ns, cri_server, tug_bin, e2e_tmp):
    k = ck
    archive = e2e_tmp / "busybox-oci.tar"
    subprocess.run(["tar", "-C", str(e2e_tmp / "images" / "busybox"), "-cf", str(archive), "."], check=True, timeout=60)
    imported = subprocess.run([tug_bin, "images", "import", str(archive), "--base-name", "tugboat.local/imported",
                               "--data-dir", str(cri_server.data_dir)], capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr
    assert "tugboat.local/imported:1" in imported.stdout, imported.stdout
    listed = subprocess.run([tug_bin, "images", "ls", "--data-dir", str(cri_server.data_dir)], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("IMAGE") and "tugboat.local/imported:1" in listed.stdout, listed.stdout
    assert "tugboat.local/pause:3.10" in listed.stdout, listed.stdout
    k.apply_text(pod("local", "tugboat.local/imported:1", ["sleep", "3600"],
                     container_extra="    imagePullPolicy: Never"), "-n", ns)
    wait_running(k, ns, "local")
    missing = subprocess.run([tug_bin, "images", "import", str(e2e_tmp / "nope.tar"), "--data-dir", str(cri_server.data_dir)],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode != 0 and "does not exist" in missing.stderr, missing.stderr


def test_host_port_answers_on_the_node_through_portmap(ck, ns, registry):
    k = ck
    host_port = free_port()
    ports = f"""    ports:
    - containerPort: 80
      hostPort: {host_port}
      hostIP: 127.0.0.1"""
    k.apply_text(pod("hostport", f"{registry}/httpd:1", container_extra=ports), "-n", ns)
    wait_running(k, ns, "hostport")
    body = wait_for("httpd answers on the host port", lambda: http_get(f"http://127.0.0.1:{host_port}/"), 30)
    assert "tugboat httpd" in body, body
    k.run("delete", "pod", "hostport", "-n", ns, "--grace-period=1")
    wait_for("the host port closes with the pod", lambda: http_get(f"http://127.0.0.1:{host_port}/") is None, 60)


def test_pods_get_the_cluster_dns_resolv_conf(ck, ns, registry):
    k = ck
    k.apply_text(pod("dns", f"{registry}/busybox:1", ["sleep", "3600"]), "-n", ns)
    wait_running(k, ns, "dns")
    conf = k.run("exec", "dns", "-n", ns, "--", "cat", "/etc/resolv.conf").stdout
    assert "nameserver 10.43.0.10" in conf, conf
    assert f"search {ns}.svc.cluster.local svc.cluster.local cluster.local" in conf, conf
    assert "options ndots:5" in conf, conf
