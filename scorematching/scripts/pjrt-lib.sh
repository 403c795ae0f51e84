# Shared by the scripts that install or use the PJRT plugins (xla-plugin.sh, cuda-plugin.sh, setup.sh,
# test.sh, bench.sh), which source it after defining ROOT and die (pjrt_python needs them).

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

# has_nvidia_gpu: whether nvidia-smi lists a GPU. Its output is captured before it is matched: with
# pipefail, `nvidia-smi -L | grep -q GPU` can fail at random (grep exits on its match, nvidia-smi
# dies of SIGPIPE).
has_nvidia_gpu() {
  local gpus
  gpus="$(nvidia-smi -L 2>/dev/null || true)"
  [[ "$gpus" == *GPU* ]]
}
