"""Golden scoring fixtures (tests/golden/*.json, derived by hand in make_golden.py): every
sub-score and first-infraction step of every profile. cpp/tests/test_golden.cpp reads the same
files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import trajcore
from trajcore import Lane, ReferenceLine, RoadMap, VehicleParams

GOLDEN = sorted((Path(__file__).parent / "golden").glob("*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def scene_inputs(scene: dict) -> dict:
    lanes = [
        Lane(
            np.array(lane["centerline"]),
            np.array(lane["left"]),
            np.array(lane["right"]),
            lane["speed_limit"],
            lane["successors"],
            lane["in_intersection"],
        )
        for lane in scene["map"]["lanes"]
    ]
    road = RoadMap(lanes, [np.array(a) for a in scene["map"]["drivable_areas"]])
    agents = scene["agents"]
    steps = len(scene["candidates"][0])
    ego = scene["ego"]
    params = VehicleParams.passenger_car()
    assert (params.length, params.width, params.rear_axle_to_center) == pytest.approx(
        (ego["length"], ego["width"], ego["rear_axle_to_center"])
    )
    return dict(
        states=np.array(scene["candidates"], np.float32),
        agents=np.array(agents["poses"], np.float32).reshape(-1, 1, steps, 3)
        if agents["poses"]
        else np.zeros((0, 1, steps, 3), np.float32),
        agent_extent=np.array(agents["extent"], np.float32).reshape(-1, 2),
        agent_type=np.array(agents["type"], np.int32),
        agent_prob=np.array(agents["prob"], np.float32).reshape(-1, 1) if agents["prob"] else None,
        params=params,
        dt=scene["dt"],
        road_map=road,
        centerline=ReferenceLine(np.array(scene["centerline"]), smoothing=0.0),
        route_lanes=scene["route_lanes"],
        expert=np.array(scene["expert"], np.float32) if "expert" in scene else None,
        previous=np.array(scene["previous"], np.float32) if "previous" in scene else None,
        previous_shift=scene.get("previous_shift", 0),
        red_lights=np.array(scene["red_lights"], np.int32) if "red_lights" in scene else None,
    )


PROFILES = ["pdm_closed", "navsim_pdms", "navsim_epdms", "nuplan_cls", "trajcore_default"]


def test_fixtures_exist_and_cover_every_profile() -> None:
    assert len(GOLDEN) >= 5
    covered = [profile for path in GOLDEN for profile in load(path)["expected"]]
    assert all(covered.count(profile) >= 2 for profile in PROFILES)
    assert set(covered) == set(PROFILES)


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
@pytest.mark.parametrize("profile", PROFILES)
def test_golden_scene(path: Path, profile: str) -> None:
    scene = load(path)
    if profile not in scene["expected"]:
        return  # this scene's inputs do not suit the profile (it has fixtures elsewhere)
    inputs = scene_inputs(scene)
    states, agents, extent, types = (
        inputs.pop(k) for k in ("states", "agents", "agent_extent", "agent_type")
    )
    r = trajcore.score(states, agents, extent, types, profile=profile, **inputs)
    for field, want in scene["expected"][profile].items():
        got = np.asarray(getattr(r, field))
        if field.endswith("_step"):
            np.testing.assert_array_equal(got, want, err_msg=field)
        else:
            np.testing.assert_allclose(got, want, atol=2e-5, err_msg=field)
