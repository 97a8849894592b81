import pytest
"""kubectl get: server-side table columns, output formats, selectors, -A, `get all`."""

import ipaddress
import re
import secrets

import yaml

import manifests as m
from kubectl import parse_table

AGE = re.compile(r"^\d+(s|m|h|d)(\d+(s|m|h))?$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def create_web(api, ns, replicas=2):
    api.create(f"/apis/apps/v1/namespaces/{ns}/deployments",
               m.deployment("web", replicas, containers=[m.container("app", "nginx:1.25")]))


def test_get_pods_table(any_kubectl, ns):
    out = any_kubectl.run("run", "p1", "--image=nginx:1.25", "-n", ns).stdout
    assert out.strip() == "pod/p1 created"
    header, rows = parse_table(any_kubectl.run("get", "pods", "-n", ns).stdout)
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["NAME"], row["READY"], row["STATUS"], row["RESTARTS"]) == ("p1", "0/1", "Pending", "0"), row
    assert AGE.match(row["AGE"]), row


def test_get_pods_wide(any_kubectl, api, ns):
    api.create(f"/api/v1/namespaces/{ns}/pods", m.pod("p1"))
    header, rows = parse_table(any_kubectl.run("get", "pods", "-o", "wide", "-n", ns).stdout)
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                      "NOMINATED NODE", "READINESS GATES"]
    row = rows[0]
    assert (row["NAME"], row["STATUS"], row["IP"], row["NODE"]) == ("p1", "Pending", "<none>", "<none>"), row


def test_get_deployments_table_and_wide(any_kubectl, api, ns):
    create_web(api, ns)
    header, rows = parse_table(any_kubectl.run("get", "deployments", "-n", ns).stdout)
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert [r["NAME"] for r in rows] == ["web"]
    assert re.fullmatch(r"\d+/2", rows[0]["READY"]), rows[0]
    assert rows[0]["AVAILABLE"].isdigit() and rows[0]["UP-TO-DATE"].isdigit(), rows[0]

    header, rows = parse_table(any_kubectl.run("get", "deploy", "web", "-o", "wide", "-n", ns).stdout)
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert (rows[0]["CONTAINERS"], rows[0]["IMAGES"], rows[0]["SELECTOR"]) == ("app", "nginx:1.25", "app=web")


