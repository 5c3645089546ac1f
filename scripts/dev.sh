#!/usr/bin/env bash
# One entry point for a fresh clone: sets up .venv (idempotent) and then
#   run   starts Therapist Desk            (extra arguments go to the app)
#   test  runs the whole test suite headless (extra arguments go to pytest)
set -euo pipefail
cd "$(dirname "$0")/.."

cmd="${1:-}"; shift || true
case "$cmd" in run|test|setup) ;; *) echo "usage: scripts/dev.sh run|test|setup [args...]" >&2; exit 2;; esac

pick_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && \
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Therapist Desk needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
  exit 2
}

# Qt's shared libraries need a few system libraries that minimal Linux images lack.
ensure_qt_system_libs() {
  [ "$(uname -s)" = "Linux" ] || return 0
  if .venv/bin/python -c 'import PySide6.QtWidgets, PySide6.QtCharts' 2>/dev/null; then return 0; fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "Installing the system libraries Qt needs (apt-get)..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libegl1 libgl1 libxkbcommon0 \
      libfontconfig1 libdbus-1-3 libglib2.0-0 >/dev/null
  else
    echo "Qt cannot load: install libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 (or your distribution's equivalents)." >&2
    exit 2
  fi
}

setup() {
  if [ ! -x .venv/bin/python ]; then
    "$(pick_python)" -m venv .venv
  fi
  local stamp=".venv/.therapist-desk-installed"
  local want
  want="$(cat pyproject.toml | cksum)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
    echo "$want" > "$stamp"
  fi
  ensure_qt_system_libs
}

setup
case "$cmd" in
  setup) ;;
  run) exec .venv/bin/therapist-desk "$@" ;;
  test)
    export QT_QPA_PLATFORM=offscreen
    # -n 2: CI has two cores. pytest exits 5 when no test ran, and set -e makes that a failure.
    exec .venv/bin/python -m pytest -n 2 "$@" ;;
esac
