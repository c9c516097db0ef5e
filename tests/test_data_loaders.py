"""trajcore.data loaders on every recording in ../shared/data (counts from the data READMEs, which
were measured with lxml and pandas independently of trajcore), states checked against the format
libraries read directly, and clear errors for missing, truncated and malformed files."""

from __future__ import annotations

import collections
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import trajcore
from real_lanes import shared_data
from trajcore import AgentType
from trajcore.data import Scenario, load_argoverse2, load_commonroad

pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("commonroad")

# file: (vehicles, track states, last step, lanelets), from commonroad_ngsim/README.md
NGSIM = {
    "2020a/USA_US101-23_1_T-1.xml": (57, 5304, 140, 18),
    "2020a/USA_US101-4_1_T-1.xml": (22, 1271, 100, 12),
    "2020a/USA_Lanker-2_23_T-1.xml": (53, 3955, 80, 116),
    "2020a/USA_Lanker-1_1_T-1.xml": (24, 938, 40, 95),
    "2020a/USA_Peach-2_1_T-1.xml": (16, 884, 105, 75),
    "2020a/USA_Peach-4_8_T-1.xml": (9, 368, 60, 79),
    "2018b/USA_US101-22_3_T-1.xml": (54, 5538, 166, 18),
    "2018b/USA_US101-24_2_T-1.xml": (52, 4236, 129, 18),
    "2018b/USA_US101-13_4_T-1.xml": (43, 3348, 125, 12),
    "2018b/USA_Lanker-2_17_T-1.xml": (78, 7190, 98, 112),
    "2018b/USA_Lanker-2_24_T-1.xml": (83, 5662, 70, 112),
    "2018b/USA_Peach-4_7_T-1.xml": (19, 1530, 130, 79),
}

# window: (agents, states, ego states, the ego's first logged step), from commonroad_sind/README.md
# and the solution files' own time labels.
SIND = {
    "CHN_SIND-831_1_T-75": (22, 803, 11, 16),
    "CHN_SIND-831_75_T-150": (28, 910, 76, 0),
    "CHN_SIND-831_150_T-225": (32, 1078, 31, 45),
    "CHN_SIND-831_225_T-300": (26, 878, 15, 0),
    "CHN_SIND-831_300_T-375": (21, 711, 76, 0),
    "CHN_SIND-831_376_T-451": (25, 1090, 24, 4),
    "CHN_SIND-831_451_T-526": (31, 979, 65, 11),
    "CHN_SIND-831_526_T-601": (28, 895, 76, 0),
    "CHN_SIND-831_601_T-676": (30, 1079, 17, 25),
    "CHN_SIND-831_676_T-751": (24, 845, 76, 0),
    "CHN_SIND-831_752_T-827": (40, 1209, 23, 11),
    "CHN_SIND-831_827_T-902": (31, 1242, 9, 67),
    "CHN_SIND-831_902_T-977": (26, 941, 37, 39),
    "CHN_SIND-831_977_T-1052": (26, 1139, 5, 0),
    "CHN_SIND-831_1052_T-1127": (39, 1303, 12, 0),
}


# The SinD conversions state 0.1 s steps, but their positions move five times their recorded
# speeds: the states are 0.5 s apart (docs/data.md).
SIND_DT = 0.5


def load_sind(name: str) -> Scenario:
    return load_commonroad(data_root() / "commonroad_sind" / f"{name}.cr.xml", dt=SIND_DT)


def data_root() -> Path:
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the loader tests read the shared recordings")
    return root


def argoverse_files() -> tuple[Path, Path]:
    folder = data_root() / "argoverse2_sample"
    return next(folder.glob("scenario_*.parquet")), next(folder.glob("log_map_archive_*.json"))


