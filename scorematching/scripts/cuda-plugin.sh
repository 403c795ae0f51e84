#!/usr/bin/env bash
# Installs XLA's CUDA PJRT plugin and the CUDA libraries it loads, so that GoMLX's XLA backend can
# run on an NVIDIA GPU (GOMLX_BACKEND=xla:cuda). Everything comes from PyPI, pinned: the plugin is
# the jax-cuda13-pjrt 0.12.0.1 wheel (SHA-256 below), the libraries the 13 nvidia-* wheels of
# scorematching/scripts/cuda-requirements.txt (versions and SHA-256 pinned there). The layout is
# the one go-xla expects (and its own installer makes):
#   <dir>/nvidia/pjrt_c_api_cuda_plugin.so   the plugin, found through PJRT_PLUGIN_LIBRARY_PATH;
#   <dir>/nvidia/{cu13,cudnn,nccl,...}/lib   the libraries, found through the plugin's RPATH.
# Idempotent: a second run only checks. setup.sh runs it when it finds an NVIDIA GPU.
#
# Usage:   bash scorematching/scripts/cuda-plugin.sh [--force] [--no-libs]
#          eval "$(bash scorematching/scripts/cuda-plugin.sh)"   # adds the plugin's folder to PJRT_PLUGIN_LIBRARY_PATH
#   --no-libs  the plugin only (135 MB download, 400 MB unpacked), without the 3 GB of CUDA
#              libraries: enough to check that it loads, which is what the test suite does on
#              machines without a GPU; a GPU run needs the libraries.
#
# Standard output is only the line `export PJRT_PLUGIN_LIBRARY_PATH=...` (the folder is added to
# what the variable held); progress and errors go to standard error.
#
# Environment: GOSM_CUDA_DIR install directory (default <repo>/.venv/pjrt-cuda); PYTHON as in
# xla-plugin.sh.
#
# Why not go-xla's own CUDA installer: it fetches the same PyPI wheels, but looks them up in
# pypi.org's JSON API (not reachable from every network where pip works, this project's included)
# and takes "latest" unless told a version, and it checks hashes against what that API says on the
# day rather than against pinned ones. Where the JSON API is reachable, it can be used instead:
# GOSM_XLA_AUTO_INSTALL=1 GOMLX_BACKEND=xla:cuda.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${GOSM_CUDA_DIR:-$ROOT/.venv/pjrt-cuda}"
NV="$DEST/nvidia"
PLUGIN="pjrt_c_api_cuda_plugin.so"
REQS="$ROOT/scorematching/scripts/cuda-requirements.txt"
FORCE=0 LIBS=1
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --no-libs) LIBS=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
    *) printf 'cuda-plugin: unknown argument %q (use --force, --no-libs or --help)\n' "$arg" >&2; exit 2 ;;
  esac
done

say() { printf 'cuda-plugin: %s\n' "$*" >&2; }
die() { printf 'cuda-plugin: error: %s\n' "$*" >&2; exit 1; }

PKG=jax-cuda13-pjrt VERSION=0.12.0.1
WHEEL=jax_cuda13_pjrt-0.12.0.1-py3-none-manylinux_2_27_x86_64.whl
SHA256=5899bb6177eda86ea532afb9a26794f2bdd04966f6a01f9028266b16c2b6cf90
MEMBER=jax_plugins/xla_cuda13/xla_cuda_plugin.so
KEY="$PKG==$VERSION sha256:$SHA256"
LIBS_KEY="$(sha256sum "$REQS" | cut -d' ' -f1)"

[[ "$(uname -s)" == Linux && "$(uname -m)" == x86_64 ]] \
  || die "the CUDA PJRT plugin on PyPI is built for Linux x86_64 only; this is $(uname -s) $(uname -m)."
source "$ROOT/scorematching/scripts/pjrt-lib.sh"
pjrt_python

