#!/usr/bin/env bash
# Rebuilds, from the current code, every figure under scorematching/doc/ that README.md shows:
#   reproduce-comparison.png, reproduce-loss.png  `scorematching reproduce` (the blog's run, seed 0):
#                                                 its comparison.png and loss.png
#   blog-budget-langevin.png                      `scorematching sample --model <that run> --n 5000
#                                                 --seed 1 --plot` (Langevin, 1000 steps of 1e-3)
# The reproduce run is the blog budget's seed-0 exact model of the README (`train` with its defaults
# trains the same). The script fails if README.md shows a figure under scorematching/doc/ that it
# does not rebuild, and prints the samples' radius (the README quotes 1.0010 +- 0.1042).
#
# Usage: bash scorematching/scripts/doc-figures.sh
#
# Backend: XLA on the CPU when its plugin is installed or can be (scorematching/scripts/xla-plugin.sh),
# else GoMLX's pure Go backend (then about 20 minutes). Time with xla:cpu on the project's 2-core
# machine: about 1 minute (measured 57 s and 71 s: build 3 s when cached, up to a minute when not;
# reproduce 50 to 60 s; sample 3 to 4 s).
#
# Environment: GOSM_DOC_WORK, a folder for the runs (default: a new temporary one, removed at the
# end); it must not hold a run already (reproduce refuses to overwrite one).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DOC=scorematching/doc
export GOEXPERIMENT=simd

if plugin="$(bash scorematching/scripts/xla-plugin.sh 2>/dev/null)"; then
  eval "$plugin"
  export GOMLX_BACKEND=xla:cpu
else
  echo "doc-figures: no XLA plugin; the pure Go backend takes about 20 minutes" >&2
  export GOMLX_BACKEND=go:parallelism=-1
fi
echo "doc-figures: backend $GOMLX_BACKEND"

if [[ -n "${GOSM_DOC_WORK:-}" ]]; then
  WORK="$GOSM_DOC_WORK"
  mkdir -p "$WORK"
else
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
fi

start=$SECONDS
began=$EPOCHSECONDS
go build -o "$WORK/scorematching" ./scorematching/cmd/scorematching
echo "doc-figures: built in $((SECONDS - start)) s"

t=$SECONDS
"$WORK/scorematching" reproduce --out "$WORK/reproduce" | tail -n 3
cp "$WORK/reproduce/comparison.png" "$DOC/reproduce-comparison.png"
cp "$WORK/reproduce/loss.png" "$DOC/reproduce-loss.png"
echo "doc-figures: reproduce in $((SECONDS - t)) s"

t=$SECONDS
"$WORK/scorematching" sample --model "$WORK/reproduce" --n 5000 --seed 1 --plot "$DOC/blog-budget-langevin.png" >"$WORK/samples.csv"
awk -F, 'NR > 1 { r = sqrt($1 * $1 + $2 * $2); s += r; ss += r * r; n++ }
  END { m = s / n; printf "doc-figures: %d samples, radius %.4f +- %.4f (the ring: 1 +- 0.1)\n", n, m, sqrt(ss / n - m * m) }' "$WORK/samples.csv"
echo "doc-figures: sample in $((SECONDS - t)) s"

# Every figure README.md shows from scorematching/doc/ must have been rebuilt just now.
missing=0
while read -r fig; do
  if [[ ! -f "$fig" ]] || [[ "$(stat -c %Y "$fig")" -lt $began ]]; then
    echo "doc-figures: README.md shows $fig, which this script does not rebuild" >&2
    missing=1
  fi
done < <(grep -o 'scorematching/doc/[A-Za-z0-9._-]*\.png' README.md | sort -u)
[[ $missing -eq 0 ]] || exit 1
echo "doc-figures: rebuilt $(grep -o 'scorematching/doc/[A-Za-z0-9._-]*\.png' README.md | sort -u | wc -l) figures in $((SECONDS - start)) s"