def check_layout(s: Scenario) -> None:
    m, t = s.agent_count, s.steps
    assert s.agent_states.shape == (m, t, 5) and s.agent_states.dtype == np.float64
    assert s.agent_valid.shape == (m, t) and s.agent_valid.dtype == np.bool_
    assert s.agent_extent.shape == (m, 2) and np.all(s.agent_extent > 0)
    assert s.agent_type.shape == (m,) and s.agent_type.dtype == np.int32
    assert len(s.agent_kind) == m and len(set(s.agent_id)) == m
    assert np.all(np.isfinite(s.agent_states))
    assert np.all(s.agent_states[~s.agent_valid] == 0)
    assert s.agent_valid.any(axis=1).all(), "every agent has a recorded state"
    if s.has_ego:
        assert s.ego_states is not None and s.ego_valid is not None and s.ego_extent is not None
        assert s.ego_states.shape == (t, 5) and s.ego_valid.shape == (t,)


def test_every_shared_recording_is_in_the_tables() -> None:
    root = data_root()
    ngsim = {
        str(p.relative_to(root / "commonroad_ngsim")) for p in root.glob("commonroad_ngsim/*/*.xml")
    }
    sind = {p.name.removesuffix(".cr.xml") for p in root.glob("commonroad_sind/*.cr.xml")}
    assert ngsim == set(NGSIM) and sind == set(SIND)


@pytest.mark.parametrize("name", sorted(NGSIM))
def test_ngsim_counts(name: str) -> None:
    vehicles, states, last, lanelets = NGSIM[name]
    s = load_commonroad(data_root() / "commonroad_ngsim" / name)
    check_layout(s)
    assert s.agent_count == vehicles and int(s.agent_valid.sum()) == states
    assert s.steps == last + 1 and s.dt == pytest.approx(0.1)
    assert len(s.lanes) == lanelets and not s.has_ego
    assert set(s.agent_kind) == {"car"} and np.all(s.agent_type == AgentType.VEHICLE)
    # Tracks have no gaps (README: consecutive steps).
    for row in s.agent_valid:
        on = np.flatnonzero(row)
        assert on[-1] - on[0] + 1 == on.size


@pytest.mark.parametrize("name", sorted(SIND))
def test_sind_counts_and_ego(name: str) -> None:
    agents, states, ego_states, ego_first = SIND[name]
    s = load_sind(name)
    check_layout(s)
    assert s.agent_count == agents and int(s.agent_valid.sum()) == states
    assert s.steps == 76 and len(s.lanes) == 46
    assert s.ego_valid is not None and s.ego_states is not None and s.ego_extent is not None
    logged = np.flatnonzero(s.ego_valid)
    assert logged.size == ego_states and logged[0] == ego_first
    assert logged[-1] - logged[0] + 1 == logged.size
    # KS1 is commonroad-vehicle-models' vehicle 1, a Ford Escort (4.298 x 1.674 m).
    np.testing.assert_allclose(s.ego_extent, [4.298, 1.674])
    # At its labelled steps the logged ego never overlaps a recorded road user.
    for k in logged:
        ego = np.array([*s.ego_states[k, :3], *s.ego_extent], np.float32)
        here = s.agent_valid[:, k]
        boxes = np.concatenate([s.agent_states[here, k, :3], s.agent_extent[here]], 1)
        assert not trajcore.box_overlap(ego, boxes.astype(np.float32)).any(), (name, k)


def test_sind_types_over_all_windows() -> None:
    kinds: collections.Counter[str] = collections.Counter()
    for name in SIND:
        kinds.update(load_sind(name).agent_kind)
    assert kinds == {
        "car": 177,
        "motorcycle": 85,
        "bicycle": 82,
        "pedestrian": 64,
        "bus": 16,
        "truck": 5,
    }


def test_sind_ego_labels_are_the_alignment_that_agrees_with_the_agents() -> None:
    """Why the ego keeps the solution's time labels: read as starting at step 0 instead, the
    logged ego would overlap recorded road users in four windows."""
    overlapping = []
    for name in SIND:
        s = load_sind(name)
        assert s.ego_valid is not None and s.ego_states is not None and s.ego_extent is not None
        for i, k in enumerate(np.flatnonzero(s.ego_valid)):
            ego = np.array([*s.ego_states[k, :3], *s.ego_extent], np.float32)
            here = s.agent_valid[:, i]
            boxes = np.concatenate([s.agent_states[here, i, :3], s.agent_extent[here]], 1)
            if trajcore.box_overlap(ego, boxes.astype(np.float32)).any():
                overlapping.append(name)
                break
    assert len(overlapping) == 4


