"""A C++ program built with find_package(trajcore) against the installed SDK agrees with Python."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import trajcore
from conftest import random_boxes

CONSUMER = Path(__file__).parent / "cmake_consumer"


@pytest.mark.slow
def test_consumer_builds_and_agrees_with_python(tmp_path, rng):
    if shutil.which("cmake") is None or shutil.which("c++") is None:
        pytest.fail("the C++ SDK test needs cmake and a C++ compiler on PATH")
    build = tmp_path / "build"
    subprocess.run(
        [
            "cmake",
            "-S",
            str(CONSUMER),
            "-B",
            str(build),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DCMAKE_PREFIX_PATH={trajcore.cmake_prefix_path}",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    subprocess.run(["cmake", "--build", str(build)], check=True, capture_output=True, text=True)
    a, b = random_boxes(rng, 500), random_boxes(rng, 500)
    stdin = "\n".join(
        " ".join(repr(float(v)) for v in row) for row in np.stack([a, b], 1).reshape(-1, 5)
    )
    run = subprocess.run(
        [str(build / "consumer")], input=stdin, check=True, capture_output=True, text=True
    )
    header, *lines = run.stdout.splitlines()
    assert header == f"trajcore {trajcore.__version__} cuda={int(trajcore.built_with_cuda())}"
    got = np.array([line.split() for line in lines], dtype=np.float64)
    np.testing.assert_array_equal(got[:, 0].astype(bool), trajcore.box_overlap(a, b))
    # Bitwise: C++ and Python run the same compiled function.
    np.testing.assert_array_equal(got[:, 1].astype(np.float32), trajcore.box_distance(a, b))
