"""Run a kubectl binary against the test server and capture what it prints."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (f"$ {' '.join(self.args)}\nexit status {self.returncode}\n"
                f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}")

    @property
    def lines(self) -> list[str]:
        return [l for l in self.stdout.splitlines() if l.strip()]


class KubectlError(AssertionError):
    def __init__(self, result: Result, expected: str):
        super().__init__(f"kubectl {expected}\n{result.describe()}")
        self.result = result


class Kubectl:
    """One kubectl binary bound to one kubeconfig, with its own discovery cache."""

    def __init__(self, binary: str, kubeconfig: Path, cache_dir: Path, label: str):
        self.binary = binary
        self.kubeconfig = Path(kubeconfig)
        self.cache_dir = Path(cache_dir)
        self.label = label

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env["KUBECONFIG"] = str(self.kubeconfig)
        env["KUBECACHEDIR"] = str(self.cache_dir)
        env.pop("KUBERNETES_SERVICE_HOST", None)
        env.update(extra or {})
        return env

    def run(self, *args: str, check: bool = True, input: str | None = None, timeout: float = 60,
            env: dict[str, str] | None = None) -> Result:
        """Run kubectl; with check=True a non-zero exit raises with everything it printed."""
        argv = [self.binary, *args]
        p = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout,
                           env=self.env(env), stdin=None if input is not None else subprocess.DEVNULL)
        res = Result(argv, p.returncode, p.stdout, p.stderr)
        if check and p.returncode != 0:
            raise KubectlError(res, "failed")
        return res

    def fail(self, *args: str, **kw) -> Result:
        """Run kubectl and require a non-zero exit."""
        res = self.run(*args, check=False, **kw)
        if res.returncode == 0:
            raise KubectlError(res, "was expected to fail but exited 0")
        return res

    def json(self, *args: str, **kw) -> dict:
        res = self.run(*args, "-o", "json", **kw)
        try:
            return json.loads(res.stdout)
        except json.JSONDecodeError as e:
            raise KubectlError(res, f"printed no JSON ({e})")

    def yaml(self, *args: str, **kw) -> dict:
        return yaml.safe_load(self.run(*args, "-o", "yaml", **kw).stdout)

    def apply_text(self, text: str, *args: str, **kw) -> Result:
        """`kubectl apply -f -` with the given manifest text."""
        return self.run("apply", "-f", "-", *args, input=text, **kw)

    def popen(self, *args: str) -> subprocess.Popen:
        """Start kubectl in the background (stderr merged into line-buffered stdout); stop it by pid."""
        return subprocess.Popen([self.binary, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, bufsize=1, env=self.env())

    def client_version(self) -> str:
        out = self.run("version", "--client", "-o", "json").stdout
        return json.loads(out)["clientVersion"]["gitVersion"]


def parse_table(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Split kubectl's column output into its header names and one dict per row.

    Columns are cut at the header's column starts, so empty cells (and names with one
    space inside, such as NOMINATED NODE) are read correctly.
    """
    lines = [l for l in text.splitlines() if l.strip()]
    if not lines:
        return [], []
    cols = list(re.finditer(r"\S+(?: \S+)*", lines[0]))
    starts = [m.start() for m in cols]
    names = [m.group(0) for m in cols]
    rows = []
    for line in lines[1:]:
        cells = {}
        for k, name in enumerate(names):
            a = starts[k]
            b = starts[k + 1] if k + 1 < len(starts) else len(line)
            cells[name] = line[a:b].strip()
        rows.append(cells)
    return names, rows
