"""The command line's answer to a user's mistake is one line on stderr naming what was wrong,
exit code 2, and never a traceback (the user errors found trying the README as a new user)."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from real_lanes import shared_data


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trajcore.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=600,
    )


def assert_user_error(done: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Exit 2, no traceback, one line on stderr (argparse's usage lines aside) holding every
    ``expected`` fragment; returns that line."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(lines) == 1, done.stderr
    for fragment in expected:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def test_missing_files_and_folders(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.xml")
    assert_user_error(run_cli("demo", "--scenario", missing), "trajcore demo: error:", missing)
    folder = str(tmp_path / "no_folder")
    assert_user_error(run_cli("evaluate", "--data", folder), "trajcore evaluate:", folder)
    model = str(tmp_path / "model.pt")
    assert_user_error(
        run_cli("evaluate-prediction", "--data", str(tmp_path), "--model", model),
        "trajcore evaluate-prediction: error: model file",
        "does not exist",
    )
    assert_user_error(
        run_cli("export-predictor", "--model", model, "--out", str(tmp_path / "x.ts")),
        "does not exist",
    )


def test_values_out_of_range_name_the_flag() -> None:
    assert_user_error(run_cli("demo", "--max-steps", "0"), "--max-steps is 0, expected at least 1")
    assert_user_error(run_cli("demo", "--dt", "-1"), "--dt is -1.0, expected a positive number")
    assert_user_error(run_cli("evaluate", "--data", ".", "--planner", "human"), "invalid choice")
    line = assert_user_error(run_cli("demo", "--ego", "nobody"), "--ego is 'nobody'")
    assert "'cut_in'" in line  # the ids it could have been
    assert_user_error(run_cli("train"), "--data")


def test_a_recording_with_the_wrong_step_asks_for_the_flag() -> None:
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the wrong-step check reads a SinD recording")
    sind = next((root / "commonroad_sind").glob("*.cr.xml"))
    assert_user_error(
        run_cli("demo", "--scenario", str(sind), "--max-steps", "3"),
        "positions move 5.0",
        "about 0.5 s",
        "--dt on the command line",
    )


def test_a_model_file_carrying_code_is_refused(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    marker = tmp_path / "ran"

    class Payload:  # unpickling it would create the marker file
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (Path.touch, (marker,))

    evil = tmp_path / "model.pt"
    torch.save({"config": {}, "model": {}, "split": Payload()}, evil)
    assert pickle.loads(pickle.dumps(Payload())) is None and marker.exists()  # it would run
    marker.unlink()
    done = run_cli("evaluate-prediction", "--data", str(tmp_path), "--model", str(evil))
    assert_user_error(done, "model file", "is refused: it would call", "pickled Python objects")
    assert not marker.exists()
    from trajcore.models.training import load_model

    with pytest.raises(
        ValueError, match=r"is refused: it would call \w+ on loading \(pickled Python objects"
    ):
        load_model(evil)
    assert not marker.exists()
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a torch file")
    assert_user_error(
        run_cli("evaluate-prediction", "--data", str(tmp_path), "--model", str(garbage)),
        "is not a torch file trajcore can read",
    )


def test_evaluate_prediction_evaluates_the_shipped_model_by_default(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the evaluation reads an NGSIM recording")
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "x.xml").symlink_to(next((root / "commonroad_ngsim").rglob("USA_US101-23_1_T-1.xml")))
    report = tmp_path / "report.json"
    args = ("evaluate-prediction", "--data", str(folder), "--all", "--json", str(report))
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    import json

    assert {"model", "cv", "ctrv"} <= set(json.loads(report.read_text())["results"])
    done = run_cli(*args, "--baselines-only")
    assert done.returncode == 0, done.stderr
    assert "model" not in json.loads(report.read_text())["results"]


def test_help_describes_commands_not_files() -> None:
    done = run_cli("--help")
    assert done.returncode == 0 and ".py" not in done.stdout
    assert "closed loop" in done.stdout and "evaluate-prediction" in done.stdout


def test_a_missing_optional_dependency_is_a_user_error(tmp_path: Path) -> None:
    # pyarrow hidden from the child: reading an Argoverse 2 file names the extra to install.
    (tmp_path / "pyarrow").mkdir()
    (tmp_path / "pyarrow" / "__init__.py").write_text("raise ImportError('hidden for the test')\n")
    recording = tmp_path / "scenario_x.parquet"
    recording.write_bytes(b"PAR1")
    (tmp_path / "log_map_archive_x.json").write_text("{}")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
            "from trajcore.cli import main; sys.exit(main())",
            "demo",
            "--scenario",
            str(recording),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert_user_error(done, "pip install 'trajcore[data]'")


def test_an_unexpected_failure_is_one_line_too(tmp_path: Path) -> None:
    # A scenario file that is a folder: not a user error the loaders name, still no traceback.
    folder = tmp_path / "scenario.xml"
    folder.mkdir()
    done = run_cli("demo", "--scenario", str(folder))
    assert done.returncode in (1, 2)
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
