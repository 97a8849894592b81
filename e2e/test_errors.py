"""Errors come back as Status objects that kubectl turns into its usual messages."""


def test_get_missing_pod_is_not_found(any_kubectl, ns):
    res = any_kubectl.fail("get", "pod", "nope", "-n", ns)
    assert res.stderr.strip() == 'Error from server (NotFound): pods "nope" not found', res.describe()


def test_get_in_missing_namespace_lists_nothing(any_kubectl):
    res = any_kubectl.run("get", "configmaps", "-n", "e2e-no-such-namespace")
    assert res.stdout == ""
    assert "No resources found in e2e-no-such-namespace namespace." in res.stderr, res.describe()


def test_unsupported_field_selector(any_kubectl, ns):
    res = any_kubectl.fail("get", "pods", "-n", ns, "--field-selector", "spec.foo=x")
    assert "Error from server (BadRequest)" in res.stderr, res.describe()
    assert "field label not supported: spec.foo" in res.stderr, res.describe()


def test_unknown_resource_type(any_kubectl):
    res = any_kubectl.fail("get", "frobnicators")
    assert 'the server doesn\'t have a resource type "frobnicators"' in res.stderr, res.describe()


def test_create_in_missing_namespace(any_kubectl, api):
    res = any_kubectl.fail("create", "configmap", "x", "-n", "e2e-no-such-namespace", "--from-literal=a=1")
    # generator commands print "error: failed to create configmap: <server message>"
    assert 'namespaces "e2e-no-such-namespace" not found' in res.stderr, res.describe()
    status, body = api.request("POST", "/api/v1/namespaces/e2e-no-such-namespace/configmaps",
                               {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
    assert status == 404 and body["reason"] == "NotFound", (status, body)
    assert (body["details"]["name"], body["details"]["kind"]) == ("e2e-no-such-namespace", "namespaces"), body
