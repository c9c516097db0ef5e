"""Package facts: version, build information, SDK location, typing."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import trajcore

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_the_same_everywhere():
    assert trajcore.__version__ == importlib.metadata.version("trajcore")
    cmake = (ROOT / "CMakeLists.txt").read_text()
    assert f"project(trajcore VERSION {trajcore.__version__}" in cmake


def test_cuda_build_information():
    assert isinstance(trajcore.built_with_cuda(), bool)
    count = trajcore.cuda_device_count()
    assert count >= 0
    status = trajcore.cuda_status()
    if count == 0:
        assert status, "a zero device count comes with a reason"
    if not trajcore.built_with_cuda():
        assert count == 0 and "built without CUDA" in status


def test_sdk_is_installed_beside_the_module():
    prefix = Path(trajcore.cmake_prefix_path)
    assert (prefix / "lib" / "cmake" / "trajcore" / "trajcoreConfig.cmake").is_file()
    assert (prefix / "include" / "trajcore" / "box.hpp").is_file()
    config = (prefix / "include" / "trajcore" / "config.hpp").read_text()
    assert f'#define TRAJCORE_VERSION "{trajcore.__version__}"' in config
    assert f"#define TRAJCORE_WITH_CUDA {int(trajcore.built_with_cuda())}" in config


def test_public_names_are_typed():
    package = Path(trajcore.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_core.pyi").is_file()
    stub = (package / "_core.pyi").read_text()
    for name in trajcore.__all__:
        # Compiled names need a stub; pure-Python ones are typed in place (mypy --strict).
        if hasattr(trajcore._core, name) and name != "__version__":
            assert f"def {name}(" in stub or f"class {name}:" in stub, name


def test_mypy_accepts_typed_use(tmp_path):
    sample = tmp_path / "use.py"
    sample.write_text(
        "import numpy as np\n"
        "import trajcore\n"
        "a = np.zeros((3, 5), dtype=np.float32)\n"
        "flags = trajcore.box_overlap(a, a)\n"
        "reveal_type(flags)\n"
        "gaps: np.ndarray = trajcore.box_distance(a, a)\n"
        "n: int = trajcore.get_num_threads()\n"
        "ego = np.zeros((4, 11, 6), dtype=np.float32)\n"
        "agents = np.zeros((2, 3, 11, 3), dtype=np.float32)\n"
        "extent = np.ones((2, 2), dtype=np.float32)\n"
        "r: trajcore.CollisionResult = trajcore.check_collisions(\n"
        "    ego, extent[0], agents, extent, workspace=trajcore.CollisionWorkspace())\n"
        "reveal_type(r.first_step)\n"
        "trajcore.set_num_threads(n)\n"
        "prefix: str = trajcore.cmake_prefix_path\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(sample)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "numpy.bool" in result.stdout  # the overload for numpy arrays was chosen


def test_data_loaders_import_without_their_format_libraries():
    """trajcore.data imports with neither commonroad-io nor pyarrow; a loader then says which
    extra to install."""
    code = (
        "import sys\n"
        "sys.modules.update({'commonroad': None, 'pyarrow': None, 'pyarrow.parquet': None})\n"
        "import trajcore.data\n"
        "for call in (lambda: trajcore.data.load_commonroad('x.xml'),\n"
        "             lambda: trajcore.data.load_argoverse2('x.parquet', 'x.json')):\n"
        "    try:\n"
        "        call()\n"
        "    except ImportError as e:\n"
        '        assert "trajcore[data]" in str(e), e\n'
        "    else:\n"
        "        raise SystemExit('no ImportError')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
