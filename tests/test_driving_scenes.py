"""Constructed scenes driven in closed loop by the replay planner (``replay_planner``: the
lattice, ``trajcore_default``, the emergency brake, comfortable candidates first), each agent
forecast by its own future (one mode, probability 1) so that the planner is tested and not the
predictor: a pedestrian crossing ahead, a car crossing an intersection in the ego's way, and the
same intersection clear. Each asserts the gap kept to every agent box to box, and that the ego
gets going again and gets through."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray

import trajcore
from trajcore import AgentType, Lane, PlanScene, ReferenceLine, RoadMap
from trajcore.sim import replay_planner

DT = 0.1
HORIZON = 50  # replay_planner's steps


def lane(start: tuple[float, float], end: tuple[float, float], limit: float = 15.0) -> Lane:
    """A straight lane 3.5 m wide from ``start`` to ``end``."""
    a, b = np.array(start, float), np.array(end, float)
    along = (b - a) / np.linalg.norm(b - a)
    left = np.array([-along[1], along[0]]) * 1.75
    centre = np.stack([a + s * (b - a) for s in np.linspace(0.0, 1.0, 9)])
    return Lane(centre, centre + left, centre - left, limit)


@dataclass
class Agent:
    """A box moving at constant velocity from ``start`` (x, y, yaw) for ever."""

    start: tuple[float, float, float]
    speed: float
    extent: tuple[float, float]
    kind: AgentType

    def poses(self, t0: int, steps: int) -> NDArray[np.float32]:
        """(steps + 1, 3) poses from step t0 on."""
        x, y, yaw = self.start
        time = (t0 + np.arange(steps + 1)) * DT
        path = np.stack(
            [
                x + self.speed * np.cos(yaw) * time,
                y + self.speed * np.sin(yaw) * time,
                np.full_like(time, yaw),
            ],
            1,
        )
        return path.astype(np.float32)


@dataclass
class Drive:
    states: NDArray[np.float32]  # (S + 1, 6) the ego's states
    gaps: NDArray[np.float64]  # (S + 1, M) box-to-box gap to each agent
    emergency: int  # cycles the emergency brake fired


def drive(
    road: RoadMap,
    line: ReferenceLine,
    ego: tuple[float, float, float, float],
    agents: list[Agent],
    seconds: float,
    route: tuple[int, ...] | None = None,
    hold_forecast: bool = False,
) -> Drive:
    """Closed loop: plan every 0.1 s, drive the plan's next state. ``hold_forecast``: the
    planner is told each agent stays where it is (the test of a test: without the forecast the
    gaps fail)."""
    planner = replay_planner()
    vehicle = planner.vehicle
    state = np.array([*ego[:3], ego[3], 0.0, 0.0], np.float32)
    extent = np.array([a.extent for a in agents], np.float32).reshape(-1, 2)
    kinds = np.array([int(a.kind) for a in agents], np.int32)
    states, gaps, emergency = [state], [], 0

    def gap_at(t: int, s: NDArray[np.float32]) -> NDArray[np.float64]:
        c = vehicle.rear_axle_to_center
        box = [
            s[0] + c * np.cos(s[2]),
            s[1] + c * np.sin(s[2]),
            s[2],
            vehicle.length,
            vehicle.width,
        ]
        now = [[*a.poses(t, 0)[0], *a.extent] for a in agents]
        return np.asarray(trajcore.box_distance(np.array(box), np.array(now)), np.float64)

    steps = round(seconds / DT)
    for t in range(steps):
        gaps.append(gap_at(t, state))
        poses = np.stack([a.poses(t, HORIZON) for a in agents])[:, None]
        if hold_forecast:
            poses = np.repeat(poses[:, :, :1], HORIZON + 1, 2)
        scene = PlanScene(
            ego_state=state,
            agents=poses.reshape(len(agents), 1, HORIZON + 1, 3),
            agent_extent=extent,
            agent_type=kinds,
            agent_prob=np.ones((len(agents), 1), np.float32),
            road_map=road,
            reference_line=line,
            route_lanes=route,
        )
        result = planner.plan(scene)
        emergency += bool(result.emergency_brake)
        state = np.array(result.trajectory[1], np.float32)
        states.append(state)
    gaps.append(gap_at(steps, state))
    return Drive(np.array(states), np.array(gaps), emergency)


def straight_road() -> tuple[RoadMap, ReferenceLine]:
    road = RoadMap([lane((-50.0, 0.0), (250.0, 0.0))])
    return road, ReferenceLine(np.array([[-50.0, 0.0], [250.0, 0.0]]), smoothing=0.0)


def test_a_pedestrian_crossing_ahead_is_let_across() -> None:
    """At 10 m/s, 40 m from where a pedestrian (1.4 m/s) walks across the lane from the kerb
    (in the lane from about 1.4 s to 4.4 s): the ego slows down, lets them cross at least 1 m
    from them all the while, without an emergency stop, then drives on. Told that they stay on
    the kerb, it sees them only once they are in the lane and needs the emergency brake for
    them: the early slowing is the planner's doing."""
    road, line = straight_road()
    walker = Agent((40.0, -4.0, np.pi / 2), 1.4, (0.6, 0.6), AgentType.PEDESTRIAN)
    d = drive(road, line, (0.0, 0.0, 0.0, 10.0), [walker], 14.0)
    assert d.gaps.min() >= 1.0, d.gaps.min()
    assert d.emergency == 0
    speed, x = d.states[:, 3], d.states[:, 0]
    assert speed[:50].min() < 5.0  # slowed for them
    assert x[-1] > 100.0 and speed[-1] > 10.0  # then drove on, back up to speed
    blind = drive(road, line, (0.0, 0.0, 0.0, 10.0), [walker], 6.0, hold_forecast=True)
    assert blind.emergency > 0


