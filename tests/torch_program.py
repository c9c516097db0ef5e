"""Builds a C++ program of this repository against the installed trajcore SDK and the installed
torch's libtorch (tests/cmake_predictor, examples/vehicle_app), as a vehicle stack would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import trajcore


def build_torch_program(source: Path, build: Path, target: str) -> Path:
    """Configure and build ``source`` in ``build`` (Release); the path of ``target``."""
    import torch

    if shutil.which("cmake") is None or shutil.which("c++") is None:
        pytest.fail(f"building {source.name} needs cmake and a C++ compiler on PATH")
    prefix = f"{trajcore.cmake_prefix_path};{torch.utils.cmake_prefix_path}"
    for command in (
        [
            "cmake",
            "-S",
            str(source),
            "-B",
            str(build),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DCMAKE_PREFIX_PATH={prefix}",
        ],
        ["cmake", "--build", str(build), "-j2"],
    ):
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return build / target
