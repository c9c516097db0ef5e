#!/usr/bin/env bash
# trajcore's whole test suite against the installed package: lint and typing, pytest (which also
# builds tests/cmake_consumer against the installed C++ SDK), then the C++ unit tests through a
# standalone CMake build and ctest. Run from the repository root after `pip install ".[test]"`.
set -euo pipefail
cd "$(dirname "$0")/.."

# The C++ tests need GoogleTest, Eigen and nlohmann-json from Debian; install them when we can.
if ! [ -e /usr/include/gtest/gtest.h ] || ! [ -e /usr/include/eigen3/Eigen/Core ] \
  || ! [ -e /usr/include/nlohmann/json.hpp ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq libgtest-dev libeigen3-dev nlohmann-json3-dev >/dev/null
  else
    echo "run_all.sh: the C++ tests need libgtest-dev, libeigen3-dev and nlohmann-json3-dev" \
      "(apt-get install as root)" >&2
    exit 1
  fi
fi

echo "== ruff and mypy"
python -m ruff check python tests bench
python -m mypy

echo "== pytest"
# Run from outside the source tree so the installed package is what gets imported. One worker per
# core (pytest-xdist); a file's tests stay on one worker, so module fixtures (the C++ programs
# some files build) are built once.
python -m pytest -c pyproject.toml --rootdir . tests -n auto --dist loadfile

echo "== C++ unit tests (standalone build, ctest)"
build=build/cpp-tests
cmake -S . -B "$build" -DTRAJCORE_TESTS=ON -DTRAJCORE_CUDA="${TRAJCORE_CUDA:-AUTO}" >/dev/null
cmake --build "$build" --parallel
ctest --test-dir "$build" --output-on-failure

echo "== standalone SDK: cmake --install, then the consumer against it"
prefix=$(mktemp -d)
cmake --install "$build" --prefix "$prefix" >/dev/null
rm -rf "$build/consumer"  # a cache from an earlier run would point at a deleted prefix
cmake -S tests/cmake_consumer -B "$build/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$build/consumer" >/dev/null
# Two touching 4 x 2 boxes: overlap 1, distance 0.
echo "0 0 0 4 2  4 0 0 4 2" | "$build/consumer/consumer" | tail -1 | grep -qx "1 0" \
  && echo "standalone consumer ok"
rm -rf "$prefix"
