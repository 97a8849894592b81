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


def test_logs_print_and_follow(node_kubectl, node_ns):
    k = node_kubectl
    k.apply_text(pod_yaml("talker", "echo hello; i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.2; done"), "-n", node_ns)
    wait_running(k, node_ns, "talker")
    wait_for("hello in logs", lambda: "hello" in k.run("logs", "talker", "-n", node_ns, check=False).stdout, 20)
    out = k.run("logs", "talker", "-n", node_ns, "--tail=1").stdout
    assert len(out.strip().splitlines()) == 1 and out.startswith("line-"), out
    stamped = k.run("logs", "talker", "-n", node_ns, "--timestamps", "--tail=1").stdout
    assert stamped[:4].isdigit() and "Z line-" in stamped, stamped
    proc = k.popen("logs", "-f", "talker", "-n", node_ns, "--tail=1")
    try:
        seen = []
        deadline = time.time() + 15
        while time.time() < deadline and len(seen) < 5:
            line = proc.stdout.readline()
            if line:
                seen.append(line.strip() if isinstance(line, str) else line.decode().strip())
        assert len(seen) >= 5 and all(s.startswith("line-") for s in seen), seen
        numbers = [int(s.split("-")[1]) for s in seen]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), seen  # new lines keep coming
    finally:
        proc.kill()
        proc.wait()


def test_exec_prints_and_passes_the_exit_code(node_kubectl, node_ns):
    k = node_kubectl
    k.apply_text(pod_yaml("shell", "sleep 3600"), "-n", node_ns)
    wait_running(k, node_ns, "shell")
    r = k.run("exec", "shell", "-n", node_ns, "--", "sh", "-c", "echo $HOSTNAME; exit 3", check=False)
    assert r.returncode == 3, r.describe()
    assert r.stdout.strip() == "shell", r.describe()
    r = k.run("exec", "-i", "shell", "-n", node_ns, "--", "sh", "-c", "read x; echo got-$x", input="abc\n")
    assert r.stdout.strip() == "got-abc", r.describe()


def test_exec_with_a_terminal(node_kubectl, node_ns, tmp_path):
    k = node_kubectl
    k.apply_text(pod_yaml("tty", "sleep 3600"), "-n", node_ns)
    wait_running(k, node_ns, "tty")
    # `script` gives kubectl a terminal, so `-it` allocates one in the container too.
    cmd = " ".join([k.binary, "--kubeconfig", str(k.kubeconfig), "exec", "-it", "tty", "-n", node_ns, "--", "sh", "-c",
                    "'tty; echo cols=$(stty size)'"])
    import subprocess
    r = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                       env=k.env())
    assert "/dev/pts/" in r.stdout, r.stdout + r.stderr
    assert "cols=" in r.stdout, r.stdout + r.stderr


def test_port_forward_reaches_an_http_server_pod(node_kubectl, node_ns, tmp_path):
    import socket
    import subprocess
    import urllib.request
    from tugserver import free_port
    k = node_kubectl
    pod_port = free_port()
    (tmp_path / "index.html").write_text("hello from the pod\n")
    k.apply_text(pod_yaml("web", f"cd {tmp_path} && exec /usr/bin/python3 -m http.server {pod_port} --bind 127.0.0.1"), "-n", node_ns)
    wait_running(k, node_ns, "web")

    # Running means started, not listening: kubectl port-forward gives up on a refused
    # connection, so wait until the server (on the host's network here) accepts.
    def listening():
        try:
            socket.create_connection(("127.0.0.1", pod_port), timeout=1).close()
            return True
        except OSError:
            return None
    wait_for("the pod's server listening", listening, 30)
    local = free_port()
    proc = k.popen("port-forward", "pod/web", f"{local}:{pod_port}", "-n", node_ns)
    try:
        def fetch():
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{local}/index.html", timeout=2).read().decode()
            except Exception:
                return None
        body = wait_for("port-forward answers", fetch, 30)
        assert body == "hello from the pod\n"
        assert fetch() == "hello from the pod\n"  # a second connection over the same forward
    finally:
        proc.kill()
        proc.wait()


