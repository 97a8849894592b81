"""kubectl apply of a multi-document manifest, client-side and server-side, then re-applied
with changes; and the validation error for a deployment whose selector misses its labels."""

import json

import manifests as m


def app_manifest(version: int) -> str:
    """The same four objects; version 2 changes replicas, a label, configmap keys, a secret."""
    if version == 1:
        labels, replicas, cm, password = {"app": "web", "tier": "frontend"}, 2, {"a": "1", "b": "2"}, "s3cret"
    else:
        labels, replicas, cm, password = {"app": "web", "tier": "backend"}, 3, {"a": "1", "c": "3"}, "changed"
    return m.to_yaml(
        m.deployment("web", replicas, labels=labels, containers=[m.container("app", "nginx:1.25")]),
        m.service("web", {"app": "web"}),
        m.configmap("web-config", cm),
        m.secret("web-secret", {"password": password}),
    )


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def check_version_2(kubectl, ns):
    dep = kubectl.json("get", "deployment", "web", "-n", ns)
    assert dep["spec"]["replicas"] == 3
    assert dep["metadata"]["labels"] == {"app": "web", "tier": "backend"}
    assert kubectl.json("get", "configmap", "web-config", "-n", ns)["data"] == {"a": "1", "c": "3"}
    sec = kubectl.json("get", "secret", "web-secret", "-n", ns)
    assert sec["type"] == "Opaque"
    assert {k: m.unb64(v) for k, v in sec["data"].items()} == {"password": "changed"}
    svc = kubectl.json("get", "service", "web", "-n", ns)
    assert svc["spec"]["selector"] == {"app": "web"}
    assert [(p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [(80, 8080)]
    return dep


def test_client_side_apply_and_reapply(any_kubectl, ns, tmp_path):
    out = any_kubectl.run("apply", "-n", ns, "-f", write(tmp_path, "v1.yaml", app_manifest(1))).lines
    assert out == ["deployment.apps/web created", "service/web created",
                   "configmap/web-config created", "secret/web-secret created"]
    dep = any_kubectl.json("get", "deployment", "web", "-n", ns)
    assert dep["spec"]["replicas"] == 2
    last = json.loads(dep["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["replicas"] == 2 and last["metadata"]["labels"]["tier"] == "frontend"
    assert any_kubectl.json("get", "cm", "web-config", "-n", ns)["data"] == {"a": "1", "b": "2"}

    out = any_kubectl.run("apply", "-n", ns, "-f", write(tmp_path, "v2.yaml", app_manifest(2))).lines
    assert out == ["deployment.apps/web configured", "service/web unchanged",
                   "configmap/web-config configured", "secret/web-secret configured"]
    dep = check_version_2(any_kubectl, ns)
    last = json.loads(dep["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["replicas"] == 3 and last["metadata"]["labels"]["tier"] == "backend"
    # a spec (or annotation) change bumps the generation once per update
    assert dep["metadata"]["generation"] == 2
    # applying the same file again changes nothing
    out = any_kubectl.run("apply", "-n", ns, "-f", str(tmp_path / "v2.yaml")).lines
    assert out == ["deployment.apps/web unchanged", "service/web unchanged",
                   "configmap/web-config unchanged", "secret/web-secret unchanged"]


def test_server_side_apply_and_reapply(kubectl, ns, tmp_path):
    out = kubectl.run("apply", "--server-side", "-n", ns, "-f", write(tmp_path, "v1.yaml", app_manifest(1))).lines
    assert out == ["deployment.apps/web serverside-applied", "service/web serverside-applied",
                   "configmap/web-config serverside-applied", "secret/web-secret serverside-applied"]
    dep = kubectl.json("get", "deployment", "web", "-n", ns, "--show-managed-fields")
    assert dep["spec"]["replicas"] == 2
    managers = {(f["manager"], f["operation"]) for f in dep["metadata"].get("managedFields", [])}
    assert ("kubectl", "Apply") in managers, dep["metadata"].get("managedFields")
    assert kubectl.json("get", "cm", "web-config", "-n", ns)["data"] == {"a": "1", "b": "2"}

    out = kubectl.run("apply", "--server-side", "-n", ns, "-f", write(tmp_path, "v2.yaml", app_manifest(2))).lines
    assert out == ["deployment.apps/web serverside-applied", "service/web serverside-applied",
                   "configmap/web-config serverside-applied", "secret/web-secret serverside-applied"]
    # fields the manager applied before and no longer applies are removed (configmap key b)
    check_version_2(kubectl, ns)


def test_apply_invalid_deployment_is_rejected(any_kubectl, ns):
    bad = m.deployment("bad", selector={"app": "a"}, template_labels={"app": "b"})
    res = any_kubectl.fail("apply", "-n", ns, "-f", "-", input=m.to_yaml(bad))
    assert 'Deployment "bad" is invalid' in res.stderr, res.describe()
    assert "spec.template.metadata.labels" in res.stderr, res.describe()
    assert "Invalid value" in res.stderr, res.describe()
    assert "selector` does not match template `labels`" in res.stderr, res.describe()
    res = any_kubectl.fail("get", "deployment", "bad", "-n", ns)
    assert "(NotFound)" in res.stderr, res.describe()
