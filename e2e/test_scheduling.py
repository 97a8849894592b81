"""The scheduler with hollow nodes: `tug server` plus `tug simulate --nodes 3` (issue 3)."""

import json
import subprocess
import time
from pathlib import Path

from hollow import start_simulator, wait_for
from kubectl import Kubectl


def test_pods_are_scheduled_onto_hollow_nodes_and_run(cluster):
    cluster.run("run", "web", "--image=nginx")
    pod = wait_for("web to run", lambda: (p := json.loads(cluster.run("get", "pod", "web", "-o", "json").stdout))
                   ["status"].get("phase") == "Running" and p)
    assert pod["spec"]["nodeName"].startswith("hollow-")
    assert pod["status"]["podIP"]
    assert {c["type"]: c["status"] for c in pod["status"]["conditions"]}["PodScheduled"] == "True"
    events = cluster.run("get", "events", "--field-selector", "involvedObject.name=web", "-o", "json").stdout
    assert any(e["reason"] == "Scheduled" for e in json.loads(events)["items"])


def test_pod_that_fits_nowhere_stays_pending_with_the_reason(cluster):
    cluster.run("run", "big", "--image=nginx",
                '--overrides={"spec":{"containers":[{"name":"big","image":"nginx","resources":{"requests":{"cpu":"64"}}}]}}')
    cond = wait_for("PodScheduled=False", lambda: next(
        (c for c in json.loads(cluster.run("get", "pod", "big", "-o", "json").stdout)["status"].get("conditions", [])
         if c["type"] == "PodScheduled" and c["status"] == "False"), None))
    assert cond["reason"] == "Unschedulable"
    # kube-scheduler appends what preemption found (here: only pods of equal priority).
    message = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    assert cond["message"] == message
    out = cluster.run("describe", "pod", "big").stdout
    assert "FailedScheduling" in out and "0/3 nodes are available: 3 Insufficient cpu." in out, out


