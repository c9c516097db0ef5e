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
    )


def test_fixtures_exist_and_cover_every_profile() -> None:
    assert len(GOLDEN) >= 3
    for path in GOLDEN:
        assert set(load(path)["expected"]) == {"pdm_closed", "navsim_pdms", "trajcore_default"}


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
@pytest.mark.parametrize("profile", ["pdm_closed", "navsim_pdms", "trajcore_default"])
def test_golden_scene(path: Path, profile: str) -> None:
    scene = load(path)
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
