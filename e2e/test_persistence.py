"""The store survives a crash (kill -9) and a clean shutdown (SIGTERM): objects and their
resourceVersions are unchanged after a restart, and new writes get larger ones."""

import signal

import manifests as m
from rawapi import RawAPI

NS = "persist"
CM = f"/api/v1/namespaces/{NS}/configmaps"


def populate(api: RawAPI) -> list[str]:
    """Create objects no controller touches; returns their paths."""
    api.create_namespace(NS, {"purpose": "e2e"})
    api.create(CM, m.configmap("c1", {"v": "1"}))
    api.expect(200, "PUT", f"{CM}/c1", m.configmap("c1", {"v": "2"}))
    api.create(CM, m.configmap("gone", {"v": "x"}))
    api.expect(200, "DELETE", f"{CM}/gone")
    api.create(f"/api/v1/namespaces/{NS}/secrets", m.secret("s1", {"password": "hunter2"}))
    api.create(f"/api/v1/namespaces/{NS}/services", m.service("svc", {"app": "web"}))
    return ["/api/v1/namespaces/default", "/api/v1/namespaces/kube-system", f"/api/v1/namespaces/{NS}",
            f"{CM}/c1", f"/api/v1/namespaces/{NS}/secrets/s1", f"/api/v1/namespaces/{NS}/services/svc"]


def check_restored(api: RawAPI, before: dict[str, dict], list_rv: int) -> None:
    for path, old in before.items():
        new = api.get(path)
        assert new["metadata"]["uid"] == old["metadata"]["uid"], path
        assert new["metadata"]["resourceVersion"] == old["metadata"]["resourceVersion"], path
        assert new == old, f"{path} changed across the restart:\nbefore {old}\nafter  {new}"
    assert api.get(f"{CM}/c1")["data"] == {"v": "2"}
    status, body = api.request("GET", f"{CM}/gone")
    assert status == 404, (status, body)
    relisted = api.get(CM)
    assert int(relisted["metadata"]["resourceVersion"]) >= list_rv
    assert sorted(i["metadata"]["name"] for i in relisted["items"] if i["metadata"]["name"] != "kube-root-ca.crt") == ["c1"]

    highest = max([list_rv] + [int(o["metadata"]["resourceVersion"]) for o in before.values()])
    fresh = api.create(CM, m.configmap("after-restart", {"v": "new"}))
    assert int(fresh["metadata"]["resourceVersion"]) > highest, (fresh["metadata"], highest)
    updated = api.expect(200, "PUT", f"{CM}/c1", m.configmap("c1", {"v": "3"}))
    assert int(updated["metadata"]["resourceVersion"]) > int(fresh["metadata"]["resourceVersion"])


def test_kill_9_and_restart_keeps_objects_and_resource_versions(server_factory):
    srv = server_factory("crash")
    api = RawAPI.from_kubeconfig(srv.kubeconfig)
    paths = populate(api)
    deployment = api.create(f"/apis/apps/v1/namespaces/{NS}/deployments", m.deployment("web", 0))
    before = {p: api.get(p) for p in paths}
    list_rv = int(api.get(CM)["metadata"]["resourceVersion"])

    srv.kill()
    assert srv.proc.returncode == -signal.SIGKILL
    srv.start()

    api = RawAPI.from_kubeconfig(srv.kubeconfig)
    check_restored(api, before, list_rv)
    dep = api.get(f"/apis/apps/v1/namespaces/{NS}/deployments/web")
    assert dep["metadata"]["uid"] == deployment["metadata"]["uid"]
    assert dep["spec"] == deployment["spec"]


def test_sigterm_exits_cleanly_and_restart_keeps_objects(server_factory):
    srv = server_factory("term")
    api = RawAPI.from_kubeconfig(srv.kubeconfig)
    paths = populate(api)
    before = {p: api.get(p) for p in paths}
    list_rv = int(api.get(CM)["metadata"]["resourceVersion"])

    assert srv.stop(timeout=15) == 0, srv.log_tail()
    srv.start()

    check_restored(RawAPI.from_kubeconfig(srv.kubeconfig), before, list_rv)
