"""A C++ program built with find_package(trajcore) against the installed SDK agrees with Python."""

from __future__ import annotations

import dataclasses
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


def run_planning(build: Path, directory: Path, mode: str) -> None:
    run = subprocess.run(
        [str(build / "planning"), str(directory), mode], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.startswith("ok "), run.stdout + run.stderr


def assert_tracked_equal(directory: Path, py: object, trailer: bool) -> None:
    """The C++ program's raw outputs equal the Python result's fields bit for bit."""
    fields = {"states": np.float32, "saturation": np.int32, "controls": np.float32}
    if trailer:
        fields["trailer"] = np.float32
    else:
        assert not (directory / "trailer.bin").exists()
    for field, dtype in fields.items():
        cpp = np.fromfile(directory / f"{field}.bin", dtype)
        np.testing.assert_array_equal(cpp, np.asarray(getattr(py, field)).ravel(), err_msg=field)


def assert_candidates_equal(directory: Path, py: trajcore.Candidates, trailer: bool) -> None:
    assert_tracked_equal(directory, py, trailer)
    for field in ("references", "offsets", "target_speeds", "durations"):
        cpp = np.fromfile(directory / f"{field}.bin", np.float32)
        np.testing.assert_array_equal(cpp, np.asarray(getattr(py, field)).ravel(), err_msg=field)


def curved_lane(rng: np.random.Generator) -> np.ndarray:
    """(P, 2) float64 points of a noisy left curve, unevenly spaced."""
    a = np.sort(rng.uniform(0.0, 1.4, 120))
    return np.stack([60 * np.sin(a), 60 - 60 * np.cos(a)], -1) + rng.normal(0, 0.03, (120, 2))


def egos_near(line: trajcore.ReferenceLine, rng: np.random.Generator, B: int) -> np.ndarray:
    """(B, 6) float32 egos a little off the line's start, moving along it."""
    x, y, h, _ = np.asarray(line.evaluate(rng.uniform(2, 8, B).astype(np.float32))).T
    ego = np.zeros((B, 6), np.float32)
    ego[:, 0] = x + rng.normal(0, 0.3, B)
    ego[:, 1] = y + rng.normal(0, 0.3, B)
    ego[:, 2] = h + rng.normal(0, 0.03, B)
    ego[:, 3] = rng.uniform(3, 12, B)
    ego[:, 4] = rng.uniform(-0.5, 0.5, B)
    return ego


@pytest.mark.slow
@pytest.mark.parametrize(
    ("preset", "controller", "columns"),
    [("passenger_car", "lqr", 4), ("passenger_car", "pure_pursuit", 3), ("semi_truck", "lqr", 6)],
)
def test_cpp_track_equals_python(consumer_build, tmp_path, rng, preset, controller, columns):
    """trajcore::track from C++ and trajcore.track from Python agree bit for bit."""
    params = getattr(trajcore.VehicleParams, preset)()
    B, N, T, dt = 2, 19, 40, 0.1
    state0 = egos_near(trajcore.ReferenceLine(curved_lane(rng)), rng, B)
    # References: rollouts of smooth random controls from perturbed starts (drivable, varied).
    t = np.arange(T) * dt
    controls = np.stack(
        [
            1.5 * np.sin(rng.uniform(0.5, 2.0, (B, N, 1)) * t),
            0.1 * np.sin(rng.uniform(0.5, 2.0, (B, N, 1)) * t),
        ],
        -1,
    ).astype(np.float32)
    start = np.repeat(state0[:, None], N, 1)
    start[..., :2] += rng.normal(0, 0.5, (B, N, 2)).astype(np.float32)
    reference_states = trajcore.rollout(start, controls, params, dt).states
    references = np.ascontiguousarray(
        reference_states[..., : {3: 3, 4: 4, 6: 6}[columns]], np.float32
    )
    art0 = rng.uniform(-0.2, 0.2, B).astype(np.float32)
    state0.tofile(tmp_path / "state0.bin")
    references.tofile(tmp_path / "references.bin")
    art0.tofile(tmp_path / "articulation0.bin")
    (tmp_path / "request.txt").write_text(f"{B} {N} {T} {columns} {preset} {controller} {dt}")
    run_planning(consumer_build, tmp_path, "track")
    tracker = trajcore.TrackerParams(controller=controller)
    trailer = params.trailer is not None
    py = trajcore.track(
        state0, references, params, dt, tracker=tracker, articulation0=art0 if trailer else None
    )
    assert_tracked_equal(tmp_path, py, trailer)
    assert np.abs(py.controls).max() > 0


def list_line(values: list[float]) -> str:
    return " ".join([str(len(values)), *map(repr, values)])


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["passenger_car", "semi_truck"])
def test_cpp_frenet_lattice_equals_python(consumer_build, tmp_path, rng, preset):
    """trajcore::frenet_lattice from C++ and trajcore.frenet_lattice from Python agree bit for
    bit, metadata included."""
    params = getattr(trajcore.VehicleParams, preset)()
    points = curved_lane(rng)
    line = trajcore.ReferenceLine(points)
    B, T, dt = 3, 50, 0.1
    ego = egos_near(line, rng, B)
    offsets, speeds, durations = [-1.0, 0.0, 1.5], [0.0, 6.0, 11.0], [2.5, 4.0]
    points.tofile(tmp_path / "points.bin")
    ego.tofile(tmp_path / "ego.bin")
    (tmp_path / "request.txt").write_text(
        f"{len(points)} {B} {T} {dt} {preset}\n"
        + "\n".join(list_line(v) for v in (offsets, speeds, durations))
    )
    run_planning(consumer_build, tmp_path, "lattice")
    py = trajcore.frenet_lattice(ego, line, offsets, speeds, durations, T, dt, params=params)
    assert_candidates_equal(tmp_path, py, params.trailer is not None)


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["passenger_car", "semi_truck"])
def test_cpp_pdm_proposals_equal_python(consumer_build, tmp_path, rng, preset):
    """trajcore::pdm_proposals from C++ and trajcore.pdm_proposals from Python agree bit for bit,
    with agents ahead in and beside the corridor."""
    params = getattr(trajcore.VehicleParams, preset)()
    points = curved_lane(rng)
    line = trajcore.ReferenceLine(points)
    B, M, T, dt = 2, 6, 40, 0.1
    ego = egos_near(line, rng, B)
    # Agents along the lane ahead (some in the ego's corridor, some beside it), driving slowly.
    s = rng.uniform(15, 50, (B, M, 1)) + np.arange(T + 1) * dt * rng.uniform(0, 4, (B, M, 1))
    d = rng.uniform(-3, 3, (B, M, 1))
    lane = np.asarray(line.evaluate(s.astype(np.float32).ravel()), np.float64)
    x, y, h = (lane[:, k].reshape(B, M, T + 1) for k in range(3))
    poses = np.stack([x - d * np.sin(h), y + d * np.cos(h), h], -1).astype(np.float32)
    extents = np.stack([rng.uniform(4, 6, (B, M)), rng.uniform(1.8, 2.2, (B, M))], -1).astype(
        np.float32
    )
    valid = rng.uniform(size=(B, M)) < 0.8
    offsets, fractions, limit = [-1.0, 0.0, 1.0], [0.3, 0.6, 1.0], 13.0
    points.tofile(tmp_path / "points.bin")
    ego.tofile(tmp_path / "ego.bin")
    poses.tofile(tmp_path / "agent_poses.bin")
    extents.tofile(tmp_path / "agent_extents.bin")
    valid.astype(np.uint8).tofile(tmp_path / "agent_valid.bin")
    (tmp_path / "request.txt").write_text(
        f"{len(points)} {B} {M} {T} {dt} {preset} {limit}\n"
        + "\n".join(list_line(v) for v in (offsets, fractions))
    )
    run_planning(consumer_build, tmp_path, "pdm")
    py = trajcore.pdm_proposals(
        ego,
        line,
        poses,
        extents,
        valid,
        offsets=offsets,
        speed_fractions=fractions,
        speed_limit=limit,
        T=T,
        dt=dt,
        params=params,
    )
    assert_candidates_equal(tmp_path, py, params.trailer is not None)
    # The agents matter: without them the proposals run faster.
    free = trajcore.pdm_proposals(
        ego, line, offsets=offsets, speed_fractions=fractions, speed_limit=limit, T=T, params=params
    )
    assert np.asarray(free.references)[..., 3].sum() > np.asarray(py.references)[..., 3].sum()


