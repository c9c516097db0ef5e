"""examples/vehicle_app, built against the installed SDK and libtorch, replays scene files of real
recordings (NGSIM with a logged vehicle as the ego, SinD and Argoverse 2 with their recorded
egos) in closed loop; trajcore.sim.replay drives the same scenes in Python. Every cycle's chosen
candidate, trajectory and every candidate's scores agree bit for bit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import trajcore  # noqa: E402
from real_lanes import shared_data  # noqa: E402
from torch_program import build_torch_program  # noqa: E402
from trajcore.data import load_argoverse2, load_commonroad, resample_scenario  # noqa: E402
from trajcore.data.scenario import Scenario  # noqa: E402
from trajcore.sim import StepRecord, read_arrays, replay, replay_planner  # noqa: E402

APP = Path(__file__).resolve().parents[1] / "examples" / "vehicle_app"
COLUMNS = (
    "total",
    "no_collision",
    "drivable_area",
    "driving_direction",
    "progress",
    "ttc",
    "comfort",
    "making_progress",
    "speed_limit",
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("vehicle_app") / "build"
    return build_torch_program(APP, build, "vehicle_app")


def recordings() -> dict[str, Scenario]:
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the vehicle-app test replays real recordings")
    # A window whose light is red for the ego while it drives up to the junction.
    sind = root / "commonroad_sind" / "CHN_SIND-831_902_T-977.cr.xml"
    av2 = root / "argoverse2_sample"
    return {
        "ngsim": load_commonroad(next((root / "commonroad_ngsim").rglob("USA_US101-23_1_T-1.xml"))),
        "sind": resample_scenario(
            load_commonroad(
                sind, solution=sind.with_name(sind.name.replace(".cr.xml", ".solution.xml")), dt=0.5
            ),
            0.1,
        ),
        "av2": load_argoverse2(
            next(av2.glob("scenario_*.parquet")), next(av2.glob("log_map_archive_*.json"))
        ),
    }


@pytest.mark.parametrize("name", ["ngsim", "sind", "av2"])
def test_vehicle_app_equals_python_replay(app: Path, tmp_path: Path, name: str) -> None:
    scenario = recordings()[name]
    predictor = trajcore.Predictor.load()
    planner = replay_planner()
    scores: dict[str, list[np.ndarray]] = {c: [] for c in COLUMNS}

    def keep(step: StepRecord) -> None:
        for c in COLUMNS:
            scores[c].append(np.array(getattr(step.result.scores, c)))

    scenes = tmp_path / "scenes"
    python = replay(
        scenario, None, planner, predictor, max_steps=60, scene_dir=scenes, on_step=keep
    )
    assert python.steps >= 40
    done = subprocess.run(
        [str(app), str(predictor.path), str(scenes), str(tmp_path / "plans.trj")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (
        f"{python.steps} cycles of {planner.candidate_count} candidates, closed loop" in done.stdout
    )
    cpp = read_arrays(tmp_path / "plans.trj", "plans", 1)
    assert np.array_equal(cpp["step"], python.start + np.arange(python.steps))
    assert np.array_equal(cpp["chosen"], python.chosen)
    assert np.array_equal(cpp["trajectory"], python.plans)
    # A cycle adds candidates for the lane's speed limit and a red-light stop; rows are padded.
    width = planner.max_candidate_count
    for c in COLUMNS:
        padded = np.full((python.steps, width), np.nan, np.float32)
        for k, row in enumerate(scores[c]):
            padded[k, : len(row)] = row
        assert np.array_equal(cpp[f"scores/{c}"], padded, equal_nan=True), c
    if name == "sind":  # the light reached the planner in both
        assert any(len(row) > planner.candidate_count for row in scores["total"])
    assert (cpp["plan_ms"] > 0).all() and (cpp["predict_ms"] > 0).all()
    # The replay moved: the ego's driven states differ from its first one.
    assert np.ptp(python.planner.states[:, 0]) + np.ptp(python.planner.states[:, 1]) > 1.0


def test_vehicle_app_reports_a_truncated_scene(app: Path, tmp_path: Path) -> None:
    scenario = recordings()["ngsim"]
    planner = replay_planner()
    scenes = tmp_path / "scenes"
    replay(scenario, None, planner, trajcore.Predictor.load(), max_steps=3, scene_dir=scenes)
    second = scenes / "scene_00001.trj"
    second.write_bytes(second.read_bytes()[:-100])
    done = subprocess.run(
        [str(app), str(trajcore.Predictor.load().path), str(scenes), str(tmp_path / "p.trj")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "scene_00001.trj: truncated" in done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run(
        [str(app), str(trajcore.Predictor.load().path), str(empty), str(tmp_path / "p.trj")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "no scene_*.trj files" in done.stderr
