"""Fleet evaluation: every recording of a folder replayed in closed loop, here and on a local Ray
instance with identical results; the CLI's table and JSON are those results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from real_lanes import shared_data
from trajcore.sim.fleet import ReplayJob, evaluate_folder, run_job, summarize

TIMINGS = ("predict_ms_p50", "plan_ms_p50")


def without_timings(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMINGS} for r in records]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three NGSIM recordings (two highway, one urban) linked into one folder."""
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: fleet evaluation replays NGSIM recordings")
    out = tmp_path_factory.mktemp("fleet")
    for name in ("USA_US101-23_1_T-1.xml", "USA_Lanker-2_23_T-1.xml", "USA_US101-4_1_T-1.xml"):
        source = next((root / "commonroad_ngsim").rglob(name))
        (out / name).symlink_to(source)
    (out / "broken.xml").write_text("<commonRoad>")  # a damaged file is reported, not fatal
    return out


def test_local_run_replays_every_recording(folder: Path) -> None:
    seen: list[str] = []
    results = evaluate_folder(folder, max_steps=15, progress=lambda r: seen.append(r["file"]))
    assert [Path(r["file"]).name for r in results] == sorted(p.name for p in folder.iterdir())
    assert sorted(seen) == sorted(r["file"] for r in results)
    broken = next(r for r in results if r["file"].endswith("broken.xml"))
    assert "error" in broken and "broken.xml" in broken["error"]
    replayed = [r for r in results if "error" not in r]
    assert len(replayed) == 3 and all(r["steps"] == 15 for r in replayed)
    # Each record is that recording's own replay.
    single = run_job(ReplayJob(replayed[0]["file"], max_steps=15))
    assert without_timings([single]) == without_timings([replayed[0]])
    summary = summarize(results)
    assert summary["scenarios"] == 4 and summary["replayed"] == 3 and len(summary["failed"]) == 1
    assert summary["steps"] == 45
    assert summary["planner"]["total"] == pytest.approx(
        sum(r["planner"]["total"] for r in replayed) / 3
    )
    assert summary["human"]["at_fault_collisions"] == sum(
        r["human"]["at_fault_collision"] for r in replayed
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_ray_run_equals_local_run(folder: Path) -> None:
    pytest.importorskip("ray")
    local = evaluate_folder(folder, max_steps=15)
    distributed = evaluate_folder(folder, max_steps=15, ray_address="local")
    assert without_timings(distributed) == without_timings(local)


def test_evaluate_command_prints_and_writes_the_summary(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "fleet.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "trajcore.cli",
            "evaluate",
            "--data",
            str(folder),
            "--max-steps",
            "10",
            "--planner",
            "trajcore",
            "pdm_closed",
            "--json",
            str(out),
            "--figure",
            str(tmp_path / "summary.png"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},  # one line per table row
    )
    assert done.returncode == 0, done.stderr
    written = json.loads(out.read_text())
    summary = written["summary"]
    assert summary["replayed"] == 3 and len(written["scenarios"]) == 4
    text = " ".join(done.stdout.split())  # the table's title wraps to its width
    assert "3 of 4 recordings replayed" in text
    assert f"{summary['planner']['total']:.3f}" in text
    assert "at-fault collisions (scenarios)" in text
    assert "not replayed" in text and "broken.xml" in text
    # PDM-Closed drives the same recordings beside trajcore's planner, in its own column.
    peer = written["planners"]["pdm_closed"]
    assert written["planners"]["trajcore"]["summary"] == summary
    assert peer["summary"]["replayed"] == 3
    assert all(r["planner_name"] == "pdm_closed" for r in peer["scenarios"])
    header = next(line for line in done.stdout.splitlines() if "logged human" in line)
    assert header.index("trajcore") < header.index("pdm_closed") < header.index("logged human")
    assert f"{peer['summary']['planner']['total']:.3f}" in text
    # The summary picture: a row per replayed scenario and the mean, wide enough to read.
    from PIL import Image

    with Image.open(tmp_path / "summary.png") as picture:
        assert picture.width >= 1280 and picture.height > 300
    assert f"wrote {tmp_path / 'summary.png'}" in text
    # The per-scenario table: each driver's total and smallest gap.
    assert "smallest gap to any agent" in text
    for record in peer["scenarios"]:
        if "error" not in record:
            cell = f"{record['planner']['total']:.3f} {record['planner']['min_gap_m']:.2f}"
            assert cell in text, cell


def test_pdm_closed_jobs_are_the_peer_planner_on_constant_velocity(folder: Path) -> None:
    from trajcore.data import load_recording
    from trajcore.sim import ConstantVelocityPredictor, replay
    from trajcore.sim.replay import pdm_closed_planner

    path = str(folder / "USA_US101-23_1_T-1.xml")
    record = run_job(ReplayJob(path, max_steps=12, planner="pdm_closed"))
    direct = replay(
        load_recording(path, resample_to=0.1),
        None,
        pdm_closed_planner(),
        ConstantVelocityPredictor(),
        max_steps=12,
        physics_modes=None,
    )
    assert record["planner_name"] == "pdm_closed"
    assert record["planner"] == without_timings([direct.summary()])[0]["planner"]
    with pytest.raises(ValueError, match=r"^planner is 'nope', expected one of"):
        evaluate_folder(folder, planner="nope")
