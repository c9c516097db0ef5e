"""Training the predictor on real NGSIM recordings: outputs, exact resume, the split, two
processes under torchrun, and the train / evaluate-prediction commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from real_lanes import shared_data  # noqa: E402
from trajcore.cli import main  # noqa: E402
from trajcore.models import PredictorConfig  # noqa: E402
from trajcore.models.training import TrainConfig, load_model, model_inputs, train, window_config  # noqa: E402

TINY = TrainConfig(epochs=2, batch=4, stride=5, model=PredictorConfig(hidden=16))
FILES = (
    "USA_US101-22_3_T-1.xml",
    "USA_Lanker-2_17_T-1.xml",
    "USA_US101-24_2_T-1.xml",
    "USA_Peach-4_7_T-1.xml",
)


@pytest.fixture(scope="module")
def ngsim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four NGSIM recordings (linked, never copied into the repository)."""
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the training tests read NGSIM recordings")
    folder = tmp_path_factory.mktemp("ngsim")
    for name in FILES:
        (folder / name).symlink_to(next((root / "commonroad_ngsim").rglob(name)))
    return folder


def test_training_writes_a_loadable_model_and_resumes_exactly(ngsim: Path, tmp_path: Path) -> None:
    whole = train(ngsim, tmp_path / "whole", TINY)
    assert len(whole["history"]) == 2 and all(h == h and h > 0 for h in whole["history"])
    assert not set(whole["train"]) & set(whole["test"]) and len(whole["test"]) == 1
    for name in ("checkpoint.pt", "model.pt", "training.json"):
        assert (tmp_path / "whole" / name).is_file()
    record = json.loads((tmp_path / "whole" / "training.json").read_text())
    assert record["history"] == whole["history"] and record["config"]["model"]["hidden"] == 16

    # The saved model is the trained network.
    from trajcore.data import make_windows
    from trajcore.models.training import load_recordings

    scenarios = load_recordings(ngsim)
    windows = make_windows(scenarios[:1], window_config(TINY.model, 5))
    loaded = load_model(tmp_path / "whole" / "model.pt")
    net = whole["net"].eval()
    with torch.no_grad():
        for a, b in zip(
            loaded(*model_inputs(windows, slice(0, 3))),
            net(*model_inputs(windows, slice(0, 3))),
            strict=True,
        ):
            assert torch.equal(a, b)

    # Stopped after one epoch and resumed: the same losses and weights as without the stop.
    first = train(ngsim, tmp_path / "split", TINY, until_epoch=1)
    assert len(first["history"]) == 1
    resumed = train(ngsim, tmp_path / "split", TINY, resume=True)
    assert resumed["history"] == whole["history"]
    for a, b in zip(resumed["net"].state_dict().values(), net.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_two_processes_under_torchrun(ngsim: Path, tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    script = Path(__file__).with_name("ddp_train.py")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",  # a local rendezvous on a free port
            "--nproc_per_node=2",
            str(script),
            str(ngsim),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "ddp ok" in done.stdout
    record = json.loads((tmp_path / "training.json").read_text())
    assert record["world_size"] == 2


def test_train_and_evaluate_commands(
    ngsim: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--data", str(ngsim), "--out", str(tmp_path), "--epochs", "1"]) == 0
    assert (tmp_path / "model.pt").is_file()
    report = tmp_path / "eval.json"
    assert (
        main(
            [
                "evaluate-prediction",
                "--data",
                str(ngsim),
                "--model",
                str(tmp_path / "model.pt"),
                "--json",
                str(report),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "minADE" in out and "ctrv" in out
    results = json.loads(report.read_text())
    assert set(results["results"]) == {"model", "cv", "ctrv"}
    held_out = json.loads((tmp_path / "training.json").read_text())["test"]
    assert results["scenarios"] == held_out
    targets = {m["targets"] for m in results["results"].values()}
    assert len(targets) == 1 and targets.pop() > 0  # every predictor on the same targets
