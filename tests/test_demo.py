"""`trajcore demo`: the embedded highway in closed loop with the shipped predictor; its table is
the replay's metrics, its files are real images; the procedural recording is what it claims."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import trajcore
from trajcore.sim import ConstantVelocityPredictor, read_scene, replay, replay_planner
from trajcore.sim.highway import LANE_WIDTH, highway_merge_scenario


def test_highway_recording_has_its_merge_and_cut_in() -> None:
    s = highway_merge_scenario()
    assert s.dt == 0.1 and s.steps == 101 and s.has_ego and s.agent_valid.all()
    cut_in = s.agent_states[s.agent_id.index("cut_in")]
    merger = s.agent_states[s.agent_id.index("merger")]
    assert cut_in[0, 1] == pytest.approx(2 * LANE_WIDTH) and cut_in[-1, 1] == pytest.approx(
        LANE_WIDTH
    )
    assert merger[0, 1] == pytest.approx(-LANE_WIDTH) and merger[-1, 1] == pytest.approx(0.0)
    # Positions agree with the logged velocities (the loaders' time-step check).
    for track in s.agent_states:
        implied = np.diff(track[:, :2], axis=0) / s.dt
        logged = (track[1:, 3:5] + track[:-1, 3:5]) / 2
        assert np.abs(implied - logged).max() < 0.1
    # Every vehicle stays on the map's lanes.
    located = s.road_map().locate_lanes(s.agent_states[..., :3].astype(np.float32))
    assert (np.asarray(located.lane) >= 0).all()
    assert (
        np.asarray(s.road_map().locate_lanes(s.ego_states[:, :3].astype(np.float32)).lane) >= 0
    ).all()


def test_demo_command_writes_its_table_and_files(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "trajcore.cli",
            "demo",
            "--out",
            str(tmp_path),
            "--max-steps",
            "30",
            "--scenes",
            str(tmp_path / "scenes"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "trajcore_highway_merge" in out and "logged human" in out
    # The table is the replay's own result.
    result = replay(
        highway_merge_scenario(), None, replay_planner(), trajcore.Predictor.load(), max_steps=30
    )
    total = f"{result.planner.scores['total']:.3f}"
    assert any(
        [cell.strip() for cell in line.split("│")[1:3]] == ["total", total]
        for line in out.splitlines()
        if "total" in line
    )
    gap = f"{result.planner.min_gap:.1f} ({result.planner.min_gap_agent})"
    assert any("min gap (m)" in line and gap in line for line in out.splitlines())
    assert f"{result.planner.progress_m:.1f}" in out
    scenes = sorted((tmp_path / "scenes").glob("scene_*.trj"))
    assert len(scenes) == 30
    assert read_scene(scenes[-1]).step == result.start + 29
    from PIL import Image

    for name, frames in (("demo.png", 1), ("replay.png", 1), ("demo.gif", 15)):
        with Image.open(tmp_path / name) as image:
            assert image.size[0] >= 1280 and getattr(image, "n_frames", 1) == frames, name


def test_constant_velocity_fallback_predicts_constant_velocity() -> None:
    s = highway_merge_scenario()
    steps = []
    result = replay(
        s, None, replay_planner(), ConstantVelocityPredictor(), max_steps=3, on_step=steps.append
    )
    assert result.steps == 3
    step = steps[0]
    now = step.frame.agent_history[:, -1]
    expected = trajcore.propagate_agents(
        np.column_stack([now[:, :3], np.hypot(now[:, 3], now[:, 4])]).astype(np.float32),
        50,
        0.1,
        "cv",
    )
    # Heading and speed from the logged velocity: the same straight line, 5 s ahead.
    assert step.agent_valid.all()
    np.testing.assert_allclose(step.agents[:, 0, :, :2], expected[:, 0, :, :2], atol=0.05)


def gap_to(result: Any, scenario: Any, agent: str) -> np.ndarray:
    """(S+1,) the driven ego's box-to-box gap to one agent over the drive."""
    from trajcore.sim.replay import agent_gaps

    row = list(result.agent_index).index(scenario.agent_id.index(agent))
    return agent_gaps(
        result.planner.states,
        scenario.ego_extent,
        result.agent_states[row : row + 1],
        scenario.agent_extent[[result.agent_index[row]]],
        result.agent_valid[row : row + 1],
    )[0]


class LaneKeepingPredictor(ConstantVelocityPredictor):
    """Every agent goes on along the road (+x) at its current speed: the forecast of the
    predictor trajcore shipped before, which kept a car in its lane while it was cutting in."""

    def predict_window(self, window: dict[str, Any]) -> tuple[Any, Any]:
        out, prob = super().predict_window(window)
        now = np.asarray(window["states"])[:, -1]
        out[..., 1] = now[:, None, None, 1]
        out[..., 0] = now[:, None, None, 0] + np.hypot(now[:, 3], now[:, 4])[:, None, None] * (
            np.arange(1, out.shape[2] + 1) * self.config.dt
        )
        out[..., 2] = 0.0
        return out, prob


@pytest.mark.parametrize("safety", [True, False])
def test_the_planner_yields_to_the_cut_in(safety: bool) -> None:
    """The car in the left lane cuts in ahead of the ego (2.5-4.5 s) while the forecast keeps it
    in its lane. With the physics modes and the safe-distance gate the ego eases off and keeps
    12.8 m; without both (the planner before them) it closes to under 3 m (2.5 m; under 2 m
    before speed-ups were bounded to 2 m/s^2) and is still closing when the log ends."""
    from trajcore.sim.replay import DEFAULT_PHYSICS_MODES

    scenario = highway_merge_scenario()
    result = replay(
        scenario,
        None,
        replay_planner(gate_safe_distance=safety),
        LaneKeepingPredictor(),
        physics_modes=DEFAULT_PHYSICS_MODES if safety else None,
    )
    gap = gap_to(result, scenario, "cut_in")
    if safety:
        assert gap.min() >= 10.0
        assert not result.planner.at_fault_collision
        # It eases off while the car cuts in: slower at 5 s than at the start.
        assert result.planner.states[30, 3] < result.planner.states[0, 3]
    else:
        assert gap.min() < 3.0 and gap[-1] < gap[-5]


def test_the_demo_drives_as_well_as_the_human() -> None:
    """The shipped predictor sees the cut-in: the whole demo scores 1, 2 m or more from the car
    cutting in."""
    pytest.importorskip("torch")
    scenario = highway_merge_scenario()
    result = replay(scenario, None, replay_planner(), trajcore.Predictor.load())
    assert gap_to(result, scenario, "cut_in").min() >= 2.0
    assert not result.planner.at_fault_collision
    assert result.planner.scores["total"] == pytest.approx(1.0)