def crossroads() -> tuple[RoadMap, ReferenceLine]:
    """The ego's road east along y = 0 crosses a road north along x = 60."""
    road = RoadMap([lane((-50.0, 0.0), (250.0, 0.0)), lane((60.0, -100.0), (60.0, 100.0))])
    return road, ReferenceLine(np.array([[-50.0, 0.0], [250.0, 0.0]]), smoothing=0.0)


def crossing_car(arrives_in: float) -> Agent:
    """A car north along x = 60 at 10 m/s whose front reaches the ego's lane (y = -1.75) in
    ``arrives_in`` seconds."""
    front = 2.3
    start = -1.75 - front - 10.0 * arrives_in
    return Agent((60.0, start, np.pi / 2), 10.0, (4.6, 1.9), AgentType.VEHICLE)


@pytest.mark.parametrize("arrives_in", [3.0, 4.0, 5.5])
def test_a_car_crossing_the_intersection_is_kept_clear_of(arrives_in: float) -> None:
    """A car crosses the ego's road 60 m ahead (the ego at 10 m/s would be there in 6 s),
    reaching it 3, 4 or 5.5 s from now: the ego crosses before or after it, never within 3 m of
    it, without an emergency stop, and gets through."""
    road, line = crossroads()
    d = drive(road, line, (0.0, 0.0, 0.0, 10.0), [crossing_car(arrives_in)], 16.0, route=(0,))
    assert d.gaps.min() >= 3.0, d.gaps.min()
    assert d.emergency == 0
    assert d.states[-1, 0] > 100.0


def test_a_car_crossing_just_ahead_is_given_way() -> None:
    """Arriving 4 s from now, the car would meet the ego at the crossing: the ego slows down and
    crosses behind it (its front reaches the crossing road after the car's rear has left the
    ego's lane), then speeds up again."""
    road, line = crossroads()
    car = crossing_car(4.0)
    d = drive(road, line, (0.0, 0.0, 0.0, 10.0), [car], 16.0, route=(0,))
    vehicle = replay_planner().vehicle
    front = d.states[:, 0] + vehicle.rear_axle_to_center + vehicle.length / 2
    enters = int(np.flatnonzero(front >= 60.0 - 1.75)[0])  # the crossing road's near edge
    car_rear = car.poses(0, enters)[-1, 1] - car.extent[0] / 2
    assert car_rear > 1.75  # the car had left the ego's lane
    assert d.states[:enters, 3].min() < 8.0
    assert d.states[-1, 3] > 12.0


def test_a_clear_intersection_is_crossed_without_slowing() -> None:
    """The same crossroads, the crossing car 100 m past it: the ego crosses at its speed."""
    road, line = crossroads()
    gone = crossing_car(arrives_in=-10.0)
    d = drive(road, line, (0.0, 0.0, 0.0, 10.0), [gone], 10.0, route=(0,))
    assert d.states[:, 3].min() > 9.5
    assert d.states[-1, 0] > 100.0
    assert d.emergency == 0
