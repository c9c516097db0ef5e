"""Planner: a whole cycle equals generate (frenet_lattice) then score() on the same inputs, picks
the best, explains the rest, honours a deadline, is deterministic; errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import trajcore
from test_scoring import highway_map
from trajcore import EmergencyBrake, LatticeSettings, Planner, PlanReason, PlanScene, VehicleParams

CAR = VehicleParams.passenger_car()


def stopped_car_scene(T: int = 40) -> PlanScene:
    road, centre = highway_map()
    agents = np.zeros((2, 1, T + 1, 3), np.float32)
    agents[0, 0, :, :2] = [30.0, 3.7]  # stopped in the ego's lane
    agents[1, 0, :, 0] = 15.0 + 8.0 * 0.1 * np.arange(T + 1)  # slower car in the right lane
    return PlanScene(
        ego_state=np.array([0, 3.7, 0, 10, 0, 0], np.float32),
        agents=agents,
        agent_extent=np.array([[4.6, 1.9], [4.6, 1.9]], np.float32),
        agent_type=np.array([0, 0], np.int32),
        road_map=road,
        reference_line=centre,
    )


def test_a_cycle_is_generate_then_score_then_the_best() -> None:
    planner = Planner()
    scene = stopped_car_scene()
    r = planner.plan(scene)
    assert r.scored == planner.candidate_count == 160 and not r.deadline_reached
    s = planner.lattice
    lattice = trajcore.frenet_lattice(
        scene.ego_state,
        scene.reference_line,
        s.lateral_offsets,
        s.target_speeds,
        s.durations,
        40,
        0.1,
    )
    np.testing.assert_array_equal(r.candidates.states, lattice.states)
    scores = trajcore.score(
        lattice.states,
        scene.agents,
        scene.agent_extent,
        scene.agent_type,
        params=CAR,
        dt=0.1,
        road_map=scene.road_map,
        centerline=scene.reference_line,
    )
    for field in ("total", "no_collision", "drivable_area", "ttc", "comfort", "progress"):
        np.testing.assert_allclose(getattr(r.scores, field), getattr(scores, field), atol=1e-6)
    assert r.chosen == int(np.argmax(scores.total))
    np.testing.assert_array_equal(r.trajectory, lattice.states[r.chosen])
    # Reasons: the chosen one, and for the others the first sub-score below 1.
    assert r.reasons[r.chosen] == PlanReason.CHOSEN
    for i in np.flatnonzero(r.reasons == PlanReason.COLLISION):
        assert scores.no_collision[i] < 1
    lower = r.reasons == PlanReason.LOWER_SCORE
    for field in ("no_collision", "drivable_area", "driving_direction", "ttc", "comfort"):
        assert (getattr(scores, field)[lower] == 1).all()
    # Keeping the lane at 10 m/s or faster hits the stopped car; the plan does not.
    fast_in_lane = (lattice.offsets == 0) & (lattice.target_speeds >= 10)
    assert (r.reasons[fast_in_lane] == PlanReason.COLLISION).all()
    assert scores.no_collision[r.chosen] == 1 and scores.total[r.chosen] > 0.5
    assert set(np.unique(r.reasons)) >= {PlanReason.CHOSEN, PlanReason.COLLISION}
    assert r.timings.total_ms >= r.timings.generate_ms > 0


def test_when_every_candidate_fails_the_least_bad_is_chosen() -> None:
    """A wall of stopped cars across every lane 12 m ahead: no candidate escapes a collision, so
    every total is 0. The planner flags the fallback and takes the candidate whose collision
    comes latest (then the best gate sub-scores, the smallest offset, the lowest index), not
    index 0."""
    scene = stopped_car_scene()
    T = 40
    wall = np.zeros((3, 1, T + 1, 3), np.float32)
    wall[:, 0, :, 0] = 14.0
    wall[:, 0, :, 1] = np.array([0.0, 3.7, 7.4])[:, None]
    scene = PlanScene(
        ego_state=np.array([0, 3.7, 0, 12, 0, 0], np.float32),
        agents=wall,
        agent_extent=np.full((3, 2), [4.6, 3.7], np.float32),
        agent_type=np.zeros(3, np.int32),
        road_map=scene.road_map,
        reference_line=scene.reference_line,
    )
    r = Planner().plan(scene)
    total = np.asarray(r.scores.total)
    assert (total == 0).all() and r.fallback
    step = np.asarray(r.scores.collision_step)
    latest = np.where(step < 0, np.iinfo(np.int32).max, step)
    keys = [
        (
            latest[i],
            r.scores.no_collision[i],
            r.scores.drivable_area[i],
            r.scores.driving_direction[i],
            -abs(float(r.candidates.offsets[i])),
            -i,
        )
        for i in range(len(total))
    ]
    assert r.chosen == max(range(len(total)), key=lambda i: keys[i])
    assert r.chosen != 0 and r.reasons[r.chosen] == PlanReason.CHOSEN
    assert abs(float(r.candidates.offsets[r.chosen])) <= 1.75
    assert not Planner().plan(stopped_car_scene()).fallback


def test_deadline_keeps_the_best_so_far() -> None:
    planner = Planner(chunk=48)
    r = planner.plan(stopped_car_scene(), deadline_ms=0.0)
    assert r.deadline_reached and r.scored == 48
    assert r.chosen < 48
    assert (r.reasons[48:] == PlanReason.NOT_SCORED).all()
    assert np.isnan(r.scores.total[48:]).all()
    assert r.scores.total[r.chosen] == np.max(r.scores.total[:48])


def test_identical_for_any_thread_count() -> None:
    before = trajcore.get_num_threads()
    try:
        runs = []
        for threads in (1, 2, 4):
            trajcore.set_num_threads(threads)
            runs.append(Planner().plan(stopped_car_scene()))
    finally:
        trajcore.set_num_threads(before)
    for r in runs[1:]:
        assert r.chosen == runs[0].chosen
        np.testing.assert_array_equal(r.scores.total, runs[0].scores.total)
        np.testing.assert_array_equal(r.candidates.states, runs[0].candidates.states)


def test_profiles_and_settings_reach_the_cycle() -> None:
    small = LatticeSettings(lateral_offsets=(0.0, 3.7), target_speeds=(5.0, 10.0), durations=(3.0,))
    planner = Planner(profile="navsim_pdms", lattice=small, weight_comfort=0.0)
    assert planner.candidate_count == 4 and planner.profile.weight_comfort == 0.0
    r = planner.plan(stopped_car_scene())
    assert r.candidates.states.shape == (4, 41, 6)
    # The left lane (3.7 m) at 10 m/s is free and fastest.
    assert (r.candidates.offsets[r.chosen], r.candidates.target_speeds[r.chosen]) == (3.7, 10.0)


def test_errors() -> None:
    with pytest.raises(ValueError, match="chunk is 0"):
        Planner(chunk=0)
    with pytest.raises(ValueError, match=r"lattice\.durations is empty"):
        Planner(lattice=LatticeSettings(durations=()))
    with pytest.raises(ValueError, match="profile is 'fast'"):
        Planner(profile="fast")
    scene = stopped_car_scene()
    with pytest.raises(ValueError, match=r"scene\.ego_state has shape \(5,\)"):
        Planner().plan(PlanScene(**{**scene.__dict__, "ego_state": np.zeros(5, np.float32)}))
    with pytest.raises(ValueError, match="deadline_ms is -1"):
        Planner().plan(scene, deadline_ms=-1.0)
    # Agents predicted for another horizon: the error names the planner's steps setting.
    longer = np.concatenate([scene.agents, np.repeat(scene.agents[:, :, -1:], 40, axis=2)], 2)
    with pytest.raises(
        ValueError,
        match=r"scene\.agents has shape \(\d+, \d+, 81, 3\): 80 predicted steps, but this planner "
        r"plans 40 \(its steps setting\); predict 40 steps, or make the planner with steps=80",
    ):
        Planner().plan(PlanScene(**{**scene.__dict__, "agents": longer}))


def test_results_print_readably() -> None:
    r = Planner().plan(stopped_car_scene())
    text = repr(r)
    counts = r.reason_counts()
    assert sum(counts.values()) == len(r.reasons) and counts[PlanReason.CHOSEN] == 1
    assert text.startswith(f"PlanResult(chosen={r.chosen} of {len(r.reasons)} candidates, ")
    assert "trajectory=float32(41, 6)" in text and "CHOSEN: 1" in text
    for reason, n in counts.items():
        assert f"{reason.name}: {n}" in text
    assert (
        str(PlanReason(1)) == "COLLISION" and f"{PlanReason.UNSAFE_DISTANCE}" == "UNSAFE_DISTANCE"
    )
    # Arrays print as dtype and shape, whatever their size.
    scores = repr(r.scores)
    n = len(r.reasons)
    assert scores.startswith(f"ScoreResult(total=float32({n},), ") and len(scores) < 1200
    assert f"areas=int32({n}, 41)" in scores
    assert repr(r.candidates).startswith(f"Candidates(states=float32({n}, 41, 6), ")


def wall_scene(speed: float) -> PlanScene:
    """Stopped cars across every lane 12 m ahead of an ego at ``speed``."""
    road, centre = highway_map()
    T = 40
    wall = np.zeros((3, 1, T + 1, 3), np.float32)
    wall[:, 0, :, 0] = 14.0
    wall[:, 0, :, 1] = np.array([0.0, 3.7, 7.4])[:, None]
    return PlanScene(
        ego_state=np.array([0, 3.7, 0, speed, 0, 0], np.float32),
        agents=wall,
        agent_extent=np.full((3, 2), [4.6, 3.7], np.float32),
        agent_type=np.zeros(3, np.int32),
        road_map=road,
        reference_line=centre,
    )


def test_the_emergency_brake_stops_when_no_candidate_is_safe() -> None:
    """The wall at 12 m: every candidate collides, so with the emergency brake on the plan is a
    stop (jerk-limited to -4.05 m/s^2, held to a standstill), the reason recorded; the chosen
    index stays the least bad candidate's. Off (the default), the least bad candidate is driven."""
    on = Planner(emergency=EmergencyBrake(enabled=True))
    r = on.plan(wall_scene(12.0))
    assert r.fallback and r.emergency_brake and r.emergency_reason == PlanReason.COLLISION
    v, a = r.trajectory[:, 3], r.trajectory[:, 4]
    assert (np.diff(v) <= 1e-6).all() and v[-1] == 0.0
    assert a.min() >= -4.05 - 1e-4 and np.isclose(a.min(), -4.05, atol=1e-3)
    jerk = np.diff(a[v > 0]) / 0.1
    assert np.abs(jerk).max() <= CAR.max_jerk + 1e-3
    # The stop is the vehicle model's rollout of that jerk profile, steering held.
    a_now, controls = 0.0, np.zeros((40, 2), np.float32)
    for t in range(40):
        controls[t, 0] = np.clip((-4.05 - a_now) / 0.1, -CAR.max_jerk, CAR.max_jerk)
        a_now += float(controls[t, 0]) * 0.1
    want = trajcore.rollout(wall_scene(12.0).ego_state, controls[None], CAR, 0.1).states[0]
    np.testing.assert_allclose(r.trajectory, want, atol=1e-4)
    off = Planner().plan(wall_scene(12.0))
    assert off.fallback and not off.emergency_brake
    np.testing.assert_array_equal(off.trajectory, off.candidates.states[off.chosen])
    # A clear road: no emergency.
    clear = on.plan(stopped_car_scene())
    assert not clear.emergency_brake and clear.emergency_reason == PlanReason.CHOSEN


