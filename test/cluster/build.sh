#!/usr/bin/env bash
# Builds the test control plane from the Go module proxy, at the versions pinned by the three
# wrapper modules under test/cluster/go/ (their go.mod and go.sum are the single source of truth):
#   kubernetes/  kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (one go build)
#   etcd/        etcd (its own module, so MVS cannot move Kubernetes' etcd client or grpc)
#   kwok/        kwok (its own module for the same reason)
# The binaries land in a cache OUTSIDE the repository, keyed by the Kubernetes version and a hash of
# the wrapper modules, and are reused when present. Prints the bin directory as the last stdout line.
#
# Environment: BERTH_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/berth). GOMODCACHE and GOCACHE
# default to folders inside it, so caching that one directory in CI keeps every Go download and
# compile result; set them yourself to share an existing Go cache.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${BERTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/berth}
export GOMODCACHE=${GOMODCACHE:-$cache_root/go-mod}
export GOCACHE=${GOCACHE:-$cache_root/go-build}
# readonly: the committed go.sum decides every version; modcacherw: the cache stays deletable.
export GOFLAGS="-mod=readonly -modcacherw -buildvcs=false"
# Upstream builds these binaries statically (no cgo); it also means no C toolchain is needed.
export CGO_ENABLED=0

command -v go >/dev/null 2>&1 || { echo "cluster:build: 'go' (>= 1.26) is not on PATH" >&2; exit 1; }

pinned() { awk -v m="$2" '$1 == m { print $2; exit }' "$here/go/$1/go.mod"; }
k8s_version=$(pinned kubernetes k8s.io/kubernetes)
[ -n "$k8s_version" ] || { echo "cluster:build: no k8s.io/kubernetes in go/kubernetes/go.mod" >&2; exit 1; }
key=$(cat "$here"/go/*/go.mod "$here"/go/*/go.sum | sha256sum | cut -c1-12)
out="$cache_root/k8s-$k8s_version-$key"
bins=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

complete() { [ -f "$out/.complete" ]; }
if complete; then echo "$out/bin"; exit 0; fi

mkdir -p "$cache_root"
# One build at a time (CI step and test setup may race); the loser reuses the winner's result.
exec 9>"$cache_root/build.lock"
flock 9
if complete; then echo "$out/bin"; exit 0; fi

staging=$(mktemp -d "$cache_root/.build-XXXXXX")
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/bin"
start=$(date +%s)

minor=$(echo "$k8s_version" | cut -d. -f2)
# The variables upstream's version stamping sets, so `--version`, /version and kubectl's skew check
# report the real release instead of v0.0.0-master.
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version \
-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
-X k8s.io/component-base/version.gitTreeState=clean"

echo "cluster:build: building Kubernetes $k8s_version into $out (cold: tens of minutes on 2 cores)" >&2
(cd "$here/go/kubernetes" && go build -trimpath -tags=selinux,notest,grpcnotrace -ldflags "$ldflags" \
  -o "$staging/bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
echo "cluster:build: building etcd $(pinned etcd go.etcd.io/etcd/server/v3)" >&2
(cd "$here/go/etcd" && go build -trimpath -ldflags "-s -w" -o "$staging/bin/etcd" go.etcd.io/etcd/server/v3)
kwok_version=$(pinned kwok sigs.k8s.io/kwok)
echo "cluster:build: building kwok $kwok_version" >&2
(cd "$here/go/kwok" && go build -trimpath -ldflags "-s -w" -o "$staging/bin/kwok" sigs.k8s.io/kwok/cmd/kwok)

# kwok's stock node stages (initialise, lease heartbeat) ship in its module zip: take them from the
# pinned module instead of vendoring a copy; the pod stages are Berth's own (test/cluster/kwok/).
kwok_dir=$(cd "$here/go/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
mkdir -p "$staging/kwok-stages"
cp "$kwok_dir/kustomize/stage/node/fast/node-initialize.yaml" \
  "$kwok_dir/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" "$staging/kwok-stages/"
chmod u+w "$staging/kwok-stages/"*

for b in "${bins[@]}"; do [ -x "$staging/bin/$b" ] || { echo "cluster:build: $b missing" >&2; exit 1; }; done
"$staging/bin/kube-apiserver" --version >&2

rm -rf "$out"
mv "$staging" "$out"
trap - EXIT
echo "built $(date -u +%FT%TZ) in $(($(date +%s) - start)) s" >"$out/.complete"
echo "cluster:build: done in $(($(date +%s) - start)) s" >&2
echo "$out/bin"