def test_node_selector_and_taints_steer_pods(cluster):
    cluster.run("label", "node", "hollow-1", "disk=ssd")
    cluster.run("taint", "node", "hollow-2", "dedicated=gpu:NoSchedule")
    cluster.run("run", "ssd", "--image=nginx", '--overrides={"spec":{"nodeSelector":{"disk":"ssd"}}}')
    node = wait_for("ssd to be scheduled", lambda: json.loads(cluster.run("get", "pod", "ssd", "-o", "json").stdout)["spec"].get("nodeName"))
    assert node == "hollow-1"
    cluster.run("run", "nowhere", "--image=nginx", '--overrides={"spec":{"nodeSelector":{"disk":"hdd"}}}')
    cond = wait_for("nowhere to be unschedulable", lambda: next(
        (c for c in json.loads(cluster.run("get", "pod", "nowhere", "-o", "json").stdout)["status"].get("conditions", [])
         if c["type"] == "PodScheduled" and c["status"] == "False"), None))
    assert cond["message"] == ("0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector."
                               " preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    # A pod deleted on a hollow node goes away (the node finishes the graceful deletion).
    cluster.run("delete", "pod", "ssd", "--timeout=20s")
    assert cluster.run("get", "pod", "ssd", check=False).returncode != 0


def test_replicaset_keeps_its_pods_running(cluster, tmp_path):
    manifest = tmp_path / "rs.yaml"
    manifest.write_text("""apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
""")
    cluster.run("apply", "-f", str(manifest))
    wait_for("3 ready replicas", lambda: cluster.run("get", "rs", "web", "--no-headers").stdout.split()[1:4] == ["3", "3", "3"])
    pods = json.loads(cluster.run("get", "pods", "-l", "app=web", "-o", "json").stdout)["items"]
    assert len(pods) == 3 and all(p["status"]["phase"] == "Running" for p in pods)
    assert len({p["spec"]["nodeName"] for p in pods}) == 3, "spread over the three nodes"
    cluster.run("scale", "rs", "web", "--replicas=1")
    wait_for("one pod left", lambda: len(cluster.run("get", "pods", "-l", "app=web", "--no-headers").lines) == 1)
    wait_for("1 ready replica", lambda: cluster.run("get", "rs", "web", "--no-headers").stdout.split()[1:4] == ["1", "1", "1"])


def test_deployment_rolls_out_updates_and_undoes(cluster):
    cluster.run("create", "deployment", "web", "--image=nginx:1.25", "--replicas=5")
    out = cluster.run("rollout", "status", "deployment/web", "--timeout=60s", timeout=90).stdout
    assert 'deployment "web" successfully rolled out' in out, out
    cluster.run("set", "image", "deployment/web", "nginx=nginx:1.27")
    out = cluster.run("rollout", "status", "deployment/web", "--timeout=60s", timeout=90).stdout
    assert 'deployment "web" successfully rolled out' in out, out
    sets = json.loads(cluster.run("get", "rs", "-l", "app=web", "-o", "json").stdout)["items"]
    by_image = {s["spec"]["template"]["spec"]["containers"][0]["image"]: s for s in sets}
    assert by_image["nginx:1.27"]["spec"]["replicas"] == 5 and by_image["nginx:1.25"]["spec"]["replicas"] == 0
    assert by_image["nginx:1.27"]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    history = cluster.run("rollout", "history", "deployment/web").stdout
    assert "1 " in history and "2 " in history, history
    events = json.loads(cluster.run("get", "events", "-o", "json").stdout)["items"]
    assert any(e["reason"] == "ScalingReplicaSet" for e in events)

    cluster.run("rollout", "undo", "deployment/web")
    cluster.run("rollout", "status", "deployment/web", "--timeout=60s", timeout=90)
    image = cluster.run("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}").stdout
    assert image == "nginx:1.25"

    cluster.run("scale", "deployment/web", "--replicas=0")
    wait_for("no pods", lambda: cluster.run("get", "pods", "-l", "app=web", "--no-headers").lines == [])
    cluster.run("scale", "deployment/web", "--replicas=2")
    cluster.run("rollout", "status", "deployment/web", "--timeout=60s", timeout=90)
    ready = cluster.run("get", "deploy", "web", "--no-headers").stdout.split()[1]
    assert ready == "2/2", ready


def test_deleting_a_deployment_removes_its_replicasets_and_pods(cluster):
    cluster.run("create", "deployment", "gone", "--image=nginx", "--replicas=2")
    cluster.run("rollout", "status", "deployment/gone", "--timeout=60s", timeout=90)
    cluster.run("delete", "deployment", "gone")   # background propagation: the garbage collector finishes it
    wait_for("ReplicaSets gone", lambda: cluster.run("get", "rs", "-l", "app=gone", "--no-headers").lines == [])
    wait_for("pods gone", lambda: cluster.run("get", "pods", "-l", "app=gone", "--no-headers").lines == [])

    cluster.run("create", "deployment", "fg", "--image=nginx", "--replicas=2")
    cluster.run("rollout", "status", "deployment/fg", "--timeout=60s", timeout=90)
    # Foreground: the Deployment is gone only after its ReplicaSets and pods.
    cluster.run("delete", "deployment", "fg", "--cascade=foreground", "--timeout=30s", timeout=60)
    assert cluster.run("get", "deployment", "fg", check=False).returncode != 0
    assert cluster.run("get", "rs,pods", "-l", "app=fg", "--no-headers").lines == []

    cluster.run("create", "deployment", "kept", "--image=nginx", "--replicas=1")
    cluster.run("rollout", "status", "deployment/kept", "--timeout=60s", timeout=90)
    cluster.run("delete", "deployment", "kept", "--cascade=orphan", "--timeout=30s", timeout=60)
    wait_for("the orphaned ReplicaSet released", lambda: all(
        not rs["metadata"].get("ownerReferences")
        for rs in json.loads(cluster.run("get", "rs", "-l", "app=kept", "-o", "json").stdout)["items"]))
    assert len(cluster.run("get", "pods", "-l", "app=kept", "--no-headers").lines) == 1


def test_silent_nodes_go_notready_and_their_pods_move(tug_bin, tmp_path, kubectls):
    """A node whose Lease is not renewed becomes NotReady with the unreachable taints; pods that
    tolerate that for 2 s are evicted and replaced on a fresh node."""
    from tugserver import TugServer
    srv = TugServer(tug_bin, tmp_path / "nl-data", tmp_path / "nl.log", extra_args=["--node-monitor-grace-period", "3"])
    srv.start(timeout=60)
    k = Kubectl(kubectls["kubectl-1.37"].binary, srv.kubeconfig, tmp_path / "kube-cache", "kubectl-1.37")
    old, old_log = start_simulator(tug_bin, srv, tmp_path, "old")
    new = new_log = None
    try:
        wait_for("old nodes Ready", lambda: len([l for l in k.run("get", "nodes", "--no-headers").lines if " Ready " in l]) == 2)
        manifest = tmp_path / "d.yaml"
        manifest.write_text("""apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
""")
        k.run("apply", "-f", str(manifest))
        k.run("rollout", "status", "deployment/web", "--timeout=60s", timeout=90)
        old.terminate()
        old.wait(timeout=10)
        wait_for("old nodes NotReady", lambda: all(" NotReady " in l for l in k.run("get", "nodes", "--no-headers").lines), timeout=30)
        taints = json.loads(k.run("get", "node", "old-0", "-o", "json").stdout)["spec"]["taints"]
        assert {(t["key"], t["effect"]) for t in taints} == {("node.kubernetes.io/unreachable", "NoSchedule"),
                                                                ("node.kubernetes.io/unreachable", "NoExecute")}
        new, new_log = start_simulator(tug_bin, srv, tmp_path, "new")

        def replaced():
            pods = json.loads(k.run("get", "pods", "-l", "app=web", "-o", "json").stdout)["items"]
            live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
            return len(live) == 2 and all(p["spec"].get("nodeName", "").startswith("new-") and p["status"].get("phase") == "Running" for p in live)
        wait_for("pods evicted and replaced on the new nodes", replaced, timeout=60)
    finally:
        for proc in (old, new):
            if proc and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
        for f in (old_log, new_log):
            if f:
                f.close()
        srv.stop()


def test_deleting_a_namespace_removes_everything_in_it(cluster, tmp_path):
    """Workloads with running pods, a service and a Job: the namespace controller empties the
    namespace (pods finish on their hollow nodes, the Job's tracking finalizers are released),
    then the namespace itself goes."""
    cluster.run("create", "namespace", "doomed")
    cluster.run("-n", "doomed", "create", "deployment", "web", "--image=nginx", "--replicas=3")
    cluster.run("-n", "doomed", "expose", "deployment", "web", "--port=80")
    cluster.run("-n", "doomed", "create", "job", "once", "--image=busybox", "--", "sleep", "60")
    cluster.run("-n", "doomed", "create", "configmap", "settings", "--from-literal=a=b")
    cluster.run("-n", "doomed", "rollout", "status", "deployment/web", "--timeout=60s", timeout=90)
    wait_for("endpoints", lambda: cluster.run("-n", "doomed", "get", "endpoints", "web", "-o", "jsonpath={.subsets[0].addresses[*].ip}",
                                             check=False).stdout.count(".") == 9)
    cluster.run("delete", "namespace", "doomed", "--timeout=60s", timeout=90)
    assert cluster.run("get", "namespace", "doomed", check=False).returncode != 0
    out = cluster.run("get", "pods,rs,deploy,svc,endpoints,endpointslices,jobs,configmaps", "-n", "doomed", "--no-headers", check=False)
    assert out.stdout.strip() == "", out.stdout


def test_rollout_pause_resume_restart_and_scaling_while_paused(cluster):
    cluster.run("create", "deployment", "pr", "--image=nginx:1.25", "--replicas=3")
    cluster.run("rollout", "status", "deployment/pr", "--timeout=60s", timeout=90)
    cluster.run("rollout", "pause", "deployment/pr")
    cluster.run("set", "image", "deployment/pr", "nginx=nginx:1.27")
    cluster.run("scale", "deployment/pr", "--replicas=4")
    # Paused: no new ReplicaSet, but the resize reaches the current one.
    wait_for("4 replicas while paused", lambda: cluster.run("get", "rs", "-l", "app=pr", "-o", "jsonpath={.items[*].spec.replicas}").stdout == "4")
    cond = wait_for("Progressing=Unknown DeploymentPaused", lambda: next(
        (c for c in json.loads(cluster.run("get", "deploy", "pr", "-o", "json").stdout)["status"].get("conditions", [])
         if c["type"] == "Progressing" and c["reason"] == "DeploymentPaused"), None))
    assert cond["status"] == "Unknown"
    cluster.run("rollout", "resume", "deployment/pr")
    out = cluster.run("rollout", "status", "deployment/pr", "--timeout=60s", timeout=90).stdout
    assert 'successfully rolled out' in out, out
    wait_for("4 pods of the new image", lambda: cluster.run("get", "pods", "-l", "app=pr", "-o",
                                                            "jsonpath={.items[*].spec.containers[0].image}").stdout.split() == ["nginx:1.27"] * 4)
    # restart: a new template (restartedAt annotation), a new ReplicaSet, a full rollout.
    cluster.run("rollout", "restart", "deployment/pr")
    out = cluster.run("rollout", "status", "deployment/pr", "--timeout=60s", timeout=90).stdout
    assert 'successfully rolled out' in out, out
    sets = json.loads(cluster.run("get", "rs", "-l", "app=pr", "-o", "json").stdout)["items"]
    assert len(sets) == 3, [s["metadata"]["name"] for s in sets]
    newest = max(sets, key=lambda s: int(s["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))
    assert newest["spec"]["replicas"] == 4 and "kubectl.kubernetes.io/restartedAt" in newest["spec"]["template"]["metadata"]["annotations"]
