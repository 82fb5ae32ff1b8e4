#!/usr/bin/env bash
# Installs the machine-level things the test suite needs, idempotently: PostgreSQL's server
# binaries (initdb/pg_ctl; the tests start their own throwaway cluster) and Chromium for the
# browser tests. Each step is skipped when already present so reruns are fast.
set -euo pipefail
need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v openssl >/dev/null 2>&1 || need+=(openssl) # certificates of the Kubernetes test cluster
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "setup-test-deps: need root to install: ${need[*]}" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# Kubernetes test control plane (test/kube): etcd, kube-apiserver, controller-manager, scheduler,
# kubectl and kwok built from the Go module proxy (needs Go >= 1.26) into ~/.cache/berth; a no-op
# when that cache holds this version. Cold: see README "Testing against Kubernetes".
bash "$(dirname "$0")/../test/cluster/build.sh" >/dev/null

# --- A/B check (abcheck) reference tools: a test-only Python venv outside the repo -------------
# pycocotools (the mAP reference), faster-coco-eval (benchmark context) and onnxruntime (decoder
# cross-check and benchmark; the same version as onnxruntime-node) at pinned versions, so the
# evaluator tests compare against the real thing.
# Debian's python3 with python3-venv; BERTH_PYVENV overrides the location.
PYVENV="${BERTH_PYVENV:-$HOME/.cache/berth/pyvenv}"
if [ ! -x "$PYVENV/bin/python" ] || ! "$PYVENV/bin/python" -c 'import pycocotools, faster_coco_eval, onnxruntime, schemathesis; assert onnxruntime.__version__ == "1.30.0"' 2>/dev/null; then
  command -v /usr/bin/python3 >/dev/null && /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || {
    [ "$(id -u)" -eq 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv; }
  /usr/bin/python3 -m venv "$PYVENV"
  "$PYVENV/bin/pip" install -q --disable-pip-version-check \
    numpy==2.2.6 pycocotools==2.0.11 faster-coco-eval==1.8.0 onnxruntime==1.30.0 schemathesis==4.32.5
fi