def test_failing_liveness_probe_restarts_the_container(node_kubectl, node_ns):
    k = node_kubectl
    probe = """    livenessProbe:
      exec:
        command: ["sh", "-c", "exit 1"]
      initialDelaySeconds: 1
      periodSeconds: 1
      failureThreshold: 2"""
    k.apply_text(pod_yaml("sick", "sleep 3600", extra_container=probe), "-n", node_ns)
    wait_for("a liveness restart", lambda: container_status(k, node_ns, "sick").get("restartCount", 0) >= 1, 40)
    desc = k.run("describe", "pod", "sick", "-n", node_ns).stdout
    assert "Liveness probe failed" in desc, desc
    assert "failed liveness probe, will be restarted" in desc, desc


def test_readiness_probe_gates_the_ready_column(node_kubectl, node_ns, e2e_tmp):
    k = node_kubectl
    flag = e2e_tmp / f"ready-{node_ns}"
    probe = f"""    readinessProbe:
      exec:
        command: ["test", "-f", "{flag}"]
      periodSeconds: 1"""
    k.apply_text(pod_yaml("gated", "sleep 3600", extra_container=probe), "-n", node_ns)
    wait_running(k, node_ns, "gated")
    time.sleep(2)
    row = k.run("get", "pod", "gated", "-n", node_ns, "--no-headers").stdout.split()
    assert row[1] == "0/1", row
    flag.write_text("ok")
    wait_for("1/1", lambda: k.run("get", "pod", "gated", "-n", node_ns, "--no-headers").stdout.split()[1] == "1/1", 20)


def test_config_map_and_secret_as_env_and_files(node_kubectl, node_ns):
    k = node_kubectl
    k.run("create", "configmap", "settings", "--from-literal=color=blue", "--from-literal=size=XL", "-n", node_ns)
    k.run("create", "secret", "generic", "creds", "--from-literal=password=s3cret", "-n", node_ns)
    k.apply_text("""
apiVersion: v1
kind: Pod
metadata:
  name: configured
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "sleep 3600"]
    env:
    - name: COLOR
      valueFrom: {configMapKeyRef: {name: settings, key: color}}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: creds, key: password}}
    - name: GREETING
      value: "color is $(COLOR)"
    volumeMounts:
    - {name: cfg, mountPath: /etc/tug-e2e-settings}
    - {name: sec, mountPath: /etc/tug-e2e-creds, readOnly: true}
  volumes:
  - name: cfg
    configMap: {name: settings}
  - name: sec
    secret: {secretName: creds}
""", "-n", node_ns)
    wait_running(k, node_ns, "configured")
    out = k.run("exec", "configured", "-n", node_ns, "--", "sh", "-c",
                "echo $COLOR $PASSWORD; echo $GREETING; cat /etc/tug-e2e-settings/size; echo; cat /etc/tug-e2e-creds/password").stdout
    assert out.split("\n")[:4] == ["blue s3cret", "color is blue", "XL", "s3cret"], out
    k.run("patch", "configmap", "settings", "-n", node_ns, "-p", '{"data":{"size":"S"}}')
    wait_for("updated file", lambda: k.run("exec", "configured", "-n", node_ns, "--", "cat", "/etc/tug-e2e-settings/size").stdout == "S", 90)


def test_kubectl_top_shows_usage(node_kubectl, node_ns):
    k = node_kubectl
    k.apply_text(pod_yaml("busy", "while true; do :; done"), "-n", node_ns)
    wait_running(k, node_ns, "busy")

    def busy_row():
        r = k.run("top", "pods", "-n", node_ns, "--no-headers", check=False)
        rows = [line.split() for line in r.stdout.splitlines() if line.startswith("busy ")]
        return rows[0] if rows and rows[0][1].endswith("m") and int(rows[0][1][:-1]) >= 100 else None

    row = wait_for("busy's CPU in kubectl top pods", busy_row, 60)
    assert row[2].endswith("Mi"), row
    nodes = k.run("top", "nodes", "--no-headers").stdout
    assert nodes.startswith("tug-e2e "), nodes
    k.run("delete", "pod", "busy", "-n", node_ns, "--grace-period=1")
