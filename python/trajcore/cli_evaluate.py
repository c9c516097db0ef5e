"""`trajcore evaluate --data DIR`: closed-loop replay of every recording in a folder (here or on
Ray), a summary table of nuPlan's closed-loop metrics, planner against logged human, and JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "evaluate", help="closed-loop replay of every recording in a folder: planner vs human"
    )
    p.add_argument("--data", required=True, help="folder of CommonRoad / Argoverse 2 recordings")
    p.add_argument(
        "--dt",
        type=float,
        help="the recordings' real time step where the files state a wrong one (SinD: 0.5)",
    )
    p.add_argument("--reactive", action="store_true", help="agents react to the ego (IDM)")
    p.add_argument("--max-steps", type=int, help="replay at most this many steps per recording")
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="spread the recordings over a Ray cluster ('local' starts one here)",
    )
    p.add_argument("--json", help="write every scenario's metrics and the summary here")
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace, console: Console) -> int:
    from .cli_demo import metrics_table
    from .data import recording_files
    from .sim.fleet import evaluate_folder, summarize
    from .sim.replay import METRICS

    total = len(recording_files(args.data))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("replaying", total=total)
        results = evaluate_folder(
            args.data,
            dt=args.dt,
            reactive=args.reactive,
            max_steps=args.max_steps,
            ray_address=args.ray,
            progress=lambda r: bar.update(task, advance=1, description=Path(r["file"]).name),
        )
    summary = summarize(results)
    planner, human = summary["planner"], summary["human"]
    rows = [
        (name.replace("_", " "), f"{planner[name]:.3f}", f"{human[name]:.3f}") for name in METRICS
    ]
    rows.append(
        (
            "at-fault collisions (scenarios)",
            str(planner["at_fault_collisions"]),
            str(human["at_fault_collisions"]),
        )
    )
    rows.append(("agents touched", str(planner["contacts"]), str(human["contacts"])))
    rows.append(
        ("distance driven (m)", f"{planner['progress_m']:.0f}", f"{human['progress_m']:.0f}")
    )
    for label, key in (
        ("min gap, any scenario (m)", "min_gap_m"),
        ("min gap, mean (m)", "mean_min_gap_m"),
    ):
        rows.append((label, f"{planner[key]:.2f}", f"{human[key]:.2f}"))
    table = metrics_table(
        f"{args.data}: {summary['replayed']} of {summary['scenarios']} recordings replayed in "
        f"closed loop ({summary['steps']} steps, {'reactive' if args.reactive else 'logged'} "
        "agents), nuPlan metrics, mean",
        rows,
    )
    console.print(table)
    for failure in summary["failed"]:
        console.print(f"[red]not replayed[/] {failure['file']}: {failure['error']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "scenarios": results}, indent=1))
        console.print(f"wrote {args.json}")
    return 0
