#!/usr/bin/env bash
# Build the desktop app with PyInstaller (build.spec) and smoke-test the result.
#
#   scripts/build_app.sh [extra PyInstaller arguments, e.g. --clean]
#
# Sets up .venv (scripts/dev.sh setup) plus the build extra, builds into dist/, checks that no
# Qt library a bundled plugin needs was left out (Linux), runs the bundle's --smoke-test and
# prints the build time and the bundle size. Linux and macOS; on Windows run the same steps by
# hand (docs/packaging.md).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
if [ "$(uname -s)" = "Linux" ] && ! command -v objdump >/dev/null 2>&1; then
  echo "PyInstaller needs objdump on Linux: install binutils (apt-get install binutils)." >&2
  exit 2
fi
./scripts/dev.sh setup

stamp=".venv/.therapist-desk-build-installed"
want="$(cksum < pyproject.toml)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing the build tools (.[build])..." >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[build]'
  echo "$want" > "$stamp"
fi

for icon in therapist-desk.png therapist-desk.ico therapist-desk.icns; do
  if [ ! -f "resources/icons/$icon" ]; then
    echo "resources/icons/$icon is missing: generating the icons" >&2
    .venv/bin/python scripts/make_icons.py
    break
  fi
done

echo "Building with PyInstaller (build.spec)..." >&2
build_started=$(date +%s)
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build "$@" build.spec
build_seconds=$(( $(date +%s) - build_started ))

case "$(uname -s)" in
  Darwin)
    bundle="$(ls -d dist/*.app | head -n 1)"
    app="$bundle/Contents/MacOS/TherapistDesk" ;;
  *)
    bundle="dist/TherapistDesk"
    app="$bundle/TherapistDesk" ;;
esac
[ -x "$app" ] || { echo "the build did not produce $app" >&2; exit 1; }

if [ "$(uname -s)" = "Linux" ] && command -v ldd >/dev/null 2>&1; then
  # build.spec drops Qt libraries only unused plugins need; prove no kept file needs one.
  missing="$(find "$bundle" -name '*.so*' -type f -print0 \
    | xargs -0 -n 50 ldd 2>/dev/null | grep -E 'libQt6[^ ]* => not found' | sort -u || true)"
  if [ -n "$missing" ]; then
    echo "bundled files need Qt libraries that build.spec left out:" >&2
    echo "$missing" >&2
    exit 1
  fi
fi

echo "Running the bundle's smoke test..." >&2
smoke_started=$(date +%s)
QT_QPA_PLATFORM=offscreen "$app" --smoke-test
smoke_seconds=$(( $(date +%s) - smoke_started ))

size="$(du -sh "$bundle" | cut -f1)"
files="$(find "$bundle" -type f | wc -l | tr -d ' ')"
total=$(( $(date +%s) - started ))
echo
echo "Built $bundle: $size in $files files."
echo "PyInstaller ${build_seconds}s, smoke test ${smoke_seconds}s, ${total}s in all."
