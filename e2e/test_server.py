"""The server process itself: ready line, health endpoints, kubeconfig, built-in namespaces."""

import json
import re
import subprocess
import urllib.request

import yaml

from tugserver import READY_PREFIX


def http_get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read().decode()


def test_prints_one_ready_line_with_its_address(server):
    lines = server.ready_lines()
    assert lines == [f"{READY_PREFIX}{server.url}"], (
        f"expected exactly one line '{READY_PREFIX}{server.url}' on stdout/stderr "
        f"(is stdout flushed?); ready lines seen: {lines}")


def test_health_endpoints_answer_ok(server):
    for path in ("/readyz", "/livez", "/healthz"):
        status, body = http_get(server.url + path)
        assert status == 200, path
        assert body.strip() == "ok", f"{path} answered {body!r}"


def test_kubeconfig_file_and_command_agree(server, tug_bin):
    written = yaml.safe_load(server.kubeconfig.read_text())
    out = subprocess.run([tug_bin, "kubeconfig", "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    printed = yaml.safe_load(out.stdout)
    assert printed == written
    assert written["kind"] == "Config"
    assert written["apiVersion"] == "v1"
    contexts = {c["name"]: c["context"] for c in written["contexts"]}
    assert written["current-context"] in contexts
    clusters = {c["name"]: c["cluster"] for c in written["clusters"]}
    current = contexts[written["current-context"]]
    assert clusters[current["cluster"]]["server"] == server.url


def test_kubectl_version_reports_server(kubectl):
    v = json.loads(kubectl.run("version", "-o", "json").stdout)
    server_version = v["serverVersion"]
    assert re.fullmatch(r"\d+\+?", server_version["major"]), server_version
    assert re.fullmatch(r"\d+\+?", server_version["minor"]), server_version
    assert re.match(r"v\d+\.\d+\.\d+", server_version["gitVersion"]), server_version


def test_builtin_namespaces_exist_and_are_active(kubectl):
    data = kubectl.json("get", "namespaces")
    phases = {item["metadata"]["name"]: item.get("status", {}).get("phase") for item in data["items"]}
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert phases.get(name) == "Active", f"namespace {name}: {phases.get(name)!r} (all: {phases})"
