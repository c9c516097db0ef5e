"""`trajcore demo`: closed-loop replay of the embedded highway (or a recording) with the shipped
predictor and the replay planner, a summary table, a picture and an animation."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "demo",
        help="drive the embedded highway (or a recording) in closed loop; table, PNG and GIF",
    )
    p.add_argument("--scenario", help="a CommonRoad .xml or Argoverse 2 .parquet recording")
    p.add_argument(
        "--ego",
        help="the agent id to drive (default: the recorded ego, else the "
        "logged vehicle that travels farthest)",
    )
    p.add_argument(
        "--dt",
        type=float,
        help="the recording's real time step where it states a wrong one (SinD: 0.5)",
    )
    p.add_argument("--out", default="trajcore_demo", help="folder for the files (trajcore_demo)")
    p.add_argument("--reactive", action="store_true", help="agents react to the ego (IDM)")
    p.add_argument("--no-animation", action="store_true", help="skip the GIF")
    p.add_argument("--max-steps", type=int, help="replay at most this many steps")
    p.add_argument(
        "--scenes", help="also write each step's scene file here (for examples/vehicle_app)"
    )
    p.set_defaults(func=cmd_demo)


def load_predictor(console: Console) -> Any:
    """The shipped model; constant velocity (with a notice) where torch is not installed."""
    try:
        import torch  # noqa: F401
    except ImportError:
        from .sim import ConstantVelocityPredictor

        console.print(
            "[yellow]torch is not installed: predicting constant velocity instead of the "
            "shipped model (pip install torch==2.13.0 for the learned predictor)[/]"
        )
        return ConstantVelocityPredictor()
    from .predictor import Predictor

    return Predictor.load()


def metrics_table(
    title: str, rows: Sequence[tuple[str, ...]], drivers: Sequence[str] = ("planner",)
) -> Table:
    """A metric per row; a column per driver, then the logged human."""
    table = Table(title=title)
    table.add_column("metric")
    for driver in drivers:
        table.add_column(driver, justify="right")
    table.add_column("logged human", justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def drive_rows(planner: Any, human: Any) -> list[tuple[str, str, str]]:
    """Rows of nuPlan's closed-loop metrics of two :class:`trajcore.sim.DriveMetrics`."""
    from .sim.replay import METRICS

    rows = [
        (name.replace("_", " "), f"{planner.scores[name]:.3f}", f"{human.scores[name]:.3f}")
        for name in METRICS
    ]
    at_fault = ["yes" if d.at_fault_collision else "no" for d in (planner, human)]
    rows.append(("at-fault collision", at_fault[0], at_fault[1]))
    rows.append(("progress (m)", f"{planner.progress_m:.1f}", f"{human.progress_m:.1f}"))
    rows.append(
        (
            "min gap (m)",
            f"{planner.min_gap:.1f} ({planner.min_gap_agent})",
            f"{human.min_gap:.1f} ({human.min_gap_agent})",
        )
    )
    return rows


def cmd_demo(args: argparse.Namespace, console: Console) -> int:
    from . import viz
    from .sim import StepRecord, replay, replay_planner

    start = time.perf_counter()
    if args.scenario is None:
        from .sim.highway import highway_merge_scenario

        scenario = highway_merge_scenario()
    else:
        from .data import load_recording

        scenario = load_recording(args.scenario, dt=args.dt, resample_to=0.1)
    if args.ego is not None and args.ego != "ego" and args.ego not in scenario.agent_id:
        shown = ", ".join(repr(a) for a in scenario.agent_id[:8])
        more = f" and {len(scenario.agent_id) - 8} more" if len(scenario.agent_id) > 8 else ""
        raise ValueError(
            f"--ego is {args.ego!r}, expected 'ego' or an agent id of {scenario.name} "
            f"({shown}{more})"
        )
    predictor = load_predictor(console)
    planner = replay_planner()
    steps: list[StepRecord] = []
    result = replay(
        scenario,
        args.ego,
        planner,
        predictor,
        reactive=args.reactive,
        max_steps=args.max_steps,
        on_step=steps.append,
        scene_dir=args.scenes,
    )
    fallback = sum(step.result.fallback for step in steps)
    console.print(
        metrics_table(
            f"{scenario.name}: the planner drives '{result.ego}' for {result.steps} steps of "
            f"{result.dt:g} s ({'reactive' if result.reactive else 'logged'} agents); nuPlan "
            "closed-loop score against the logged human",
            drive_rows(result.planner, result.human),
        )
    )
    console.print(
        f"per cycle: predict p50 {np.median(result.predict_ms):.1f} ms, "
        f"p99 {np.percentile(result.predict_ms, 99):.1f} ms ({type(predictor).__name__}); "
        f"plan p50 {np.median(result.plan_ms):.1f} ms, p99 {np.percentile(result.plan_ms, 99):.1f} "
        f"ms ({planner.candidate_count} candidates x {planner.steps} steps, "
        f"{planner.profile.name}); {fallback} cycle(s) where no candidate passed the gates"
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # The picture: the cycle where collisions held back the most candidates.
    held = [int(np.sum(np.asarray(s.result.reasons) == 1)) for s in steps]
    busiest = steps[int(np.argmax(held))]
    figure = viz.scene_figure(scenario, busiest)
    figure.savefig(out / "demo.png")
    viz.replay_figure(scenario, result).savefig(out / "replay.png")
    written = [out / "demo.png", out / "replay.png"]
    if not args.no_animation:
        written.append(viz.animate_replay(scenario, steps, out / "demo.gif"))
    console.print(
        "wrote " + ", ".join(str(p) for p in written) + f" in {time.perf_counter() - start:.1f} s"
    )
    return 0
