#!/usr/bin/env bash
# The benchmark command (not part of the test suite): set up .venv as scripts/dev.sh does, build
# or reuse the synthetic practice vaults (benchmarks/.cache/), then measure every figure beside
# its floor and print pass/miss.
#
#   scripts/bench.sh                       everything at full size; writes docs/benchmarks.md
#   scripts/bench.sh --quick               a tenth of the data, fewer runs; writes nothing
#   scripts/bench.sh --figures search,save [--runs 20]
#   scripts/bench.sh --no-docs             full size without touching docs/benchmarks.md
#
# Other arguments go to `python -m benchmarks.run` (see its --help). Exit status 1 when a target
# is missed. The first full run builds ~1.8 GB of vaults (about 3 minutes); later runs reuse them.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/dev.sh setup

docs=(--docs docs/benchmarks.md)
args=()
for arg in "$@"; do
  case "$arg" in
    --quick|--figures|--figures=*) docs=(); args+=("$arg") ;;
    --no-docs) docs=() ;;
    *) args+=("$arg") ;;
  esac
done

export QT_QPA_PLATFORM=offscreen
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)" >&2
# ${a[@]+"${a[@]}"}: an empty array under set -u, even in the bash 3.2 of macOS.
exec .venv/bin/python -m benchmarks.run ${docs[@]+"${docs[@]}"} ${args[@]+"${args[@]}"}
