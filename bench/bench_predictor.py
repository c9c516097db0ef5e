"""Predictor latency: one scene of M=64 agents on the CPU, the shipped model.

    python bench/bench_predictor.py [--repeats R] [--pt2] [--json PATH]

Workload: NGSIM Lankershim (USA_Lanker-2_17_T-1, read from ../shared/data) at step 40, the 64
agents nearest the scene's centre and the lane segments near them. Timed: the network's call
from Python on the TorchScript file (and, with --pt2, on an AOTInductor package exported in the
run, which takes about a minute to compile), the eager network, and building the inputs from the
Scenario. Peers in the same run: the constant-velocity and constant-turn-rate baselines on the
same agents. p50 and p99 over the repeats; the goal is 5 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from harness import machine, measure
from trajcore.data import load_commonroad
from trajcore.data.windows import scene_window
from trajcore.models.baselines import baseline_predictions
from trajcore.models.training import load_model, model_inputs, window_config
from trajcore.predictor import Predictor

SCENARIO, STEP, AGENTS = "USA_Lanker-2_17_T-1.xml", 40, 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--pt2", action="store_true", help="also export and time a .pt2 package")
    parser.add_argument("--json", default=None)
    options = parser.parse_args()
    torch.set_num_threads(2)
    root = Path(__file__).resolve().parents[2] / "shared" / "data"
    path = next((root / "commonroad_ngsim").rglob(SCENARIO), None) if root.is_dir() else None
    if path is None:
        raise SystemExit(
            "../shared/data/commonroad_ngsim is absent: the benchmark reads a recording"
        )
    scenario = load_commonroad(path)
    predictor = Predictor.load()
    config = window_config(predictor.config, 1, future=0)
    config = type(config)(**{**config.__dict__, "max_agents": AGENTS})
    window = scene_window(scenario, STEP, config)
    inputs = model_inputs(window, slice(0, 1))
    agents = int(window.present.sum())
    net = load_model(predictor.path)
    h = predictor.config.history
    history = window.states[0, :agents, : h + 1].astype(np.float64)
    valid = window.valid[0, :agents, : h + 1]

    timings = {
        "TorchScript (Python)": measure(
            "TorchScript (Python)", lambda: predictor.run(*inputs), options.repeats, warmup=10
        ),
    }
    with torch.no_grad():
        timings["eager network"] = measure(
            "eager network", lambda: net(*inputs), options.repeats, warmup=10
        )
    if options.pt2:
        from trajcore.models.export import export_pt2

        with tempfile.TemporaryDirectory() as folder:
            compiled = Predictor.load(export_pt2(net, Path(folder) / "predictor.pt2"))
            timings[".pt2 (Python)"] = measure(
                ".pt2 (Python)", lambda: compiled.run(*inputs), options.repeats, warmup=10
            )
    timings["inputs from the Scenario"] = measure(
        "inputs from the Scenario",
        lambda: model_inputs(scene_window(scenario, STEP, config), slice(0, 1)),
        options.repeats // 3,
    )
    timings["constant velocity"] = measure(
        "constant velocity",
        lambda: baseline_predictions(history, valid, 50, 0.1, "cv"),
        options.repeats,
    )
    timings["constant turn rate"] = measure(
        "constant turn rate",
        lambda: baseline_predictions(history, valid, 50, 0.1, "ctrv"),
        options.repeats,
    )

    lanes = int(window.lane_point_valid.any(-1).sum())
    threads = torch.get_num_threads()
    table = Table(
        title=f"predictor, {agents} agents, {lanes} lane segments, CPU ({threads} threads)"
    )
    for column in ("", "p50 ms", "p99 ms"):
        table.add_column(column, justify="right" if column else "left")
    percentiles = {}
    for name, m in timings.items():
        q = statistics.quantiles(m.seconds, n=100)
        percentiles[name] = {"p50_ms": m.median * 1e3, "p99_ms": q[98] * 1e3}
        table.add_row(name, f"{m.median * 1e3:.2f}", f"{q[98] * 1e3:.2f}")
    Console().print(table)
    if options.json:
        Path(options.json).parent.mkdir(parents=True, exist_ok=True)
        record = {
            "title": "predictor latency",
            "agents": agents,
            "machine": machine(),
            "rows": percentiles,
        }
        Path(options.json).write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
