#!/usr/bin/env bash
# Renders the notebooks: runs each one at its defaults through the GoNB kernel, in the order given,
# all in one fresh working folder (out/render/course/, so no model a student trained is reused, but
# a notebook finds what the ones before it in the same call saved, as a student who runs the course
# in order does: 05 shows 04's results beside its own, 03 reuses 01's ring model), and writes each
# back in place with its outputs (figures, tables, logs), free of machine detail, and with the hash
# of its code cells in its metadata. The freshness test (TestRenderedNotebooks in
# scorematching/internal/nbtest) fails when a stored notebook is incomplete or its code changed
# since it was rendered: re-render a notebook in the same commit as any change to its code cells.
#
# Usage: bash scorematching/scripts/render.sh [notebooks/NAME.ipynb ...]   (default: every notebook)
# Render 04 with 05 (render.sh notebooks/04-*.ipynb notebooks/05-*.ipynb) to fill 05's column of
# notebook 04's results; rendered alone, 05 says that they are missing.
#
# The notebooks use the backend the kernel is set up with: XLA on the CPU when setup.sh could
# install its plugin (as on the project's machines), else GoMLX's pure Go backend. About 20
# minutes for all of them on 2 cores with xla:cpu (the README's notebook table gives each one's time).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
bash scorematching/scripts/setup.sh >/dev/null
unset GOMLX_BACKEND # The notebooks' own default, as a student gets it.
export GOMLX_NO_AUTO_INSTALL=1

notebooks=("$@")
[[ ${#notebooks[@]} -gt 0 ]] || notebooks=(notebooks/*.ipynb)
for nb in "${notebooks[@]}"; do
  [[ -f "$nb" ]] || { echo "render: no notebook $nb" >&2; exit 2; }
done
work="$ROOT/out/render/course"
rm -rf "$work" && mkdir -p "$work"
for nb in "${notebooks[@]}"; do
  echo "render: $nb"
  .venv/bin/python scorematching/internal/nbtest/nbrun.py --render --workdir "$work" --timeout 1800 "$nb"
done
du -ch notebooks/*.ipynb | tail -1 | sed 's/^/render: all notebooks together: /'
