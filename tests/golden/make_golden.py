"""Writes the golden scoring fixtures (tests/golden/*.json): small constructed scenes with the
sub-scores expected under each profile, derived by hand below (closed forms, not trajcore).

Run from the repository root: python tests/golden/make_golden.py. The fixtures are read by
tests/test_golden.py (Python) and cpp/tests/test_golden.cpp (C++).

Common ground: a three-lane highway along +x (lanes centred at y = 0, 3.7, 7.4, 3.7 m wide, from
x = -300 to 600, 30 m/s), the route centreline y = 3.7, dt = 0.1 s, T = 40 steps, and the
passenger-car preset (5.176 x 2.297 m, rear axle 1.461 m behind the centre).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

DT, T = 0.1, 40
LENGTH, WIDTH, REAR = 5.176, 2.297, 1.461
PROFILES = ("pdm_closed", "navsim_pdms", "trajcore_default")
ALL_PROFILES = (*PROFILES, "navsim_epdms", "nuplan_cls")
HERE = Path(__file__).parent


def highway_map() -> dict:
    lanes = []
    for y in (0.0, 3.7, 7.4):
        lanes.append(
            {
                "centerline": [[-300.0, y], [600.0, y]],
                "left": [[-300.0, y + 1.85], [600.0, y + 1.85]],
                "right": [[-300.0, y - 1.85], [600.0, y - 1.85]],
                "speed_limit": 30.0,
                "successors": [],
                "in_intersection": False,
            }
        )
    return {"lanes": lanes, "drivable_areas": []}


def drive(y: float, v0: float, a: float = 0.0, dy: float = 0.0) -> list[list[float]]:
    """States at constant acceleration a along +x (exact positions), drifting dy per step."""
    t = np.arange(T + 1) * DT
    st = np.zeros((T + 1, 6))
    st[:, 0] = v0 * t + 0.5 * a * t * t
    st[:, 1] = y + dy * np.arange(T + 1)
    st[:, 3] = v0 + a * t
    st[:, 4] = a
    return st.round(6).tolist()


def static_agent(x: float, y: float) -> list[list[float]]:
    return [[x, y, 0.0]] * (T + 1)


def expected(total, **sub) -> dict:
    out = {"total": total}
    out.update(sub)
    return out


def ones(n: int) -> list[float]:
    return [1.0] * n


def minus(n: int) -> list[int]:
    return [-1] * n


def free_offroad_brake() -> dict:
    # A: 10 m/s in the middle lane for 4 s: 40 m, nothing wrong: every profile scores 1.
    # B: the same, drifting left 0.16 m per step. Its left corners (y + 1.1485) pass the road's
    #    edge y = 9.25 when 0.16 k > 4.4015: step 28 -> drivable area 0, total 0. Its centre
    #    leaves the route lanes (y > 9.25) at step 35; each step then moves hypot(1, 0.16) =
    #    1.0127 m: 2.03 m at step 36 (first step), 6.08 m by step 40 -> driving direction 0.
    #    trajcore_default tolerates 0.3 m (nuPlan's): 0.16 k > 4.7015 from step 30.
    # C: 17 m/s braking at 4.2 m/s^2 (still 0.2 m/s at 4 s): 17 * 4 - 2.1 * 16 = 34.4 m. Constant
    #    -4.2 m/s^2 is below nuPlan's -4.05 bound from step 0: comfort 0 (Savitzky-Golay
    #    reproduces a constant). Gates 1, progress 34.4 / 40 = 0.86:
    #    total (5 * 0.86 + 5 * 1 + 2 * 0) / 12 = 0.775; trajcore_default also weighs the speed
    #    limit (4; 17 m/s < 30 m/s): (5 * 0.86 + 5 + 2 * 0 + 4) / 16 = 0.83125.
    p_c = 34.4 / 40.0
    total_c = {name: (5 * p_c + 5) / 12 for name in PROFILES}
    total_c["trajcore_default"] = (5 * p_c + 5 + 4) / 16
    common = dict(
        no_collision=ones(3),
        drivable_area=[1.0, 0.0, 1.0],
        progress=[1.0, 0.0, p_c],
        ttc=ones(3),
        comfort=[1.0, 1.0, 0.0],
        collision_step=minus(3),
        drivable_area_step=[-1, 28, -1],
        ttc_step=minus(3),
        comfort_step=[-1, -1, 0],
    )
    direction = dict(driving_direction=[1.0, 0.0, 1.0], driving_direction_step=[-1, 36, -1])
    return {
        "description": "lane keeping, leaving the road, hard braking",
        "candidates": [drive(3.7, 10.0), drive(3.7, 10.0, dy=0.16), drive(3.7, 17.0, a=-4.2)],
        "agents": {"poses": [], "extent": [], "type": [], "prob": []},
        "route_lanes": [],
        "expected": {
            name: expected(
                [1.0, 0.0, total_c[name]],
                **{
                    **common,
                    "drivable_area_step": [-1, 30 if name == "trajcore_default" else 28, -1],
                },
                **direction,
            )
            for name in PROFILES
        },
    }


def stopped_car_and_cone() -> dict:
    # A stopped car (4.6 x 1.9 m) in the middle lane and a cone (0.5 x 0.5 m) in the right lane,
    # both with their rear 20.5 m ahead of the ego front (2.588 m ahead of the centre at x = 0).
    # A: 10 m/s into the car: front reaches it when 2.588 + k >= 23.088, step 21; a stopped
    #    vehicle: at fault, no_collision 0. TTC: pushed 9 steps (9 m) ahead it touches the car at
    #    step 12 (2.588 + 12 + 9 > 23.088), straight ahead: violation at step 12.
    # B: the same into the cone: at fault with an object, no_collision 0.5; TTC step 12.
    # C: 10 m/s in the left lane, nothing ahead: all 1.
    # pdm_closed / navsim_pdms: gated progress 0, 20, 40 -> 0, 0.5, 1; totals 0,
    #    0.5 * (5 * 0.5 + 0 + 2) / 12 = 0.1875, 1.
    # trajcore_default: no_collision = 1 - P(at-fault collision) = 0 for the cone as well (one
    #    mode of probability 1), so B's total is 0.
    front = LENGTH / 2
    car_x = front + 20.5 + 4.6 / 2
    cone_x = front + 20.5 + 0.25
    base = dict(
        drivable_area=ones(3),
        driving_direction=ones(3),
        ttc=[0.0, 0.0, 1.0],
        comfort=ones(3),
        collision_step=[21, 21, -1],
        drivable_area_step=minus(3),
        driving_direction_step=minus(3),
        ttc_step=[12, 12, -1],
        comfort_step=minus(3),
    )
    worst = expected(
        [0.0, 0.1875, 1.0], no_collision=[0.0, 0.5, 1.0], progress=[0.0, 0.5, 1.0], **base
    )
    probabilistic = expected(
        [0.0, 0.0, 1.0], no_collision=[0.0, 0.0, 1.0], progress=[0.0, 0.0, 1.0], **base
    )
    # The expert drives C's path. nuplan_cls: per-class counts give the cone 0.5; nuPlan's TTC
    #    projects 1 m per 0.1 s at 10 m/s, so with a bumper gap of 20.5 - k m at step k the TTC is
    #    0.1 * ceil(20.5 - k), first <= 0.95 s at step 12 (gap 8.5 m); the collision at step 21
    #    would give TTC 0 later anyway. Progress: 40 m each against the expert's 40 m: ratio 1.
    #    Speed 10 < 30 m/s, comfort constant. B: 0.5 * (5 + 0 + 4 + 2) / 16 = 0.34375.
    # navsim_epdms: as navsim_pdms for NC, TTC and progress; lane keeping fails for B and C (3.7 m
    #    off the centreline from step 0: the 20th consecutive step is 19), but the expert (C's
    #    path) fails it too, so the human filter sets every candidate's lane keeping to 1 (the
    #    steps stay). B: 0.5 * (5 * 0.5 + 0 + 2 + 2 + 2) / 16 = 0.265625.
    nuplan = expected(
        [0.0, 0.34375, 1.0],
        no_collision=[0.0, 0.5, 1.0],
        progress=ones(3),
        making_progress=ones(3),
        speed_limit=ones(3),
        **base,
    )
    epdms = expected(
        [0.0, 0.265625, 1.0],
        no_collision=[0.0, 0.5, 1.0],
        progress=[0.0, 0.5, 1.0],
        lane_keeping=ones(3),
        lane_keeping_step=[-1, 19, 19],
        traffic_light=ones(3),
        extended_comfort=ones(3),
        **base,
    )
    return {
        "description": "at-fault collisions with a stopped car and a cone, time to collision",
        "candidates": [drive(3.7, 10.0), drive(0.0, 10.0), drive(7.4, 10.0)],
        "expert": drive(7.4, 10.0),
        "agents": {
            "poses": [[static_agent(car_x, 3.7)], [static_agent(cone_x, 0.0)]],
            "extent": [[4.6, 1.9], [0.5, 0.5]],
            "type": [0, 3],
            "prob": [[1.0], [1.0]],
        },
        "route_lanes": [],
        "expected": {
            "pdm_closed": worst,
            "navsim_pdms": worst,
            "trajcore_default": probabilistic,
            "nuplan_cls": nuplan,
            "navsim_epdms": epdms,
        },
    }


def wrong_way() -> dict:
    # Route: the middle lane only. A drives 5 m/s in the left lane (off route all along): 0.5 m
    # per step from step 1, 2 m at step 4 (first step), 20 m in all: driving direction 0.
    # B drives 5 m/s in the middle lane. Both advance 20 m along the centreline.
    # pdm_closed, trajcore_default (direction gate): A total 0, B 1 (progress 20 / 20).
    # navsim_pdms (no direction gate): both 1.
    base = dict(
        no_collision=ones(2),
        drivable_area=ones(2),
        driving_direction=[0.0, 1.0],
        ttc=ones(2),
        comfort=ones(2),
        collision_step=minus(2),
        drivable_area_step=minus(2),
        driving_direction_step=[4, -1],
        ttc_step=minus(2),
        comfort_step=minus(2),
    )
    gated = expected([0.0, 1.0], progress=[0.0, 1.0], **base)
    ungated = expected([1.0, 1.0], progress=[1.0, 1.0], **base)
    return {
        "description": "driving outside the route lanes",
        "candidates": [drive(7.4, 5.0), drive(3.7, 5.0)],
        "agents": {"poses": [], "extent": [], "type": [], "prob": []},
        "route_lanes": [1],
        "expected": {"pdm_closed": gated, "navsim_pdms": ungated, "trajcore_default": gated},
    }


def progress_and_speed() -> dict:
    # Expert: 10 m/s in the middle lane, 40 m. A: the same. B: 1 m/s, 4 m. C: 31 m/s, 124 m, 1 m/s
    # over the 30 m/s limit at all 41 states.
    # nuplan_cls: progress ratio min(1, max(ego, 2) / max(40, 2)): A 1, B 0.1 (< 0.2: not making
    #    progress, total 0), C 1. Speed limit: C 1 - 41 / (2.23 * 40) = 0.540359.
    #    C: (5 + 5 + 4 * 0.540359 + 2) / 16.
    # navsim_epdms: progress normalised by the best, 124 m: 40 / 124, 4 / 124, 1; everything else
    #    1 (the expert, scored alone, fails nothing): (5 * p + 11) / 16.
    speed = 1.0 - 41.0 / (2.23 * 40.0)
    nuplan = expected(
        [1.0, 0.0, (12.0 + 4.0 * speed) / 16.0],
        progress=[1.0, 0.1, 1.0],
        making_progress=[1.0, 0.0, 1.0],
        speed_limit=[1.0, 1.0, speed],
        speed_limit_step=[-1, -1, 0],
        no_collision=ones(3),
        ttc=ones(3),
        comfort=ones(3),
        drivable_area=ones(3),
        driving_direction=ones(3),
    )
    p = [40.0 / 124.0, 4.0 / 124.0, 1.0]
    epdms = expected(
        [(5.0 * v + 11.0) / 16.0 for v in p],
        progress=p,
        lane_keeping=ones(3),
        comfort=ones(3),
        extended_comfort=ones(3),
        traffic_light=ones(3),
    )
    return {
        "description": "progress against the expert, not making progress, speeding",
        "candidates": [drive(3.7, 10.0), drive(3.7, 1.0), drive(3.7, 31.0)],
        "expert": drive(3.7, 10.0),
        "agents": {"poses": [], "extent": [], "type": [], "prob": []},
        "route_lanes": [],
        "expected": {"nuplan_cls": nuplan, "navsim_epdms": epdms},
    }


def lane_keeping_red_light_filter() -> dict:
    # navsim_epdms. The light of the right lane (index 0, y in [-1.85, 1.85]) is red throughout.
    # The previous frame's trajectory is a 10 m/s cruise, 5 steps older. The expert brakes from
    # 17 m/s at 4.2 m/s^2 (as D).
    # A: 10 m/s at y = 4.5, 0.8 m off the centreline from step 0: lane keeping fails at step 19
    #    (20 consecutive steps). Total (5 + 5 + 0 + 2 + 2) / 16 = 0.875.
    # B: 10 m/s in the right lane: its box is in the red lane at step 0: traffic light 0, total 0;
    #    3.7 m off the centreline, it fails lane keeping at step 19 too.
    # C: 10 m/s on the centreline: 1.
    # D: the expert's braking, 34.4 m: progress 34.4 / 40 = 0.86. Its comfort fails at step 0
    #    (-4.2 < -4.05 m/s^2) and its extended comfort too (acceleration magnitude 4.2 against
    #    the cruise's 0: RMS 4.2 > 0.7), but the expert fails both, so the human filter sets both
    #    to 1 for every candidate: (5 * 0.86 + 5 + 2 + 2 + 2) / 16 = 0.95625.
    epdms = expected(
        [0.875, 0.0, 1.0, (5.0 * 0.86 + 11.0) / 16.0],
        progress=[1.0, 0.0, 1.0, 0.86],
        no_collision=ones(4),
        drivable_area=ones(4),
        driving_direction=ones(4),
        ttc=ones(4),
        traffic_light=[1.0, 0.0, 1.0, 1.0],
        traffic_light_step=[-1, 0, -1, -1],
        lane_keeping=[0.0, 0.0, 1.0, 1.0],
        lane_keeping_step=[19, 19, -1, -1],
        comfort=ones(4),
        comfort_step=[-1, -1, -1, 0],
        extended_comfort=ones(4),
    )
    return {
        "description": "lane keeping, a red light, the human filter on comfort",
        "candidates": [
            drive(4.5, 10.0),
            drive(0.0, 10.0),
            drive(3.7, 10.0),
            drive(3.7, 17.0, a=-4.2),
        ],
        "expert": drive(3.7, 17.0, a=-4.2),
        "previous": drive(3.7, 10.0),
        "previous_shift": 5,
        "red_lights": [[0]] * (T + 1),
        "agents": {"poses": [], "extent": [], "type": [], "prob": []},
        "route_lanes": [],
        "expected": {"navsim_epdms": epdms},
    }


def dumps(value: object, indent: str = "") -> str:
    """JSON with one line per list of numbers (a state, a point) and indented structure."""
    inner = indent + " "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and all(isinstance(v, (list, dict)) for v in value):
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value)


def main() -> None:
    common = {
        "dt": DT,
        "ego": {"length": LENGTH, "width": WIDTH, "rear_axle_to_center": REAR},
        "map": highway_map(),
        "centerline": [[-300.0, 3.7], [600.0, 3.7]],
    }
    for name, make in (
        ("free_offroad_brake", free_offroad_brake),
        ("stopped_car_and_cone", stopped_car_and_cone),
        ("wrong_way", wrong_way),
        ("progress_and_speed", progress_and_speed),
        ("lane_keeping_red_light_filter", lane_keeping_red_light_filter),
    ):
        scene = {"name": name, **make(), **common}
        (HERE / f"{name}.json").write_text(dumps(scene) + "\n")
    assert math.isclose(34.4 / 40.0, 0.86)


if __name__ == "__main__":
    main()