def test_a_wrong_time_step_is_caught() -> None:
    """SinD's files state 0.1 s; at that step the positions imply five times the recorded
    speeds (pedestrians at 6.5 m/s instead of 1.3), so the loader refuses and names the step
    the positions imply. With that step, speeds and positions agree."""
    path = data_root() / "commonroad_sind" / "CHN_SIND-831_150_T-225.cr.xml"
    with pytest.raises(
        ValueError,
        match=r"positions move 5\.0\d times the recorded speeds at a 0\.1 s step.*about 0\.5 s",
    ):
        load_commonroad(path)
    s = load_commonroad(path, dt=SIND_DT)
    assert s.dt == SIND_DT
    with pytest.raises(ValueError, match=r"dt is -1, expected a positive number of seconds"):
        load_commonroad(path, dt=-1)
    # The NGSIM files' 0.1 s agrees with their speeds, and a wrong override is caught too.
    ngsim = data_root() / "commonroad_ngsim" / "2020a" / "USA_US101-23_1_T-1.xml"
    assert load_commonroad(ngsim).dt == pytest.approx(0.1)
    with pytest.raises(ValueError, match=r"positions move 0\.20 times the recorded speeds"):
        load_commonroad(ngsim, dt=0.5)


def test_commonroad_states_match_commonroad_io() -> None:
    from commonroad.common.file_reader import CommonRoadFileReader

    path = data_root() / "commonroad_sind" / "CHN_SIND-831_150_T-225.cr.xml"
    s = load_commonroad(path, dt=SIND_DT)
    scenario, _ = CommonRoadFileReader(str(path)).open()
    for obstacle in scenario.dynamic_obstacles:
        i = s.agent_id.index(str(obstacle.obstacle_id))
        assert s.agent_kind[i] == obstacle.obstacle_type.value
        for state in [obstacle.initial_state, *obstacle.prediction.trajectory.state_list]:
            k = state.time_step
            assert s.agent_valid[i, k]
            v, yaw = state.velocity, state.orientation
            expected = [*state.position, yaw, v * np.cos(yaw), v * np.sin(yaw)]
            np.testing.assert_allclose(s.agent_states[i, k], expected, rtol=0, atol=1e-12)
    pedestrians = [i for i, kind in enumerate(s.agent_kind) if kind == "pedestrian"]
    assert pedestrians and np.all(s.agent_extent[pedestrians] == 0.7)  # circles of radius 0.35
    assert np.all(s.agent_type[pedestrians] == AgentType.PEDESTRIAN)


def test_commonroad_lanes_make_the_same_road_map() -> None:
    from commonroad.common.file_reader import CommonRoadFileReader

    from trajcore.map_sources import road_map_from_commonroad

    path = data_root() / "commonroad_ngsim" / "2020a" / "USA_Lanker-2_23_T-1.xml"
    s = load_commonroad(path)
    scenario, _ = CommonRoadFileReader(str(path)).open()
    direct = road_map_from_commonroad(scenario.lanelet_network)
    ours = s.road_map()
    rng = np.random.default_rng(0)
    centres = np.concatenate([np.asarray(lane.centerline) for lane in s.lanes])
    points = centres[rng.integers(0, len(centres), 2000)] + rng.normal(0, 2.0, (2000, 2))
    np.testing.assert_array_equal(
        ours.drivable_area_distance(points), direct.drivable_area_distance(points)
    )
    limits = [lane.speed_limit for lane in s.lanes]
    assert np.isfinite(limits).any(), "2020a maps carry speed-limit signs"


