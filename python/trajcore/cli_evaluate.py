"""`trajcore evaluate --data DIR`: closed-loop replay of every recording in a folder (here or on
Ray) by trajcore's planner and, with ``--planner``, PDM-Closed as its peer; a summary table of
nuPlan's closed-loop metrics, each planner against the logged human, a table of the smallest gap
each kept per scenario, and JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from .sim.fleet import PLANNERS

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
        "--planner",
        nargs="+",
        choices=PLANNERS,
        default=["trajcore"],
        help="the planners that drive, side by side: trajcore's, and PDM-Closed as trajcore "
        "reproduces it (default: trajcore)",
    )
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="spread the recordings over a Ray cluster ('local' starts one here)",
    )
    p.add_argument("--json", help="write every scenario's metrics and the summary here")
    p.add_argument(
        "--figure",
        default="trajcore_evaluate.png",
        help="the summary picture: a row per scenario, planners and human per metric "
        "(default trajcore_evaluate.png; '' for none)",
    )
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace, console: Console) -> int:
    from .data import recording_files
    from .sim.fleet import evaluate_folder, summarize

    planners = list(dict.fromkeys(args.planner))
    total = len(recording_files(args.data)) * len(planners)
    results: dict[str, list[dict[str, Any]]] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("replaying", total=total)
        for name in planners:
            results[name] = evaluate_folder(
                args.data,
                dt=args.dt,
                reactive=args.reactive,
                max_steps=args.max_steps,
                ray_address=args.ray,
                planner=name,
                progress=lambda r: bar.update(
                    task, advance=1, description=f"{r['planner_name']}: {Path(r['file']).name}"
                ),
            )
    summaries = {name: summarize(records) for name, records in results.items()}
    console.print(summary_table(args, summaries))
    console.print(gap_table(results))
    for name, summary in summaries.items():
        for failure in summary["failed"]:
            console.print(f"[red]{name}: not replayed[/] {failure['file']}: {failure['error']}")
    if args.figure:
        from . import viz

        mode = "reactive" if args.reactive else "logged"
        figure = viz.evaluation_figure(
            results, f"{args.data}: closed loop, {mode} agents, nuPlan metrics"
        )
        figure.savefig(args.figure)
        viz._pyplot().close(figure)
        console.print(f"wrote {args.figure}")
    if args.json:
        record = {
            "summary": summaries[planners[0]],
            "scenarios": results[planners[0]],
            "planners": {n: {"summary": summaries[n], "scenarios": results[n]} for n in planners},
        }
        Path(args.json).write_text(json.dumps(record, indent=1))
        console.print(f"wrote {args.json}")
    return 0


def summary_table(args: argparse.Namespace, summaries: dict[str, dict[str, Any]]) -> Table:
    """The mean of each metric per planner and for the logged human."""
    from .cli_demo import metrics_table
    from .sim.replay import METRICS

    first = next(iter(summaries.values()))
    drives = [s["planner"] for s in summaries.values()] + [first["human"]]

    def row(label: str, key: str, fmt: str) -> tuple[str, ...]:
        return (label, *(format(d[key], fmt) for d in drives))

    rows = [row(name.replace("_", " "), name, ".3f") for name in METRICS]
    rows.append(row("at-fault collisions (scenarios)", "at_fault_collisions", "d"))
    rows.append(row("agents touched", "contacts", "d"))
    rows.append(row("distance driven (m)", "progress_m", ".0f"))
    rows.append(row("min gap, any scenario (m)", "min_gap_m", ".2f"))
    rows.append(row("min gap, mean (m)", "mean_min_gap_m", ".2f"))
    return metrics_table(
        f"{args.data}: {first['replayed']} of {first['scenarios']} recordings replayed in "
        f"closed loop ({first['steps']} steps, {'reactive' if args.reactive else 'logged'} "
        "agents), nuPlan metrics, mean",
        rows,
        drivers=list(summaries),
    )


def gap_table(results: dict[str, list[dict[str, Any]]]) -> Table:
    """Per scenario: each driver's total and the smallest gap it kept to any agent (m)."""
    table = Table(title="per scenario: total, smallest gap to any agent (m)")
    table.add_column("scenario")
    for name in results:
        table.add_column(name, justify="right")
    table.add_column("logged human", justify="right")
    first = next(iter(results.values()))
    for i, record in enumerate(first):
        if "error" in record:
            continue
        cells = [
            f"{r[i]['planner']['total']:.3f}  {r[i]['planner']['min_gap_m']:6.2f}"
            if "error" not in r[i]
            else "-"
            for r in results.values()
        ]
        human = record["human"]
        cells.append(f"{human['total']:.3f}  {human['min_gap_m']:6.2f}")
        table.add_row(record["scenario"], *cells)
    return table
