"""A C++ program built with find_package(trajcore) against the installed SDK agrees with Python."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import trajcore
from conftest import random_boxes
from test_collision import random_scene

CONSUMER = Path(__file__).parent / "cmake_consumer"


@pytest.fixture(scope="module")
def consumer_build(tmp_path_factory) -> Path:
    """tests/cmake_consumer built against the installed package's SDK (once per module)."""
    if shutil.which("cmake") is None or shutil.which("c++") is None:
        pytest.fail("the C++ SDK test needs cmake and a C++ compiler on PATH")
    build = tmp_path_factory.mktemp("consumer") / "build"
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
    return build


@pytest.mark.slow
def test_consumer_builds_and_agrees_with_python(consumer_build, rng):
    build = consumer_build
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


@pytest.mark.slow
@pytest.mark.parametrize("swept", [False, True])
def test_cpp_check_collisions_equals_python(consumer_build, tmp_path, rng, swept):
    """The C++ API (request, result, workspace) and the Python API agree bit for bit."""
    B, N, M, K, T1 = 2, 30, 9, 3, 26
    scene = random_scene(rng, B, N, M, K, T1)
    for name in ("ego", "ego_extent", "agents", "agent_extent", "agent_prob"):
        np.ascontiguousarray(scene[name], np.float32).tofile(tmp_path / f"{name}.bin")
    scene["agent_valid"].astype(np.uint8).tofile(tmp_path / "agent_valid.bin")
    margin, cap = 0.25, 6.0
    (tmp_path / "request.txt").write_text(f"{B} {N} {T1} 4 {M} {K} {margin} {int(swept)} {cap} 1 1")
    run = subprocess.run(
        [str(consumer_build / "collisions"), str(tmp_path)], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.startswith("ok "), run.stdout + run.stderr
    py = trajcore.check_collisions(**scene, margin=margin, swept=swept, clearance_cap=cap)
    dtypes = {
        "collides": np.bool_,
        "first_step": np.int32,
        "agent_first_step": np.int32,
        "collision_prob": np.float32,
        "min_clearance": np.float32,
    }
    for field, dtype in dtypes.items():
        cpp = np.fromfile(tmp_path / f"{field}.bin", dtype=dtype)
        np.testing.assert_array_equal(cpp, getattr(py, field).ravel(), err_msg=field)
    assert py.collides.any()


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["passenger_car", "semi_truck"])
def test_cpp_rollout_equals_python(consumer_build, tmp_path, rng, preset):
    """trajcore::rollout from C++ and trajcore.rollout from Python agree bit for bit."""
    params = getattr(trajcore.VehicleParams, preset)()
    B, N, T, dt = 2, 37, 50, 0.1
    state0 = np.zeros((B, 6), np.float32)
    state0[:, :3] = rng.uniform(-20, 20, (B, 3))
    state0[:, 3] = rng.uniform(0, 20, B)
    controls = (rng.normal(size=(B, N, T, 2)) * [params.max_jerk, params.max_steering_rate]).astype(
        np.float32
    )
    art0 = rng.uniform(-0.3, 0.3, B).astype(np.float32)
    state0.tofile(tmp_path / "state0.bin")
    controls.tofile(tmp_path / "controls.bin")
    art0.tofile(tmp_path / "articulation0.bin")
    (tmp_path / "request.txt").write_text(f"{B} {N} {T} {preset} {dt}")
    run = subprocess.run(
        [str(consumer_build / "rollouts"), str(tmp_path)], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.startswith("ok "), run.stdout + run.stderr
    py = trajcore.rollout(
        state0, controls, params, dt, articulation0=art0 if params.trailer else None
    )
    np.testing.assert_array_equal(
        np.fromfile(tmp_path / "states.bin", np.float32), py.states.ravel()
    )
    np.testing.assert_array_equal(
        np.fromfile(tmp_path / "saturation.bin", np.int32), py.saturation.ravel()
    )
    if params.trailer:
        np.testing.assert_array_equal(
            np.fromfile(tmp_path / "trailer.bin", np.float32), py.trailer.ravel()
        )
    assert py.saturation.any()


@pytest.mark.slow
def test_cpp_reference_line_and_propagate_agents_equal_python(consumer_build, tmp_path, rng):
    """trajcore::ReferenceLine::project and trajcore::propagate_agents from C++ agree bit for
    bit with their Python twins."""
    t = np.linspace(0, 2.5, 40)
    points = np.stack([30 * np.cos(t), 30 * np.sin(t)], -1) + rng.normal(0, 0.05, (40, 2))
    xy = rng.uniform(-35, 35, (200, 2)).astype(np.float32)
    agents = np.zeros((25, 5), np.float32)
    agents[:, :3] = rng.uniform(-50, 50, (25, 3))
    agents[:, 3] = rng.uniform(0, 20, 25)
    agents[:, 4] = rng.uniform(-0.4, 0.4, 25)
    T, dt = 60, 0.1
    points.tofile(tmp_path / "points.bin")
    xy.tofile(tmp_path / "xy.bin")
    agents.tofile(tmp_path / "agents.bin")
    (tmp_path / "request.txt").write_text(f"{len(points)} {len(xy)} {len(agents)} {T} {dt}")
    run = subprocess.run(
        [str(consumer_build / "geometry"), str(tmp_path)], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.startswith("ok"), run.stdout + run.stderr
    s, d = trajcore.ReferenceLine(points).project(xy)
    np.testing.assert_array_equal(
        np.fromfile(tmp_path / "sd.bin", np.float32), np.stack([s, d], -1).ravel()
    )
    pred = trajcore.propagate_agents(agents, T, dt, "ctrv")
    np.testing.assert_array_equal(np.fromfile(tmp_path / "pred.bin", np.float32), pred.ravel())