def test_argoverse2_counts() -> None:
    parquet, map_json = argoverse_files()
    s = load_argoverse2(parquet, map_json)
    check_layout(s)
    assert s.name == "0a1e6f0a-1817-4a98-b02e-db8c9327d151" and s.steps == 110
    assert s.agent_count == 57 and int(s.agent_valid.sum()) == 2434 - 110
    assert s.ego_valid is not None and s.ego_valid.all() and "AV" not in s.agent_id
    assert s.agent_id[s.focal_agent] == "138951" and s.agent_valid[s.focal_agent].all()
    assert collections.Counter(s.agent_kind) == {
        "vehicle": 31,
        "pedestrian": 12,
        "static": 8,
        "riderless_bicycle": 4,
        "background": 2,
    }
    assert len(s.lanes) == 34 and len(s.drivable_areas) == 2  # VEHICLE lane segments


def test_argoverse2_states_match_the_parquet_rows() -> None:
    parquet, map_json = argoverse_files()
    s = load_argoverse2(parquet, map_json)
    rows = pq.read_table(parquet).to_pylist()
    assert len(rows) == 2434
    for row in rows:
        k = row["timestep"]
        expected = [
            row[c] for c in ("position_x", "position_y", "heading", "velocity_x", "velocity_y")
        ]
        if row["track_id"] == "AV":
            assert s.ego_states is not None
            np.testing.assert_array_equal(s.ego_states[k], expected)
        else:
            i = s.agent_id.index(row["track_id"])
            assert s.agent_kind[i] == row["object_type"] and s.agent_valid[i, k]
            np.testing.assert_array_equal(s.agent_states[i, k], expected)


# --- errors -------------------------------------------------------------------------------


def test_missing_files() -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.xml: no such CommonRoad file"):
        load_commonroad("nowhere.xml")
    parquet, map_json = argoverse_files()
    with pytest.raises(FileNotFoundError, match=r"nowhere\.parquet: no such Argoverse 2"):
        load_argoverse2("nowhere.parquet", map_json)
    with pytest.raises(FileNotFoundError, match=r"nowhere\.json: no such Argoverse 2 map"):
        load_argoverse2(parquet, "nowhere.json")


def test_truncated_commonroad_file(tmp_path: Path) -> None:
    source = data_root() / "commonroad_ngsim" / "2020a" / "USA_Peach-4_8_T-1.xml"
    broken = tmp_path / "truncated.xml"
    text = source.read_text()
    broken.write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match=r"truncated\.xml: not a readable CommonRoad scenario"):
        load_commonroad(broken)


def test_commonroad_state_without_velocity(tmp_path: Path) -> None:
    source = data_root() / "commonroad_ngsim" / "2020a" / "USA_Peach-4_8_T-1.xml"
    text = source.read_text()
    # One obstacle's trajectory without speeds (commonroad-io fills a missing initial speed
    # with 0 and requires a trajectory's states to have the same fields).
    start = text.index("<trajectory>")
    end = text.index("</trajectory>", start)
    block = re.sub(r"<velocity>.*?</velocity>", "", text[start:end], flags=re.S)
    broken = tmp_path / "no_velocity.xml"
    broken.write_text(text[:start] + block + text[end:])
    with pytest.raises(
        ValueError, match=r"no_velocity\.xml: obstacle \d+ at step 1 has no velocity"
    ):
        load_commonroad(broken)


def test_solution_of_another_scenario(tmp_path: Path) -> None:
    folder = data_root() / "commonroad_sind"
    with pytest.raises(
        ValueError, match=r"solution is for scenario .*831_75_T-150, expected .*831_1_T-75"
    ):
        load_commonroad(
            folder / "CHN_SIND-831_1_T-75.cr.xml",
            solution=folder / "CHN_SIND-831_75_T-150.solution.xml",
        )
    broken = tmp_path / "x.solution.xml"
    broken.write_text((folder / "CHN_SIND-831_1_T-75.solution.xml").read_text()[:300])
    with pytest.raises(ValueError, match=r"x\.solution\.xml: not a readable CommonRoad solution"):
        load_commonroad(folder / "CHN_SIND-831_1_T-75.cr.xml", solution=broken)
    with pytest.raises(FileNotFoundError, match=r"none\.xml: no such CommonRoad solution"):
        load_commonroad(folder / "CHN_SIND-831_1_T-75.cr.xml", solution=tmp_path / "none.xml")


def write_rows(path: Path, rows: list[dict[str, object]]) -> None:
    import pyarrow as pa

    pq.write_table(pa.Table.from_pylist(rows), path)