def test_get_yaml(kubectl, api, ns):
    create_web(api, ns)
    obj = yaml.safe_load(kubectl.run("get", "deployment", "web", "-o", "yaml", "-n", ns).stdout)
    assert obj["apiVersion"] == "apps/v1" and obj["kind"] == "Deployment"
    meta = obj["metadata"]
    assert (meta["name"], meta["namespace"]) == ("web", ns)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", meta["uid"]), meta
    assert meta["resourceVersion"].isdigit(), meta
    assert RFC3339.match(meta["creationTimestamp"]), meta
    assert meta["generation"] == 1, meta
    assert obj["spec"]["replicas"] == 2
    assert obj["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"


def test_pod_defaults_applied_on_create(kubectl, api, ns):
    api.create(f"/api/v1/namespaces/{ns}/pods", m.pod("p1", scheduler=None))  # the default is filled in
    obj = kubectl.json("get", "pod", "p1", "-n", ns)
    spec = obj["spec"]
    assert obj["status"]["phase"] == "Pending"
    assert obj["status"]["qosClass"] == "BestEffort"
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["terminationGracePeriodSeconds"] == 30
    c = spec["containers"][0]
    assert c["imagePullPolicy"] == "IfNotPresent"  # tagged image, not :latest
    assert c["terminationMessagePath"] == "/dev/termination-log"
    assert c["terminationMessagePolicy"] == "File"
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


def test_deployment_defaults_applied_on_create(kubectl, api, ns):
    create_web(api, ns)
    spec = kubectl.json("get", "deployment", "web", "-n", ns)["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    pod_spec = spec["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Always"
    assert pod_spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"


def test_label_selectors(any_kubectl, api, ns):
    for name, labels in [("ca", {"env": "a"}), ("cb", {"env": "b"}), ("cc", {"env": "c"}),
                         ("ca-canary", {"env": "a", "canary": "true"}), ("nolabel", None)]:
        api.create(f"/api/v1/namespaces/{ns}/configmaps", m.configmap(name, {"k": "v"}, labels))

    def names(selector):
        return sorted(any_kubectl.run("get", "configmaps", "-n", ns, "-l", selector, "-o", "name").lines)

    assert names("env in (a,b),!canary") == ["configmap/ca", "configmap/cb"]
    assert names("env=a") == ["configmap/ca", "configmap/ca-canary"]
    assert names("env notin (a),env") == ["configmap/cb", "configmap/cc"]
    assert names("canary") == ["configmap/ca-canary"]
    assert names("env!=a,env") == ["configmap/cb", "configmap/cc"]


def test_field_selector_metadata_name(any_kubectl, api, ns):
    for name in ("c1", "c2", "c3"):
        api.create(f"/api/v1/namespaces/{ns}/configmaps", m.configmap(name, {"k": name}))
    got = any_kubectl.run("get", "cm", "-n", ns, "--field-selector", "metadata.name=c2", "-o", "name").lines
    assert got == ["configmap/c2"]
    got = any_kubectl.run("get", "cm", "-n", ns, "--field-selector", "metadata.name!=c2", "-o", "name").lines
    assert "configmap/c2" not in got and {"configmap/c1", "configmap/c3"} <= set(got), got


def test_pod_field_selectors(kubectl, api, ns):
    api.create(f"/api/v1/namespaces/{ns}/pods", m.pod("p1"))
    got = kubectl.run("get", "pods", "-n", ns, "--field-selector", "status.phase=Pending", "-o", "name").lines
    assert got == ["pod/p1"]
    got = kubectl.run("get", "pods", "-n", ns, "--field-selector", "spec.nodeName=", "-o", "name").lines
    assert got == ["pod/p1"]
    res = kubectl.run("get", "pods", "-n", ns, "--field-selector", "status.phase=Running")
    assert res.stdout == "" and f"No resources found in {ns} namespace." in res.stderr, res.describe()


def test_all_namespaces(any_kubectl, api, ns_factory):
    ns1, ns2 = ns_factory(), ns_factory()
    mark = {"mark": secrets.token_hex(4)}
    api.create(f"/api/v1/namespaces/{ns1}/configmaps", m.configmap("c1", {"a": "1"}, mark))
    api.create(f"/api/v1/namespaces/{ns2}/configmaps", m.configmap("c2", {"a": "1", "b": "2"}, mark))
    header, rows = parse_table(any_kubectl.run("get", "configmaps", "-A", "-l", f"mark={mark['mark']}").stdout)
    assert header == ["NAMESPACE", "NAME", "DATA", "AGE"]
    assert sorted((r["NAMESPACE"], r["NAME"], r["DATA"]) for r in rows) == sorted(
        [(ns1, "c1", "1"), (ns2, "c2", "2")])


def test_get_all(any_kubectl, api, ns):
    create_web(api, ns)
    api.create(f"/api/v1/namespaces/{ns}/services", m.service("web", {"app": "web"}))
    api.create(f"/api/v1/namespaces/{ns}/pods", m.pod("p1"))
    api.create(f"/api/v1/namespaces/{ns}/configmaps", m.configmap("not-in-all", {"a": "1"}))
    out = any_kubectl.run("get", "all", "-n", ns).stdout
    names = {line.split()[0] for line in out.splitlines()
             if line.strip() and not line.startswith("NAME")}
    assert {"pod/p1", "service/web", "deployment.apps/web"} <= names, out
    assert not [n for n in names if n.startswith("configmap")], out
    # every section has its own header
    assert re.search(r"^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$", out, re.M), out
    assert re.search(r"^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$", out, re.M), out


def test_service_defaults_and_cluster_ip(kubectl, api, ns):
    api.create(f"/api/v1/namespaces/{ns}/services", m.service("web", {"app": "web"}))
    spec = kubectl.json("get", "service", "web", "-n", ns)["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"] == [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]
    ip = spec["clusterIP"]
    assert ipaddress.ip_address(ip) in ipaddress.ip_network("10.43.0.0/16"), spec  # the service CIDR
    assert spec["clusterIPs"] == [ip]
    header, rows = parse_table(kubectl.run("get", "svc", "web", "-n", ns).stdout)
    assert header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert [rows[0][c] for c in ("TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)")] == ["ClusterIP", ip, "<none>", "80/TCP"]
