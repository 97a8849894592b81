"""Endpoints, EndpointSlices, ReplicationControllers and ResourceQuota usage against hollow nodes."""

import json

from hollow import wait_for


def _json(cluster, *args):
    return json.loads(cluster.run(*args, "-o", "json").stdout)


def _ready_ips(cluster):
    pods = _json(cluster, "get", "pods", "-l", "app=web")["items"]
    return sorted(p["status"]["podIP"] for p in pods
                  if p["status"].get("podIP") and not p["metadata"].get("deletionTimestamp")
                  and any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", [])))


def test_service_endpoints_and_slices_follow_the_deployment(cluster):
    cluster.run("create", "deployment", "web", "--image=nginx", "--replicas=3", "--port=8080")
    ips = wait_for("3 ready pods", lambda: (ips := _ready_ips(cluster)) and len(ips) == 3 and ips)
    cluster.run("expose", "deployment", "web", "--port=80", "--target-port=8080")

    def endpoint_list():
        out = cluster.run("get", "endpoints", "web", "--no-headers", check=False)
        return out.stdout.split()[1] if out.returncode == 0 and out.stdout.split() else ""
    listed = wait_for("endpoints listing 3 addresses", lambda: (e := endpoint_list()) and len(e.split(",")) == 3 and e)
    assert sorted(listed.split(",")) == sorted(f"{ip}:8080" for ip in ips)
    ep = _json(cluster, "get", "endpoints", "web")
    assert {a["targetRef"]["name"] for a in ep["subsets"][0]["addresses"]} == {
        p["metadata"]["name"] for p in _json(cluster, "get", "pods", "-l", "app=web")["items"]}
    assert all(a["nodeName"].startswith("hollow-") for a in ep["subsets"][0]["addresses"])

    def ready_slice_endpoints():
        slices = _json(cluster, "get", "endpointslices", "-l", "kubernetes.io/service-name=web")["items"]
        return slices, [e for s in slices for e in s.get("endpoints") or [] if e["conditions"].get("ready")]
    slices, ready = wait_for("3 ready slice endpoints", lambda: (r := ready_slice_endpoints()) and len(r[1]) == 3 and r)
    assert len(slices) == 1
    s = slices[0]
    assert s["addressType"] == "IPv4" and s["metadata"]["name"].startswith("web-")
    assert s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    assert s["metadata"]["ownerReferences"][0]["kind"] == "Service"
    assert s["ports"] == [{"name": "", "port": 8080, "protocol": "TCP"}]
    assert sorted(a for e in ready for a in e["addresses"]) == ips
    table = cluster.run("get", "endpointslices", "-l", "kubernetes.io/service-name=web").stdout
    assert "IPv4" in table and "8080" in table, table

    # Scaling down: one endpoint left, in the same slice.
    cluster.run("scale", "deployment", "web", "--replicas=1")
    wait_for("1 endpoint", lambda: len(endpoint_list().split(",")) == 1 and endpoint_list() != "<none>")
    wait_for("1 ready slice endpoint", lambda: len(ready_slice_endpoints()[1]) == 1)
    assert [x["metadata"]["name"] for x in ready_slice_endpoints()[0]] == [s["metadata"]["name"]]

    # Deleting the service removes both.
    cluster.run("delete", "service", "web")
    wait_for("endpoints gone", lambda: cluster.run("get", "endpoints", "web", check=False).returncode != 0)
    wait_for("slices gone", lambda: not _json(cluster, "get", "endpointslices", "-l", "kubernetes.io/service-name=web")["items"])


def test_replication_controller_runs_and_scales(cluster, tmp_path):
    manifest = tmp_path / "rc.yaml"
    manifest.write_text("""apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  replicas: 2
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers: [{name: app, image: nginx}]
""")
    cluster.run("create", "-f", str(manifest))

    def running():
        pods = _json(cluster, "get", "pods", "-l", "app=legacy")["items"]
        return [p for p in pods if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]
    wait_for("2 running pods", lambda: len(running()) == 2)
    assert all(p["metadata"]["ownerReferences"][0]["kind"] == "ReplicationController" for p in running())
    wait_for("rc ready 2", lambda: _json(cluster, "get", "rc", "legacy")["status"].get("readyReplicas") == 2)
    row = cluster.run("get", "rc", "legacy", "--no-headers").stdout.split()
    assert row[:4] == ["legacy", "2", "2", "2"], row

    cluster.run("scale", "rc", "legacy", "--replicas=3")
    wait_for("3 running pods", lambda: len(running()) == 3)
    wait_for("rc shows 3", lambda: cluster.run("get", "rc", "legacy", "--no-headers").stdout.split()[:4] == ["legacy", "3", "3", "3"])


def test_quota_reports_usage(cluster):
    cluster.run("create", "quota", "q", "--hard=pods=10,requests.cpu=2")
    cluster.run("run", "one", "--image=nginx",
                '--overrides={"spec":{"containers":[{"name":"one","image":"nginx","resources":{"requests":{"cpu":"250m"}}}]}}')
    cluster.run("run", "two", "--image=nginx")

    def used():
        return _json(cluster, "get", "quota", "q").get("status", {}).get("used", {})
    wait_for("2 pods used", lambda: used().get("pods") == "2")
    assert used()["requests.cpu"] == "250m"
    out = cluster.run("describe", "quota", "q").stdout
    lines = {l.split()[0]: l.split()[1:] for l in out.splitlines() if l.strip() and l.split()[0] in ("pods", "requests.cpu")}
    assert lines["pods"] == ["2", "10"], out
    assert lines["requests.cpu"] == ["250m", "2"], out
    cluster.run("delete", "pod", "two", "--timeout=20s")
    wait_for("1 pod used", lambda: used().get("pods") == "1")
