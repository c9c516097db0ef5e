"""rollout of N=1024 candidates over T=80 steps against what users would run instead.

    python bench/bench_rollout.py [--repeats R] [--json PATH]

Workload: one passenger-car state at 10 m/s; smooth random (jerk, steering rate) sequences,
about a fifth of whose steps reach a limit. Peers in the same run (bench/rollout_peers.py): the
same model vectorised in numpy, the same loop compiled by numba (parallel over candidates), and
CommonRoad's vehiclemodels kinematic single track stepped with RK4 in Python (timed on 16
candidates and scaled to N: it takes seconds). numpy's and numba's states are checked against
trajcore's before they are timed. Also times the truck (tractor + trailer) and the float64
differentiable path (forward + backward through torch.autograd, when torch is installed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from rich.console import Console

sys.path.insert(0, str(Path(__file__).parent))
import trajcore
from harness import Measurement, measure, measure_blocks, report
from rollout_peers import numba_rollout, numpy_rollout, vehiclemodels_rollout

N, T, DT = 1024, 80, 0.1


def workload(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    state0 = np.array([0, 0, 0, 10, 0, 0], np.float32)
    blocks = rng.normal(0, 1, (N, T // 10, 2)) * [3.0, 0.15]
    return state0, np.ascontiguousarray(np.repeat(blocks, 10, axis=1), dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--json", default=None)
    options = parser.parse_args()
    console = Console()
    car, truck = trajcore.VehicleParams.passenger_car(), trajcore.VehicleParams.semi_truck()
    state0, controls = workload()
    ours = trajcore.rollout(state0, controls, car, DT)
    console.print(f"N={N} T={T}: {(ours.saturation != 0).mean():.0%} of steps reach a limit")

    fns = {
        "trajcore": lambda: trajcore.rollout(state0, controls, car, DT),
        "trajcore, semi-truck with trailer": lambda: trajcore.rollout(state0, controls, truck, DT),
    }
    numba_fn = numba_rollout()
    if numba_fn is not None:
        got = numba_fn(state0, controls, car, DT)
        gap = np.abs(got[..., :2] - ours.states[..., :2]).max()
        console.print(f"  numba: max |position - trajcore| = {gap:.2e} m")
        fns["numba (same model, parallel)"] = lambda: numba_fn(state0, controls, car, DT)
    else:
        console.print("[yellow]skipped numba: not installed[/]")
    got = numpy_rollout(state0, controls, car, DT)
    gap = np.abs(got[..., :2] - ours.states[..., :2]).max()
    console.print(f"  numpy: max |position - trajcore| = {gap:.2e} m")
    fns["numpy (same model, vectorised)"] = lambda: numpy_rollout(state0, controls, car, DT)
    measured = measure_blocks(fns, options.repeats)
    subject, others = measured[0], measured[1:]

    vm = vehiclemodels_rollout()
    if vm is not None:
        few = measure(
            "vehiclemodels ks + RK4 loop (16 cand., scaled)",
            lambda: vm(state0, controls[:16], car, DT),
            3,
        )
        others.append(Measurement(few.name, [s * N / 16 for s in few.seconds]))
    torch = None
    try:
        import torch
    except ImportError:
        console.print("[yellow]skipped the differentiable path: torch is not installed[/]")
    if torch is not None:
        s64 = torch.tensor(state0, dtype=torch.float64)
        u64 = torch.tensor(controls, dtype=torch.float64, requires_grad=True)

        def forward_backward() -> None:
            trajcore.rollout(s64, u64, car, DT).states[..., -1, :2].sum().backward()

        others.append(
            measure("trajcore float64 forward + exact backward (autograd)", forward_backward, 5)
        )
    report(
        f"rollout, N={N} candidates x T={T} steps (car unless noted)",
        subject,
        others,
        items=N * T,
        json_path=options.json,
    )
    numba_m = next((m for m in others if m.name.startswith("numba")), None)
    if numba_m is not None:
        console.print(
            f"  trajcore {subject.median * 1e3:.3f} ms, numba {numba_m.median * 1e3:.3f} ms: "
            f"{numba_m.median / subject.median:.1f}x"
        )


if __name__ == "__main__":
    main()