def test_argoverse2_damaged_files(tmp_path: Path) -> None:
    parquet, map_json = argoverse_files()
    rows = pq.read_table(parquet).to_pylist()

    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(parquet.read_bytes()[:5000])
    with pytest.raises(ValueError, match=r"truncated\.parquet: not a readable Parquet file"):
        load_argoverse2(truncated, map_json)

    no_heading = tmp_path / "no_heading.parquet"
    write_rows(no_heading, [{k: v for k, v in r.items() if k != "heading"} for r in rows])
    with pytest.raises(ValueError, match=r"no_heading\.parquet: no column heading"):
        load_argoverse2(no_heading, map_json)

    repeated = tmp_path / "repeated.parquet"
    write_rows(repeated, [*rows, rows[5]])
    with pytest.raises(
        ValueError, match=rf"track {rows[5]['track_id']} has step \d+ after step \d+"
    ):
        load_argoverse2(repeated, map_json)

    nan = tmp_path / "nan.parquet"
    write_rows(nan, [dict(r, position_y=float("nan")) if i == 7 else r for i, r in enumerate(rows)])
    with pytest.raises(
        ValueError, match=rf"track {rows[7]['track_id']} has y = nan at step {rows[7]['timestep']}"
    ):
        load_argoverse2(nan, map_json)

    late = tmp_path / "late.parquet"
    write_rows(late, [dict(r, timestep=110) if i == 9 else r for i, r in enumerate(rows)])
    with pytest.raises(ValueError, match=r"a track reaches step 110, expected steps < 110"):
        load_argoverse2(late, map_json)

    unknown = tmp_path / "unknown.parquet"
    write_rows(
        unknown,
        [
            dict(r, object_type="hovercraft") if r["track_id"] == rows[0]["track_id"] else r
            for r in rows
        ],
    )
    with pytest.raises(ValueError, match=r"object_type 'hovercraft', expected one of"):
        load_argoverse2(unknown, map_json)

    shutil.copy(map_json, tmp_path / "map.json")
    bad_json = tmp_path / "bad.json"
    bad_json.write_text(map_json.read_text()[:1000])
    with pytest.raises(ValueError, match=r"bad\.json: not readable JSON"):
        load_argoverse2(parquet, bad_json)
    no_lanes = tmp_path / "no_lanes.json"
    no_lanes.write_text(json.dumps({"drivable_areas": {}}))
    with pytest.raises(ValueError, match=r"no_lanes\.json: no 'lane_segments'"):
        load_argoverse2(parquet, no_lanes)


def test_lanelet_neighbour_cycle_is_refused_not_hung(tmp_path: Path) -> None:
    """Found by tests/fuzz: commonroad-io follows same-direction neighbours without end when
    they form a cycle (it hangs on such a file); load_commonroad refuses the file first."""
    import re
    import subprocess
    import sys

    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the test edits a real NGSIM file")
    text = next((root / "commonroad_ngsim").rglob("USA_Peach-4_8_T-1.xml")).read_text()
    first = re.search(r'<lanelet id="(\d+)"', text)
    assert first is not None
    right = re.search(r'<adjacentRight drivingDir="same" ref="(\d+)"/>', text[first.start() :])
    assert right is not None  # the first lanelet's right neighbour, in the same direction
    start = text.index(f'<lanelet id="{right.group(1)}"')
    end = text.index("</lanelet>", start)
    block = re.sub(
        r'<adjacentRight drivingDir="\w+" ref="\d+"/>',
        f'<adjacentRight drivingDir="same" ref="{first.group(1)}"/>',
        text[start:end],
    )
    path = tmp_path / "cycle.xml"
    path.write_text(text[:start] + block + text[end:])
    code = (
        "import sys\nfrom trajcore.data import load_commonroad\n"
        "try:\n    load_commonroad(sys.argv[1])\nexcept ValueError as e:\n    print(e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert f"{path}: lanelet {first.group(1)}'s same-direction adjacentRight" in done.stdout
    assert "lead back to lanelet" in done.stdout
