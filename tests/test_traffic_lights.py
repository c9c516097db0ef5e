"""Traffic lights: the planner stops for a red light in closed loop on a constructed approach and
sets off on green; a lane the ego is already in is cleared, not entered; the lattice's stop
maneuver; SinD's logged lights read against commonroad-io; replay scores red-light compliance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from real_lanes import shared_data
from trajcore import Lane, Planner, PlanReason, PlanScene, ReferenceLine, RoadMap
from trajcore.sim import replay_planner
from trajcore.sim.replay import pdm_closed_planner

T = 50
#: Approach (0-50 m), the lane through the junction beyond the stop line (50-70 m), exit.
STOP_LINE = 50.0


def junction_map() -> tuple[RoadMap, ReferenceLine]:
    def lane(x0: float, x1: float, successors: tuple[int, ...], junction: bool) -> Lane:
        x = np.linspace(x0, x1, 2)
        return Lane(
            centerline=np.column_stack([x, np.zeros(2)]),
            left=np.column_stack([x, np.full(2, 1.75)]),
            right=np.column_stack([x, np.full(2, -1.75)]),
            speed_limit=15.0,
            successors=successors,
            in_intersection=junction,
        )

    lanes = [
        lane(-50, STOP_LINE, (1,), False),
        lane(STOP_LINE, 70, (2,), True),
        lane(70, 300, (), False),
    ]
    line = ReferenceLine(np.column_stack([np.linspace(-50, 300, 71), np.zeros(71)]))
    return RoadMap(lanes), line


def drive(planner: Planner, ego: np.ndarray, red: list[int] | None, seconds: float) -> np.ndarray:
    """Closed loop on an empty road: each cycle the ego moves to its plan's next state."""
    road, line = junction_map()
    states = [ego.astype(np.float32)]
    for _ in range(int(seconds / planner.dt)):
        scene = PlanScene(
            ego_state=states[-1],
            agents=np.zeros((0, 1, planner.steps + 1, 3), np.float32),
            agent_extent=np.zeros((0, 2), np.float32),
            agent_type=np.zeros(0, np.int32),
            road_map=road,
            reference_line=line,
            red_lanes=red,
        )
        states.append(np.array(planner.plan(scene).trajectory[1], np.float32))
    return np.array(states)


def front(states: np.ndarray, planner: Planner) -> np.ndarray:
    return states[:, 0] + 0.5 * planner.vehicle.length * np.cos(states[:, 2])


def test_stops_before_a_red_light_and_sets_off_on_green() -> None:
    planner = replay_planner()
    for speed in (8.0, 12.0, 16.0):
        approach = drive(planner, np.array([0, 0, 0, speed, 0, 0]), [1], 15.0)
        ahead = front(approach, planner)
        # Never over the line (nor within the profile's 1 m margin), and stopped close to it
        # (the stop maneuver, not a stop far back).
        assert ahead.max() < STOP_LINE - 0.5
        assert approach[-1, 3] < 0.1 and STOP_LINE - ahead[-1] < 2.5
    # Green: it sets off through the junction (its lane ends at 70 m), speeding up at no more
    # than the lattice's comfortable 2 m/s^2.
    through = drive(planner, approach[-1], None, 8.0)
    assert front(through, planner)[-1] > 75.0
    assert (np.diff(through[:, 3]) / planner.dt).max() < 2.1
    # Without the light the same approach never stops.
    free = drive(planner, np.array([0, 0, 0, 12, 0, 0]), None, 6.0)
    assert free[:, 3].min() > 8.0 and front(free, planner)[-1] > 70.0


def test_the_pdm_closed_peer_stops_at_the_red_light_too() -> None:
    # PDM-Closed puts red-light lanes in its occupancy map: its IDM stops at the line.
    planner = pdm_closed_planner()
    approach = drive(planner, np.array([0, 0, 0, 12.0, 0, 0]), [1], 15.0)
    ahead = front(approach, planner)
    assert ahead.max() < STOP_LINE
    assert approach[-1, 3] < 0.1 and STOP_LINE - ahead[-1] < 4.0
    free = drive(planner, np.array([0, 0, 0, 12.0, 0, 0]), None, 6.0)
    assert front(free, planner)[-1] > 70.0


