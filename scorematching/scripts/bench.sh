#!/usr/bin/env bash
# Runs the speed workloads (package scorematching/bench; testdata/jaxref/bench.py for JAX) on every
# backend one after the other on this machine (go: the pure Go backend, go:parallelism=-1, plain
# build; go+simd: the same built with GOEXPERIMENT=simd; xla:cpu; xla:cuda where an NVIDIA GPU is;
# JAX with and without jit), and prints a table of ms per step with the ratio to
# JAX with jit. Results go to out/bench/results.jsonl (one JSON object per measurement).
#
# Usage: bash scorematching/scripts/bench.sh [--quick]      (--quick: fewer steps and dimensions)
# Needs: scorematching/scripts/setup.sh done (the venv with JAX, the XLA CPU plugin).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY=.venv/bin/python
[[ -x "$PY" ]] || { echo "bench: run bash scorematching/scripts/setup.sh first" >&2; exit 1; }
QUICK=0; [[ "${1:-}" == "--quick" ]] && QUICK=1
OUT=out/bench; mkdir -p "$OUT"; RES="$OUT/results.jsonl"; : >"$RES"
eval "$(bash scorematching/scripts/xla-plugin.sh)"
# With an NVIDIA GPU, the XLA backend on it too (xla:cuda; the set-up installed its plugin).
GPU=()
source scorematching/scripts/pjrt-lib.sh
if has_nvidia_gpu; then
  eval "$(bash scorematching/scripts/cuda-plugin.sh)"
  GPU=(xla:cuda)
fi
go build -o "$OUT/scorematching" ./scorematching/cmd/scorematching
GOEXPERIMENT=simd go build -o "$OUT/scorematching-simd" ./scorematching/cmd/scorematching

if [[ $QUICK == 1 ]]; then DIMS=(2 8 32); else DIMS=(2 8 32 128 512); fi
steps_for() { # steps_for WORKLOAD DIM BACKEND: enough steps for a stable mean, in bounded time.
  local d=$2 fast=0; [[ $3 == xla:* || $3 == jax-jit || $3 == go+simd ]] && fast=1
  if [[ $1 == dim && $d -ge 512 ]]; then echo 2
  elif [[ $1 == dim && $d -ge 128 ]]; then echo 4
  elif [[ $1 == dim && $d -ge 32 ]]; then echo $((fast ? 20 : 5))
  elif [[ $fast == 1 ]]; then echo $((QUICK ? 50 : 300))
  else echo $((QUICK ? 10 : 40)); fi
}
go_bench() { # go_bench LABEL WORKLOAD [DIM]; LABEL: go (plain build), go+simd (GOEXPERIMENT=simd), xla:cpu
  local n bin=scorematching config=go:parallelism=-1; n=$(steps_for "$2" "${3:-2}" "$1")
  case $1 in go+simd) bin=scorematching-simd ;; xla:cpu|xla:cuda) config=$1 ;; esac
  local args=(bench --backend "$config" --label "$1" --workload "$2" --steps "$n"); [[ -n "${3:-}" ]] && args+=(--dims "$3")
  echo "bench: $1 $2 ${3:-} ($n steps)" >&2
  "$OUT/$bin" "${args[@]}" 2>/dev/null | tail -n 1 >>"$RES"
}
jax_bench() { # jax_bench STYLE WORKLOAD [DIM]
  local n; n=$(steps_for "$2" "${3:-2}" "jax-$1")
  local args=(--workload "$2" --style "$1" --steps "$n" --no-cost); [[ -n "${3:-}" ]] && args+=(--dim "$3")
  echo "bench: jax-$1 $2 ${3:-} ($n steps)" >&2
  (cd scorematching/testdata/jaxref && "$ROOT/$PY" bench.py "${args[@]}") 2>/dev/null | tail -n 1 >>"$RES"
}

for w in blog sample; do
  for b in go go+simd xla:cpu "${GPU[@]}"; do go_bench "$b" "$w"; done
  jax_bench jit "$w"; jax_bench nojit "$w"
done
for d in "${DIMS[@]}"; do
  for b in go go+simd xla:cpu "${GPU[@]}"; do go_bench "$b" dim "$d"; done
  jax_bench jit dim "$d"
done

"$PY" - "$RES" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
order = ["go", "go+simd", "xla:cpu", "xla:cuda", "jax-jit", "jax-nojit"]
order = [b for b in order if any(r["backend"] == b for r in rows)]
keys = sorted({(r["workload"], r.get("dim", 2)) for r in rows}, key=lambda k: (["blog", "sample", "dim"].index(k[0]), k[1]))
print("\n| workload | D | " + " | ".join(f"{b} ms/step (x jax-jit)" for b in order) + " |")
print("|---|---|" + "---|" * len(order))
for k in keys:
    by = {r["backend"]: r for r in rows if (r["workload"], r.get("dim", 2)) == k}
    ref = by.get("jax-jit", {}).get("ms_per_step")
    cells = []
    for b in order:
        r = by.get(b)
        if r is None:
            cells.append("-")
        else:
            ratio = f" ({r['ms_per_step'] / ref:.2f}x)" if ref else ""
            cells.append(f"{r['ms_per_step']:.2f}{ratio}")
    print(f"| {k[0]} | {k[1]} | " + " | ".join(cells) + " |")
print("\ncompile ms (first step): " + ", ".join(f"{r['backend']} {r['workload']}{'' if r['workload'] != 'dim' else ' D=' + str(r.get('dim'))}: {r['compile_ms']:.0f}" for r in rows if r["workload"] != "dim"))
PYEOF