def test_the_time_to_infraction_trigger_needs_a_likely_collision() -> None:
    """PDM-Closed's trigger over weighted modes: at 4 m/s, the one candidate runs into a car
    that stands 8 m ahead in mode 0 and drives away in mode 1. It brakes when the standing mode
    is at least min_probability (0.05) likely, not for a 3 % mode."""
    road, centre = highway_map()
    agents = np.zeros((1, 2, 41, 3), np.float32)
    agents[0, :, :, 1] = 3.7
    agents[0, 0, :, 0] = 10.0
    agents[0, 1, :, 0] = 10.0 + 15.0 * 0.1 * np.arange(41)
    one = LatticeSettings(lateral_offsets=(0.0,), target_speeds=(4.0,), durations=(3.0,))

    def plan(p_standing: float, **brake: float) -> trajcore.PlanResult:
        planner = Planner(
            profile="trajcore_default",
            lattice=one,
            emergency=EmergencyBrake(enabled=True, on_fallback=False, **brake),
        )
        scene = PlanScene(
            ego_state=np.array([0, 3.7, 0, 4, 0, 0], np.float32),
            agents=agents,
            agent_extent=np.array([[4.6, 1.9]], np.float32),
            agent_type=np.array([0], np.int32),
            agent_prob=np.array([[p_standing, 1 - p_standing]], np.float32),
            road_map=road,
            reference_line=centre,
        )
        return planner.plan(scene)

    likely, unlikely = plan(0.3), plan(0.03)
    for r, p in ((likely, 0.3), (unlikely, 0.03)):
        assert r.scores.no_collision[0] == pytest.approx(1 - p, abs=1e-6)
        assert 0 <= r.scores.collision_step[0] * 0.1 <= 2.0
    assert likely.emergency_brake and likely.emergency_reason == PlanReason.COLLISION
    assert not unlikely.emergency_brake
    assert not plan(0.3, min_probability=0.5).emergency_brake
    assert plan(0.03, min_probability=0.0).emergency_brake


