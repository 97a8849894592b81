"""Helpers for tests on a server with hollow nodes (`tug simulate`)."""

from __future__ import annotations

import subprocess
import time


def wait_for(what: str, check, timeout: float = 20.0):
    """Poll `check` until it returns something truthy; return that, or fail after `timeout` s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start_simulator(tug_bin, server, tmp_path, prefix, nodes=2, extra_args=()):
    """Start `tug simulate` against `server`; returns (process, log file)."""
    log = open(tmp_path / f"simulate-{prefix}.log", "w")
    proc = subprocess.Popen([tug_bin, "simulate", "--kubeconfig", str(server.kubeconfig), "--nodes", str(nodes), "--prefix", prefix,
                             "--lease-seconds", "1", *extra_args], stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def stop_simulator(proc, log):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if log:
        log.close()
