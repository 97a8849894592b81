"""The official Python client (`kubernetes` package) against the server."""

import json
import threading

import pytest
from kubernetes import watch
from kubernetes.client.exceptions import ApiException

import manifests as m


def status_of(exc: ApiException) -> dict:
    return json.loads(exc.body)


def rv(obj) -> int:
    return int(obj.metadata.resource_version)


def test_pod_crud(core_v1, ns):
    created = core_v1.create_namespaced_pod(ns, m.pod("p1", {"app": "p1", "tier": "x"}))
    assert created.metadata.uid and created.metadata.creation_timestamp is not None
    assert created.status.phase == "Pending"
    got = core_v1.read_namespaced_pod("p1", ns)
    assert got.metadata.uid == created.metadata.uid and rv(got) == rv(created)
    assert [p.metadata.name for p in core_v1.list_namespaced_pod(ns, label_selector="tier=x").items] == ["p1"]
    assert core_v1.list_namespaced_pod(ns, label_selector="tier=y").items == []

    got.metadata.labels["tier"] = "y"
    replaced = core_v1.replace_namespaced_pod("p1", ns, got)
    assert replaced.metadata.labels == {"app": "p1", "tier": "y"} and rv(replaced) > rv(got)
    patched = core_v1.patch_namespaced_pod("p1", ns, {"metadata": {"annotations": {"note": "hi"}}})
    assert patched.metadata.annotations == {"note": "hi"} and rv(patched) > rv(replaced)
    # a container's image may change in place (merged by container name)
    patched = core_v1.patch_namespaced_pod(
        "p1", ns, {"spec": {"containers": [{"name": "app", "image": "nginx:1.26"}]}})
    assert [(c.name, c.image) for c in patched.spec.containers] == [("app", "nginx:1.26")]

    # never bound to a node: deleted at once, no graceful termination
    core_v1.delete_namespaced_pod("p1", ns)
    with pytest.raises(ApiException) as e:
        core_v1.read_namespaced_pod("p1", ns)
    assert e.value.status == 404
    assert core_v1.list_namespaced_pod(ns).items == []


def test_configmap_crud(core_v1, ns):
    core_v1.create_namespaced_config_map(ns, m.configmap("c1", {"a": "1", "b": "2"}))
    core_v1.create_namespaced_config_map(ns, m.configmap("c2", {"x": "y"}))
    got = core_v1.read_namespaced_config_map("c1", ns)
    assert got.data == {"a": "1", "b": "2"}
    assert [c.metadata.name for c in
            core_v1.list_namespaced_config_map(ns, field_selector="metadata.name=c2").items] == ["c2"]
    got.data = {"a": "10"}
    assert core_v1.replace_namespaced_config_map("c1", ns, got).data == {"a": "10"}
    # strategic merge patch: null removes a key, others merge
    patched = core_v1.patch_namespaced_config_map("c1", ns, {"data": {"a": None, "n": "new"}})
    assert patched.data == {"n": "new"}
    core_v1.delete_namespaced_config_map("c1", ns)
    with pytest.raises(ApiException) as e:
        core_v1.read_namespaced_config_map("c1", ns)
    assert e.value.status == 404 and status_of(e.value)["reason"] == "NotFound"
    assert [c.metadata.name for c in core_v1.list_namespaced_config_map(ns).items
            if c.metadata.name.startswith("c")] == ["c2"]


def test_create_existing_is_already_exists(core_v1, ns):
    core_v1.create_namespaced_config_map(ns, m.configmap("dup", {"a": "1"}))
    with pytest.raises(ApiException) as e:
        core_v1.create_namespaced_config_map(ns, m.configmap("dup", {"a": "2"}))
    body = status_of(e.value)
    assert e.value.status == 409 and body["reason"] == "AlreadyExists", body
    assert body["message"] == 'configmaps "dup" already exists', body
    assert core_v1.read_namespaced_config_map("dup", ns).data == {"a": "1"}