def test_emergency_settings_are_checked() -> None:
    with pytest.raises(ValueError, match=r"^emergency.deceleration is 0, expected > 0"):
        Planner(emergency=EmergencyBrake(enabled=True, deceleration=0.0))
    with pytest.raises(ValueError, match=r"^emergency.max_speed is -1"):
        Planner(emergency=EmergencyBrake(max_speed=-1.0))
    with pytest.raises(ValueError, match=r"^emergency.min_probability is 1.5, expected a prob"):
        Planner(emergency=EmergencyBrake(min_probability=1.5))


def test_the_pdm_generator_is_pdm_closeds_proposals() -> None:
    """Planner(generator="pdm_proposals") plans on exactly what pdm_proposals generates for the
    scene (each agent's most probable mode for the lead search, the ego lane's speed limit)."""
    scene = stopped_car_scene()
    planner = Planner(profile="pdm_closed", generator="pdm_proposals")
    assert planner.candidate_count == 15
    r = planner.plan(scene)
    road_limit = 30.0  # test_scoring.highway_map's lanes
    want = trajcore.pdm_proposals(
        scene.ego_state,
        scene.reference_line,
        np.ascontiguousarray(scene.agents[:, 0]),
        scene.agent_extent,
        speed_limit=road_limit,
        T=40,
    )
    np.testing.assert_array_equal(r.candidates.states, want.states)
    np.testing.assert_array_equal(r.candidates.target_speeds, want.target_speeds)
    # It stops behind the car standing 30 m ahead in its lane (IDM), without a collision.
    assert r.scores.no_collision[r.chosen] == 1.0
    assert r.trajectory[-1, 0] < 30.0 - 4.6


