"""kubectl label, annotate, patch (strategic, merge, json), scale, edit, delete --wait."""

import json
import re
import time

import manifests as m


def make_web(api, ns):
    containers = [m.container("app", "nginx:1.25", 80), m.container("sidecar", "busybox:1.36", None)]
    return api.create(f"/apis/apps/v1/namespaces/{ns}/deployments",
                      m.deployment("web", 2, labels={"app": "web", "tier": "frontend"}, containers=containers))


def containers_by_name(dep):
    return {c["name"]: c for c in dep["spec"]["template"]["spec"]["containers"]}


def test_label(any_kubectl, api, ns):
    api.create(f"/api/v1/namespaces/{ns}/configmaps", m.configmap("c", {"k": "v"}))
    k = any_kubectl
    assert k.run("label", "configmap", "c", "env=prod", "-n", ns).lines == ["configmap/c labeled"]
    assert k.json("get", "cm", "c", "-n", ns)["metadata"]["labels"] == {"env": "prod"}
    res = k.fail("label", "configmap", "c", "env=dev", "-n", ns)
    assert "--overwrite is false" in res.stderr, res.describe()
    assert k.run("label", "configmap", "c", "env=dev", "--overwrite", "-n", ns).lines == ["configmap/c labeled"]
    assert k.json("get", "cm", "c", "-n", ns)["metadata"]["labels"] == {"env": "dev"}
    k.run("label", "configmap", "c", "team=blue", "-n", ns)
    assert k.run("label", "configmap", "c", "env-", "-n", ns).lines == ["configmap/c unlabeled"]
    assert k.json("get", "cm", "c", "-n", ns)["metadata"]["labels"] == {"team": "blue"}


def test_annotate(any_kubectl, api, ns):
    api.create(f"/api/v1/namespaces/{ns}/configmaps", m.configmap("c", {"k": "v"}))
    k = any_kubectl

    def annotations():
        return k.json("get", "cm", "c", "-n", ns)["metadata"].get("annotations") or {}

    assert k.run("annotate", "cm", "c", "note=hello world", "-n", ns).lines == ["configmap/c annotated"]
    assert annotations() == {"note": "hello world"}
    res = k.fail("annotate", "cm", "c", "note=bye", "-n", ns)
    assert "--overwrite is false" in res.stderr, res.describe()
    k.run("annotate", "cm", "c", "note=bye", "--overwrite", "-n", ns)
    assert annotations() == {"note": "bye"}
    k.run("annotate", "cm", "c", "example.com/owner=e2e", "-n", ns)
    k.run("annotate", "cm", "c", "note-", "-n", ns)
    assert annotations() == {"example.com/owner": "e2e"}


def test_patch_strategic_merges_containers_by_name(any_kubectl, api, ns):
    make_web(api, ns)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.26"}]}}}}
    out = any_kubectl.run("patch", "deployment", "web", "-n", ns, "--type", "strategic", "-p", json.dumps(patch))
    assert out.lines == ["deployment.apps/web patched"]
    cs = containers_by_name(any_kubectl.json("get", "deployment", "web", "-n", ns))
    assert sorted(cs) == ["app", "sidecar"]
    assert cs["app"]["image"] == "nginx:1.26"
    assert cs["app"]["ports"][0]["containerPort"] == 80  # untouched fields of the merged item stay
    assert cs["sidecar"]["image"] == "busybox:1.36"

    delete = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}}
    any_kubectl.run("patch", "deployment", "web", "-n", ns, "-p", json.dumps(delete))  # strategic is the default
    assert sorted(containers_by_name(any_kubectl.json("get", "deployment", "web", "-n", ns))) == ["app"]


