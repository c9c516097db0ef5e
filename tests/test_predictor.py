"""trajcore.Predictor: the model shipped in the wheel (its quality on the held-out NGSIM scenarios
of its model card), predictions on a recorded scene, the TorchScript file against the network,
the .pt2 export, and errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from real_lanes import shared_data  # noqa: E402
from trajcore.predictor import Predictor  # noqa: E402


def ngsim_root() -> Path:
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the predictor tests read NGSIM recordings")
    return root / "commonroad_ngsim"


def test_the_shipped_model_beats_the_baselines_on_held_out_scenarios() -> None:
    """The model card's held-out figures: the 20 NGSIM scenarios of the shipped file's split
    (twins, scenarios with the same traffic, counted once and kept on one side)."""
    from trajcore.models.evaluation import evaluate_prediction
    from trajcore.models.export import read_metadata
    from trajcore.models.training import distinct_traffic, load_model, load_recordings

    predictor = Predictor.load()
    split = read_metadata(predictor.path)["split"]
    assert len(split["train"]) == 61 and len(split["test"]) == 20
    assert predictor.config.agent_types == (0,)  # NGSIM: vehicles only
    folders = [ngsim_root(), ngsim_root().with_name("commonroad_ngsim_extra")]
    every = load_recordings(folders)
    assert len(every) == 120
    distinct, twins = distinct_traffic(every)
    assert len(distinct) == 81 and twins == split["twins"]
    # No held-out scenario's traffic was trained on under another name.
    assert not {twins.get(n, n) for n in split["train"]} & set(split["test"])
    scenarios = [s for s in distinct if s.name in split["test"]]
    results = evaluate_prediction(load_model(predictor.path), scenarios)
    model, cv, ctrv = results["model"], results["cv"], results["ctrv"]
    assert model["targets"] == cv["targets"] == 657
    assert model["minADE"] <= 0.75 * cv["minADE"] and model["minADE"] <= 0.75 * ctrv["minADE"]
    # The model card's figures.
    assert model["minADE"] == pytest.approx(0.791, abs=5e-4)
    assert cv["minADE"] == pytest.approx(2.382, abs=5e-4)
    assert ctrv["minADE"] == pytest.approx(2.623, abs=5e-4)


def test_predicting_a_recorded_scene() -> None:
    from trajcore.data import load_commonroad

    s = load_commonroad(ngsim_root() / "2018b" / "USA_Lanker-2_17_T-1.xml")
    predictor = Predictor.load()
    c = predictor.config
    for t in (0, 5, 40):  # t = 0 and 5: less history than the model reads
        p = predictor.predict(s, t)
        assert p.trajectories.shape == (s.agent_count, c.modes, c.future + 1, 3)
        np.testing.assert_array_equal(p.valid, s.agent_valid[:, t])
        np.testing.assert_allclose(p.probabilities.sum(axis=1), 1.0, rtol=1e-5)
        np.testing.assert_allclose(
            p.trajectories[p.valid, :, 0],
            np.repeat(s.agent_states[p.valid, t, None, :3], c.modes, 1),
            atol=1e-4,
        )
        assert np.isfinite(p.trajectories).all() and p.dt == pytest.approx(0.1)
        # Moving agents move on: the most likely mode ends near where the log ends 5 s later.
        if t == 40:
            recorded = s.agent_valid[:, t + c.future] & p.valid
            best = p.probabilities.argmax(axis=1)
            end = p.trajectories[np.arange(s.agent_count), best, -1, :2]
            error = np.linalg.norm(end - s.agent_states[:, t + c.future, :2], axis=1)[recorded]
            assert np.median(error) < 3.0


def test_the_file_is_the_network_and_exports_to_pt2(tmp_path: Path) -> None:
    from trajcore.data import load_commonroad
    from trajcore.models.export import export_pt2
    from trajcore.models.training import load_model

    predictor = Predictor.load()
    net = load_model(predictor.path)
    s = load_commonroad(ngsim_root() / "2020a" / "USA_US101-23_1_T-1.xml")
    inputs, _ = predictor.scene_inputs(s, 60)
    with torch.no_grad():
        eager = net(*inputs)
    scripted = predictor.run(*inputs)
    for a, b in zip(eager, scripted, strict=True):
        assert torch.equal(a, b)
    pt2 = Predictor.load(export_pt2(net, tmp_path / "predictor.pt2"))
    assert pt2.config == predictor.config
    compiled = pt2.run(*inputs)
    for a, b in zip(eager, compiled, strict=True):
        torch.testing.assert_close(b, a, atol=1e-4, rtol=1e-5)
    np.testing.assert_allclose(
        pt2.predict(s, 60).trajectories, predictor.predict(s, 60).trajectories, atol=1e-3
    )


def test_errors(tmp_path: Path) -> None:
    from trajcore.data import load_commonroad

    with pytest.raises(FileNotFoundError, match=r"nowhere\.ts: no such predictor file"):
        Predictor.load(tmp_path / "nowhere.ts")
    plain = tmp_path / "plain.ts"
    with pytest.warns(DeprecationWarning):
        torch.jit.save(torch.jit.trace(torch.nn.Linear(2, 2), torch.zeros(1, 2)), str(plain))
    with pytest.raises(ValueError, match=r"plain\.ts: no trajcore_predictor\.json inside"):
        Predictor.load(plain)
    predictor = Predictor.load()
    s = load_commonroad(ngsim_root() / "2018b" / "USA_Lanker-2_17_T-1.xml")
    with pytest.raises(ValueError, match=r"t is 99, expected a step in \[0, 99\)"):
        predictor.predict(s, 99)
    sind = shared_data() / "commonroad_sind" / "CHN_SIND-831_150_T-225.cr.xml"  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"has 0\.5 s steps, expected 0\.1 s"):
        predictor.predict(load_commonroad(sind, dt=0.5), 10)
    with pytest.raises(ValueError, match=r"6 inputs, expected 7"):
        predictor.run(*predictor.scene_inputs(s, 10)[0][:6])


def test_predictions_feed_the_collision_engine() -> None:
    """A Prediction is the agents layout check_collisions reads: a planner can use it as is."""
    import trajcore
    from trajcore.data import load_commonroad

    s = load_commonroad(ngsim_root() / "2020a" / "USA_US101-23_1_T-1.xml")
    t = 40
    p = Predictor.load().predict(s, t)
    present = np.flatnonzero(p.valid)
    # An ego placed on an agent's current box, and one far away.
    here = s.agent_states[present[0], t, :3]
    f = p.trajectories.shape[2]
    ego = np.zeros((2, f, 3), np.float32)
    ego[0, :] = here
    ego[1, :] = here + np.array([1000.0, 1000.0, 0.0])
    result = trajcore.check_collisions(
        ego,
        np.array([4.5, 1.9], np.float32),
        p.trajectories,
        s.agent_extent.astype(np.float32),
        p.probabilities,
        p.valid,
    )
    assert result.collides[0].any() and not result.collides[1].any()
    assert result.first_step[0] == 0 and result.first_step[1] == -1
    assert result.collision_prob[0] > 0.99 and result.collision_prob[1] == 0


def test_evaluating_sind_at_its_real_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SinD is read at 0.5 s (--dt) and interpolated to the model's 0.1 s: the model card's
    SinD figures (where the NGSIM model loses to the baselines)."""
    import json

    from trajcore.cli import main

    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the SinD evaluation reads the recordings")
    report = tmp_path / "sind.json"
    args = ["evaluate-prediction", "--data", str(root / "commonroad_sind"), "--dt", "0.5"]
    assert main([*args, "--model", str(Predictor.load().path), "--all", "--json", str(report)]) == 0
    results = json.loads(report.read_text())
    assert len(results["scenarios"]) == 15
    model, cv = results["results"]["model"], results["results"]["cv"]
    assert model["targets"] == cv["targets"] == 10781
    assert model["minADE"] == pytest.approx(1.953, abs=5e-4)
    assert cv["minADE"] == pytest.approx(0.755, abs=5e-4)
    # Per class (the recordings' own names), the targets adding up.
    classes = results["classes"]
    assert set(classes) == {"bicycle", "bus", "car", "ego", "motorcycle", "pedestrian", "truck"}
    assert sum(c["cv"]["targets"] for c in classes.values()) == 10781
    assert classes["pedestrian"]["cv"]["minADE"] == pytest.approx(0.241, abs=5e-4)
    assert main(["evaluate-prediction", "--data", str(root / "commonroad_sind")]) == 2
    assert re.search(r"positions move 5\.0\d times the recorded speeds", capsys.readouterr().err)
