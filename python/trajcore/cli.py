"""The trajcore command line: `trajcore demo` (closed-loop replay, cli_demo.py), `trajcore
engine-demo`, `trajcore info`, `trajcore evaluate` (fleet replay, cli_evaluate.py),
`trajcore train`, `trajcore evaluate-prediction`, `trajcore export-predictor`
(cli_prediction.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from . import _core, demo

COMING = ("the CUDA backend",)


def cmd_engine_demo(args: argparse.Namespace, console: Console) -> int:
    scene = demo.highway_snapshot()
    result = demo.run(scene, throughput_pairs=args.pairs)
    table = Table(
        title="trajcore engine demo: highway snapshot, ego 4.8 x 1.95 m in the middle lane"
    )
    table.add_column("agent")
    for column in ("x m", "y m", "size m"):
        table.add_column(column, justify="right")
    table.add_column("overlap", justify="center")
    table.add_column("gap m", justify="right")
    for name, box, hit, gap in zip(scene.names, scene.agents, result.overlap, result.distance):
        table.add_row(
            name,
            f"{box[0]:.1f}",
            f"{box[1]:.1f}",
            f"{box[3]:.1f} x {box[4]:.1f}",
            "[bold red]yes[/]" if hit else "no",
            f"{gap:+.2f}",
        )
    console.print(table)
    nearest = int(result.distance.argmin())
    console.print(
        f"closest: {scene.names[nearest]} at {result.distance[nearest]:+.2f} m "
        "(negative: penetration depth)"
    )
    console.print(
        f"box_overlap throughput: {result.pairs_per_second / 1e6:.0f} M pairs/s "
        f"on {result.threads} CPU threads ({args.pairs:,} pairs, median of 5)"
    )
    c = demo.collisions(args.candidates, args.agents)
    console.print(
        f"collision check: {c.candidates} candidates x {c.agents} agents x {c.modes} modes x "
        f"{c.steps} steps: {c.query_ms:.2f} ms ({c.swept_query_ms:.2f} ms swept), median of 5; "
        f"{c.collision_free} candidates collision-free in every mode; safest candidate "
        f"{c.safest}: collision probability {c.safest_prob:.3f}, "
        f"min clearance {c.safest_clearance:+.2f} m"
    )
    g = demo.drivable_candidates(args.candidates, args.agents)
    console.print(
        f"drivable candidates: Frenet lattice of {g.candidates} maneuvers x {g.steps} steps "
        f"generated and tracked (nuPlan's LQR) in {g.generate_ms:.2f} ms, median of 5; "
        f"{g.at_limit} reach a vehicle limit (flagged); {g.collision_free} collision-free in "
        f"every mode; best {g.best}: offset {g.best_offset:+.2f} m, {g.best_speed:.1f} m/s in "
        f"{g.best_duration:.1f} s, collision probability {g.best_prob:.3f}, "
        f"min clearance {g.best_clearance:+.2f} m"
    )
    p = demo.planning_cycle(args.agents)
    reasons = ", ".join(
        f"{count} {reason.replace('_', ' ')}" for reason, count in p.reasons.items()
    )
    console.print(
        f"planning cycle (generate, track, check, score with PDM-Closed's rules, select): "
        f"{p.candidates} candidates in {p.cycle_ms:.1f} ms, median of 5; chosen {p.chosen}: "
        f"offset {p.offset:+.2f} m at {p.target_speed:.1f} m/s, score {p.total:.3f}; {reasons}"
    )
    console.print("coming next: " + "; ".join(COMING) + ".")
    return 0


def cmd_info(args: argparse.Namespace, console: Console) -> int:
    from . import __version__, cmake_prefix_path

    console.print(f"trajcore {__version__}")
    console.print(f"built with CUDA: {_core.built_with_cuda()}")
    status = _core.cuda_status()
    console.print(f"CUDA devices: {_core.cuda_device_count()}" + (f" ({status})" if status else ""))
    console.print(f"CPU threads: {_core.get_num_threads()}")
    console.print(f"CMake prefix for find_package(trajcore): {cmake_prefix_path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trajcore", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser(
        "engine-demo", help="the engine's building blocks on synthetic scenes, timed"
    )
    p_demo.add_argument(
        "--pairs",
        type=int,
        default=1_000_000,
        help="box pairs in the throughput measurement (default 1,000,000)",
    )
    p_demo.add_argument("--candidates", type=int, default=1024, help="ego candidates (1024)")
    p_demo.add_argument("--agents", type=int, default=64, help="predicted agents (64)")
    p_demo.set_defaults(func=cmd_engine_demo)
    p_info = sub.add_parser("info", help="print version, build and device information")
    p_info.set_defaults(func=cmd_info)
    from . import cli_demo, cli_evaluate, cli_prediction

    cli_demo.add_commands(sub)
    cli_evaluate.add_commands(sub)
    cli_prediction.add_commands(sub)
    args = parser.parse_args(argv)
    for option in ("pairs", "candidates", "agents"):
        if getattr(args, option, 1) < 1:
            parser.error(f"--{option} must be at least 1")
    return int(args.func(args, Console()))


if __name__ == "__main__":
    sys.exit(main())