def test_pdm_settings_are_checked() -> None:
    with pytest.raises(ValueError, match=r"^pdm.offsets is empty"):
        Planner(generator="pdm_proposals", pdm=trajcore.PdmSettings(offsets=()))
    with pytest.raises(ValueError, match=r"^generator is 'grid'"):
        Planner(generator="grid")  # type: ignore[arg-type]


def limited_road(limit: float) -> tuple[trajcore.RoadMap, trajcore.ReferenceLine]:
    lane = trajcore.Lane(
        np.array([[-100.0, 0.0], [900.0, 0.0]]),
        np.array([[-100.0, 1.85], [900.0, 1.85]]),
        np.array([[-100.0, -1.85], [900.0, -1.85]]),
        limit,
    )
    line = trajcore.ReferenceLine(np.array([[-100.0, 0.0], [900.0, 0.0]]), smoothing=0.0)
    return trajcore.RoadMap([lane]), line


def empty_scene(road: trajcore.RoadMap, line: trajcore.ReferenceLine, ego: np.ndarray) -> PlanScene:
    return PlanScene(
        ego_state=ego.astype(np.float32),
        agents=np.zeros((0, 1, 41, 3), np.float32),
        agent_extent=np.zeros((0, 2), np.float32),
        agent_type=np.zeros(0, np.int32),
        road_map=road,
        reference_line=line,
    )