mkdir -p "$NV" || die "cannot create $NV"
TMP="$(mktemp -d "$DEST/.download.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# --- The plugin. ---------------------------------------------------------------------------------
if [[ $FORCE == 0 && -f "$NV/$PLUGIN" && "$(cat "$DEST/.plugin" 2>/dev/null)" == "$KEY" ]]; then
  API="$(check_plugin "$NV/$PLUGIN" 2>"$TMP/log")" || { cat "$TMP/log" >&2; die "the installed plugin $NV/$PLUGIN does not load (see above); rerun with --force."; }
  say "$PKG $VERSION already installed in $NV (PJRT C API $API)"
else
  say "downloading $PKG==$VERSION from PyPI (135 MB)"
  PIP_NO_INPUT=1 "$PYTHON" -m pip download --disable-pip-version-check --no-deps --only-binary=:all: \
      --platform manylinux_2_27_x86_64 -d "$TMP" "$PKG==$VERSION" >&2 \
    || die "pip download of $PKG==$VERSION failed (see above). Is PyPI reachable, and does '$PYTHON -m pip' work?"
  [[ -f "$TMP/$WHEEL" ]] || die "pip did not produce $WHEEL (got: $(ls "$TMP" | tr '\n' ' '))"
  GOT="$(sha256sum "$TMP/$WHEEL" | cut -d' ' -f1)"
  [[ "$GOT" == "$SHA256" ]] || die "SHA-256 mismatch for $WHEEL: expected $SHA256, got $GOT."
  say "unpacking $MEMBER (400 MB)"
  "$PYTHON" - "$TMP/$WHEEL" "$MEMBER" "$TMP/$PLUGIN" <<'EOF' || die "unpacking $WHEEL failed."
import os, shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
os.chmod(out, 0o755)
EOF
  rm -f "$TMP/$WHEEL"
  # Loading needs no GPU: the plugin opens the CUDA driver only when a client starts.
  API="$(check_plugin "$TMP/$PLUGIN" 2>"$TMP/log")" || { cat "$TMP/log" >&2; die "the plugin from $WHEEL does not load (see above)."; }
  rm -f "$DEST/.plugin"
  mv -f "$TMP/$PLUGIN" "$NV/$PLUGIN" # Atomic on one file system: never a half-written plugin.
  printf '%s' "$KEY" >"$DEST/.plugin"
  say "installed $PKG $VERSION (PJRT C API $API) as $NV/$PLUGIN"
fi

# --- The CUDA libraries. ---------------------------------------------------------------------------
if [[ $LIBS == 0 ]]; then
  say "CUDA libraries not installed (--no-libs): the plugin loads, but a GPU run needs them (rerun without --no-libs)"
elif [[ $FORCE == 0 && "$(cat "$DEST/.libs" 2>/dev/null)" == "$LIBS_KEY" ]]; then
  say "CUDA libraries up to date in $NV"
else
  say "installing the CUDA libraries of $(basename "$REQS") into $DEST (about 3 GB)"
  rm -f "$DEST/.libs"
  PIP_NO_INPUT=1 "$PYTHON" -m pip install --disable-pip-version-check --no-deps --require-hashes \
      --only-binary=:all: --upgrade --target "$DEST" -r "$REQS" >&2 \
    || die "pip install of the CUDA libraries failed (see above)."
  [[ -d "$NV/cu13/lib" ]] || die "the CUDA libraries are not where the plugin looks for them ($NV/cu13/lib is missing)."
  printf '%s' "$LIBS_KEY" >"$DEST/.libs"
  say "CUDA libraries installed in $NV"
fi

say "use it with:  GOMLX_BACKEND=xla:cuda (an NVIDIA GPU and its driver, 580 or newer for CUDA 13, are needed)"
printf 'export PJRT_PLUGIN_LIBRARY_PATH=%q\n' "${PJRT_PLUGIN_LIBRARY_PATH:+$PJRT_PLUGIN_LIBRARY_PATH:}$NV"