def real_map(source: str) -> tuple[trajcore.RoadMap, list[np.ndarray]]:
    """A real RoadMap and its drivable-area polygons: Argoverse 2 with its drivable areas
    ("av2_areas") or as the lanes' union ("av2"), or NGSIM Lankershim (CommonRoad, speed limits,
    intersections)."""
    import json

    from real_lanes import argoverse_map_path, commonroad_scenario_path
    from trajcore.map_sources import road_map_from_argoverse2, road_map_from_commonroad

    if source == "lanker":
        from commonroad.common.file_reader import CommonRoadFileReader

        path = commonroad_scenario_path("USA_Lanker-2_23_T-1.xml")
        scene, _ = CommonRoadFileReader(str(path)).open()
        return road_map_from_commonroad(scene.lanelet_network), []
    with_areas = source == "av2_areas"
    road = road_map_from_argoverse2(argoverse_map_path(), drivable_areas=with_areas)
    data = json.loads(argoverse_map_path().read_text())
    areas = [
        np.array([[p["x"], p["y"]] for p in a["area_boundary"]], np.float64)
        for a in data["drivable_areas"].values()
    ]
    return road, areas if with_areas else []


@pytest.mark.slow
@pytest.mark.parametrize("source", ["av2_areas", "av2", "lanker"])
def test_cpp_road_map_equals_python(consumer_build, tmp_path, rng, source):
    """trajcore::RoadMap and the map metrics from C++ agree bit for bit with their Python twins on
    real maps (Argoverse 2 with its drivable-area polygons or the lanes' union; NGSIM Lankershim
    with speed limits and intersections)."""
    road, areas = real_map(source)
    lines, polylines = [], []
    for lane in road.lanes:
        parts = [np.asarray(p, np.float64) for p in (lane.centerline, lane.left, lane.right)]
        polylines += parts
        succ = list(lane.successors)
        lines.append(
            " ".join(
                map(
                    str,
                    [
                        *(len(p) for p in parts),
                        repr(lane.speed_limit),
                        len(succ),
                        *succ,
                        int(lane.in_intersection),
                    ],
                )
            )
        )
    polylines += areas
    Q = 4000
    vertices = np.concatenate([np.asarray(lane.centerline) for lane in road.lanes])
    poses = np.zeros((Q, 3), np.float32)
    poses[:, :2] = vertices[rng.integers(0, len(vertices), Q)] + rng.normal(0, 4.0, (Q, 2))
    poses[:, 2] = rng.uniform(-np.pi, np.pi, Q)
    np.concatenate(polylines).tofile(tmp_path / "points.bin")
    poses.tofile(tmp_path / "poses.bin")
    (tmp_path / "request.txt").write_text(
        f"{len(road.lanes)} {len(areas)} {Q}\n"
        + "\n".join(lines)
        + "\n"
        + " ".join(str(len(a)) for a in areas)
    )
    # Map metrics on random-walk candidates through the map.
    N, T1 = 40, 31
    states = np.zeros((N, T1, 4), np.float32)  # x, y, yaw, v
    states[..., :2] = vertices[rng.integers(0, len(vertices), (N, 1))] + np.cumsum(
        rng.normal(0, 0.6, (N, T1, 2)), 1
    )
    states[..., 2] = rng.uniform(-np.pi, np.pi, (N, 1))
    states[..., 3] = rng.uniform(2, 14, (N, 1)) + rng.uniform(0, 4, (N, T1))
    states.tofile(tmp_path / "states.bin")
    route = list(range(0, road.lane_count, 2))
    (tmp_path / "metrics.txt").write_text(
        " ".join(map(str, [N, T1, 4.8, 1.95, len(route), *route]))
    )
    run = subprocess.run(
        [str(consumer_build / "road_map"), str(tmp_path)], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.startswith("ok "), run.stdout + run.stderr
    areas = trajcore.ego_areas(states, (4.8, 1.95), road, route_lanes=route, drivable_tolerance=0.3)
    np.testing.assert_array_equal(np.fromfile(tmp_path / "areas.bin", np.int32), areas.ravel())
    dac = trajcore.drivable_area_compliance(areas)
    np.testing.assert_array_equal(np.fromfile(tmp_path / "dac.bin", np.float32), dac.score)
    np.testing.assert_array_equal(np.fromfile(tmp_path / "dac_first.bin", np.int32), dac.first_step)
    for name, kwargs in (
        ("lane", {"road_map": road, "window": 10}),
        ("route", {"areas": areas, "rule": "off_route", "window": 0}),
    ):
        ddc = trajcore.driving_direction_compliance(states, **kwargs)
        for field, suffix, dtype in (
            ("score", "", np.float32),
            ("wrong_way", "_wrong", np.float32),
            ("first_step", "_first", np.int32),
        ):
            cpp = np.fromfile(tmp_path / f"ddc_{name}{suffix}.bin", dtype)
            np.testing.assert_array_equal(cpp, getattr(ddc, field), err_msg=f"{name} {field}")
    assert 0 < (areas != 0).mean() < 1
    speed = trajcore.speed_limit_compliance(states, road)
    for field, name, dtype in (
        ("score", "speed_score", np.float32),
        ("max_overspeed", "speed_over", np.float32),
        ("first_step", "speed_first", np.int32),
    ):
        cpp = np.fromfile(tmp_path / f"{name}.bin", dtype)
        np.testing.assert_array_equal(cpp, getattr(speed, field), err_msg=name)
    distance = road.drivable_area_distance(np.ascontiguousarray(poses[:, :2]))
    loc = road.locate_lanes(poses)
    np.testing.assert_array_equal(np.fromfile(tmp_path / "distance.bin", np.float32), distance)
    np.testing.assert_array_equal(np.fromfile(tmp_path / "lane.bin", np.int32), loc.lane)
    np.testing.assert_array_equal(
        np.fromfile(tmp_path / "lane_count.bin", np.int32), loc.lane_count
    )
    np.testing.assert_array_equal(
        np.fromfile(tmp_path / "station.bin", np.float32), loc.station.ravel()
    )
    np.testing.assert_array_equal(
        np.fromfile(tmp_path / "speed_limit.bin", np.float32), loc.speed_limit
    )
    assert (loc.lane >= 0).mean() > 0.3 and (distance > 0).mean() > 0.1


@pytest.mark.slow
def test_cpp_at_fault_collisions_equal_python(consumer_build, tmp_path, rng):
    """trajcore::at_fault_collisions from C++ and its Python twin agree bit for bit on a random
    highway scene with multimodal agents."""
    from trajcore.synthetic import highway_scene

    s = highway_scene(n_candidates=96, n_agents=24, n_modes=3, steps=40)
    car = trajcore.VehicleParams.passenger_car()
    lanes = [
        trajcore.Lane(
            np.array([[-200.0, y], [400.0, y]]),
            np.array([[-200.0, y + 1.85], [400.0, y + 1.85]]),
            np.array([[-200.0, y - 1.85], [400.0, y - 1.85]]),
        )
        for y in (0.0, 3.7, 7.4)
    ]
    road = trajcore.RoadMap(lanes)
    hits = trajcore.check_collisions(
        s.ego, s.ego_extent, s.agents, s.agent_extent, s.agent_prob, s.agent_valid
    )
    areas = trajcore.ego_areas(s.ego, s.ego_extent, road)
    types = rng.choice([0, 0, 1, 2, 3], len(s.agent_extent)).astype(np.int32)
    N, T1, S = s.ego.shape
    M, K = s.agents.shape[:2]
    arrays = {
        "states": s.ego,
        "areas": areas,
        "agents": s.agents,
        "agent_extent": s.agent_extent,
        "agent_type": types,
        "agent_first_step": hits.agent_first_step,
        "agent_prob": s.agent_prob,
    }
    for name, value in arrays.items():
        np.ascontiguousarray(value).tofile(tmp_path / f"{name}.bin")
    (tmp_path / "request.txt").write_text(
        f"{N} {T1} {S} {M} {K} {float(s.ego_extent[0])!r} {float(s.ego_extent[1])!r} "
        f"{car.rear_axle_to_center!r} 0.1"
    )
    run = subprocess.run(
        [str(consumer_build / "at_fault"), str(tmp_path)], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.startswith("ok"), run.stdout + run.stderr
    params = dataclasses.replace(car, length=float(s.ego_extent[0]), width=float(s.ego_extent[1]))
    py = trajcore.at_fault_collisions(
        s.ego,
        areas,
        s.agents,
        s.agent_extent,
        types,
        hits.agent_first_step,
        params=params,
        dt=0.1,
        agent_prob=s.agent_prob,
    )
    for field, dtype in (
        ("score", np.float32),
        ("at_fault_prob", np.float32),
        ("first_step", np.int32),
        ("collision_type", np.int32),
    ):
        cpp = np.fromfile(tmp_path / f"{field}.bin", dtype)
        np.testing.assert_array_equal(cpp, np.asarray(getattr(py, field)).ravel(), err_msg=field)
    assert (py.collision_type >= 0).any() and (py.score < 1).any()
    counts = trajcore.at_fault_collisions(
        s.ego,
        areas,
        s.agents,
        s.agent_extent,
        types,
        hits.agent_first_step,
        params=params,
        dt=0.1,
        agent_prob=s.agent_prob,
        scoring="nuplan_counts",
    )
    np.testing.assert_array_equal(
        np.fromfile(tmp_path / "score_nuplan.bin", np.float32), counts.score
    )
    ttc = trajcore.time_to_collision(
        s.ego, areas, s.agents, s.agent_extent, params=params, dt=0.1, agent_prob=s.agent_prob
    )
    for field, name, dtype in (
        ("score", "ttc_score", np.float32),
        ("violation_prob", "ttc_prob", np.float32),
        ("first_step", "ttc_first_step", np.int32),
    ):
        cpp = np.fromfile(tmp_path / f"{name}.bin", dtype)
        np.testing.assert_array_equal(cpp, getattr(ttc, field), err_msg=name)
    assert 0 < ttc.score.mean() < 1


@pytest.mark.slow
def test_cpp_comfort_equals_python(consumer_build, tmp_path, rng):
    """trajcore::comfort from C++ and trajcore.comfort agree bit for bit (PDM's defaults)."""
    from test_comfort import random_drives

    states = random_drives(rng, 200, 40)
    states.tofile(tmp_path / "states.bin")
    N, T1, S = states.shape
    (tmp_path / "request.txt").write_text(f"{N} {T1} {S} 0.1")
    run = subprocess.run(
        [str(consumer_build / "comfort"), str(tmp_path)], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.startswith("ok"), run.stdout + run.stderr
    py = trajcore.comfort(states, 0.1, series=True)
    for field, dtype in (
        ("score", np.float32),
        ("failed", np.int32),
        ("first_step", np.int32),
        ("series", np.float32),
    ):
        cpp = np.fromfile(tmp_path / f"{field}.bin", dtype)
        np.testing.assert_array_equal(cpp, np.asarray(getattr(py, field)).ravel(), err_msg=field)
    assert 0 < py.score.mean() < 1


@pytest.mark.slow
@pytest.mark.parametrize(
    "profile", ["pdm_closed", "navsim_pdms", "trajcore_default", "nuplan_cls", "navsim_epdms"]
)
def test_cpp_score_equals_python(consumer_build, tmp_path, rng, profile):
    """trajcore::score from C++ and trajcore.score agree bit for bit, every sub-score and step.
    The nuPlan and NAVSIM v2 profiles get the scene's extra inputs: the expert, the history, the
    previous frame's trajectory and red lights."""
    from test_scoring import highway_map
    from trajcore.synthetic import highway_scene

    s = highway_scene(n_candidates=128, n_agents=20, n_modes=3, steps=40)
    car = trajcore.VehicleParams.passenger_car()
    types = rng.choice([0, 0, 1, 2, 3], 20).astype(np.int32)
    arrays = {
        "states": s.ego,
        "agents": s.agents,
        "agent_extent": s.agent_extent,
        "agent_prob": s.agent_prob,
        "agent_type": types,
    }
    for name, value in arrays.items():
        np.ascontiguousarray(value).tofile(tmp_path / f"{name}.bin")
    N, T1, S = s.ego.shape
    M, K = s.agents.shape[:2]
    request = f"{N} {T1} {S} {M} {K} {car.length!r} {car.width!r} {car.rear_axle_to_center!r} 0.1"
    extras = {}
    if profile in ("nuplan_cls", "navsim_epdms"):
        # The expert: the best candidate under pdm_closed (the human filter passes every metric
        # the expert fails, so it must fail few); a history leading into the candidates' first
        # state; the previous frame's plan: candidate 10, two steps older; lane 2 red from step 20.
        H, shift = 6, 2
        road, centre = highway_map()
        best = int(
            trajcore.score(
                s.ego,
                s.agents,
                s.agent_extent,
                types,
                params=car,
                dt=0.1,
                road_map=road,
                centerline=centre,
                agent_prob=s.agent_prob,
            ).total.argmax()
        )
        history = np.repeat(s.ego[best, :1], H, 0)
        history[:, 0] -= np.arange(H, 0, -1) * 0.1 * history[:, 3]
        red = np.where(np.arange(T1)[:, None] >= 20, 2, -1).astype(np.int32)
        extras = {
            "expert": np.ascontiguousarray(s.ego[best]),
            "history": history.astype(np.float32),
            "previous": np.ascontiguousarray(s.ego[10]),
            "previous_shift": shift,
            "red_lights": red,
        }
        for name in ("expert", "history", "previous", "red_lights"):
            extras[name].tofile(tmp_path / f"{name}.bin")
        request += f" {H} {shift} {red.shape[1]}"
    (tmp_path / "request.txt").write_text(request)
    run = subprocess.run(
        [str(consumer_build / "scoring"), str(tmp_path), profile], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.startswith("ok"), run.stdout + run.stderr
    road, centre = highway_map()
    py = trajcore.score(
        s.ego,
        s.agents,
        s.agent_extent,
        types,
        params=car,
        dt=0.1,
        road_map=road,
        centerline=centre,
        agent_prob=s.agent_prob,
        profile=profile,
        **extras,
    )
    for field in (
        "total",
        "no_collision",
        "drivable_area",
        "driving_direction",
        "progress",
        "progress_m",
        "ttc",
        "comfort",
        "traffic_light",
        "making_progress",
        "speed_limit",
        "lane_keeping",
        "extended_comfort",
    ):
        cpp = np.fromfile(tmp_path / f"{field}.bin", np.float32)
        np.testing.assert_array_equal(cpp, getattr(py, field), err_msg=field)
    for field in (
        "collision_step",
        "ttc_step",
        "comfort_step",
        "drivable_area_step",
        "driving_direction_step",
        "traffic_light_step",
        "speed_limit_step",
        "lane_keeping_step",
    ):
        cpp = np.fromfile(tmp_path / f"{field}.bin", np.int32)
        np.testing.assert_array_equal(cpp, getattr(py, field), err_msg=field)
    assert 0 < (py.total > 0).mean() < 1
    if profile == "navsim_epdms":
        for field in ("traffic_light", "lane_keeping", "extended_comfort"):
            assert 0 < getattr(py, field).mean() < 1, field


@pytest.mark.slow
def test_cpp_planner_equals_python(consumer_build, tmp_path):
    """A whole planning cycle from C++ (trajcore::Planner) and from Python (trajcore.Planner):
    the same candidates, scores, reasons and choice, bit for bit."""
    from test_planner import stopped_car_scene

    scene = stopped_car_scene()
    for name in ("ego_state", "agents", "agent_extent", "agent_type"):
        np.ascontiguousarray(getattr(scene, name)).tofile(
            tmp_path / f"{'ego' if name == 'ego_state' else name}.bin"
        )
    M, K, T1 = scene.agents.shape[:3]
    (tmp_path / "request.txt").write_text(f"{M} {K} {T1} 64")
    run = subprocess.run(
        [str(consumer_build / "planner"), str(tmp_path)], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.startswith("ok"), run.stdout + run.stderr
    py = trajcore.Planner(chunk=64).plan(scene)
    assert int(np.fromfile(tmp_path / "chosen.bin", np.int32)[0]) == py.chosen
    np.testing.assert_array_equal(np.fromfile(tmp_path / "total.bin", np.float32), py.scores.total)
    np.testing.assert_array_equal(np.fromfile(tmp_path / "reasons.bin", np.int32), py.reasons)
    np.testing.assert_array_equal(
        np.fromfile(tmp_path / "states.bin", np.float32), py.candidates.states.ravel()
    )
