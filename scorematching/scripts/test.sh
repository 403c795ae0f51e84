#!/usr/bin/env bash
# Sets up and runs every test of the project, as CI does (.ci/run calls this script):
#   1. scorematching/scripts/setup.sh: the Python venv (JupyterLab, nbclient, JAX), the GoNB kernel;
#   2. gofmt and go vet;
#   3. the JAX reference re-run: fails if the golden values in scorematching/testdata/golden would change;
#   4. go test ./... with the notebooks required (executed headless through the GoNB kernel).
#
# Usage: bash scorematching/scripts/test.sh [go test flags...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "set-up"
bash scorematching/scripts/setup.sh

step "gofmt and go vet"
unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.venv/*'))"
if [[ -n "$unformatted" ]]; then
  echo "gofmt would change these files:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...

step "JAX reference: the golden values must not change"
.venv/bin/python scorematching/testdata/jaxref/reference.py --check

step "go test ./..."
export GOSM_REQUIRE_NOTEBOOKS=1 GOMLX_NO_AUTO_INSTALL=1
go test -count=1 -timeout 40m "$@" ./...
