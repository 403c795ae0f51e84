#!/usr/bin/env bash
# The Docker image's set-up steps (docker/Dockerfile runs this as the image's user, in the
# repository's folder), kept in one script so the test suite can run the same steps on the host:
#   1. scorematching/scripts/setup.sh: the venv with JupyterLab, the GoNB kernel, gopls and (unless
#      GOSM_XLA=0) the XLA CPU plugin;
#   2. the Go module's packages built once, so the first notebook cell does not wait for it;
#   3. checks: the venv's jupyter lists the gonb kernel, and the command runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf 'image-setup: %s\n' "$*"; }

bash scorematching/scripts/setup.sh
say "building the module's packages (warms the Go build cache)"
go build ./...
GOEXPERIMENT=simd go build ./scorematching/... 2>/dev/null || true # The kernel builds cells this way on amd64 without XLA.

# Outputs are captured before grep reads them: with pipefail, `cmd | grep -q` fails at random when
# grep exits on its match while cmd is still writing (cmd dies of SIGPIPE).
kernels="$(.venv/bin/jupyter kernelspec list)"
grep -q '^ *gonb ' <<<"$kernels" || { say "error: the gonb kernel is not registered" >&2; exit 1; }
help="$(go run ./scorematching/cmd/scorematching help 2>&1)" || { say "error: the command does not run" >&2; exit 1; }
grep -q '^Usage: scorematching' <<<"$help" || { say "error: the command's help has no usage line" >&2; exit 1; }
say "ok"
