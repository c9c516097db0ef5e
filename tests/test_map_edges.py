"""Cut maps: lanes that run off a recording's map are continued (the road goes on), lanes that
end inside it (a merge, a junction) are not; the planner no longer brakes for the map's edge."""

from __future__ import annotations

import math

import numpy as np
import pytest

from real_lanes import shared_data
from trajcore import Lane, PlanScene, ReferenceLine, RoadMap
from trajcore.data import continue_cut_lanes, cut_lanes, load_commonroad
from trajcore.sim import default_ego, replay_planner
from trajcore.sim.replay import ROUTE_AHEAD, expert_route, usable_lanes


def straight(x0: float, x1: float, y: float, successors: tuple[int, ...] = ()) -> Lane:
    x = np.linspace(x0, x1, 5)
    return Lane(
        centerline=np.column_stack([x, np.full(5, y)]),
        left=np.column_stack([x, np.full(5, y + 1.75)]),
        right=np.column_stack([x, np.full(5, y - 1.75)]),
        speed_limit=20.0,
        successors=successors,
    )


def test_lanes_cut_by_the_map_edge_are_continued() -> None:
    # Two lanes cut at x = 100, a third (the leftmost) cut 3 m further on: a map edge.
    lanes = [straight(0, 100, 0.0), straight(0, 100, 3.5), straight(0, 103, 7.0)]
    assert cut_lanes(lanes) == [0, 1, 2]
    out, areas, continued = continue_cut_lanes(lanes, length=80.0)
    assert continued == {0: 3, 1: 4, 2: 5} and areas == ()
    for lane, extension in continued.items():
        assert out[lane].successors == (extension,)
        ext = out[extension]
        assert ext.speed_limit == 20.0 and ext.successors == ()
        end = np.asarray(lanes[lane].centerline)[-1]
        np.testing.assert_allclose(np.asarray(ext.centerline)[0], end)
        np.testing.assert_allclose(np.asarray(ext.centerline)[-1], end + np.array([80.0, 0.0]))
        width = np.asarray(ext.left) - np.asarray(ext.right)
        np.testing.assert_allclose(width, np.tile([0.0, 3.5], (len(width), 1)), atol=1e-9)
    before, after = RoadMap(lanes), RoadMap(out)
    beyond = np.array([[150.0, 0.0], [150.0, 3.5], [175.0, 7.0]])
    assert (np.asarray(before.drivable_area_distance(beyond)) > 40).all()
    assert (np.asarray(after.drivable_area_distance(beyond)) == 0).all()
    # Nothing grows sideways or backwards.
    assert np.asarray(after.drivable_area_distance(np.array([[150.0, 12.0]])))[0] > 1.0


def test_lanes_that_end_inside_the_map_keep_their_end() -> None:
    lanes = [
        straight(0, 300, 0.0),  # the through lane: cut at the edge, 300 m
        straight(0, 100, -3.5),  # an on-ramp merging into it at 100 m
        straight(-50, 0, 0.0, successors=(0,)),  # leads on: not an end
        # a dead end 8 m short of a crossing road (cut at the edge itself)
        Lane(
            centerline=np.array([[150.0, -80.0], [150.0, -50.0]]),
            left=np.array([[148.25, -80.0], [148.25, -50.0]]),
            right=np.array([[151.75, -80.0], [151.75, -50.0]]),
        ),
        Lane(
            centerline=np.array([[100.0, -40.0], [200.0, -40.0]]),
            left=np.array([[100.0, -38.25], [200.0, -38.25]]),
            right=np.array([[100.0, -41.75], [200.0, -41.75]]),
        ),
    ]
    assert cut_lanes(lanes) == [0, 4]
    # With drivable areas the continuations join them (the areas alone are the drivable area);
    # the lanes outside the areas still count as road ahead of an end.
    area = np.array([[-50.0, -5.0], [300.0, -5.0], [300.0, 2.0], [-50.0, 2.0]])
    out, areas, continued = continue_cut_lanes(lanes, [area], length=50.0)
    assert continued == {0: 5, 4: 6} and len(out) == 7 and len(areas) == 3
    np.testing.assert_allclose(areas[0], area)
    assert np.asarray(RoadMap(out, areas).drivable_area_distance(np.array([[340.0, 0.0]])))[0] == 0


def test_continuation_errors() -> None:
    with pytest.raises(ValueError, match=r"length is -1.*expected a finite number"):
        continue_cut_lanes([straight(0, 100, 0.0)], length=-1.0)
    with pytest.raises(ValueError, match="length is inf"):
        continue_cut_lanes([straight(0, 100, 0.0)], length=math.inf)


def test_the_planner_no_longer_brakes_for_the_maps_edge() -> None:
    """Closed loop (7 s) on an empty three-lane road cut 120 m ahead: as recorded, the planner
    reads the edge as a wall and slows; on the continued map it drives on."""
    lanes = [straight(-20, 120, y) for y in (-3.5, 0.0, 3.5)]
    planner = replay_planner()
    line = ReferenceLine(np.column_stack([np.linspace(-20, 300, 65), np.zeros(65)]))

    def drive(road: RoadMap) -> np.ndarray:
        states = [np.array([0, 0, 0, 15.0, 0, 0], np.float32)]
        for _ in range(70):
            scene = PlanScene(
                ego_state=states[-1],
                agents=np.zeros((0, 1, planner.steps + 1, 3), np.float32),
                agent_extent=np.zeros((0, 2), np.float32),
                agent_type=np.zeros(0, np.int32),
                road_map=road,
                reference_line=line,
            )
            states.append(np.array(planner.plan(scene).trajectory[1], np.float32))
        return np.array(states)

    as_recorded = drive(RoadMap(lanes))
    continued = drive(RoadMap(continue_cut_lanes(lanes)[0]))
    assert as_recorded[-1, 3] < 10.0  # braking for the edge
    # On at the lanes' 20 m/s limit.
    assert continued[:, 3].min() > 14.5 and continued[-1, 3] > 19.5
    assert continued[-1, 0] > as_recorded[-1, 0] + 20.0


