"""Placement rules against hollow nodes: inter-pod anti-affinity, topology spread, and
priority with preemption."""

import json
from collections import Counter

from hollow import wait_for


def pods(cluster, selector):
    return json.loads(cluster.run("get", "pods", "-l", selector, "-o", "json").stdout)["items"]


def unschedulable_condition(cluster, name):
    pod = json.loads(cluster.run("get", "pod", name, "-o", "json").stdout)
    return next((c for c in pod["status"].get("conditions", []) if c["type"] == "PodScheduled" and c["status"] == "False"), None)


def test_required_anti_affinity_puts_replicas_on_distinct_nodes(cluster, tmp_path):
    manifest = tmp_path / "web.yaml"
    manifest.write_text("""apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
      containers: [{name: web, image: nginx}]
""")
    cluster.run("apply", "-f", str(manifest))
    wait_for("3 replicas running", lambda: [p["status"].get("phase") for p in pods(cluster, "app=web")] == ["Running"] * 3)
    assert sorted(p["spec"]["nodeName"] for p in pods(cluster, "app=web")) == ["hollow-0", "hollow-1", "hollow-2"]

    cluster.run("scale", "deployment/web", "--replicas=4")
    pending = wait_for("a pending 4th replica", lambda: next((p["metadata"]["name"] for p in pods(cluster, "app=web")
                                                            if not p["spec"].get("nodeName")), None))
    cond = wait_for("PodScheduled=False", lambda: unschedulable_condition(cluster, pending))
    assert cond["reason"] == "Unschedulable"
    assert cond["message"] == ("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. "
                               "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
    out = cluster.run("describe", "pod", pending).stdout
    assert "FailedScheduling" in out and "didn't match pod anti-affinity rules" in out, out


def test_topology_spread_balances_pods_over_zones(cluster, tmp_path):
    for node, zone in [("hollow-0", "zone-a"), ("hollow-1", "zone-a"), ("hollow-2", "zone-b")]:
        cluster.run("label", "node", node, f"topology.kubernetes.io/zone={zone}")
    manifest = tmp_path / "spread.yaml"
    manifest.write_text("""apiVersion: apps/v1
kind: Deployment
metadata: {name: spread}
spec:
  replicas: 4
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: spread}}
      containers: [{name: app, image: nginx}]
""")
    cluster.run("apply", "-f", str(manifest))
    wait_for("4 pods scheduled", lambda: len([p for p in pods(cluster, "app=spread") if p["spec"].get("nodeName")]) == 4)
    zone_of = {"hollow-0": "zone-a", "hollow-1": "zone-a", "hollow-2": "zone-b"}
    assert Counter(zone_of[p["spec"]["nodeName"]] for p in pods(cluster, "app=spread")) == {"zone-a": 2, "zone-b": 2}


def test_high_priority_pod_preempts_a_low_priority_one(cluster, tmp_path):
    manifest = tmp_path / "priority.yaml"
    manifest.write_text("""apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: low}
spec:
  replicas: 3
  selector: {matchLabels: {app: low}}
  template:
    metadata: {labels: {app: low}}
    spec:
      containers: [{name: app, image: nginx, resources: {requests: {cpu: "3"}}}]
""")
    cluster.run("apply", "-f", str(manifest))
    wait_for("3 low pods running", lambda: [p["status"].get("phase") for p in pods(cluster, "app=low")] == ["Running"] * 3)
    low_before = {p["metadata"]["name"]: p["spec"]["nodeName"] for p in pods(cluster, "app=low")}

    (tmp_path / "vip.yaml").write_text("""apiVersion: v1
kind: Pod
metadata: {name: vip, labels: {app: vip}}
spec:
  priorityClassName: high
  containers: [{name: app, image: nginx, resources: {requests: {cpu: "3"}}}]
""")
    cluster.run("apply", "-f", str(tmp_path / "vip.yaml"))
    vip = json.loads(cluster.run("get", "pod", "vip", "-o", "json").stdout)
    assert vip["spec"]["priority"] == 1000 and vip["spec"]["preemptionPolicy"] == "PreemptLowerPriority"

    node = wait_for("vip to be scheduled", lambda: json.loads(cluster.run("get", "pod", "vip", "-o", "json").stdout)["spec"].get("nodeName"),
                    timeout=60)
    victims = [name for name, n in low_before.items() if n == node]
    assert len(victims) == 1
    events = json.loads(cluster.run("get", "events", "--field-selector", f"involvedObject.name={victims[0]}", "-o", "json").stdout)["items"]
    assert any(e["reason"] == "Preempted" and e["message"].startswith("Preempted by pod ") and e["message"].endswith(f"on node {node}")
               for e in events), events
    wait_for("vip to run", lambda: json.loads(cluster.run("get", "pod", "vip", "-o", "json").stdout)["status"].get("phase") == "Running")
    # The Deployment replaces its victim, which now fits nowhere and cannot preempt back.
    replacement = wait_for("a pending replacement", lambda: next((p["metadata"]["name"] for p in pods(cluster, "app=low")
                                                                 if not p["spec"].get("nodeName")), None))
    cond = wait_for("PodScheduled=False", lambda: unschedulable_condition(cluster, replacement))
    assert cond["message"].startswith("0/3 nodes are available: 3 Insufficient cpu. preemption:"), cond["message"]


def test_unknown_priority_class_is_forbidden(cluster, tmp_path):
    (tmp_path / "p.yaml").write_text("""apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  priorityClassName: nope
  containers: [{name: app, image: nginx}]
""")
    r = cluster.run("apply", "-f", str(tmp_path / "p.yaml"), check=False)
    assert r.returncode != 0
    assert 'pods "p" is forbidden: no PriorityClass with name nope was found' in r.stderr, r.stderr
