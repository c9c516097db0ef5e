"""Predictor latency: one scene of M=64 agents on the CPU, the shipped model.

    python bench/bench_predictor.py [--repeats R] [--pt2] [--cpp] [--json PATH]

Workload: NGSIM Lankershim (USA_Lanker-2_17_T-1, read from ../shared/data) at step 40, the 64
agents nearest the scene's centre and the lane segments near them. Timed on 2 threads:

- the TorchScript file called from Python;
- with --pt2, an AOTInductor package exported in the run (about a minute to compile);
- with --cpp, the same files from C++ (trajcore::Predictor in tests/cmake_predictor, built
  against the installed SDK and libtorch);
- the eager network, and building the inputs from the Scenario.

Peers in the same run: the constant-velocity and constant-turn-rate baselines on the same agents.
p50 and p99 over the repeats; the goal is 5 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "cmake_predictor"))
from raw_inputs import write_inputs

from harness import Measurement, machine, measure
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
    parser.add_argument("--cpp", action="store_true", help="also time trajcore::Predictor (C++)")
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
    if options.cpp:
        with tempfile.TemporaryDirectory() as folder:
            program = build_cpp(Path(folder) / "build")
            models = {"TorchScript (C++)": predictor.path}
            if options.pt2:
                from trajcore.models.export import export_pt2

                models[".pt2 (C++)"] = export_pt2(net, Path(folder) / "cpp.pt2")
            for name, model in models.items():
                timings[name] = run_cpp(
                    program, model, inputs, Path(folder) / "io", options.repeats
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


def build_cpp(build: Path) -> Path:
    """tests/cmake_predictor against the installed trajcore SDK and torch's libtorch."""
    import trajcore

    source = Path(__file__).resolve().parents[1] / "tests" / "cmake_predictor"
    prefix = f"{trajcore.cmake_prefix_path};{torch.utils.cmake_prefix_path}"
    configure = ["cmake", "-S", str(source), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release"]
    subprocess.run([*configure, f"-DCMAKE_PREFIX_PATH={prefix}"], check=True, capture_output=True)
    subprocess.run(["cmake", "--build", str(build), "-j2"], check=True, capture_output=True)
    return build / "predictor_run"


def run_cpp(
    program: Path, model: Path, inputs: tuple[torch.Tensor, ...], folder: Path, repeats: int
) -> Measurement:
    """The program's own timings of trajcore::Predictor::run (inputs already in memory)."""
    write_inputs(folder, inputs)
    # The same 2 intra-op threads as the Python side's torch.set_num_threads(2).
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    subprocess.run(
        [str(program), str(model), str(folder), str(folder), str(repeats)], check=True, env=env
    )
    seconds = [float(v) / 1e3 for v in (folder / "timings.txt").read_text().split()]
    return Measurement(f"C++ {model.suffix}", seconds)


if __name__ == "__main__":
    main()