def test_the_lattice_targets_the_lanes_speed_limit() -> None:
    lattice = LatticeSettings(
        lateral_offsets=(0.0,),
        target_speeds=(0.0, 10.0, 20.0),
        durations=(3.0, 5.0),
        speed_limit_fractions=(0.5, 1.0),
    )
    planner = Planner(lattice=lattice)
    assert planner.candidate_count == 6 and planner.max_candidate_count == 1 * 5 * 3
    ego = np.array([0, 0, 0, 12, 0, 0])
    r = planner.plan(empty_scene(*limited_road(13.4), ego))
    # 6.7 and 13.4 m/s go in before the first larger target speed, each with every duration.
    speeds = r.candidates.target_speeds.reshape(-1, 2)[:, 0]
    np.testing.assert_allclose(speeds, [0.0, 6.7, 10.0, 13.4, 20.0], rtol=1e-6)
    # A speed within 0.1 m/s of a listed one adds nothing (10.025, 20.05), nor does a lane
    # without a limit.
    assert len(planner.plan(empty_scene(*limited_road(20.05), ego)).candidates.offsets) == 6
    assert len(planner.plan(empty_scene(*limited_road(float("nan")), ego)).candidates.offsets) == 6
    with pytest.raises(ValueError, match=r"lattice\.speed_limit_fractions\[1\] is 0, expected"):
        Planner(lattice=LatticeSettings(speed_limit_fractions=(1.0, 0.0)))
    with pytest.raises(ValueError, match=r"lattice\.comfortable_acceleration is nan, expected > 0"):
        Planner(lattice=LatticeSettings(comfortable_acceleration=float("nan")))


def test_the_replay_planner_keeps_to_the_speed_limit() -> None:
    """Closed loop on an empty road limited to 13.4 m/s (30 mph), entered at 18 m/s: the planner
    slows to the limit and holds it there, not at the lattice's 12.5 m/s below it."""
    from trajcore.sim import replay_planner

    planner = replay_planner(steps=40)
    road, line = limited_road(13.4)
    states = [np.array([0, 0, 0, 18.0, 0, 0], np.float32)]
    for _ in range(120):
        states.append(np.array(planner.plan(empty_scene(road, line, states[-1])).trajectory[1]))
    speed = np.array(states)[:, 3]
    assert speed[60:].max() < 13.4 + 0.3 and speed[60:].min() > 13.4 - 0.3


