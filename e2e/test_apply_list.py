"""kubectl apply of a `kind: List` manifest (what `kubectl get -o yaml` of several objects
prints). kubectl validates a List on the client with the OpenAPI v2 document, fetched from
/openapi/v2 in gnostic's protobuf form; single objects are validated by the server instead."""

import yaml

import manifests as m


def list_manifest(*items: dict) -> str:
    return yaml.safe_dump({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
                           "items": list(items)}, sort_keys=False)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_apply_list_of_configmaps(any_kubectl, ns, tmp_path):
    path = write(tmp_path, "list.yaml", list_manifest(m.configmap("first", {"a": "1"}),
                                                      m.configmap("second", {"b": "2"}, labels={"app": "web"})))
    out = any_kubectl.run("apply", "-n", ns, "-f", path).lines
    assert out == ["configmap/first created", "configmap/second created"]
    assert any_kubectl.json("get", "configmap", "first", "-n", ns)["data"] == {"a": "1"}
    second = any_kubectl.json("get", "configmap", "second", "-n", ns)
    assert second["data"] == {"b": "2"} and second["metadata"]["labels"] == {"app": "web"}

    # What `kubectl get -o yaml` prints for both (a List, with server-set metadata) applies back.
    printed = any_kubectl.run("get", "configmap", "first", "second", "-n", ns, "-o", "yaml").stdout
    assert yaml.safe_load(printed)["kind"] == "List"
    out = any_kubectl.run("apply", "-n", ns, "-f", write(tmp_path, "printed.yaml", printed)).lines
    assert out == ["configmap/first configured", "configmap/second configured"] \
        or out == ["configmap/first unchanged", "configmap/second unchanged"]


def test_apply_list_with_unknown_field_fails_validation(any_kubectl, ns, tmp_path):
    bad = m.configmap("bad", {"k": "v"})
    bad["datax"] = {"k": "v"}
    path = write(tmp_path, "bad-list.yaml", list_manifest(m.configmap("good", {"a": "1"}), bad))
    res = any_kubectl.fail("apply", "-n", ns, "-f", path)
    assert 'unknown field "datax"' in res.stderr, res.describe()
    assert "io.k8s.api.core.v1.ConfigMap" in res.stderr, res.describe()
    # The List is refused as a whole, before anything is sent.
    names = any_kubectl.run("get", "configmaps", "-n", ns, "-o", "name").lines
    assert "configmap/good" not in names and "configmap/bad" not in names

    # With validation off kubectl sends it, and the server ignores the unknown field.
    res = any_kubectl.run("apply", "-n", ns, "-f", path, "--validate=false")
    assert res.lines == ["configmap/good created", "configmap/bad created"], res.describe()
    assert any_kubectl.json("get", "configmap", "bad", "-n", ns)["data"] == {"k": "v"}
