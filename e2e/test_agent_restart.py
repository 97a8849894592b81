"""`tug agent` joined to a `tug server --no-agent`: its pods outlive the agent process, and a
restarted agent carries on with them."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from hollow import wait_for
from kubectl import Kubectl
from tugserver import free_port, kill_containers_of


def start_agent(tug_bin, server, data_dir, log_path, node, port):
    log = open(log_path, "ab")
    proc = subprocess.Popen([tug_bin, "agent", "--server", server.url, "--token", "e2e", "--runtime", "process",
                             "--node-name", node, "--node-ip", "127.0.0.1", "--kubelet-port", str(port),
                             "--data-dir", str(data_dir)], stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def test_killing_and_restarting_the_agent_leaves_pods_running(server_factory, tug_bin, tmp_path, kubectls):
    srv = server_factory("joined")
    k = Kubectl(kubectls["kubectl-1.37"].binary, srv.kubeconfig, tmp_path / "kube-cache", "kubectl-1.37")
    port = free_port()
    agent, log = start_agent(tug_bin, srv, tmp_path / "agent", tmp_path / "agent.log", "joined-node", port)
    try:
        wait_for("node Ready", lambda: " Ready " in k.run("get", "nodes", "--no-headers", check=False).stdout, 30)
        node = k.json("get", "node", "joined-node")
        assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("process://")
        assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "joined-node"
        assert "node-role.kubernetes.io/control-plane" not in node["metadata"]["labels"]
        pidfile = tmp_path / "pod.pid"
        k.apply_text(f"""
apiVersion: v1
kind: Pod
metadata:
  name: survivor
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo $$$$ > {pidfile}; exec sleep 3600"]
""")
        wait_for("survivor Running", lambda: k.json("get", "pod", "survivor")["status"].get("phase") == "Running", 30)
        before = k.json("get", "pod", "survivor")["status"]["containerStatuses"][0]
        pid = int(wait_for("pid file", lambda: pidfile.exists() and pidfile.read_text().strip(), 10))
        assert alive(pid)

        agent.send_signal(signal.SIGKILL)
        agent.wait(timeout=10)
        time.sleep(1)
        assert alive(pid), "the pod's process died with the agent"

        agent, log2 = start_agent(tug_bin, srv, tmp_path / "agent", tmp_path / "agent.log", "joined-node", port)
        time.sleep(3)
        after = k.json("get", "pod", "survivor")["status"]
        assert after["phase"] == "Running"
        assert after["containerStatuses"][0]["containerID"] == before["containerID"]
        assert after["containerStatuses"][0]["restartCount"] == 0
        assert alive(pid)
        # The restarted agent still manages it: deleting the pod stops the process.
        k.run("delete", "pod", "survivor", "--wait=true", timeout=60)
        wait_for("process gone", lambda: not alive(pid), 15)
    finally:
        if agent.poll() is None:
            agent.terminate()
            try:
                agent.wait(timeout=15)
            except subprocess.TimeoutExpired:
                agent.kill()
        log.close()
        kill_containers_of(tmp_path / "agent")