def curve_road(radius: float) -> tuple[trajcore.RoadMap, trajcore.ReferenceLine]:
    """80 m straight, a left quarter circle of ``radius``, 80 m straight; 3.7 m wide, 15 m/s."""
    a = np.linspace(0.0, np.pi / 2, 40)[1:]
    centre = np.concatenate(
        [
            np.stack([np.linspace(-80.0, 0.0, 41), np.zeros(41)], 1),
            np.stack([radius * np.sin(a), radius * (1 - np.cos(a))], 1),
            np.stack([np.full(40, radius), radius + np.linspace(0.0, 80.0, 41)[1:]], 1),
        ]
    )
    d = np.gradient(centre, axis=0)
    normal = np.stack([-d[:, 1], d[:, 0]], 1) / np.hypot(d[:, 0], d[:, 1])[:, None]
    lane = trajcore.Lane(centre, centre + 1.85 * normal, centre - 1.85 * normal, 15.0)
    return trajcore.RoadMap([lane]), trajcore.ReferenceLine(centre, smoothing=0.0)


def test_comfortable_first_slows_for_the_turn() -> None:
    """10 m from a 25 m turn at 10 m/s, with a 1.5 m/s^2 lateral bound: the best total goes on
    faster and fails comfort; comfortable_first takes the best candidate that keeps the bounds,
    a slower one, and the best overall where none does."""
    base = trajcore.ScoringProfile.named("trajcore_default")

    def plan(lateral_bound: float, first: bool, braking_bound: float = -4.05) -> tuple:
        comfort = dataclasses.replace(
            base.comfort, max_abs_lat_accel=lateral_bound, min_lon_accel=braking_bound
        )
        profile = dataclasses.replace(base, comfort=comfort)
        planner = Planner(
            profile=profile,
            lattice=LatticeSettings(
                target_speeds=tuple(2.5 * i for i in range(7)),
                durations=(2.0, 3.0, 4.0, 5.0, 6.0),
                comfortable_acceleration=2.0,
            ),
            comfortable_first=first,
        )
        assert planner.comfortable_first is first
        ego = np.array([-10.0, 0, 0, 10.0, 0, 0])
        r = planner.plan(empty_scene(*curve_road(25.0), ego))
        c = r.chosen
        assert r.reasons[c] == PlanReason.CHOSEN and not r.fallback
        total, comfort = float(np.ravel(r.scores.total)[c]), float(np.ravel(r.scores.comfort)[c])
        return float(r.candidates.target_speeds[c]), total, comfort

    fast, fast_total, fast_comfort = plan(1.5, False)
    slow, slow_total, slow_comfort = plan(1.5, True)
    assert fast_comfort == 0.0 and slow_comfort == 1.0
    assert slow < fast and 0 < slow_total < fast_total
    # No candidate keeps 0.01 m/s^2 across and -0.01 m/s^2 along (it turns or it brakes): the
    # rule changes nothing.
    assert plan(0.01, True, -0.01) == plan(0.01, False, -0.01)


def test_a_start_off_the_drivable_area_is_not_held_against_the_candidates() -> None:
    """The ego's box starts 0.4 m over the lane's edge (NGSIM US-101-2_1's log starts 0.34 m
    off the map's drivable area; nuPlan's tolerance is 0.3 m): every candidate used to fail the
    drivable-area gate at step 0 and the planner fell back to braking on the highway. This
    cycle's tolerance is the ego's own distance off, so it drives on; farther off still fails."""
    planner = Planner(profile="trajcore_default")
    road, line = limited_road(20.0)
    half = planner.vehicle.width / 2
    ego = np.array([0.0, -1.85 - 0.4 + half, 0.0, 12.0, 0.0, 0.0])
    r = planner.plan(empty_scene(road, line, ego))
    assert not r.fallback and r.chosen >= 0
    assert r.candidates.target_speeds[r.chosen] >= 10.0
    further = np.asarray(r.candidates.offsets) < -1.0
    assert np.all(np.asarray(r.reasons)[further] == PlanReason.OFF_ROAD)
    # Within the tolerance nothing changes: 0.2 m over, the candidates that keep the lane pass
    # and those to the right fail as before.
    inside = planner.plan(empty_scene(road, line, ego + np.array([0, 0.2, 0, 0, 0, 0])))
    assert not inside.fallback
    assert np.all(np.asarray(inside.reasons)[further] == PlanReason.OFF_ROAD)
