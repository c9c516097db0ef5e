"""The trajcore command line: `trajcore demo` (closed-loop replay, cli_demo.py), `trajcore
engine-demo`, `trajcore info`, `trajcore evaluate` (fleet replay, cli_evaluate.py),
`trajcore train`, `trajcore evaluate-prediction`, `trajcore export-predictor`
(cli_prediction.py)."""

from __future__ import annotations

import argparse
import math
import os
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
    console.print(f"CPU: every function runs here, on {_core.get_num_threads()} threads")
    console.print(f"GPU: {gpu_summary()}")
    console.print(f"CMake prefix for find_package(trajcore): {cmake_prefix_path}")
    return 0


def gpu_summary() -> str:
    """What this build can do on a GPU of this machine, in words."""
    if not _core.built_with_cuda():
        return "this build has no CUDA backend (rebuild with TRAJCORE_CUDA=ON for one)"
    devices, status = _core.cuda_device_count(), _core.cuda_status()
    kernels = "box_corners, box_overlap and box_distance"
    if devices == 0:
        why = f" ({status})" if status else ""
        return f"none usable here{why}; this build has CUDA kernels for {kernels}"
    return f"{devices} CUDA device(s); {kernels} take CUDA arrays, everything else runs on CPU"


def build_parser() -> argparse.ArgumentParser:
    """Every command and its options (main parses with it; the doc-block test checks the
    commands the docs show against it)."""
    parser = argparse.ArgumentParser(
        prog="trajcore",
        description="trajcore: motion planning with learned prediction. `trajcore demo` drives "
        "a highway cut-in (or a recording) in closed loop; `trajcore evaluate` scores the "
        "planner against the logged human on a folder of recordings.",
    )
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for option in ("pairs", "candidates", "agents", "max_steps", "epochs", "batch"):
        value = getattr(args, option, None)
        if value is not None and value < 1:
            parser.error(f"--{option.replace('_', '-')} is {value}, expected at least 1")
    for option in ("dt", "lr"):
        value = getattr(args, option, None)
        if value is not None and not (value > 0 and math.isfinite(value)):
            parser.error(f"--{option} is {value}, expected a positive number")
    return run_command(args, Console())


def run_command(args: argparse.Namespace, console: Console) -> int:
    """Runs the command; what goes wrong is one line on stderr, never a traceback: the user's
    mistakes (a missing file, a recording or model that cannot be read, a value out of range,
    an optional dependency not installed) exit 2, anything else exits 1 and asks for a report
    (TRAJCORE_TRACEBACK=1 shows where)."""
    where = f"trajcore {args.command}"
    try:
        return int(args.func(args, console))
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, LookupError, MemoryError, ImportError) as error:
        if os.environ.get("TRAJCORE_TRACEBACK"):
            raise
        print(f"{where}: error: {one_line(error)}", file=sys.stderr)
        return 2
    except Exception as error:  # a defect: still one line, and how to see more
        if os.environ.get("TRAJCORE_TRACEBACK"):
            raise
        print(
            f"{where}: internal error ({type(error).__name__}: {one_line(error)}); please "
            "report it, with TRAJCORE_TRACEBACK=1 set to show where",
            file=sys.stderr,
        )
        return 1


def one_line(error: BaseException) -> str:
    """An exception's message on one line (a missing file: its name and the reason)."""
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    return " ".join(text.split()) or type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
