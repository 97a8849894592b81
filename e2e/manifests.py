"""Small builders for the objects the tests create, as plain dicts (and YAML text)."""

from __future__ import annotations

import base64

import yaml


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def unb64(text: str) -> str:
    return base64.b64decode(text).decode()


def container(name: str = "app", image: str = "nginx:1.25", port: int | None = 80) -> dict:
    c = {"name": name, "image": image}
    if port is not None:
        c["ports"] = [{"containerPort": port}]
    return c


def deployment(name: str, replicas: int = 2, labels: dict | None = None,
               containers: list[dict] | None = None, selector: dict | None = None,
               template_labels: dict | None = None) -> dict:
    app = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": dict(labels if labels is not None else app)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(selector or app)},
            "template": {
                "metadata": {"labels": dict(template_labels or selector or app)},
                "spec": {"containers": containers or [container()]},
            },
        },
    }


# Pods of the API tests name a scheduler that does not exist, so the real scheduler leaves them
# alone (as Kubernetes' does): no status writes race the tests' read-modify-write cycles.
UNSCHEDULED = "e2e-no-scheduler"


def pod(name: str, labels: dict | None = None, image: str = "nginx:1.25", scheduler: str | None = UNSCHEDULED) -> dict:
    spec = {"containers": [container("app", image)]}
    if scheduler:
        spec["schedulerName"] = scheduler
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": dict(labels or {"app": name})},
        "spec": spec,
    }


def configmap(name: str, data: dict, labels: dict | None = None) -> dict:
    meta = {"name": name}
    if labels:
        meta["labels"] = dict(labels)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": dict(data)}


def secret(name: str, data: dict[str, str]) -> dict:
    """An Opaque secret; values given in clear text, stored base64 under `data`."""
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque",
            "data": {k: b64(v) for k, v in data.items()}}


def service(name: str, selector: dict, port: int = 80, target_port: int = 8080) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": dict(selector),
                 "ports": [{"name": "http", "port": port, "targetPort": target_port}]},
    }


def to_yaml(*objs: dict) -> str:
    return yaml.safe_dump_all(list(objs), sort_keys=False)
