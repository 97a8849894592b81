"""kubectl describe for a deployment (with its events) and a configmap."""

import datetime
import re

import manifests as m


def has(pattern, text):
    assert re.search(pattern, text, re.M), f"no match for {pattern!r} in:\n{text}"


def event(name, involved, reason, message):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
            "involvedObject": involved, "reason": reason, "message": message, "type": "Normal",
            "source": {"component": "e2e"}, "count": 1, "firstTimestamp": now, "lastTimestamp": now}


def test_describe_deployment(any_kubectl, api, ns):
    api.create(f"/apis/apps/v1/namespaces/{ns}/deployments",
               m.deployment("web", 2, containers=[m.container("app", "nginx:1.25", 80)]))
    out = any_kubectl.run("describe", "deployment", "web", "-n", ns).stdout
    has(r"^Name:\s+web$", out)
    has(rf"^Namespace:\s+{ns}$", out)
    has(r"^Selector:\s+app=web$", out)
    has(r"^Replicas:\s+2 desired \| \d+ updated \| \d+ total \| \d+ available \| \d+ unavailable$", out)
    has(r"^StrategyType:\s+RollingUpdate$", out)
    has(r"^Pod Template:$", out)
    has(r"^\s+Containers:$", out)
    has(r"^\s+app:$", out)
    has(r"^\s+Image:\s+nginx:1\.25$", out)
    has(r"^\s+Port:\s+80/TCP$", out)
    has(r"^Events:", out)


def test_describe_shows_the_objects_events(any_kubectl, api, ns):
    """describe lists events by fieldSelector involvedObject.{name,namespace,kind,uid}."""
    dep = api.create(f"/apis/apps/v1/namespaces/{ns}/deployments", m.deployment("web"))
    involved = {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": ns, "name": "web",
                "uid": dep["metadata"]["uid"]}
    api.create(f"/api/v1/namespaces/{ns}/events", event("web.e2e1", involved, "E2ETest", "hello from e2e"))
    other = dict(involved, name="other", uid="00000000-0000-0000-0000-000000000001")
    api.create(f"/api/v1/namespaces/{ns}/events", event("other.e2e1", other, "E2EOther", "not for web"))
    out = any_kubectl.run("describe", "deployment", "web", "-n", ns).stdout
    has(r"^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message$", out)
    has(r"Normal\s+E2ETest\s+.*e2e\s+hello from e2e", out)
    assert "E2EOther" not in out, out


def test_describe_configmap(any_kubectl, api, ns):
    api.create(f"/api/v1/namespaces/{ns}/configmaps",
               m.configmap("web-config", {"a": "1", "greeting": "hello world"}, {"team": "blue"}))
    out = any_kubectl.run("describe", "configmap", "web-config", "-n", ns).stdout
    has(r"^Name:\s+web-config$", out)
    has(rf"^Namespace:\s+{ns}$", out)
    has(r"^Labels:\s+team=blue$", out)
    has(r"^Data\n====$", out)
    has(r"^a:\n-+\n1$", out)
    has(r"^greeting:\n-+\nhello world$", out)
