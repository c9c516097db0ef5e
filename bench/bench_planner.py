"""Planning-cycle latency of trajcore.Planner on a real scene, next to CommonRoad's reactive
planner on the same scene in the same run.

    python bench/bench_planner.py [--cycles C] [--peer-cycles P] [--json PATH]

Scene: the NGSIM Lankershim Boulevard scenario USA_Lanker-2_24_T-1 (CommonRoad, from
../shared/data): its lanelet map as a RoadMap on a 1 m grid, the route planner's reference path
from the planning problem's start as the reference line, the ego at the planning problem's
initial state, and the 64 recorded vehicles nearest to it with K=6 predicted modes each (the
logged future at 0.8, 0.9, 1.0, 1.1 and 1.2 times its pace and a constant-velocity mode; steps
past a track's end are invalid). trajcore: N=1024 lattice candidates (8 offsets x 16 speeds x 8
durations), T=80, pdm_closed; each cycle generates, tracks, checks, scores and selects. p50 and
p99 over C cycles of the C++ cycle time (PlanResult.timings.total_ms) and of the Python call.
Peer: commonroad-reactive-planner's plan() on the same scenario and reference path (its own
sampling, 6 s horizon, its collision checker against the recorded obstacles), P cycles.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
import trajcore
from harness import machine
from trajcore.map_sources import road_map_from_commonroad

SCENARIO = "USA_Lanker-2_24_T-1.xml"
T, DT, M, K = 80, 0.1, 64, 6
LATTICE = trajcore.LatticeSettings(
    lateral_offsets=tuple(np.linspace(-3.5, 3.5, 8)),
    target_speeds=tuple(np.linspace(0.0, 15.0, 16)),
    durations=tuple(np.linspace(2.0, 8.0, 8)),
)
PACES = (0.8, 0.9, 1.0, 1.1, 1.2)


def shared_data() -> Path:
    for candidate in (
        Path(__file__).resolve().parents[2] / "shared" / "data",
        Path("/work/shared/data"),
    ):
        if candidate.is_dir():
            return candidate
    raise SystemExit("bench_planner needs the recordings in ../shared/data (not found)")


def load_scene():  # type: ignore[no-untyped-def]
    from commonroad.common.file_reader import CommonRoadFileReader

    from planner_peer import reference_path

    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    path = next(shared_data().glob(f"commonroad_ngsim/**/{SCENARIO}"))
    scenario, problems = CommonRoadFileReader(str(path)).open()
    problem = next(iter(problems.planning_problem_dict.values()))
    road = road_map_from_commonroad(scenario.lanelet_network, cell_size=1.0)
    line = trajcore.ReferenceLine(reference_path(scenario, problem))
    s0 = problem.initial_state
    ego = np.array([*s0.position, s0.orientation, s0.velocity, 0.0, 0.0], np.float32)
    # The 64 recorded vehicles nearest the ego at t = 0, K = 6 modes each.
    tracks = []
    for obstacle in scenario.dynamic_obstacles:
        states = [obstacle.initial_state, *obstacle.prediction.trajectory.state_list]
        xy = np.array([st.position for st in states], np.float64)
        yaw = np.array([st.orientation for st in states], np.float64)
        t0 = states[0].time_step
        if t0 > 0:
            continue
        shape = obstacle.obstacle_shape
        tracks.append((np.linalg.norm(xy[0] - ego[:2]), xy, yaw, (shape.length, shape.width)))
    tracks.sort(key=lambda item: item[0])
    tracks = tracks[:M]
    agents = np.zeros((len(tracks), K, T + 1, 3), np.float32)
    valid = np.zeros((len(tracks), K, T + 1), bool)
    extent = np.array([t[3] for t in tracks], np.float32)
    steps = np.arange(T + 1)
    for m, (_, xy, yaw, _) in enumerate(tracks):
        n = len(xy)
        for k, pace in enumerate(PACES):
            idx = steps * pace
            ok = idx <= n - 1
            i0 = np.minimum(np.floor(idx).astype(int), n - 1)
            i1 = np.minimum(i0 + 1, n - 1)
            f = (idx - i0)[:, None]
            agents[m, k, :, :2] = (1 - f) * xy[i0] + f * xy[i1]
            agents[m, k, :, 2] = yaw[i0]
            valid[m, k] = ok
        v = (xy[min(1, n - 1)] - xy[0]) / DT
        agents[m, K - 1, :, :2] = xy[0] + v * steps[:, None] * DT
        agents[m, K - 1, :, 2] = yaw[0]
        valid[m, K - 1] = True
    prob = np.full((len(tracks), K), 1.0 / K, np.float32)
    scene = trajcore.PlanScene(
        ego_state=ego,
        agents=agents,
        agent_extent=extent,
        agent_type=np.zeros(len(tracks), np.int32),
        agent_prob=prob,
        agent_valid=valid,
        road_map=road,
        reference_line=line,
    )
    return scene, scenario, problem


def percentiles(values: list[float]) -> tuple[float, float]:
    a = np.asarray(values)
    return float(np.percentile(a, 50)), float(np.percentile(a, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--peer-cycles", type=int, default=20)
    parser.add_argument("--json", default=None)
    options = parser.parse_args()
    console = Console()
    scene, scenario, problem = load_scene()
    planner = trajcore.Planner(lattice=LATTICE, steps=T, dt=DT)
    for _ in range(3):
        planner.plan(scene)  # warm-up
    cycle_ms, call_ms, stages = [], [], {"generate_ms": [], "score_ms": []}
    for _ in range(options.cycles):
        start = time.perf_counter()
        result = planner.plan(scene)
        call_ms.append((time.perf_counter() - start) * 1e3)
        cycle_ms.append(result.timings.total_ms)
        for stage in stages:
            stages[stage].append(getattr(result.timings, stage))
    chosen = result.chosen
    m_agents = scene.agents.shape[0]
    console.print(
        f"{SCENARIO}: N={planner.candidate_count} candidates x T={T}, M={m_agents} agents x "
        f"K={K} modes; chosen {chosen} (total {result.scores.total[chosen]:.3f}), "
        f"{int((result.scores.no_collision < 1).sum())} candidates with an at-fault collision"
    )
    peer = None
    try:
        from planner_peer import reactive_planner_cycles

        peer = reactive_planner_cycles(scenario, problem, options.peer_cycles)
    except ImportError as error:
        console.print(f"[yellow]commonroad-reactive-planner not installed ({error}); peer skipped")
    table = Table(title="planning cycle, p50 / p99 (ms)")
    for column in ("planner", "cycles", "p50 ms", "p99 ms", "note"):
        table.add_column(column, justify="left" if column in ("planner", "note") else "right")
    p50, p99 = percentiles(cycle_ms)
    c50, c99 = percentiles(call_ms)
    g50, _ = percentiles(stages["generate_ms"])
    s50, _ = percentiles(stages["score_ms"])
    table.add_row(
        "trajcore Planner (C++ cycle)",
        str(options.cycles),
        f"{p50:.2f}",
        f"{p99:.2f}",
        f"generate {g50:.2f} + score {s50:.2f}",
    )
    table.add_row(
        "trajcore Planner (Python call)",
        str(options.cycles),
        f"{c50:.2f}",
        f"{c99:.2f}",
        "with numpy copies of the result",
    )
    out = {
        "machine": machine(),
        "scenario": SCENARIO,
        "N": planner.candidate_count,
        "T": T,
        "M": m_agents,
        "K": K,
        "cycle_ms": cycle_ms,
        "call_ms": call_ms,
    }
    if peer is not None:
        r50, r99 = percentiles([s * 1e3 for s in peer["seconds"]])
        table.add_row(
            "commonroad-reactive-planner",
            str(len(peer["seconds"])),
            f"{r50:.1f}",
            f"{r99:.1f}",
            f"{peer['samples_per_cycle']} samples, "
            f"{peer['horizon_steps']} steps; {r50 / p50:.0f}x trajcore's p50",
        )
        out["peer"] = peer
    console.print(table)
    if options.json:
        Path(options.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