def test_candidates_into_the_red_lane_are_held_back_for_it() -> None:
    planner = replay_planner()
    road, line = junction_map()
    scene = PlanScene(
        ego_state=np.array([20, 0, 0, 10, 0, 0], np.float32),
        agents=np.zeros((0, 1, T + 1, 3), np.float32),
        agent_extent=np.zeros((0, 2), np.float32),
        agent_type=np.zeros(0, np.int32),
        road_map=road,
        reference_line=line,
        red_lanes=[1],
    )
    r = planner.plan(scene)
    # One more duration: the stop for the light (offsets x speeds more candidates).
    lattice = planner.lattice
    assert r.candidates.states.shape[0] == planner.candidate_count + len(
        lattice.lateral_offsets
    ) * len(lattice.target_speeds)
    entering = (r.scores.traffic_light < 1) & (r.scores.drivable_area == 1)
    assert entering.any() and (r.reasons[entering] == PlanReason.RED_LIGHT).all()
    assert r.scores.traffic_light[r.chosen] == 1
    # The stop maneuver: speed 0 at the extra duration, the front stop_gap before the line.
    stops = (r.candidates.target_speeds == 0) & (r.candidates.offsets == 0)
    extra = stops & ~np.isin(r.candidates.durations, lattice.durations)
    assert extra.sum() == 1
    # Its reference (what the tracker follows) stops the front stop_gap before the line.
    final = r.candidates.references[extra][0, -1]
    assert final[3] == pytest.approx(0.0, abs=0.01)
    assert STOP_LINE - (final[0] + 0.5 * planner.vehicle.length) == pytest.approx(
        planner.stop_gap, abs=0.05
    )


def test_a_red_lane_the_ego_is_in_is_cleared() -> None:
    """The light turned red while the ego was crossing: it drives on out of the junction."""
    planner = replay_planner()
    states = drive(planner, np.array([55, 0, 0, 8, 0, 0]), [1], 4.0)
    assert states[-1, 0] > 75.0


def test_red_lanes_are_checked() -> None:
    planner = Planner()
    road, line = junction_map()
    scene = PlanScene(
        ego_state=np.array([20, 0, 0, 10, 0, 0], np.float32),
        agents=np.zeros((0, 1, 41, 3), np.float32),
        agent_extent=np.zeros((0, 2), np.float32),
        agent_type=np.zeros(0, np.int32),
        road_map=road,
        reference_line=line,
        red_lanes=[7],
    )
    with pytest.raises(
        ValueError, match=r"scene\.red_lanes\[0\] is 7, expected a lane index in \[0, 3\)"
    ):
        planner.plan(scene)
    with pytest.raises(ValueError, match=r"stop_gap is -1, expected a finite number >= 0"):
        Planner(stop_gap=-1.0)


def sind_files() -> list[Path]:
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the SinD light tests read its recordings")
    return sorted((root / "commonroad_sind").glob("*.cr.xml"))


def test_sind_lights_match_commonroad_io() -> None:
    from trajcore.data import LightState, load_commonroad, resample_scenario
    from trajcore.data.commonroad import _read

    path = sind_files()[0]
    scenario = load_commonroad(path, dt=0.5)
    assert scenario.lane_lights is not None
    assert scenario.lane_lights.shape == (scenario.steps, len(scenario.lanes))
    cr, _ = _read(path)
    network = cr.lanelet_network
    index = {ll.lanelet_id: i for i, ll in enumerate(network.lanelets)}
    lights = {tl.traffic_light_id: tl for tl in network.traffic_lights}
    names = {"green": 1, "yellow": 2, "red": 3, "redYellow": 3}
    controlled = set()
    for lanelet in network.lanelets:
        for light_id in lanelet.traffic_lights:
            for successor in lanelet.successor:
                controlled.add(index[successor])
                for t in range(scenario.steps):
                    state = names[lights[light_id].get_state_at_time_step(t).value]
                    assert scenario.lane_lights[t, index[successor]] == state
    others = [i for i in range(len(scenario.lanes)) if i not in controlled]
    assert controlled and not scenario.lane_lights[:, others].any()
    assert (scenario.lane_lights == LightState.RED).any() and (scenario.lane_lights == 1).any()
    # Resampled to 0.1 s, a light holds its state until the next recorded step.
    fine = resample_scenario(scenario, 0.1)
    assert fine.lane_lights is not None
    np.testing.assert_array_equal(fine.lane_lights[::5], scenario.lane_lights)
    np.testing.assert_array_equal(
        fine.lane_lights[3::5], scenario.lane_lights[: len(fine.lane_lights[3::5])]
    )


def test_ngsim_has_no_lights() -> None:
    from trajcore.data import load_commonroad

    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent")
    scenario = load_commonroad(next((root / "commonroad_ngsim").rglob("USA_US101-23_1_T-1.xml")))
    assert scenario.lane_lights is None
