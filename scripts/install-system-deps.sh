#!/usr/bin/env bash
# Installs the non-Python tools the test suite uses: kcat (a third-party Kafka client),
# Prometheus/promtool and openssl (test certificates for the TLS listener). Java 17 and Maven run the local broker and must already be present.
set -euo pipefail

missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is required (Java 17 + Maven run the local Kafka broker)" >&2; exit 1; }
done
# kustomize renders k8s/ in the deployment tests; built once from the Go module proxy.
KUSTOMIZE_VERSION=v5.5.0
bin_dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/bin"
if [ ! -x "$bin_dir/kustomize" ] && ! command -v kustomize >/dev/null 2>&1; then
  command -v go >/dev/null 2>&1 || { echo "error: Go is required to build kustomize" >&2; exit 1; }
  echo "Building kustomize $KUSTOMIZE_VERSION (once) ..." >&2
  mkdir -p "$bin_dir"
  GOBIN="$bin_dir" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi

[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing ${missing[*]} from Debian packages ..." >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian package starts a system Prometheus service; tests start their own on free ports.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
