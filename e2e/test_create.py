"""kubectl's generator commands (`create namespace|configmap|secret generic|deployment|job`).
kubectl 1.37 sends these bodies as protobuf; older kubectls send JSON."""

import secrets
import time

import manifests as m


def test_create_namespace(any_kubectl, api):
    name = f"e2e-create-ns-{secrets.token_hex(3)}"
    try:
        assert any_kubectl.run("create", "namespace", name).lines == [f"namespace/{name} created"]
        obj = any_kubectl.json("get", "namespace", name)
        assert obj["metadata"]["name"] == name
        assert obj["status"]["phase"] == "Active"
        assert obj["metadata"]["uid"]
        res = any_kubectl.fail("create", "namespace", name)
        assert f'Error from server (AlreadyExists): namespaces "{name}" already exists' in res.stderr, res.describe()
    finally:
        api.delete_namespace(name)


def test_create_configmap(any_kubectl, ns):
    out = any_kubectl.run("create", "configmap", "cfg", "-n", ns,
                          "--from-literal=a=1", "--from-literal=greeting=hello world")
    assert out.lines == ["configmap/cfg created"]
    obj = any_kubectl.json("get", "configmap", "cfg", "-n", ns)
    assert obj["data"] == {"a": "1", "greeting": "hello world"}
    assert obj["metadata"]["namespace"] == ns


def test_create_secret_generic(any_kubectl, ns):
    out = any_kubectl.run("create", "secret", "generic", "creds", "-n", ns,
                          "--from-literal=user=admin", "--from-literal=password=p@ss w0rd")
    assert out.lines == ["secret/creds created"]
    obj = any_kubectl.json("get", "secret", "creds", "-n", ns)
    assert obj["type"] == "Opaque"
    assert {k: m.unb64(v) for k, v in obj["data"].items()} == {"user": "admin", "password": "p@ss w0rd"}


def test_create_deployment(any_kubectl, ns):
    out = any_kubectl.run("create", "deployment", "d", "-n", ns, "--image=nginx:1.25", "--replicas=2", "--port=80")
    assert out.lines == ["deployment.apps/d created"]
    obj = any_kubectl.json("get", "deployment", "d", "-n", ns)
    assert obj["metadata"]["labels"] == {"app": "d"}
    assert obj["spec"]["replicas"] == 2
    assert obj["spec"]["selector"] == {"matchLabels": {"app": "d"}}
    tmpl = obj["spec"]["template"]
    assert tmpl["metadata"]["labels"] == {"app": "d"}
    [c] = tmpl["spec"]["containers"]
    assert (c["name"], c["image"]) == ("nginx", "nginx:1.25")
    assert [p["containerPort"] for p in c["ports"]] == [80]


def test_create_job(any_kubectl, ns):
    out = any_kubectl.run("create", "job", "j", "-n", ns, "--image=busybox:1.36", "--", "echo", "hi")
    assert out.lines == ["job.batch/j created"]
    obj = any_kubectl.json("get", "job", "j", "-n", ns)
    spec = obj["spec"]
    pod = spec["template"]["spec"]
    [c] = pod["containers"]
    assert (c["name"], c["image"], c["command"]) == ("j", "busybox:1.36", ["echo", "hi"])
    assert pod["restartPolicy"] == "Never"
    # the server defaults these and generates the selector from the job's uid
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"]) == (1, 1, 6)
    selector = spec["selector"]["matchLabels"]
    assert selector.get("batch.kubernetes.io/controller-uid") == obj["metadata"]["uid"], spec["selector"]
    labels = spec["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items(), (selector, labels)
    assert labels.get("batch.kubernetes.io/job-name") == "j", labels


def test_secret_string_data_is_stored_as_data(kubectl, ns):
    manifest = m.to_yaml({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sd"},
                          "stringData": {"token": "abc 123"}, "data": {"other": m.b64("x")}})
    assert kubectl.apply_text(manifest, "-n", ns).lines == ["secret/sd created"]
    obj = kubectl.json("get", "secret", "sd", "-n", ns)
    assert "stringData" not in obj
    assert {k: m.unb64(v) for k, v in obj["data"].items()} == {"token": "abc 123", "other": "x"}
    assert obj["type"] == "Opaque"


def test_namespace_deletion_empties_it_and_default_service_account(kubectl, api):
    """The namespace controller removes a namespace's content, then the namespace; every namespace gets `default`."""
    name = f"e2e-nsdel-{secrets.token_hex(3)}"
    kubectl.run("create", "namespace", name)
    kubectl.run("-n", name, "create", "configmap", "settings", "--from-literal=a=b")
    for _ in range(100):
        if kubectl.run("-n", name, "get", "serviceaccount", "default", check=False).returncode == 0:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("no default ServiceAccount in the new namespace")
    out = kubectl.run("delete", "namespace", name, "--timeout=30s")
    assert f'namespace "{name}" deleted' in out.stdout, out.describe()
    gone = kubectl.run("get", "namespace", name, check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr, gone.describe()
    status, _ = api.request("GET", f"/api/v1/namespaces/{name}/configmaps/settings")
    assert status == 404
