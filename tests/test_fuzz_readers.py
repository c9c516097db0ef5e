"""The coverage-guided fuzz targets of tests/fuzz (atheris) run in CI with a fixed budget: scene
files (Python and C++ readers must agree), CommonRoad files, Argoverse 2 scenarios and maps.
A finding (an undocumented exception, a disagreement, a crash) fails the test and leaves the
input in the test's folder. Seeds come from the embedded highway and ../shared/data."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from real_lanes import shared_data

FUZZ = Path(__file__).with_name("fuzz")
sys.path.insert(0, str(FUZZ))
from seeds import write_seeds  # noqa: E402

#: Runs per target in CI: about 10-20 s each on 2 cores (docs/errors.md gives longer runs).
BUDGET = {"scene": 20000, "commonroad": 800, "argoverse2_parquet": 1500, "argoverse2_map": 1500}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if importlib.util.find_spec("atheris") is None:
        pytest.fail("the fuzz tests need atheris (pip install '.[test]')")
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the reader seeds are real recordings")
    return write_seeds(tmp_path_factory.mktemp("corpora"), root)


@pytest.mark.parametrize("target", sorted(BUDGET))
def test_fuzz_target_finds_nothing(target: str, corpora: dict[str, Path], tmp_path: Path) -> None:
    env = dict(os.environ)
    if target == "argoverse2_parquet":
        env["TRAJCORE_FUZZ_FIXED"] = str(next(corpora["argoverse2_map"].iterdir()))
    elif target == "argoverse2_map":
        env["TRAJCORE_FUZZ_FIXED"] = str(next(corpora["argoverse2_parquet"].iterdir()))
    done = subprocess.run(
        [
            sys.executable,
            str(FUZZ / "fuzz_readers.py"),
            "--target",
            target,
            str(corpora[target]),
            f"-runs={BUDGET[target]}",
            "-max_len=1000000",
            "-seed=1",
            f"-artifact_prefix={tmp_path}/",
            "-timeout=30",  # an input that takes longer (a hang) is a finding
        ],
        timeout=900,
        capture_output=True,
        text=True,
        env=env,
    )
    report = done.stderr[-4000:]
    assert done.returncode == 0, report
    assert f"Done {BUDGET[target]} runs" in done.stderr, report
