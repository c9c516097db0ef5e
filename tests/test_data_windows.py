"""Sliding windows: against a loop-by-loop reference on random scenes, lane segments by hand, the
scenario split, real NGSIM windows, and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from real_lanes import shared_data
from trajcore import Lane
from trajcore.data import Scenario
from trajcore.data.windows import WindowConfig, lane_segments, make_windows, split_scenarios


def random_scenario(rng: np.random.Generator, name: str, *, ego: bool) -> Scenario:
    m, t = int(rng.integers(3, 9)), int(rng.integers(30, 45))
    states = rng.normal(0, 20, (m, t, 5))
    valid = np.zeros((m, t), bool)
    for i in range(m):
        a = int(rng.integers(0, t - 5))
        valid[i, a : int(rng.integers(a + 1, t + 1))] = True
    states[~valid] = 0
    lanes = [
        Lane(
            centerline=np.cumsum(rng.normal(0, 3, (int(rng.integers(2, 6)), 2)), axis=0),
            left=np.zeros((2, 2)),
            right=np.ones((2, 2)),
            speed_limit=float(rng.choice([math.nan, 13.9])),
            in_intersection=bool(rng.integers(0, 2)),
        )
        for _ in range(4)
    ]
    ego_states = ego_valid = ego_extent = None
    if ego:
        ego_states = rng.normal(0, 20, (t, 5))
        ego_valid = np.ones(t, bool)
        ego_valid[: int(rng.integers(0, 10))] = False
        ego_states[~ego_valid] = 0
        ego_extent = np.array([4.5, 1.8])
    return Scenario(
        name=name,
        dt=0.1,
        agent_id=tuple(str(i) for i in range(m)),
        agent_kind=("car",) * m,
        agent_type=rng.integers(0, 4, m).astype(np.int32),
        agent_extent=rng.uniform(1, 5, (m, 2)),
        agent_states=states,
        agent_valid=valid,
        lanes=tuple(lanes),
        ego_states=ego_states,
        ego_valid=ego_valid,
        ego_extent=ego_extent,
    )


def reference_windows(scenarios: list[Scenario], c: WindowConfig) -> list[dict[str, object]]:
    """The windows as plain loops over agents, steps and lane points."""
    out = []
    for index, s in enumerate(scenarios):
        agents = [
            (s.agent_states[i], s.agent_valid[i], int(s.agent_type[i]), s.agent_extent[i], False)
            for i in range(s.agent_count)
        ]
        if s.ego_states is not None:
            agents.append((s.ego_states, s.ego_valid, 0, s.ego_extent, True))
        points, point_valid, attributes = lane_segments(s.lanes, c.lane_spacing, c.lane_points)
        t = c.history if c.min_history is None else c.min_history
        need = c.future if c.min_future is None else c.min_future
        while t < s.steps - need:
            present = [a for a in agents if a[1][t]]
            if present:
                origin = np.mean([a[0][t, :2] for a in present], axis=0)
                present.sort(key=lambda a: float(np.hypot(*(a[0][t, :2] - origin))))
                present = present[: c.max_agents]
                slots = []
                for states, valid, kind, extent, ego in present:
                    rows = []
                    for k in range(t - c.history, t + c.future + 1):
                        recorded = 0 <= k < s.steps and valid[k]
                        rows.append(
                            [*(states[k, :2] - origin), *states[k, 2:]] if recorded else [0.0] * 5
                        )
                    future_ok = all(valid[k] for k in range(t, t + need + 1))
                    slots.append((np.array(rows), kind, extent, ego, future_ok))
                near = []
                for j in range(len(points)):
                    gap = min(
                        float(np.hypot(*(points[j, q] - a[0][t, :2])))
                        for q in range(c.lane_points)
                        if point_valid[j, q]
                        for a in present
                    )
                    if gap <= c.lane_radius:
                        near.append((gap, j))
                near.sort(key=lambda g: g[0])
                out.append(
                    {
                        "scenario": index,
                        "t": t,
                        "origin": origin,
                        "slots": slots,
                        "lanes": [j for _, j in near[: c.max_lane_segments]],
                        "points": points,
                        "attributes": attributes,
                    }
                )
            t += c.stride
    return out


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("partial", [False, True])
def test_windows_match_the_loop_reference(seed: int, partial: bool) -> None:
    """Whole windows, and training's partial ones: from 2 steps into a recording, targets
    recorded for 3 of the 6 future steps."""
    rng = np.random.default_rng(seed)
    scenarios = [random_scenario(rng, f"s{i}", ego=i % 2 == 1) for i in range(3)]
    config = WindowConfig(
        min_history=2 if partial else None,
        min_future=3 if partial else None,
        history=4,
        future=6,
        stride=3,
        max_agents=5,
        lane_spacing=1.5,
        lane_points=4,
        max_lane_segments=7,
        lane_radius=25.0,
    )
    w = make_windows(scenarios, config)
    expected = reference_windows(scenarios, config)
    assert len(w) == len(expected)
    for i, e in enumerate(expected):
        assert w.scenario[i] == e["scenario"] and w.current_step[i] == e["t"]
        np.testing.assert_allclose(w.origin[i], e["origin"], atol=1e-9)
        slots = e["slots"]
        assert isinstance(slots, list)
        assert int(w.present[i].sum()) == len(slots)
        for a, (rows, kind, extent, ego, future_ok) in enumerate(slots):
            np.testing.assert_allclose(w.states[i, a], rows, atol=1e-4)
            assert (
                w.agent_type[i, a] == kind and w.is_ego[i, a] == ego and w.target[i, a] == future_ok
            )
            np.testing.assert_allclose(w.agent_extent[i, a], extent, rtol=1e-6)
        assert np.all(w.agent_type[i, len(slots) :] == -1) and not w.valid[i, len(slots) :].any()
        lanes = e["lanes"]
        assert isinstance(lanes, list)
        points, attributes = e["points"], e["attributes"]
        assert isinstance(points, np.ndarray) and isinstance(attributes, np.ndarray)
        assert int(w.lane_point_valid[i].any(axis=1).sum()) == len(lanes)
        for slot, j in enumerate(lanes):
            m = w.lane_point_valid[i, slot]
            np.testing.assert_allclose(
                w.lane_points[i, slot][m], (points[j] - e["origin"])[m], atol=1e-4
            )
            np.testing.assert_array_equal(w.lane_attributes[i, slot], attributes[j])


def test_lane_segments_by_hand() -> None:
    lane = Lane(
        centerline=[[0, 0], [9, 0], [9, 4]],
        left=[[0, 1], [9, 1]],
        right=[[0, -1], [9, -1]],
        speed_limit=10.0,
    )
    points, valid, attributes = lane_segments([lane], spacing=2.0, points=4)
    # Stations 0, 2, ..., 12 and the end at 13: 8 points, segments [0..3], [3..6], [6..7].
    expected = [[0, 0], [2, 0], [4, 0], [6, 0], [8, 0], [9, 1], [9, 3], [9, 4]]
    assert points.shape == (3, 4, 2)
    np.testing.assert_allclose(points[0], expected[0:4])
    np.testing.assert_allclose(points[1], expected[3:7])
    np.testing.assert_allclose(points[2][:2], expected[6:8])
    np.testing.assert_array_equal(valid, [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 0, 0]])
    np.testing.assert_array_equal(attributes, [[10, 1, 0]] * 3)
    unknown = Lane(
        centerline=[[0, 0], [1, 0]],
        left=[[0, 1], [1, 1]],
        right=[[0, -1], [1, -1]],
        in_intersection=True,
    )
    _, valid, attributes = lane_segments([unknown], spacing=2.0, points=4)
    np.testing.assert_array_equal(valid, [[1, 1, 0, 0]])
    np.testing.assert_array_equal(attributes, [[0, 0, 1]])  # no limit: 0 and flagged unknown


def test_split_keeps_scenarios_whole_and_is_stable() -> None:
    names = [f"scene_{i}" for i in range(12)]
    train, test = split_scenarios(names, test_fraction=0.25, seed=3)
    assert len(test) == 3 and set(train) | set(test) == set(names) and not set(train) & set(test)
    assert split_scenarios(names[::-1], test_fraction=0.25, seed=3) == (train, test)
    assert split_scenarios(names, test_fraction=0.25, seed=4) != (train, test)
    with pytest.raises(ValueError, match=r"test_fraction is 1\.5, expected a number in \(0, 1\)"):
        split_scenarios(names, test_fraction=1.5)
    with pytest.raises(ValueError, match=r"1 distinct scenario names, expected at least 2"):
        split_scenarios(["a", "a"])


def test_real_ngsim_windows() -> None:
    from trajcore.data import load_commonroad

    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the real-window test reads NGSIM")
    s = load_commonroad(root / "commonroad_ngsim" / "2018b" / "USA_US101-22_3_T-1.xml")
    w = make_windows([s])
    # Steps 0..166: current steps 20, 25, ..., 115 (116 + 50 = 166 is the last with a future).
    np.testing.assert_array_equal(w.current_step, np.arange(20, 116, 5))
    assert w.states.shape == (20, 128, 71, 5)
    for i, t in enumerate(w.current_step):
        assert int(w.present[i].sum()) == int(s.agent_valid[:, t].sum())
        full = s.agent_valid[:, t : t + 51].all(axis=1)
        assert int(w.target[i].sum()) == int(full.sum())
    assert w.lane_point_valid.any(axis=(1, 2)).all()


def test_errors() -> None:
    rng = np.random.default_rng(0)
    s = random_scenario(rng, "a", ego=False)
    with pytest.raises(
        ValueError, match=r"scenario 'a' has 0\.1 s steps, expected config\.dt = 0\.5 s"
    ):
        make_windows([s], WindowConfig(dt=0.5))
    with pytest.raises(ValueError, match=r"scenarios is empty"):
        make_windows([])
    with pytest.raises(ValueError, match=r"no window: no scenario has an agent present"):
        make_windows([s], WindowConfig(history=20, future=50))
    with pytest.raises(ValueError, match=r"WindowConfig\.future is -1, expected an integer >= 0"):
        WindowConfig(future=-1)
    with pytest.raises(ValueError, match=r"WindowConfig\.stride is 0, expected an integer >= 1"):
        WindowConfig(stride=0)
    with pytest.raises(
        ValueError,
        match=r"WindowConfig\.min_future is 51, expected None or an integer in \[0, 50\]",
    ):
        WindowConfig(min_future=51)
    with pytest.raises(ValueError, match=r"WindowConfig\.min_history is -1, expected None"):
        WindowConfig(min_history=-1)
    with pytest.raises(
        ValueError, match=r"WindowConfig\.lane_spacing is -1\.0, expected a positive"
    ):
        WindowConfig(lane_spacing=-1.0)
