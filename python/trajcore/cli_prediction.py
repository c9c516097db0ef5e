"""`trajcore train` and `trajcore evaluate-prediction` (need torch and the data extra)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("train", help="train the multimodal predictor on recordings")
    p.add_argument(
        "--data",
        required=True,
        nargs="+",
        help="folders of CommonRoad scenarios (searched recursively); scenarios with the same "
        "traffic as another are trained on once",
    )
    p.add_argument("--out", required=True, help="folder for checkpoint.pt, model.pt, training.json")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch", type=int, default=8, help="windows per step and process")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.set_defaults(func=cmd_train)
    e = sub.add_parser(
        "evaluate-prediction", help="minADE/minFDE/miss rate of a model and baselines"
    )
    e.add_argument(
        "--data",
        required=True,
        nargs="+",
        help="folders of CommonRoad or Argoverse 2 scenarios; scenarios with the same traffic as "
        "another are counted once",
    )
    e.add_argument(
        "--model",
        help="model.pt from `trajcore train`, or a .ts file (default: the shipped predictor)",
    )
    e.add_argument(
        "--baselines-only",
        action="store_true",
        help="only constant velocity and constant turn rate, no model (torch not needed)",
    )
    e.add_argument(
        "--all", action="store_true", help="every scenario, not only the model's test split"
    )
    e.add_argument("--json", help="also write the results to this file")
    e.add_argument(
        "--dt",
        type=float,
        help="the CommonRoad files' real time step where they state a wrong one (SinD: 0.5); "
        "recordings on another step than the model's are interpolated to it",
    )
    e.set_defaults(func=cmd_evaluate)
    x = sub.add_parser("export-predictor", help="write a trained model as TorchScript or .pt2")
    x.add_argument("--model", required=True, help="model.pt from `trajcore train`, or a .ts file")
    x.add_argument("--out", required=True, help="the file to write (.ts or .pt2)")
    x.set_defaults(func=cmd_export)


def cmd_train(args: argparse.Namespace, console: Console) -> int:
    from .models.training import TrainConfig, train

    config = TrainConfig(
        epochs=args.epochs, batch=args.batch, learning_rate=args.lr, seed=args.seed
    )
    leader = os.environ.get("RANK", "0") == "0"  # under torchrun, one process reports
    with Progress(
        TextColumn("epoch {task.fields[epoch]}"),
        BarColumn(),
        TextColumn("loss {task.fields[loss]:.3f}"),
        TimeRemainingColumn(),
        console=console,
        disable=not leader,
    ) as bar:
        task = bar.add_task("train", total=None, epoch=0, loss=float("nan"))

        def progress(epoch: int, step: int, loss: float) -> None:
            bar.update(task, advance=1, epoch=epoch + 1, loss=loss)

        result = train(args.data, args.out, config, resume=args.resume, progress=progress)
    if not leader:
        return 0
    console.print(
        f"trained on {len(result['train'])} scenarios ({result['windows']} windows); "
        f"held out: {', '.join(result['test'])}"
    )
    if result["twins"]:
        console.print(
            f"{len(result['twins'])} scenarios repeat another's traffic and were left out: "
            + ", ".join(f"{a} (= {b})" for a, b in sorted(result["twins"].items()))
        )
    console.print(
        f"final epoch loss {result['history'][-1]:.3f}; model: {Path(args.out) / 'model.pt'}"
    )
    return 0


def cmd_evaluate(args: argparse.Namespace, console: Console) -> int:
    from .models.evaluation import prediction_report
    from .models.training import distinct_traffic, load_model, load_recordings

    if args.baselines_only and args.model:
        raise ValueError("--model and --baselines-only exclude each other")
    model = None if args.baselines_only else args.model or str(shipped_model())
    if model is not None and importlib.util.find_spec("torch") is None:
        raise ValueError(
            "evaluating a model needs torch (pip install torch==2.13.0); --baselines-only "
            "evaluates constant velocity and constant turn rate without it"
        )
    net = load_model(model) if model else None
    step = net.config.dt if net is not None else 0.1
    scenarios, _ = distinct_traffic(load_recordings(args.data, dt=args.dt, resample_to=step))
    if model is not None:
        split = _split(model)
        if split and not args.all:
            scenarios = [s for s in scenarios if s.name in set(split["test"])]
            if not scenarios:
                raise ValueError(
                    f"none of the model's test scenarios ({', '.join(split['test'])}) "
                    f"is under {' '.join(args.data)}"
                )
    report = prediction_report(net, scenarios)
    targets = int(report["all"]["cv"]["targets"])
    console.print(
        _table(f"prediction on {len(scenarios)} scenarios, {targets} targets", report["all"])
    )
    if len(report["classes"]) > 1:
        for kind, results in report["classes"].items():
            console.print(_table(f"{kind}: {int(results['cv']['targets'])} targets", results))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "scenarios": [s.name for s in scenarios],
                    "results": report["all"],
                    "classes": report["classes"],
                },
                indent=1,
            )
        )
    return 0


def shipped_model() -> Path:
    """The predictor the wheel ships (trajcore.Predictor.load's default)."""
    from .predictor import DEFAULT_MODEL

    return Path(__file__).parent / "models" / "default" / DEFAULT_MODEL


def _table(title: str, results: dict[str, dict[str, float]]) -> Table:
    table = Table(title=title)
    for column in ("predictor", "minADE (m)", "minFDE (m)", "miss rate @2 m", "brier-minFDE"):
        table.add_column(column, justify="right" if column != "predictor" else "left")
    for name, m in results.items():
        table.add_row(
            name,
            f"{m['minADE']:.3f}",
            f"{m['minFDE']:.3f}",
            f"{m['miss_rate']:.3f}",
            f"{m['brier_minFDE']:.3f}",
        )
    return table


def _split(model: str) -> dict[str, Any] | None:
    """The train / test scenario names a model file records (model.pt, .ts or .pt2)."""
    from .models.export import read_metadata
    from .models.training import load_weights

    if Path(model).suffix in (".ts", ".pt2"):
        split: dict[str, Any] | None = read_metadata(model)["split"]
        return split
    return load_weights(model).get("split")  # type: ignore[no-any-return]


def cmd_export(args: argparse.Namespace, console: Console) -> int:
    from .models.export import export_pt2, export_torchscript
    from .models.training import load_model

    net = load_model(args.model)
    out = Path(args.out)
    if out.suffix not in (".ts", ".pt2"):
        raise ValueError(f"--out is {out}, expected a .ts (TorchScript) or .pt2 (AOTInductor) file")
    split = _split(args.model)
    written = (
        export_pt2(net, out, split=split)
        if out.suffix == ".pt2"
        else export_torchscript(net, out, split=split)
    )
    console.print(f"wrote {written} ({written.stat().st_size / 1e6:.2f} MB)")
    return 0
