#!/usr/bin/env bash
# Create (or reuse) the end-to-end suite's Python venv at .build-e2e/venv with the pinned
# packages of e2e/requirements.txt: kubectl 1.37 (its binary lands in venv/bin/kubectl),
# the official Kubernetes Python client, pytest and PyYAML. Reinstalls only when the
# requirements change. Prints nothing on reuse.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.build-e2e/venv"
reqs="$root/e2e/requirements.txt"
stamp="$venv/.e2e-requirements.sha256"

python="${E2E_PYTHON:-python3}"
want="$(cat "$reqs" | sha256sum | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/kubectl" ]] \
    && "$venv/bin/python" -c 'import kubernetes, pytest, yaml' 2>/dev/null; then
  exit 0
fi

make_venv() {
  rm -rf "$venv"
  "$python" -m venv "$venv"
}

if ! command -v "$python" >/dev/null 2>&1 || ! make_venv >/dev/null 2>&1; then
  # Debian ships venv support separately (python3-venv); install it when we can.
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "e2e-env: installing python3 and python3-venv with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
  else
    echo "e2e-env: '$python -m venv' failed; install python3 and python3-venv" >&2
    exit 1
  fi
  make_venv
fi

echo "e2e-env: installing $(grep -cv '^#' "$reqs") pinned packages into $venv" >&2
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$reqs"
"$venv/bin/kubectl" version --client >/dev/null
echo "$want" > "$stamp"
