import pytest
"""Discovery and OpenAPI as kubectl sees them: api-versions, api-resources, explain."""

import re

from kubectl import parse_table


def test_api_versions(any_kubectl):
    lines = any_kubectl.run("api-versions").lines
    for gv in ("v1", "apps/v1", "batch/v1", "coordination.k8s.io/v1", "rbac.authorization.k8s.io/v1"):
        assert gv in lines, f"{gv} missing from api-versions: {lines}"
    assert len(lines) == len(set(lines)), f"duplicates in {lines}"
    for gv in lines:
        assert re.fullmatch(r"([a-z0-9.-]+/)?v\d+((alpha|beta)\d+)?", gv), gv


def test_api_resources(any_kubectl):
    header, rows = parse_table(any_kubectl.run("api-resources").stdout)
    assert header == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    by_key = {(r["NAME"], r["APIVERSION"]): r for r in rows}
    expected = [
        ("pods", "v1", "po", "true", "Pod"),
        ("services", "v1", "svc", "true", "Service"),
        ("configmaps", "v1", "cm", "true", "ConfigMap"),
        ("secrets", "v1", "", "true", "Secret"),
        ("namespaces", "v1", "ns", "false", "Namespace"),
        ("nodes", "v1", "no", "false", "Node"),
        ("deployments", "apps/v1", "deploy", "true", "Deployment"),
        ("replicasets", "apps/v1", "rs", "true", "ReplicaSet"),
        ("jobs", "batch/v1", "", "true", "Job"),
        ("cronjobs", "batch/v1", "cj", "true", "CronJob"),
    ]
    for name, gv, short, namespaced, kind in expected:
        row = by_key.get((name, gv))
        assert row, f"{name} ({gv}) not listed; rows: {sorted(by_key)}"
        assert (row["SHORTNAMES"], row["NAMESPACED"], row["KIND"]) == (short, namespaced, kind), row


def test_api_resources_cluster_scoped_only(any_kubectl):
    names = set(any_kubectl.run("api-resources", "--namespaced=false", "-o", "name").lines)
    assert {"namespaces", "nodes"} <= names, names
    assert "pods" not in names and "deployments.apps" not in names, names


def test_explain_pod_spec_containers(any_kubectl):
    out = any_kubectl.run("explain", "pod.spec.containers").stdout
    assert re.search(r"^KIND:\s+Pod$", out, re.M), out
    assert re.search(r"^VERSION:\s+v1$", out, re.M), out
    assert re.search(r"^FIELD:\s+containers\s+<\[\]Container>", out, re.M), out
    assert re.search(r"^\s+image\s+<string>", out, re.M), out
    assert re.search(r"^\s+name\s+<string>\s+-required-", out, re.M), out
    assert re.search(r"^\s+ports\s+<\[\]ContainerPort>", out, re.M), out
    assert re.search(r"^DESCRIPTION:", out, re.M), out


def test_explain_deployment_replicas(any_kubectl):
    out = any_kubectl.run("explain", "deployments.spec.replicas").stdout
    assert re.search(r"^GROUP:\s+apps$", out, re.M), out
    assert re.search(r"^KIND:\s+Deployment$", out, re.M), out
    assert re.search(r"^FIELD:\s+replicas\s+<integer>", out, re.M), out
