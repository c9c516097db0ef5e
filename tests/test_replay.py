"""Closed-loop replay (trajcore.sim.replay): the ego is driven by its plans, agents replay their
logs or react through IDM, and both the planner and the logged human are scored with nuPlan's
closed-loop metrics."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

import trajcore
from real_lanes import shared_data
from trajcore.collision_metrics import AgentType
from trajcore.data import load_commonroad, resample_scenario
from trajcore.generators import IdmParams
from trajcore.sim import default_ego, replay, replay_planner
from trajcore.sim.idm import IdmAgents


def ngsim(name: str = "USA_US101-23_1_T-1.xml") -> trajcore.data.Scenario:
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the replay tests drive real NGSIM recordings")
    return load_commonroad(next((root / "commonroad_ngsim").rglob(name)))


@pytest.fixture(scope="module")
def predictor() -> trajcore.Predictor:
    return trajcore.Predictor.load()


def planner() -> trajcore.Planner:
    return replay_planner()


def test_replay_drives_the_ego_by_its_plans(predictor: trajcore.Predictor) -> None:
    s = ngsim()
    result = replay(s, None, planner(), predictor, max_steps=50)
    index = s.agent_id.index(result.ego)
    log = s.agent_states[index]
    first = int(np.flatnonzero(s.agent_valid[index])[0])
    assert result.steps == 50 and result.start == first + 20  # after 2 s of history
    driven = result.planner.states
    assert driven.shape == (51, 6)
    # Starts on the log, then each state is the previous plan's next state.
    assert np.allclose(driven[0, :3], log[result.start, :3], atol=1e-5)
    assert np.array_equal(driven[1:], result.plans[:, 1])
    assert np.array_equal(result.plans[:, 0], driven[:-1])
    # The human drive is the log itself, and its progress ratio against itself is 1.
    assert np.allclose(result.human.states[:, :2], log[result.start : result.start + 51, :2])
    assert result.human.scores["progress"] == 1.0
    assert result.human.scores["making_progress"] == 1.0
    for drive in (result.planner, result.human):
        assert set(drive.scores) >= {"total", "no_collision", "ttc", "comfort", "speed_limit"}
        assert all(0.0 <= v <= 1.0 for v in drive.scores.values())
    # A moving drive: the planner makes real progress along the route (US-101 at speed).
    assert result.planner.progress_m > 50.0
    summary = result.summary()
    assert summary["planner"]["total"] == result.planner.scores["total"]
    assert summary["steps"] == 50


def test_default_ego_is_a_moving_logged_vehicle() -> None:
    s = ngsim("USA_Lanker-2_17_T-1.xml")
    ego = s.agent_id.index(default_ego(s))
    xy = s.agent_states[ego][s.agent_valid[ego], :2]
    travelled = np.hypot(*np.diff(xy, axis=0).T).sum()
    assert s.agent_type[ego] == 0 and travelled > 50.0


def test_non_reactive_agents_replay_their_logs(predictor: trajcore.Predictor) -> None:
    s = ngsim()
    result = replay(s, None, planner(), predictor, max_steps=20)
    window = slice(result.start, result.start + 21)
    assert s.agent_id.index(result.ego) not in result.agent_index
    assert np.array_equal(result.agent_states, s.agent_states[result.agent_index][:, window])
    assert np.array_equal(result.agent_valid, s.agent_valid[result.agent_index][:, window])


def test_idm_agent_stops_behind_a_stopped_object() -> None:
    path = np.zeros((1, 400, 5))
    path[0, :, 0] = np.arange(400) * 1.0  # logged at 10 m/s along +x, 0.1 s steps
    path[0, :, 3] = 10.0
    valid = np.ones((1, 400), np.bool_)
    agents = IdmAgents.from_log(path, valid, IdmParams())
    wall = np.array([[80.0, 0.0, 0.0, 0.0]])  # x, y, yaw, speed: a stopped car 80 m ahead
    extent = np.array([[4.5, 1.8]])
    for _ in range(300):
        agents.advance(0.1, np.array([True]), extent, wall, extent)
    x, _, _ = agents.pose(0)
    assert agents.v[0] < 0.05
    assert 80.0 - 4.5 - 0.05 > x > 80.0 - 4.5 - 3.0  # stopped short of contact, near min gap
    free = IdmAgents.from_log(path, valid, IdmParams())
    for _ in range(30):
        free.advance(0.1, np.array([True]), extent, np.zeros((0, 4)), np.zeros((0, 2)))
    assert free.v[0] == pytest.approx(10.0, abs=0.1) and free.pose(0)[0] == pytest.approx(
        30.0, abs=0.5
    )


def test_idm_agent_drives_on_past_the_end_of_its_log() -> None:
    # Logged 20 steps at 10 m/s but only 19 m long: the model's agent runs out of log, and
    # keeps its speed straight on (it used to stop dead at the last pose, speed still 10 m/s).
    path = np.zeros((1, 20, 5))
    path[0, :, 0] = np.arange(20) * 1.0
    path[0, :, 1] = 2.0
    path[0, :, 2] = 0.0
    path[0, :, 3] = 10.0
    agents = IdmAgents.from_log(path, np.ones((1, 20), np.bool_), IdmParams())
    extent = np.array([[4.5, 1.8]])
    poses = []
    for _ in range(30):
        agents.advance(0.1, np.array([True]), extent, np.zeros((0, 4)), np.zeros((0, 2)))
        poses.append(agents.pose(0))
    x, y, yaw = poses[-1]
    assert agents.v[0] == pytest.approx(10.0, abs=0.1)
    assert x == pytest.approx(30.0, abs=0.5) and y == pytest.approx(2.0) and yaw == 0.0
    assert np.all(np.diff([p[0] for p in poses]) > 0.9)  # never stalls


def test_reactive_agents_keep_to_their_logged_paths(predictor: trajcore.Predictor) -> None:
    s = ngsim()
    result = replay(s, None, planner(), predictor, max_steps=40, reactive=True)
    assert result.reactive
    window = slice(result.start, result.start + 41)
    log = s.agent_states[result.agent_index][:, window]
    valid = result.agent_valid
    assert np.array_equal(valid, s.agent_valid[result.agent_index][:, window])
    moved = np.hypot(*(result.agent_states - log)[..., :2].transpose(2, 0, 1))[valid]
    assert moved.max() > 0.0  # IDM speeds differ from the log somewhere
    # Every simulated position lies on its agent's logged path (within interpolation error) or
    # on its straight continuation past the log's last pose.
    for i in range(len(result.agent_index)):
        track = s.agent_states[result.agent_index[i]][s.agent_valid[result.agent_index[i]]]
        path, (x, y, yaw) = track[:, :2], track[-1, :3]
        for xy in result.agent_states[i][valid[i], :2]:
            gap = np.hypot(*(path - xy).T).min()
            dx, dy = xy[0] - x, xy[1] - y
            along = dx * np.cos(yaw) + dy * np.sin(yaw)
            across = -dx * np.sin(yaw) + dy * np.cos(yaw)
            assert gap < 1.0 or (along > 0 and abs(across) < 1e-3 * along + 1e-4), (i, gap)


def test_replay_errors_name_the_problem(predictor: trajcore.Predictor) -> None:
    s = ngsim()
    with pytest.raises(ValueError, match="ego_id is 'nobody'"):
        replay(s, "nobody", planner(), predictor)
    with pytest.raises(
        ValueError, match=r"planner.steps is 60, expected at most the predictor's 50"
    ):
        replay(s, None, trajcore.Planner(steps=60, dt=0.1), predictor)
    with pytest.raises(ValueError, match=r"scenario dt 0.2 s, planner dt 0.1 s"):
        replay(resample_scenario(s, 0.2), None, planner(), predictor)
    with pytest.raises(ValueError, match="has no recorded ego"):
        replay(s, "ego", planner(), predictor)


def test_reactive_replay_drives_vehicles_and_replays_pedestrians_and_cyclists(
    predictor: trajcore.Predictor,
) -> None:
    # SinD at a junction: pedestrians and cyclists cross. With reactive agents the vehicles follow
    # IDM; everyone else replays the log (a cyclist that slowed to let the ego pass, driven by IDM,
    # sped up across its path instead).
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the replay tests drive real recordings")
    path = root / "commonroad_sind" / "CHN_SIND-831_601_T-676.cr.xml"
    solution = path.with_name(path.name.replace(".cr.xml", ".solution.xml"))
    s = resample_scenario(load_commonroad(path, solution=solution, dt=0.5), 0.1)
    result = replay(s, None, planner(), predictor, max_steps=30, reactive=True)
    window = slice(result.start, result.start + 31)
    log = s.agent_states[result.agent_index][:, window]
    valid = result.agent_valid
    vehicle = s.agent_type[result.agent_index] == AgentType.VEHICLE
    assert (~vehicle & valid.any(1)).sum() >= 5 and (vehicle & valid.any(1)).sum() >= 5
    assert np.array_equal(
        result.agent_states[~vehicle][valid[~vehicle]], log[~vehicle][valid[~vehicle]]
    )
    moved = np.hypot(*(result.agent_states - log)[..., :2].transpose(2, 0, 1))
    assert moved[vehicle][valid[vehicle]].max() > 0.1
