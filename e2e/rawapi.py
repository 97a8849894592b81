"""A minimal JSON REST client (urllib) for fixtures and for checks that need exact
status codes and resourceVersions without any client library in between."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import yaml


class RawAPI:
    def __init__(self, server: str, token: str | None = None):
        self.server = server.rstrip("/")
        self.token = token

    @classmethod
    def from_kubeconfig(cls, path: Path) -> "RawAPI":
        cfg = yaml.safe_load(Path(path).read_text())
        ctx_name = cfg.get("current-context")
        ctxs = {c["name"]: c["context"] for c in cfg.get("contexts", [])}
        ctx = ctxs.get(ctx_name) or next(iter(ctxs.values()))
        cluster = {c["name"]: c["cluster"] for c in cfg["clusters"]}[ctx["cluster"]]
        users = {u["name"]: u.get("user") or {} for u in cfg.get("users", [])}
        user = users.get(ctx.get("user"), {})
        return cls(cluster["server"], user.get("token"))

    def request(self, method: str, path: str, body: object | None = None,
                content_type: str = "application/json", timeout: float = 30) -> tuple[int, dict | str]:
        """Send one request; returns (HTTP status, parsed JSON or text). Never raises on 4xx/5xx."""
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.server + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text)
        except json.JSONDecodeError:
            return status, text

    def expect(self, status: int, method: str, path: str, body: object | None = None, **kw) -> dict:
        got, payload = self.request(method, path, body, **kw)
        assert got == status, f"{method} {path}: expected HTTP {status}, got {got}: {payload}"
        return payload

    def get(self, path: str) -> dict:
        return self.expect(200, "GET", path)

    def create(self, path: str, body: dict) -> dict:
        return self.expect(201, "POST", path, body)

    def create_namespace(self, name: str, labels: dict | None = None) -> dict:
        meta = {"name": name}
        if labels:
            meta["labels"] = labels
        return self.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": meta})

    def delete_namespace(self, name: str) -> None:
        """Best effort (used in teardown): errors, even a dead server, are ignored."""
        try:
            self.request("DELETE", f"/api/v1/namespaces/{name}")
        except OSError:
            pass
