#!/usr/bin/env bash
# Sets up and runs every test of the project, as CI does (.ci/run calls this script):
#   1. docker/image-setup.sh (scorematching/scripts/setup.sh: the Python venv with JupyterLab,
#      nbclient and JAX, the GoNB kernel, the XLA CPU plugin; then a build and checks), the test-only
#      tools (hadolint, Playwright), and hadolint on docker/Dockerfile;
#   2. gofmt and go vet;
#   3. the JAX reference re-run: fails if the golden values in scorematching/testdata/golden would change;
#   4. the CUDA PJRT plugin (scorematching/scripts/cuda-plugin.sh; without its CUDA libraries unless a
#      GPU is there), then go test ./... on the pure Go backend built with GOEXPERIMENT=simd (as the notebooks' kernel
#      builds cells), with the notebooks required (executed headless through the GoNB kernel, and
#      notebook 01 in JupyterLab in headless Chromium where /usr/bin/chromium exists), then
#      the library's tests again with a plain build (as a bare `go run` builds the command);
#   4b. the fuzz targets, briefly (crashers found are kept under testdata/fuzz as regression inputs;
#       the model.json and checkpoint.json readers under a memory cap);
#   5. the library's tests and the notebooks again on the XLA CPU backend, with the blog-budget
#      acceptance test of the command (GOSM_BLOG_BUDGET=1: two 20,000-step trainings and a sampling,
#      about 2 min there; it skips, saying so, elsewhere). GOSM_SKIP_XLA=1 skips this step, loudly,
#      where no plugin can be installed.
#
# Usage: bash scorematching/scripts/test.sh [go test flags...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "set-up (the Docker image's steps, on this machine) and the test-only tools"
bash docker/image-setup.sh
.venv/bin/python -m pip install --disable-pip-version-check -q -r scorematching/scripts/requirements-dev.txt

step "lint the Dockerfile (hadolint)"
.venv/bin/hadolint --ignore DL3008 docker/Dockerfile

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

export GOSM_REQUIRE_NOTEBOOKS=1 GOMLX_NO_AUTO_INSTALL=1
# The real-browser test needs Chromium (.ci/run installs Debian's); elsewhere it skips, saying why.
[[ -x /usr/bin/chromium || -n "${GOSM_CHROMIUM:-}" ]] && export GOSM_REQUIRE_BROWSER=1

step "fuzzing (briefly) the points reader, the command line, and the model and checkpoint readers"
go test -run '^$' -fuzz FuzzRead -fuzztime 10s ./scorematching/points
go test -run '^$' -fuzz FuzzSplitInts -fuzztime 5s ./scorematching/cmd/scorematching
go test -run '^$' -fuzz FuzzFlags -fuzztime 10s ./scorematching/cmd/scorematching
# The file readers under a memory cap: the project's own limit (package limits) at 256 MiB, and the
# process's address space at 4 GB, so that a reader that allocates what a file claims fails here.
(
  ulimit -v 4000000
  export GOSM_MEMORY_LIMIT=256MiB
  go test -run '^$' -fuzz FuzzParseModel -fuzztime 10s ./scorematching/network
  go test -run '^$' -fuzz FuzzParseCheckpoint -fuzztime 10s ./scorematching/train
)

step "the CUDA PJRT plugin: downloaded, hash-checked and loaded (its 3 GB of CUDA libraries only where a GPU is)"
cuda_args=(--no-libs)
source scorematching/scripts/pjrt-lib.sh
if has_nvidia_gpu; then cuda_args=(); fi
bash scorematching/scripts/cuda-plugin.sh "${cuda_args[@]}" >/dev/null
# backend.TestCUDA: with the plugin, xla:cuda runs on a GPU, or says plainly that there is none.
export GOSM_TEST_CUDA_PLUGIN_DIR="$ROOT/.venv/pjrt-cuda/nvidia"

step "go test ./... on the pure Go backend, GOEXPERIMENT=simd build"
simd=""; [[ "$(go env GOARCH)" == amd64 ]] && simd=simd
GOEXPERIMENT=$simd GOMLX_BACKEND=go:parallelism=-1 go test -count=1 -timeout 30m "$@" ./...

step "go test ./scorematching/... on the pure Go backend, plain build"
# (the notebooks ran in the pass above: not again here)
GOMLX_BACKEND=go:parallelism=-1 go test -count=1 -timeout 30m -skip 'TestNotebooks|TestBrowser|TestNbrunCatchesFailures' "$@" ./scorematching/...

if [[ "${GOSM_SKIP_XLA:-}" == 1 ]]; then
  printf '\n\033[1;33mSKIPPED: the tests on the XLA backend and the blog-budget test (GOSM_SKIP_XLA=1)\033[0m\n'
  exit 0
fi
step "go test on the XLA CPU backend"
pjrt_export="$(bash scorematching/scripts/xla-plugin.sh)" # Fails the script if the plugin cannot be had.
eval "$pjrt_export"
GOSM_BLOG_BUDGET=1 GOMLX_BACKEND=xla:cpu go test -count=1 -timeout 30m -skip TestBrowser "$@" ./scorematching/...
