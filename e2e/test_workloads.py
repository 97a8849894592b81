"""StatefulSets and DaemonSets on hollow nodes, driven with kubectl 1.37."""

import json
from datetime import datetime

from hollow import wait_for

STATEFULSET = """apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.25", volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]}]}
  volumeClaimTemplates:
  - metadata: {name: www}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""

DAEMONSET = """apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs}
spec:
  selector: {matchLabels: {app: logs}}
  template:
    metadata: {labels: {app: logs}}
    spec: {containers: [{name: logs, image: "fluentd:1"}]}
"""


def _time(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")


def _pods(k, app):
    return json.loads(k.run("get", "pods", "-l", f"app={app}", "-o", "json").stdout)["items"]


def test_statefulset_creates_ordered_pods_with_stable_names(cluster, tmp_path):
    manifest = tmp_path / "sts.yaml"
    manifest.write_text(STATEFULSET)
    cluster.run("apply", "-f", str(manifest))
    out = cluster.run("rollout", "status", "sts/web", "--timeout=60s", timeout=90).stdout
    # With the default partition 0, kubectl reports a (trivially) partitioned rollout.
    assert "partitioned roll out complete: 3 new pods have been updated" in out, out

    pods = {p["metadata"]["name"]: p for p in _pods(cluster, "web")}
    assert sorted(pods) == ["web-0", "web-1", "web-2"]
    for i in range(3):
        p = pods[f"web-{i}"]
        assert p["spec"]["hostname"] == f"web-{i}" and p["spec"]["subdomain"] == "web"
        assert p["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == f"web-{i}"
        assert p["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == str(i)
        assert p["status"]["phase"] == "Running"
        claim = next(v for v in p["spec"]["volumes"] if v["name"] == "www")["persistentVolumeClaim"]["claimName"]
        assert claim == f"www-web-{i}"
    claims = cluster.run("get", "pvc", "-o", "name").lines
    assert sorted(claims) == ["persistentvolumeclaim/www-web-0", "persistentvolumeclaim/www-web-1", "persistentvolumeclaim/www-web-2"]
    # OrderedReady: each pod was created only once the one before it was Ready.
    for i in (1, 2):
        ready = next(c for c in pods[f"web-{i - 1}"]["status"]["conditions"] if c["type"] == "Ready")
        assert _time(pods[f"web-{i}"]["metadata"]["creationTimestamp"]) >= _time(ready["lastTransitionTime"])
    events = json.loads(cluster.run("get", "events", "--field-selector", "involvedObject.kind=StatefulSet", "-o", "json").stdout)["items"]
    assert any(e["reason"] == "SuccessfulCreate" and e["message"] == "create Pod web-0 in StatefulSet web successful" for e in events)
    ready = cluster.run("get", "sts", "web", "--no-headers").stdout.split()[1]
    assert ready == "3/3", ready

    # An update rolls from the top; history and undo work through ControllerRevisions.
    cluster.run("set", "image", "sts/web", "web=nginx:1.27")
    out = cluster.run("rollout", "status", "sts/web", "--timeout=60s", timeout=90).stdout
    assert "roll out complete: 3 new pods have been updated" in out, out
    wait_for("the update revision becomes current", lambda: (s := json.loads(cluster.run("get", "sts", "web", "-o", "json").stdout)["status"])
             ["currentRevision"] == s["updateRevision"] and s["currentReplicas"] == 3)
    images = {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in _pods(cluster, "web")}
    assert images == {"web-0": "nginx:1.27", "web-1": "nginx:1.27", "web-2": "nginx:1.27"}
    history = cluster.run("rollout", "history", "sts/web").stdout
    assert "1 " in history and "2 " in history, history
    cluster.run("rollout", "undo", "sts/web")
    cluster.run("rollout", "status", "sts/web", "--timeout=60s", timeout=90)
    wait_for("images rolled back", lambda: {p["spec"]["containers"][0]["image"] for p in _pods(cluster, "web")} == {"nginx:1.25"}, timeout=60)

    # A deleted pod comes back under its name.
    uid = pods["web-1"]["metadata"]["uid"]
    cluster.run("delete", "pod", "web-1", "--timeout=30s", timeout=60)
    wait_for("web-1 back", lambda: any(p["metadata"]["name"] == "web-1" and p["metadata"]["uid"] != uid
                                       for p in _pods(cluster, "web")), timeout=30)

    cluster.run("scale", "sts/web", "--replicas=1")
    wait_for("scaled to web-0", lambda: [p["metadata"]["name"] for p in _pods(cluster, "web")] == ["web-0"], timeout=60)

    cluster.run("delete", "sts", "web")
    wait_for("pods gone", lambda: _pods(cluster, "web") == [], timeout=60)
    wait_for("revisions gone", lambda: cluster.run("get", "controllerrevisions", "--no-headers").lines == [], timeout=30)
    # Claims outlive the set (persistentVolumeClaimRetentionPolicy whenDeleted: Retain).
    assert len(cluster.run("get", "pvc", "--no-headers").lines) == 3


def test_daemonset_runs_one_pod_per_untainted_node(cluster, tmp_path):
    cluster.run("taint", "node", "hollow-2", "dedicated=db:NoSchedule")
    manifest = tmp_path / "ds.yaml"
    manifest.write_text(DAEMONSET)
    cluster.run("apply", "-f", str(manifest))
    out = cluster.run("rollout", "status", "ds/logs", "--timeout=60s", timeout=90).stdout
    assert 'daemon set "logs" successfully rolled out' in out, out
    pods = _pods(cluster, "logs")
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["hollow-0", "hollow-1"]
    assert all(p["status"]["phase"] == "Running" for p in pods)
    cols = cluster.run("get", "ds", "logs", "--no-headers").stdout.split()
    assert cols[1:6] == ["2", "2", "2", "2", "2"], cols

    # Lifting the taint brings a third pod; an update replaces them all.
    cluster.run("taint", "node", "hollow-2", "dedicated=db:NoSchedule-")
    wait_for("a pod on hollow-2", lambda: sorted(p["spec"].get("nodeName", "") for p in _pods(cluster, "logs")) ==
             ["hollow-0", "hollow-1", "hollow-2"], timeout=30)
    cluster.run("set", "image", "ds/logs", "logs=fluentd:2")
    out = cluster.run("rollout", "status", "ds/logs", "--timeout=60s", timeout=90).stdout
    assert 'daemon set "logs" successfully rolled out' in out, out
    wait_for("all pods updated", lambda: sorted(p["spec"]["containers"][0]["image"] for p in _pods(cluster, "logs")
                                                 if not p["metadata"].get("deletionTimestamp")) == ["fluentd:2"] * 3, timeout=30)
    history = cluster.run("rollout", "history", "ds/logs").stdout
    assert "1 " in history and "2 " in history, history
    cluster.run("rollout", "undo", "ds/logs")
    cluster.run("rollout", "status", "ds/logs", "--timeout=60s", timeout=90)
    wait_for("pods back at fluentd:1", lambda: sorted(p["spec"]["containers"][0]["image"] for p in _pods(cluster, "logs")
                                                       if not p["metadata"].get("deletionTimestamp")) == ["fluentd:1"] * 3, timeout=60)

    cluster.run("delete", "ds", "logs")
    wait_for("pods gone", lambda: _pods(cluster, "logs") == [], timeout=60)