def test_deployment_crud_and_patches(apps_v1, ns):
    containers = [m.container("app", "nginx:1.25", 80), m.container("sidecar", "busybox:1.36", None)]
    created = apps_v1.create_namespaced_deployment(ns, m.deployment("web", 2, containers=containers))
    assert created.spec.replicas == 2 and created.metadata.generation == 1

    # a dict is sent as a strategic merge patch: containers merge by name
    patched = apps_v1.patch_namespaced_deployment(
        "web", ns, {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.26"}]}}}})
    images = {c.name: c.image for c in patched.spec.template.spec.containers}
    assert images == {"app": "nginx:1.26", "sidecar": "busybox:1.36"}
    assert patched.metadata.generation == 2

    # a list is sent as a JSON patch
    patched = apps_v1.patch_namespaced_deployment(
        "web", ns, [{"op": "replace", "path": "/spec/replicas", "value": 4},
                    {"op": "add", "path": "/metadata/labels/patched", "value": "json"}])
    assert patched.spec.replicas == 4 and patched.metadata.labels == {"app": "web", "patched": "json"}

    listed = apps_v1.list_namespaced_deployment(ns)
    assert [d.metadata.name for d in listed.items] == ["web"]
    assert int(listed.metadata.resource_version) >= rv(patched)

    # Read-modify-write retries on 409, as client-go's RetryOnConflict: the deployment
    # controller updates the status between our read and our write.
    for attempt in range(10):
        current = apps_v1.read_namespaced_deployment("web", ns)
        current.spec.replicas = 1
        try:
            assert apps_v1.replace_namespaced_deployment("web", ns, current).spec.replicas == 1
            break
        except ApiException as conflict:
            if conflict.status != 409 or attempt == 9:
                raise

    apps_v1.delete_namespaced_deployment("web", ns)
    with pytest.raises(ApiException) as e:
        apps_v1.read_namespaced_deployment("web", ns)
    assert e.value.status == 404


def test_stale_resource_version_conflicts(core_v1, apps_v1, ns):
    core_v1.create_namespaced_config_map(ns, m.configmap("c", {"v": "1"}))
    first = core_v1.read_namespaced_config_map("c", ns)
    stale_rv = first.metadata.resource_version
    first.data = {"v": "2"}
    second = core_v1.replace_namespaced_config_map("c", ns, first)
    assert rv(second) > int(stale_rv)

    second.data = {"v": "3"}
    second.metadata.resource_version = stale_rv
    with pytest.raises(ApiException) as e:
        core_v1.replace_namespaced_config_map("c", ns, second)
    body = status_of(e.value)
    assert e.value.status == 409 and body["reason"] == "Conflict", body
    assert 'Operation cannot be fulfilled on configmaps "c"' in body["message"], body
    assert "the object has been modified" in body["message"], body
    assert core_v1.read_namespaced_config_map("c", ns).data == {"v": "2"}

    dep = apps_v1.create_namespaced_deployment(ns, m.deployment("web"))
    apps_v1.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 3}})
    dep.spec.replicas = 5
    with pytest.raises(ApiException) as e:
        apps_v1.replace_namespaced_deployment("web", ns, dep)
    assert e.value.status == 409 and status_of(e.value)["reason"] == "Conflict"
    assert apps_v1.read_namespaced_deployment("web", ns).spec.replicas == 3


def test_invalid_deployment_is_422_with_causes(apps_v1, ns):
    bad = m.deployment("bad", selector={"app": "a"}, template_labels={"app": "b"})
    with pytest.raises(ApiException) as e:
        apps_v1.create_namespaced_deployment(ns, bad)
    body = status_of(e.value)
    assert e.value.status == 422 and body["code"] == 422, body
    assert (body["kind"], body["status"], body["reason"]) == ("Status", "Failure", "Invalid"), body
    assert body["details"]["name"] == "bad" and body["details"]["kind"] == "Deployment", body
    assert body["details"]["group"] == "apps", body
    fields = [c.get("field") for c in body["details"]["causes"]]
    assert "spec.template.metadata.labels" in fields, body
    assert all(c.get("reason") for c in body["details"]["causes"]), body


