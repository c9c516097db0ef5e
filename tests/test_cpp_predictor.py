"""trajcore::Predictor (C++, libtorch) against trajcore.Predictor (Python) on the same files and
inputs: the shipped TorchScript model and its .pt2 export give identical outputs from both
languages. The C++ program is tests/cmake_predictor, built against the installed SDK and the
installed torch's libtorch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from real_lanes import shared_data  # noqa: E402
from torch_program import build_torch_program  # noqa: E402
from trajcore.predictor import Predictor  # noqa: E402

PROGRAM = Path(__file__).with_name("cmake_predictor")
sys.path.insert(0, str(PROGRAM))
from raw_inputs import write_inputs  # noqa: E402


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("cpp_predictor") / "build"
    return build_torch_program(PROGRAM, build, "predictor_run")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped TorchScript model and its .pt2 export."""
    from trajcore.models.export import export_pt2
    from trajcore.models.training import load_model

    shipped = Predictor.load().path
    folder = tmp_path_factory.mktemp("pt2")
    return {"ts": shipped, "pt2": export_pt2(load_model(shipped), folder / "predictor.pt2")}


def scenes() -> dict[str, tuple[torch.Tensor, ...]]:
    """A recorded NGSIM scene, the same without lanes, and two random scenes in one batch."""
    from trajcore.data import load_commonroad
    from trajcore.models.export import example_inputs

    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the C++ predictor test reads an NGSIM scene")
    predictor = Predictor.load()
    s = load_commonroad(next((root / "commonroad_ngsim").rglob("USA_US101-23_1_T-1.xml")))
    real, _ = predictor.scene_inputs(s, 60)
    b = real[0].shape[0]
    no_lanes = (
        *real[:4],
        torch.zeros(b, 0, predictor.config.lane_points, 2),
        torch.zeros(b, 0, predictor.config.lane_points, dtype=torch.bool),
        torch.zeros(b, 0, 3),
    )
    return {
        "real": real,
        "no_lanes": no_lanes,
        "batch": example_inputs(predictor.config, scenes=2, agents=5, lanes=3),
    }


def run_cpp(
    program: Path, model: Path, inputs: tuple[torch.Tensor, ...], folder: Path
) -> tuple[np.ndarray, np.ndarray, str]:
    write_inputs(folder, inputs)
    done = subprocess.run(
        [str(program), str(model), str(folder), str(folder)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    b, a = inputs[0].shape[:2]
    c = Predictor.load(model).config
    trajectories = np.fromfile(folder / "trajectories.bin", np.float32).reshape(
        b, a, c.modes, c.future, 3
    )
    probabilities = np.fromfile(folder / "probabilities.bin", np.float32).reshape(b, a, c.modes)
    return trajectories, probabilities, (folder / "config.txt").read_text()


@pytest.mark.parametrize("kind", ["ts", "pt2"])
def test_cpp_and_python_predictors_agree_exactly(
    program: Path, files: dict[str, Path], kind: str, tmp_path: Path
) -> None:
    predictor = Predictor.load(files[kind])
    c = predictor.config
    for name, inputs in scenes().items():
        trajectories, probabilities, config = run_cpp(program, files[kind], inputs, tmp_path / name)
        expected = predictor.run(*inputs)
        np.testing.assert_array_equal(trajectories, expected[0].numpy(), err_msg=f"{kind} {name}")
        np.testing.assert_array_equal(probabilities, expected[1].numpy(), err_msg=f"{kind} {name}")
        assert config.split() == [
            str(c.history),
            str(c.future),
            str(c.modes),
            str(c.lane_points),
            f"{c.dt:g}",
            f"{c.lane_spacing:g}",
        ]


def test_cpp_errors(program: Path, files: dict[str, Path], tmp_path: Path) -> None:
    missing = subprocess.run(
        [str(program), str(tmp_path / "none.ts"), str(tmp_path), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1 and "none.ts: no such predictor file" in missing.stderr
    inputs = list(scenes()["batch"])
    inputs[0] = inputs[0][:, :, 1:]  # one history step short
    folder = tmp_path / "short"
    write_inputs(folder, inputs)
    short = subprocess.run(
        [str(program), str(files["ts"]), str(folder), str(folder)], capture_output=True, text=True
    )
    assert short.returncode == 1
    assert "agent_states has shape (2, 5, 20, 5), expected (2, 5, 21, 5)" in short.stderr


def spoiled_inputs() -> dict[str, tuple[list[torch.Tensor], str | None]]:
    """Inputs with values the network must not read or must refuse, and the message expected
    from both languages (None: accepted, unread values zeroed)."""
    base = list(scenes()["batch"])
    cases: dict[str, tuple[list[torch.Tensor], str | None]] = {}
    read = [t.clone() for t in base]
    read[0][1, 2, 4, 3] = float("nan")
    read[1][1, 2, 4] = True
    cases["nan_read"] = (read, "agent_states[1, 2, 4, 3] is nan, expected a finite number")
    unread = [t.clone() for t in base]
    unread[1][0, 1, 3] = False
    unread[0][0, 1, 3, 0] = float("inf")
    unread[5][1, 0, 2] = False
    unread[4][1, 0, 2, 1] = float("nan")
    cases["nan_unread"] = (unread, None)
    huge = [t.clone() for t in base]
    huge[4][0, 2, 1, 0] = 3e37  # finite, but the network's float32 arithmetic overflows to NaN
    cases["huge"] = (huge, "lane_points[0, 2, 1, 0] is 3e+37, expected a finite number of")
    kind = [t.clone() for t in base]
    kind[2][0, 3] = 7
    cases["type"] = (kind, "agent_type[0, 3] is 7, expected -1 (empty) or an AgentType in [0, 3]")
    return cases


def test_cpp_and_python_check_the_values_alike(
    program: Path, files: dict[str, Path], tmp_path: Path
) -> None:
    predictor = Predictor.load(files["ts"])
    for name, (inputs, message) in spoiled_inputs().items():
        folder = tmp_path / name
        write_inputs(folder, inputs)
        done = subprocess.run(
            [str(program), str(files["ts"]), str(folder), str(folder)],
            capture_output=True,
            text=True,
        )
        if message is None:
            assert done.returncode == 0, done.stderr
            trajectories, probabilities, _ = run_cpp(program, files["ts"], inputs, folder)
            expected = predictor.run(*inputs)
            assert np.isfinite(trajectories).all()
            np.testing.assert_array_equal(trajectories, expected[0].numpy())
            np.testing.assert_array_equal(probabilities, expected[1].numpy())
            continue
        assert done.returncode == 1 and message in done.stderr, (name, done.stderr)
        with pytest.raises(ValueError) as error:
            predictor.run(*inputs)
        assert str(error.value).startswith(message), str(error.value)
