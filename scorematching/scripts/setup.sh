#!/usr/bin/env bash
# Sets up everything the notebooks need, in <repo>/.venv (idempotent: a second run only checks):
#   * a Python virtual environment with JupyterLab and nbclient (notebooks/requirements.txt), plus
#     scorematching/testdata/jaxref/requirements.txt when that file exists;
#   * the GoNB Go kernel (version pinned by go.mod's `tool` line), goimports and gopls, built into .venv/bin;
#   * the kernel spec in .venv/share/jupyter/kernels/gonb, with a PATH that finds go, goimports and gopls,
#     so `.venv/bin/jupyter lab` (and scorematching/internal/nbtest/nbrun.py) find it without activating the venv.
#
# Usage: bash scorematching/scripts/setup.sh [--force]     (--force redoes every step)
# Then:  .venv/bin/jupyter lab notebooks/                 or   go test ./scorematching/internal/nbtest/
#
# Environment: PYTHON (default python3) picks the interpreter for the venv; GOSM_XLA=0 skips the XLA
# CPU plugin (about 60 MB from PyPI); where an NVIDIA GPU is found (nvidia-smi -L), the XLA CUDA plugin
# and its CUDA libraries (about 3 GB, scorematching/scripts/cuda-plugin.sh) are installed too, and the
# kernel can use GOMLX_BACKEND=xla:cuda; GOSM_CUDA=0 skips that, GOSM_CUDA=1 does it without a GPU.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
BIN="$VENV/bin"
KERNEL_DIR="$VENV/share/jupyter/kernels/gonb"
STAMPS="$VENV/.gosm-setup"
PYTHON="${PYTHON:-python3}"
GOPLS_VERSION="v0.23.0"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
die() { printf '\033[1;31msetup: error:\033[0m %s\n' "$*" >&2; exit 1; }
# stamp_ok NAME VALUE: whether step NAME was done with the same inputs (VALUE) before.
stamp_ok() { [[ $FORCE == 0 && -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
stamp_set() { mkdir -p "$STAMPS" && printf '%s' "$2" >"$STAMPS/$1"; }
hash_files() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

START=$SECONDS
cd "$ROOT"

# --- Tools we cannot install ourselves. -------------------------------------------------------
command -v go >/dev/null 2>&1 || die "Go is not installed or not on PATH (need the version in go.mod: $(sed -n 's/^go //p' go.mod)). See https://go.dev/doc/install"
GOROOT_BIN="$(go env GOROOT)/bin"

# --- Python virtual environment. ---------------------------------------------------------------
if [[ ! -x "$BIN/python" ]]; then
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found. Install Python 3.9 or newer (Debian/Ubuntu: sudo apt-get install python3 python3-venv), or set PYTHON=/path/to/python3."
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 9))' || die "$PYTHON is $("$PYTHON" --version 2>&1); JupyterLab 4 needs Python 3.9 or newer."
  "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || die "$PYTHON cannot create virtual environments (module venv/ensurepip missing). Debian/Ubuntu: sudo apt-get install python3-venv (or python3.X-venv for your version)."
  say "creating $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" || die "'$PYTHON -m venv $VENV' failed (Debian/Ubuntu: sudo apt-get install python3-venv)."
fi
"$BIN/python" -m pip --version >/dev/null 2>&1 || die "pip is missing in $VENV. Remove the folder and rerun, or install pip (Debian/Ubuntu: sudo apt-get install python3-pip python3-venv)."

REQS=(notebooks/requirements.txt)
[[ -f scorematching/testdata/jaxref/requirements.txt ]] && REQS+=(scorematching/testdata/jaxref/requirements.txt)
REQ_HASH="$(hash_files "${REQS[@]}")"
if stamp_ok pip "$REQ_HASH"; then
  say "Python packages up to date (${REQS[*]})"
else
  say "pip install -r ${REQS[*]}"
  PIP_ARGS=()
  for r in "${REQS[@]}"; do PIP_ARGS+=(-r "$r"); done
  "$BIN/python" -m pip install --disable-pip-version-check -q "${PIP_ARGS[@]}" || die "pip install failed (see above)."
  stamp_set pip "$REQ_HASH"
fi

# --- Go tools: gonb and goimports (versions from go.mod), gopls. ---------------------------------
TOOLS_KEY="$(go version) $(go list -m -f '{{.Path}}@{{.Version}}' github.com/janpfeifer/gonb golang.org/x/tools | tr '\n' ' ')"
if [[ -x "$BIN/gonb" && -x "$BIN/goimports" ]] && stamp_ok gotools "$TOOLS_KEY"; then
  say "gonb and goimports up to date"
else
  say "building gonb and goimports into $BIN"
  go build -o "$BIN/" github.com/janpfeifer/gonb golang.org/x/tools/cmd/goimports \
    || die "building gonb/goimports failed: go.mod needs the tool lines for github.com/janpfeifer/gonb and golang.org/x/tools/cmd/goimports."
  stamp_set gotools "$TOOLS_KEY"
fi

if [[ -x "$BIN/gopls" ]]; then
  say "gopls present"
elif OTHER_GOPLS="$(command -v gopls)" || { [[ -x "$(go env GOPATH)/bin/gopls" ]] && OTHER_GOPLS="$(go env GOPATH)/bin/gopls"; }; then
  say "using existing gopls: $OTHER_GOPLS"
  ln -sf "$OTHER_GOPLS" "$BIN/gopls"
else
  say "installing gopls $GOPLS_VERSION into $BIN (about 1.5 minutes on 2 cores)"
  GOBIN="$BIN" go install "golang.org/x/tools/gopls@$GOPLS_VERSION" || die "installing gopls failed; the kernel works without it (no autocomplete): rerun after fixing, or create $BIN/gopls."
fi

# --- XLA CPU plugin (optional: the pure Go backend works without it). ---------------------------
PJRT_DIR=""
if [[ "${GOSM_XLA:-1}" == 0 ]]; then
  say "skipping the XLA CPU plugin (GOSM_XLA=0): the pure Go backend will be used"
elif PJRT_EXPORT="$(bash "$ROOT/scorematching/scripts/xla-plugin.sh")"; then
  PJRT_DIR="${PJRT_EXPORT#export PJRT_PLUGIN_LIBRARY_PATH=}"
  say "XLA CPU plugin ready in $PJRT_DIR (notebooks use the XLA backend)"
else
  say "WARNING: no XLA CPU plugin (see above); notebooks and commands will use the slower pure Go backend"
fi

# --- XLA CUDA plugin, where an NVIDIA GPU is (GOSM_CUDA=0 never installs it, GOSM_CUDA=1 always). --
KERNEL_PJRT="$PJRT_DIR"
if [[ "${GOSM_CUDA:-auto}" == 0 ]]; then
  say "skipping the CUDA plugin (GOSM_CUDA=0)"
elif source "$ROOT/scorematching/scripts/pjrt-lib.sh" && { [[ "${GOSM_CUDA:-auto}" == 1 ]] || has_nvidia_gpu; }; then
  if CUDA_EXPORT="$(PJRT_PLUGIN_LIBRARY_PATH="$PJRT_DIR" bash "$ROOT/scorematching/scripts/cuda-plugin.sh")"; then
    KERNEL_PJRT="${CUDA_EXPORT#export PJRT_PLUGIN_LIBRARY_PATH=}"
    say "CUDA plugin and libraries ready: GOMLX_BACKEND=xla:cuda runs on the GPU"
  else
    say "WARNING: the CUDA plugin could not be installed (see above); the GPU will not be used"
  fi
else
  say "no NVIDIA GPU found: the CUDA plugin is not installed (bash scorematching/scripts/cuda-plugin.sh installs it)"
fi

# --- Kernel spec. ------------------------------------------------------------------------------
# `gonb --install` writes $JUPYTER_DATA_DIR/kernels/gonb/kernel.json pointing at $BIN/gonb; the venv's
# jupyter looks in $VENV/share/jupyter (and prefers it to ~/.local/share/jupyter when run from the venv).
# It cannot set environment variables, so we add PATH ourselves; jupyter_client expands ${PATH}.
# On amd64 without the XLA plugin, cells are built with GOEXPERIMENT=simd: GoMLX's pure Go backend is
# then about 3x faster. With the plugin the notebooks train on XLA, which simd does not speed up, and
# the simd build makes some host code far slower: with Go 1.26.8 on this project's machine, 20 million
# math.Exp calls took 0.29 s in a plain build and 23.8 s in a simd build (notebook 03's MMD checks went
# from seconds to minutes). So the kernel uses simd only where the Go backend is the default.
# GoNB builds every cell into its own program: the kernel sets GOFLAGS=-ldflags=-s so that the linker
# leaves out the symbol table and debug information (no debugger runs on a cell; panics still name
# files and lines). Linking a cell then takes about 1.3 s instead of 2.7 s, and notebook 00 at the
# test's quick parameters ran in 52 s instead of 72-73 s (18 cells). It replaces a GOFLAGS of yours
# inside the kernel only.
KERNEL_GOEXPERIMENT=""
[[ "$(go env GOARCH)" == amd64 && -z "$PJRT_DIR" ]] && KERNEL_GOEXPERIMENT=simd
KERNEL_KEY="$TOOLS_KEY $BIN $GOROOT_BIN $KERNEL_PJRT $KERNEL_GOEXPERIMENT v4"
if [[ -f "$KERNEL_DIR/kernel.json" ]] && stamp_ok kernel "$KERNEL_KEY"; then
  say "GoNB kernel spec up to date ($KERNEL_DIR)"
else
  say "installing the GoNB kernel spec into $KERNEL_DIR"
  PATH="$BIN:$GOROOT_BIN:$PATH" JUPYTER_DATA_DIR="$VENV/share/jupyter" "$BIN/gonb" --install --logtostderr 2>&1 \
    | sed 's/^/  gonb: /' || true
  [[ -f "$KERNEL_DIR/kernel.json" ]] || die "gonb --install did not create $KERNEL_DIR/kernel.json"
  KERNEL_PATH="$BIN:$GOROOT_BIN" KERNEL_PJRT="$KERNEL_PJRT" KERNEL_GOEXPERIMENT="$KERNEL_GOEXPERIMENT" "$BIN/python" - "$KERNEL_DIR/kernel.json" <<'EOF'
import json, os, sys
path = sys.argv[1]
with open(path) as f:
    spec = json.load(f)
env = spec.setdefault("env", {})
env["PATH"] = os.environ["KERNEL_PATH"] + ":${PATH}"
env["GOFLAGS"] = "-ldflags=-s"  # Faster links of the cells' programs (see above).
# With a plugin here, the project's backend package picks XLA (GOMLX_BACKEND still overrides it).
if os.environ["KERNEL_PJRT"]:
    env["PJRT_PLUGIN_LIBRARY_PATH"] = os.environ["KERNEL_PJRT"]
else:
    env.pop("PJRT_PLUGIN_LIBRARY_PATH", None)
if os.environ["KERNEL_GOEXPERIMENT"]:
    env["GOEXPERIMENT"] = os.environ["KERNEL_GOEXPERIMENT"]
else:
    env.pop("GOEXPERIMENT", None)
spec["display_name"] = "Go (gonb)"
with open(path, "w") as f:
    json.dump(spec, f, indent=1)
    f.write("\n")
EOF
  stamp_set kernel "$KERNEL_KEY"
fi

KERNELS="$("$BIN/jupyter" kernelspec list 2>/dev/null || true)"
[[ "$KERNELS" == *"$KERNEL_DIR"* ]] || die "the venv's jupyter does not list $KERNEL_DIR (check: $BIN/jupyter kernelspec list)"

say "done in $((SECONDS - START))s. Open the notebooks with:  .venv/bin/jupyter lab notebooks/   Test them with:  go test ./scorematching/internal/nbtest/"
