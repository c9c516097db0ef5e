"""check_collisions on the highway workload against what users would run instead.

    python bench/bench_collision.py [--scene small|large|both] [--repeats R] [--json PATH]

Workload (trajcore.synthetic.highway_scene, seeded): a 3-lane road, 20% trucks, agents at
12-18 m/s predicted in K = 6 modes over T = 80 steps of 0.1 s, a Frenet-style lattice of ego
candidates. Scenes: small N=256 candidates / M=32 agents, large N=1024 / M=64.

Peers, in the same run on the same arrays (bench/collision_peers.py): numpy over all pairs,
a numba loop (optional dependency), shapely STRtree per step, and CommonRoad Drivability
Checker's trajectories_collision_dynamic_obstacles (grid). Each peer's build (polygons, trees,
collision objects, JIT) is timed apart from its query, and its first colliding step per
candidate is checked against trajcore's before it is timed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

sys.path.insert(0, str(Path(__file__).parent))
import trajcore
from collision_peers import (
    Scene,
    commonroad_peer,
    numba_peer,
    numpy_peer,
    shapely_strtree_peer,
)
from harness import measure, measure_blocks, report
from trajcore.synthetic import highway_scene

SCENES = {"small": (256, 32), "large": (1024, 64)}


def run_scene(label: str, n: int, m: int, repeats: int, json_path: str | None) -> None:
    console = Console()
    s = highway_scene(n, m, n_modes=6, steps=80, seed=0)
    args = (s.ego, s.ego_extent, s.agents, s.agent_extent, s.agent_prob, s.agent_valid)
    ws = trajcore.CollisionWorkspace()
    result = trajcore.check_collisions(*args, workspace=ws)
    expected = result.first_step
    console.print(
        f"[bold]{label}[/]: N={n} M={m} K=6 T+1=81; candidates colliding: "
        f"{(expected >= 0).mean():.0%}, mean collision_prob {result.collision_prob.mean():.2f}"
    )

    fast: dict[str, Callable[[], Any]] = {
        "trajcore, all fields": lambda: trajcore.check_collisions(*args, workspace=ws),
        "trajcore, no clearance / agent first step": lambda: trajcore.check_collisions(
            *args, workspace=ws, compute_min_clearance=False, compute_agent_first_step=False
        ),
        "trajcore, all fields, swept": lambda: trajcore.check_collisions(
            *args, workspace=ws, swept=True
        ),
    }
    slow: dict[str, Callable[[], Any]] = {}

    scene = Scene(s.ego, s.ego_extent, s.agents, s.agent_extent, s.agent_prob)
    peers = [numpy_peer(), numba_peer(), shapely_strtree_peer(), commonroad_peer()]
    builds: dict[str, float] = {}
    agreement: dict[str, float] = {}
    fields: dict[str, str] = {"trajcore, all fields": "every field incl. clearance"}
    for peer, missing in zip(
        peers, ["", "numba", "shapely", "commonroad-drivability-checker"], strict=True
    ):
        if peer is None:
            console.print(f"[yellow]skipped a peer: {missing} is not installed[/]")
            continue
        start = time.perf_counter()
        state = peer.build(scene)
        builds[peer.name] = time.perf_counter() - start
        first = peer.query(state)
        agreement[peer.name] = float((first == expected).mean())
        fields[peer.name] = peer.fields
        target = slow if peer.name.startswith(("numpy", "shapely")) else fast
        target[peer.name] = lambda p=peer, st=state: p.query(st)

    # The fast ones in blocks taking turns; the slow ones (up to seconds per run) a few times.
    ours, *baselines = measure_blocks(fast, repeats)
    baselines += [measure(name, fn, 3) for name, fn in slow.items()]

    report(
        f"check_collisions, {label} scene (N={n}, M={m}, K=6, T+1=81)",
        ours,
        baselines,
        items=n,
        json_path=json_path.replace(".json", f"_{label}.json") if json_path else None,
        extra={"build_s": builds, "first_step_agreement": agreement, "fields": fields},
    )
    for name in builds:
        console.print(
            f"  {name}: build {builds[name] * 1e3:.1f} ms; first step equal to trajcore's "
            f"for {agreement[name]:.2%} of candidates; computes {fields[name]}"
        )
    best = min((b for b in baselines if not b.name.startswith("trajcore")), key=lambda b: b.median)
    console.print(
        f"  trajcore (all fields) {ours.median * 1e3:.2f} ms; best peer {best.name} "
        f"{best.median * 1e3:.2f} ms: {best.median / ours.median:.1f}x\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene", choices=[*SCENES, "both"], default="both")
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument("--json", default=None)
    options = parser.parse_args()
    for label, (n, m) in SCENES.items():
        if options.scene in (label, "both"):
            run_scene(label, n, m, options.repeats, options.json)


if __name__ == "__main__":
    main()