def test_ngsim_map_edges_are_continued_where_the_logged_cars_drive_on() -> None:
    """US-101: the map stops a few metres past the last logged pose of the drive; every lane the
    drive leaves the map in is continued, and its straight line on is drivable again."""
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: this test reads a real NGSIM map")
    scenario = load_commonroad(root / "commonroad_ngsim" / "2020a" / "USA_US101-23_1_T-1.xml")
    lanes, _ = usable_lanes(scenario.lanes)
    out, _, continued = continue_cut_lanes(lanes)
    ego = scenario.agent_id.index(default_ego(scenario))
    x, y, yaw = scenario.agent_states[ego, np.flatnonzero(scenario.agent_valid[ego])[-1], :3]
    ahead = np.array([[x + s * math.cos(yaw), y + s * math.sin(yaw)] for s in (30.0, 60.0)])
    assert (np.asarray(RoadMap(lanes).drivable_area_distance(ahead)) > 0.3).all()
    assert (np.asarray(RoadMap(out).drivable_area_distance(ahead)) == 0).all()
    # US-101's five main lanes and its auxiliary lane reach the edge; none is a merge.
    assert len(continued) == sum(1 for lane in lanes if not lane.successors) == 6


def test_the_route_goes_on_past_the_logs_end() -> None:
    """The expert's route: the lanes its log passes through, then (the mission goes on) those
    its last lane leads into within ROUTE_AHEAD (100 m) of the log's end; not a lane beside."""
    # 0 -> 1 -> 2 -> 3, 60 m each, a fork 1 -> 4, and lane 5 beside lane 0 (not led into).
    lanes = [straight(60.0 * i, 60.0 * (i + 1), 0.0, successors=(i + 1,)) for i in range(3)]
    lanes[1] = straight(60, 120, 0.0, successors=(2, 4))
    lanes += [straight(180, 240, 0.0), straight(120, 180, 3.5), straight(0, 60, 3.5)]
    log = np.column_stack([np.linspace(5, 55, 11), np.zeros(11), np.zeros(11)])
    route, line = expert_route(log, RoadMap(lanes))
    # Lane 1 starts at the log's end (0 m), 2 and 4 at 60 m; 3 starts at 120 m: beyond reach.
    assert route.tolist() == [0, 1, 2, 4]
    assert line.length == pytest.approx(50.0 + ROUTE_AHEAD, abs=0.5)
    # A parked expert's route stays in its lanes: where it would have gone is not known.
    parked = np.tile([30.0, 0.0, 0.0], (11, 1))
    assert expert_route(parked, RoadMap(lanes))[0].tolist() == [0]
    # A lane cut by the map's edge: its continuation joins the route.
    single = [straight(0, 100, 0.0)]
    out, _, continued = continue_cut_lanes(single)
    assert continued == {0: 1}
    assert expert_route(log, RoadMap(out), continued)[0].tolist() == [0, 1]
    assert expert_route(parked, RoadMap(out), continued)[0].tolist() == [0]


def test_the_route_goes_on_from_the_lane_the_log_ends_in() -> None:
    """The lanes ahead are those of the lane the log's last pose is in, not of the last lane to
    join the route: in SinD CHN_SIND-831_827_T-902 the log's first metres are in both the
    straight on and a left turn, the turn joined the route last, and the route went on down the
    turn while the expert drove straight on (every faster candidate then left the route)."""
    # 0: the log's lane (-> 2); 1: beside it (-> 3), visited on the way; 2, 3 their successors.
    lanes = [
        straight(0, 100, 0.0, successors=(2,)),
        straight(0, 100, 3.5, successors=(3,)),
        straight(100, 160, 0.0),
        straight(100, 160, 3.5),
    ]
    x = np.linspace(5, 90, 18)
    y = np.where((x > 30) & (x < 50), 3.5, 0.0)  # over to lane 1 and back
    log = np.column_stack([x, y, np.zeros_like(x)])
    assert expert_route(log, RoadMap(lanes))[0].tolist() == [0, 1, 2]


def test_the_reference_line_does_not_fold_back_on_log_noise() -> None:
    """NGSIM's positions of a car creeping in a queue jitter by half a metre, backwards too: a
    step against the way the path goes is dropped, so the line does not fold back on itself."""
    lanes = [straight(-50, 200, 0.0)]
    y = np.zeros(8)
    x = np.array([0.0, 0.1, -0.6, 0.3, 1.0, 5.0, 10.0, 20.0])  # back 0.6 m, then on
    log = np.column_stack([x, y, np.zeros_like(x)])
    _, line = expert_route(log, RoadMap(lanes))
    assert line.length == pytest.approx(20.0 + ROUTE_AHEAD, abs=0.5)
    heading = np.asarray(line.evaluate(np.linspace(0.0, line.length, 50)))[:, 2]
    assert np.abs(heading).max() < 1e-3