def test_watch_stream_sees_changes_from_another_thread(core_v1, ns):
    core_v1.create_namespaced_config_map(ns, m.configmap("sentinel", {"k": "v"}))
    started = threading.Event()
    failures = []

    def mutate():
        if not started.wait(30):
            return
        try:
            core_v1.create_namespaced_config_map(ns, m.configmap("w1", {"k": "1"}))
            core_v1.patch_namespaced_config_map("w1", ns, {"data": {"k": "2"}})
            core_v1.delete_namespaced_config_map("w1", ns)
        except Exception as exc:  # reported by the main thread
            failures.append(exc)

    threading.Thread(target=mutate, daemon=True).start()
    w = watch.Watch()
    seen = []
    for ev in w.stream(core_v1.list_namespaced_config_map, ns, timeout_seconds=30):
        obj = ev["object"]
        seen.append((ev["type"], obj.metadata.name, obj.data, rv(obj)))
        if obj.metadata.name == "sentinel":
            started.set()
        if (ev["type"], obj.metadata.name) == ("DELETED", "w1"):
            w.stop()
    assert not failures, failures
    assert ("ADDED", "sentinel") == seen[0][:2], seen
    w1 = [s for s in seen if s[1] == "w1"]
    assert [(t, d) for t, _, d, _ in w1] == [("ADDED", {"k": "1"}), ("MODIFIED", {"k": "2"}),
                                            ("DELETED", {"k": "2"})], seen
    assert w1[0][3] < w1[1][3] < w1[2][3], seen


def test_watch_from_list_resource_version(core_v1, ns):
    core_v1.create_namespaced_config_map(ns, m.configmap("old", {"k": "v"}))
    listed = core_v1.list_namespaced_config_map(ns)
    core_v1.create_namespaced_config_map(ns, m.configmap("new", {"k": "v"}))
    w = watch.Watch()
    seen = []
    for ev in w.stream(core_v1.list_namespaced_config_map, ns,
                       resource_version=listed.metadata.resource_version, timeout_seconds=15):
        seen.append((ev["type"], ev["object"].metadata.name))
        if ev["object"].metadata.name == "new":
            w.stop()
    # only what happened after the list, nothing replayed from before it
    assert seen == [("ADDED", "new")], seen


def test_hpa_v1_and_v2_are_one_object(k8s_client, apps_v1, ns, kubectl):
    """autoscaling/v1 is served from v2 storage: what one version writes the other reads."""
    from kubernetes import client
    apps_v1.create_namespaced_deployment(ns, m.deployment("web"))
    v1 = client.AutoscalingV1Api(k8s_client)
    v2 = client.AutoscalingV2Api(k8s_client)
    v1.create_namespaced_horizontal_pod_autoscaler(ns, {
        "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                 "minReplicas": 2, "maxReplicas": 5, "targetCPUUtilizationPercentage": 65}})
    got = v2.read_namespaced_horizontal_pod_autoscaler("web", ns)
    assert [(x.type, x.resource.name, x.resource.target.average_utilization) for x in got.spec.metrics] == [("Resource", "cpu", 65)]
    v2.patch_namespaced_horizontal_pod_autoscaler("web", ns, {"spec": {"maxReplicas": 7}})
    again = v1.read_namespaced_horizontal_pod_autoscaler("web", ns)
    assert (again.spec.max_replicas, again.spec.target_cpu_utilization_percentage) == (7, 65)
    out = kubectl.run("get", "hpa", "-n", ns, "--no-headers").stdout.split()
    assert out[:2] == ["web", "Deployment/web"] and "2" in out and "7" in out, out
