#!/usr/bin/env bash
# Byte-identity guard for refactorings: rank the default panel on the shared ChEMBL extract and
# print the sha256 of the four run tables. Compare with a saved listing to prove that a change of
# structure left every output byte unchanged:
#   benchmarks/guard.sh /tmp/guard > after.sha && diff before.sha after.sha
# Usage: benchmarks/guard.sh WORK_DIR   (WORK_DIR keeps the structure cache between calls)
set -euo pipefail
work=${1:?usage: benchmarks/guard.sh WORK_DIR}
here="$(cd "$(dirname "$0")/.." && pwd)"
db="${SENOTARGET_GUARD_DB:-$here/../shared/chembl/chembl_senotarget.sqlite}"
out="$work/out"
rm -rf "$out"
mkdir -p "$work/cache"
"$here/.venv/bin/senotarget" run --chembl-db "$db" --cache-dir "$work/cache" --out "$out" \
  --run-id guard >&2
cd "$out/guard"
sha256sum candidates.csv evidence.csv targets.csv validation.csv
