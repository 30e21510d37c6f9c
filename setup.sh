#!/usr/bin/env bash
# Set up a fresh clone: a virtual environment in .venv with fcnn-widget installed (the pip build
# hook runs npm to bundle js/ into the package). `--test` adds the test tools and Debian's
# Chromium for the browser tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

apt_install() {
  local run=()
  [ "$(id -u)" -eq 0 ] || run=(sudo)
  if command -v apt-get >/dev/null; then
    "${run[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq "$@" >/dev/null
  else
    echo "setup.sh: please install $* with your system's package manager" >&2
  fi
}

# Fonts for the PNG export (resvg draws text with system fonts); Chromium for browser tests.
packages=()
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || packages+=(fonts-dejavu-core)
[ "$want_tests" = 1 ] && [ ! -x /usr/bin/chromium ] && packages+=(chromium)
[ ${#packages[@]} -eq 0 ] || apt_install "${packages[@]}"

command -v npm >/dev/null || { echo "setup.sh: Node.js 18+ with npm is needed to build the front end" >&2; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
extras=""
[ "$want_tests" = 1 ] && extras="[test]"
.venv/bin/python -m pip install -q -e ".${extras}"
# tests/test_ipykernel6_browser.py runs the Stop test on ipykernel 6 too: that kernel lives
# apart, first on the PYTHONPATH of a kernelspec the test writes (the venv keeps ipykernel 7).
if [ "$want_tests" = 1 ] && [ ! -d .cache/ipykernel6/ipykernel ]; then
  .venv/bin/python -m pip install -q --target .cache/ipykernel6 --no-deps ipykernel==6.29.5 nest_asyncio==1.6.0
fi
echo "setup.sh: ready (.venv)"
