"""Seed corpora for tests/fuzz/fuzz_readers.py, written into a folder per target: scene files of
the embedded highway and of real recordings, CommonRoad files, Argoverse 2 Parquet and map
files. The recordings come from ../shared/data at run time (their licences keep them out of the
repository)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from trajcore.data.windows import lane_segments
from trajcore.generators import IdmParams
from trajcore.sim.highway import highway_merge_scenario
from trajcore.sim.replay import _World, default_ego, expert_route, usable_lanes
from trajcore.sim.scene import write_scene


def scene_seeds(folder: Path, scenarios: list) -> None:  # type: ignore[type-arg]
    folder.mkdir(parents=True, exist_ok=True)
    for n, scenario in enumerate(scenarios):
        lanes, _ = usable_lanes(scenario.lanes)
        scenario = dataclasses.replace(scenario, lanes=lanes)
        world = _World.build(scenario, default_ego(scenario), False, IdmParams(), 5)
        route, reference = expert_route(
            world.ego_log_states[world.first : world.end + 1], scenario.road_map()
        )
        frame = world.frame(world.start, 20, lane_segments(lanes, 2.0, 10), route, reference)
        write_scene(folder / f"seed_{n}.trj", frame)


def write_seeds(out: Path, shared: Path | None) -> dict[str, Path]:
    """Corpus folders by target; the Argoverse 2 targets also need their fixed other half."""
    corpora = {
        name: out / name for name in ("scene", "commonroad", "argoverse2_parquet", "argoverse2_map")
    }
    scenarios = [highway_merge_scenario()]
    if shared is not None:
        from trajcore.data import load_commonroad

        small = sorted((shared / "commonroad_ngsim").rglob("*.xml"), key=lambda p: p.stat().st_size)
        scenarios.append(load_commonroad(small[0]))
        corpora["commonroad"].mkdir(parents=True, exist_ok=True)
        for path in small[:2] + sorted((shared / "commonroad_sind").glob("*.cr.xml"))[:1]:
            shutil.copy(path, corpora["commonroad"] / path.name)
        av2 = shared / "argoverse2_sample"
        for name, pattern in (
            ("argoverse2_parquet", "scenario_*.parquet"),
            ("argoverse2_map", "log_map_archive_*.json"),
        ):
            corpora[name].mkdir(parents=True, exist_ok=True)
            for path in av2.glob(pattern):
                shutil.copy(path, corpora[name] / path.name)
    scene_seeds(corpora["scene"], scenarios)
    return corpora
