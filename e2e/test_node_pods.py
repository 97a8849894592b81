"""Pods run for real by the server's node agent (process runtime): status as kubectl shows it,
restarts, probes, config, deletion. Uses `agent_server` (node `tug-e2e` on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import signal
import time

from hollow import wait_for


def pod_yaml(name: str, command: str, extra_container: str = "", extra_spec: str = "", restart: str = "Always") -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  restartPolicy: {restart}
  terminationGracePeriodSeconds: 5
{extra_spec}
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", {json.dumps(command)}]
{extra_container}
"""


def phase(k, ns, name):
    return k.json("get", "pod", name, "-n", ns).get("status", {}).get("phase")


def wait_running(k, ns, name, timeout=30):
    return wait_for(f"{name} Running", lambda: phase(k, ns, name) == "Running", timeout)


def container_status(k, ns, name):
    st = k.json("get", "pod", name, "-n", ns).get("status", {}).get("containerStatuses") or [{}]
    return st[0]


def test_pod_runs_and_kubectl_shows_it_running(node_kubectl, node_ns):
    k = node_kubectl
    k.apply_text(pod_yaml("hello", "echo hello; sleep 3600"), "-n", node_ns)
    wait_running(k, node_ns, "hello")
    row = k.run("get", "pod", "hello", "-n", node_ns, "--no-headers").stdout.split()
    assert row[1] == "1/1" and row[2] == "Running", row
    pod = k.json("get", "pod", "hello", "-n", node_ns)
    assert pod["spec"]["nodeName"] == "tug-e2e"
    assert pod["status"]["podIP"] == "127.0.0.1" and pod["status"]["hostIP"] == "127.0.0.1"
    assert pod["status"]["containerStatuses"][0]["containerID"].startswith("process://")
    desc = k.run("describe", "pod", "hello", "-n", node_ns).stdout
    assert "Started container main" in desc, desc


def test_completed_and_failed_pods_show_exit_codes(node_kubectl, node_ns):
    k = node_kubectl
    k.apply_text(pod_yaml("done", "exit 0", restart="Never"), "-n", node_ns)
    k.apply_text(pod_yaml("fails", "exit 7", restart="Never"), "-n", node_ns)
    wait_for("done Succeeded", lambda: phase(k, node_ns, "done") == "Succeeded", 30)
    wait_for("fails Failed", lambda: phase(k, node_ns, "fails") == "Failed", 30)
    out = k.run("get", "pods", "-n", node_ns, "--no-headers").stdout
    rows = {line.split()[0]: line.split() for line in out.splitlines()}
    assert rows["done"][2] == "Completed", out
    assert rows["fails"][2] == "Error", out
    assert container_status(k, node_ns, "fails")["state"]["terminated"]["exitCode"] == 7


def test_crashing_container_shows_crash_loop_back_off(node_kubectl, node_ns):
    k = node_kubectl
    k.apply_text(pod_yaml("crash", "echo boom; exit 1"), "-n", node_ns)

    def backing_off():
        st = container_status(k, node_ns, "crash")
        return st if st.get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff" else None

    st = wait_for("CrashLoopBackOff", backing_off, 40)
    assert st["restartCount"] >= 1
    assert st["lastState"]["terminated"]["exitCode"] == 1
    out = k.run("get", "pod", "crash", "-n", node_ns, "--no-headers").stdout
    assert "CrashLoopBackOff" in out, out


def test_command_without_image_entrypoint_fails_clearly(node_kubectl, node_ns):
    k = node_kubectl
    k.apply_text("""
apiVersion: v1
kind: Pod
metadata:
  name: noentry
spec:
  containers:
  - name: main
    image: nginx
""", "-n", node_ns)

    def waiting():
        st = container_status(k, node_ns, "noentry")
        return st.get("state", {}).get("waiting") if st.get("state", {}).get("waiting", {}).get("reason", "").startswith("CreateContainer") else None

    w = wait_for("a create error", waiting, 30)
    assert "command" in w["message"], w
    events = k.run("get", "events", "-n", node_ns, "--field-selector", "involvedObject.name=noentry").stdout
    assert "Failed" in events, events


def test_deleting_a_pod_sends_sigterm_and_waits_for_exit(node_kubectl, node_ns, e2e_tmp):
    k = node_kubectl
    marker = e2e_tmp / f"term-{node_ns}"
    k.apply_text(pod_yaml("term", f"trap 'echo got-term > {marker}; exit 0' TERM; while true; do sleep 0.1; done"), "-n", node_ns)
    wait_running(k, node_ns, "term")
    start = time.time()
    k.run("delete", "pod", "term", "-n", node_ns, "--wait=true", timeout=60)
    assert time.time() - start < 20
    assert marker.read_text().strip() == "got-term"


def test_deployment_of_three_rolls_out_for_real(node_kubectl, node_ns):
    k = node_kubectl
    k.run("create", "deployment", "web", "--image=busybox", "--replicas=3", "-n", node_ns, "--", "sh", "-c", "sleep 3600")
    k.run("rollout", "status", "deployment/web", "-n", node_ns, "--timeout=60s", timeout=90)
    out = k.run("get", "pods", "-n", node_ns, "-l", "app=web", "--no-headers").stdout
    assert len([line for line in out.splitlines() if " Running " in line]) == 3, out
