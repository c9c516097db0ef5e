"""Frenet lattice generation + LQR tracking of N=1024 candidates over T=80 steps.

    python bench/bench_generation.py [--repeats R] [--json PATH]

Workload: 8 lateral offsets x 16 target speeds x 8 durations along a curved reference line
(radius 100 m), ego at 6 m/s 0.3 m off the line. trajcore.frenet_lattice builds the quintic /
quartic maneuvers and tracks them through the bicycle with limits. Peer in the same run: the same
polynomials and PDM-Closed's batch LQR with its Euler bicycle, vectorised over candidates in numpy
(bench/generation_peers.py; tuPlan Garage's approach). Also times trajcore.track alone and
pdm_proposals (15 proposals, 4 s).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from rich.console import Console

sys.path.insert(0, str(Path(__file__).parent))
import trajcore
from generation_peers import numpy_lattice_and_tracking
from harness import measure_blocks, report

T, DT = 80, 0.1
OFFSETS = np.linspace(-2.0, 2.0, 8)
SPEEDS = np.linspace(0.0, 12.0, 16)
DURATIONS = np.linspace(2.0, 8.0, 8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--json", default=None)
    options = parser.parse_args()
    console = Console()
    car = trajcore.VehicleParams.passenger_car()
    a = np.linspace(0, 2.0, 400)
    line = trajcore.ReferenceLine(np.stack([100 * np.sin(a), 100 - 100 * np.cos(a)], -1))
    ego = np.array([1.461, 0.3, 0.0, 6.0, 0.0, 0.0], np.float32)
    ours = trajcore.frenet_lattice(ego, line, OFFSETS, SPEEDS, DURATIONS, T, DT)
    n = ours.states.shape[0]
    console.print(f"N={n} T={T}: {(ours.saturation != 0).mean():.0%} of tracked steps at a limit")
    refs = ours.references
    fns = {
        "trajcore frenet_lattice (generation + LQR tracking)": lambda: trajcore.frenet_lattice(
            ego, line, OFFSETS, SPEEDS, DURATIONS, T, DT
        ),
        "trajcore track alone (LQR)": lambda: trajcore.track(ego, refs, car, DT),
        "trajcore track alone (pure pursuit)": lambda: trajcore.track(
            ego, refs, car, DT, tracker=trajcore.TrackerParams(controller="pure_pursuit")
        ),
        "trajcore pdm_proposals (15 x 4 s)": lambda: trajcore.pdm_proposals(ego, line),
        "numpy lattice + PDM batch LQR/Euler (same method)": lambda: numpy_lattice_and_tracking(
            ego, line, OFFSETS, SPEEDS, DURATIONS, T, DT, car
        ),
    }
    measured = measure_blocks(fns, options.repeats)
    subject, others = measured[0], measured[1:]
    report(
        f"candidate generation + tracking, N={n} x T={T}",
        subject,
        others,
        items=n * T,
        json_path=options.json,
    )


if __name__ == "__main__":
    main()