def test_patch_merge(any_kubectl, api, ns):
    make_web(api, ns)
    patch = {"metadata": {"labels": {"team": "blue", "tier": None}},
             "spec": {"replicas": 4,
                      "template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}
    out = any_kubectl.run("patch", "deployment", "web", "-n", ns, "--type", "merge", "-p", json.dumps(patch))
    assert out.lines == ["deployment.apps/web patched"]
    dep = any_kubectl.json("get", "deployment", "web", "-n", ns)
    assert dep["metadata"]["labels"] == {"app": "web", "team": "blue"}
    assert dep["spec"]["replicas"] == 4
    # a JSON merge patch replaces lists whole: the sidecar is gone
    assert [(c["name"], c["image"]) for c in dep["spec"]["template"]["spec"]["containers"]] == [("app", "nginx:1.27")]


def test_patch_json(any_kubectl, api, ns):
    make_web(api, ns)
    ops = [{"op": "replace", "path": "/spec/replicas", "value": 5},
           {"op": "add", "path": "/metadata/labels/added", "value": "yes"},
           {"op": "remove", "path": "/metadata/labels/tier"},
           {"op": "replace", "path": "/spec/template/spec/containers/1/image", "value": "busybox:1.37"}]
    out = any_kubectl.run("patch", "deployment", "web", "-n", ns, "--type", "json", "-p", json.dumps(ops))
    assert out.lines == ["deployment.apps/web patched"]
    dep = any_kubectl.json("get", "deployment", "web", "-n", ns)
    assert dep["spec"]["replicas"] == 5
    assert dep["metadata"]["labels"] == {"app": "web", "added": "yes"}
    assert containers_by_name(dep)["sidecar"]["image"] == "busybox:1.37"
    generation = dep["metadata"]["generation"]

    failing = [{"op": "test", "path": "/spec/replicas", "value": 99},
               {"op": "replace", "path": "/spec/replicas", "value": 1}]
    any_kubectl.fail("patch", "deployment", "web", "-n", ns, "--type", "json", "-p", json.dumps(failing))
    dep = any_kubectl.json("get", "deployment", "web", "-n", ns)
    # Nothing of the failed patch was applied (the deployment controller may still write status).
    assert dep["spec"]["replicas"] == 5 and dep["metadata"]["generation"] == generation


def test_scale(any_kubectl, api, ns):
    make_web(api, ns)
    assert any_kubectl.run("scale", "deployment", "web", "--replicas=3", "-n", ns).lines == ["deployment.apps/web scaled"]
    assert any_kubectl.json("get", "deployment", "web", "-n", ns)["spec"]["replicas"] == 3
    scale = json.loads(any_kubectl.run("get", "--raw",
                                       f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale").stdout)
    assert (scale["apiVersion"], scale["kind"]) == ("autoscaling/v1", "Scale")
    assert scale["metadata"]["name"] == "web" and scale["metadata"]["namespace"] == ns
    assert scale["spec"]["replicas"] == 3
    assert scale["status"]["selector"] == "app=web"


def test_edit_with_editor_script(kubectl, api, ns, editor_script):
    make_web(api, ns)
    editor = editor_script(r'sed -i -e "s/^  replicas: 2$/  replicas: 7/" "$1"')
    out = kubectl.run("edit", "deployment", "web", "-n", ns, env={"EDITOR": editor, "KUBE_EDITOR": editor})
    assert out.lines == ["deployment.apps/web edited"], out.describe()
    dep = kubectl.json("get", "deployment", "web", "-n", ns)
    assert dep["spec"]["replicas"] == 7
    assert sorted(containers_by_name(dep)) == ["app", "sidecar"]


def test_delete_wait_configmap(any_kubectl, api, ns):
    api.create(f"/api/v1/namespaces/{ns}/configmaps", m.configmap("gone", {"k": "v"}))
    out = any_kubectl.run("delete", "configmap", "gone", "-n", ns, "--wait=true", "--timeout=30s")
    assert re.fullmatch(r'configmap "gone" deleted( from \S+ namespace)?', out.stdout.strip()), out.describe()
    res = any_kubectl.fail("get", "configmap", "gone", "-n", ns)
    assert 'configmaps "gone" not found' in res.stderr, res.describe()


def test_delete_wait_unscheduled_pod_and_deployment(any_kubectl, api, ns):
    api.create(f"/api/v1/namespaces/{ns}/pods", m.pod("p1"))
    make_web(api, ns)
    started = time.monotonic()
    out = any_kubectl.run("delete", "pod", "p1", "-n", ns, "--wait=true", "--timeout=60s")
    assert re.fullmatch(r'pod "p1" deleted( from \S+ namespace)?', out.stdout.strip()), out.describe()
    # a pod never bound to a node has nothing to stop: it goes at once, no grace period
    assert time.monotonic() - started < 20
    assert "(NotFound)" in any_kubectl.fail("get", "pod", "p1", "-n", ns).stderr
    out = any_kubectl.run("delete", "deployment", "web", "-n", ns, "--wait=true", "--timeout=60s")
    assert re.fullmatch(r'deployment.apps "web" deleted( from \S+ namespace)?', out.stdout.strip()), out.describe()
    assert "(NotFound)" in any_kubectl.fail("get", "deployment", "web", "-n", ns).stderr
