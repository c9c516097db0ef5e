"""The prediction network, its loss, the metrics and the baselines: properties the design
promises (agent-centric: moving the scene moves the predictions; slots can be reordered),
brute-force references for the metrics, closed forms for the baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from trajcore.models import MultimodalPredictor, PredictorConfig  # noqa: E402
from trajcore.models.baselines import baseline_predictions  # noqa: E402
from trajcore.models.metrics import prediction_metrics, winner_takes_all_loss  # noqa: E402

CONFIG = PredictorConfig(
    history=6, future=8, modes=3, neighbours=3, lane_segments=4, lane_points=5, hidden=32
)


def random_inputs(seed: int, b: int = 2, a: int = 7, lanes: int = 9) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    h = CONFIG.history + 1
    states = torch.randn(b, a, h, 5, generator=g) * torch.tensor([20, 20, 3, 5, 5])
    valid = torch.rand(b, a, h, generator=g) > 0.2
    valid[:, :, -1] = torch.rand(b, a, generator=g) > 0.2
    valid[:, 0, -1] = True
    if a > 1:
        valid[:, 1, -1] = False  # one absent agent per scene
    types = torch.randint(0, 4, (b, a), generator=g)
    types[~valid[:, :, -1]] = -1
    extent = torch.rand(b, a, 2, generator=g) * 4 + 0.5
    points = torch.randn(b, lanes, CONFIG.lane_points, 2, generator=g) * 25
    point_valid = torch.rand(b, lanes, CONFIG.lane_points, generator=g) > 0.2
    attributes = torch.rand(b, lanes, 3, generator=g)
    return states, valid, types, extent, points, point_valid, attributes


def moved(
    inputs: tuple[torch.Tensor, ...], angle: float, shift: tuple[float, float]
) -> tuple[torch.Tensor, ...]:
    states, valid, types, extent, points, point_valid, attributes = inputs
    c, s = math.cos(angle), math.sin(angle)
    rot = torch.tensor([[c, -s], [s, c]])
    out = states.clone()
    out[..., :2] = states[..., :2] @ rot.T + torch.tensor(shift)
    out[..., 2] = states[..., 2] + angle
    out[..., 3:5] = states[..., 3:5] @ rot.T
    return out, valid, types, extent, points @ rot.T + torch.tensor(shift), point_valid, attributes


def test_shapes_probabilities_and_absent_agents() -> None:
    net = MultimodalPredictor(CONFIG).eval()
    inputs = random_inputs(0)
    trajectories, probabilities = net(*inputs)
    assert trajectories.shape == (2, 7, 3, 8, 3) and probabilities.shape == (2, 7, 3)
    torch.testing.assert_close(probabilities.sum(-1), torch.ones(2, 7))
    absent = ~inputs[1][:, :, -1]
    assert absent.any()
    current = inputs[0][:, :, -1]
    expected = current[:, :, None, None, :3].expand(-1, -1, 3, 8, -1)
    yaw = torch.remainder(expected[..., 2] + math.pi, 2 * math.pi) - math.pi
    torch.testing.assert_close(trajectories[absent][..., :2], expected[absent][..., :2])
    torch.testing.assert_close(trajectories[absent][..., 2], yaw[absent], atol=1e-5, rtol=0)
    torch.testing.assert_close(probabilities[absent], torch.full_like(probabilities[absent], 1 / 3))


@pytest.mark.parametrize("seed", range(3))
def test_moving_the_scene_moves_the_predictions(seed: int) -> None:
    """Every agent is encoded in its own frame: a rotated and shifted scene gives the same
    predictions, rotated and shifted."""
    net = MultimodalPredictor(CONFIG).eval()
    inputs = random_inputs(seed)
    angle, shift = 0.7 + seed, (130.0, -42.0)
    with torch.no_grad():
        t0, p0 = net(*inputs)
        t1, p1 = net(*moved(inputs, angle, shift))
    c, s = math.cos(angle), math.sin(angle)
    xy = t0[..., :2] @ torch.tensor([[c, -s], [s, c]]).T + torch.tensor(shift)
    torch.testing.assert_close(t1[..., :2], xy, atol=2e-3, rtol=1e-4)
    turn = torch.remainder(t1[..., 2] - t0[..., 2] - angle + math.pi, 2 * math.pi) - math.pi
    assert turn.abs().max() < 1e-3
    torch.testing.assert_close(p1, p0, atol=1e-4, rtol=1e-4)


def test_reordered_agents_and_lanes_give_reordered_predictions() -> None:
    net = MultimodalPredictor(CONFIG).eval()
    states, valid, types, extent, points, point_valid, attributes = random_inputs(5)
    agents, lanes = torch.randperm(7), torch.randperm(9)
    with torch.no_grad():
        t0, p0 = net(states, valid, types, extent, points, point_valid, attributes)
        t1, p1 = net(
            states[:, agents],
            valid[:, agents],
            types[:, agents],
            extent[:, agents],
            points[:, lanes],
            point_valid[:, lanes],
            attributes[:, lanes],
        )
    torch.testing.assert_close(t1, t0[:, agents], atol=1e-4, rtol=1e-5)
    torch.testing.assert_close(p1, p0[:, agents], atol=1e-5, rtol=1e-5)


def test_no_lanes_and_a_lone_agent() -> None:
    net = MultimodalPredictor(CONFIG).eval()
    states, valid, types, extent, _, _, _ = random_inputs(1, a=1)
    with torch.no_grad():
        t, p = net(
            states,
            valid,
            types,
            extent,
            torch.zeros(2, 0, 5, 2),
            torch.zeros(2, 0, 5, dtype=torch.bool),
            torch.zeros(2, 0, 3),
        )
    assert torch.isfinite(t).all() and torch.isfinite(p).all()


def reference_metrics(
    t: np.ndarray, p: np.ndarray, f: np.ndarray, threshold: float
) -> dict[str, float]:
    ade, fde, miss, brier = [], [], [], []
    for i in range(len(t)):
        errors = [
            [math.dist(t[i, k, s, :2], f[i, s, :2]) for s in range(t.shape[2])]
            for k in range(t.shape[1])
        ]
        mean = [sum(e) / len(e) for e in errors]
        final = [e[-1] for e in errors]
        best = min(range(len(final)), key=lambda k: final[k])
        ade.append(min(mean))
        fde.append(final[best])
        miss.append(final[best] > threshold)
        brier.append(final[best] + (1 - p[i, best]) ** 2)
    return {
        "minADE": float(np.mean(ade)),
        "minFDE": float(np.mean(fde)),
        "miss_rate": float(np.mean(miss)),
        "brier_minFDE": float(np.mean(brier)),
        "targets": float(len(t)),
    }


def test_metrics_match_a_loop_reference() -> None:
    rng = np.random.default_rng(0)
    t = rng.normal(0, 3, (40, 6, 12, 3))
    f = rng.normal(0, 3, (40, 12, 2))
    p = rng.dirichlet(np.ones(6), 40)
    got = prediction_metrics(t, p, f, miss_threshold=2.0)
    want = reference_metrics(t, p, f, 2.0)
    assert got.keys() == want.keys()
    for key in want:
        assert got[key] == pytest.approx(want[key], rel=1e-12)
    with pytest.raises(ValueError, match=r"probabilities has shape \(40, 5\)"):
        prediction_metrics(t, p[:, :5], f)


def test_winner_takes_all_trains_only_the_nearest_mode() -> None:
    future = torch.zeros(1, 1, 4, 2)
    offsets = torch.stack(
        [torch.full((4, 2), 3.0), torch.full((4, 2), 0.5), torch.full((4, 2), -2.0)]
    )[None, None].requires_grad_()
    logits = torch.zeros(1, 1, 3, requires_grad=True)
    loss = winner_takes_all_loss(offsets, logits, future, torch.ones(1, 1))
    loss.backward()
    assert offsets.grad is not None and logits.grad is not None
    moved = offsets.grad[0, 0].abs().sum((-1, -2))
    assert moved[1] > 0 and moved[0] == 0 and moved[2] == 0
    assert logits.grad[0, 0, 1] < 0 < logits.grad[0, 0, 0]  # raises the winner's score
    expected = 0.125 + math.log(3)  # smooth L1 of 0.5, cross-entropy of uniform logits
    assert float(loss.detach()) == pytest.approx(expected, rel=1e-6)
    # No target: zero loss, not NaN.
    assert float(winner_takes_all_loss(offsets, logits, future, torch.zeros(1, 1)).detach()) == 0.0


def test_winner_takes_all_reads_only_the_recorded_future_steps() -> None:
    """A track that ends within the horizon: the loss over its recorded steps equals the loss of
    the same modes cut to those steps, whatever the unrecorded steps hold."""
    g = torch.Generator().manual_seed(0)
    offsets = torch.randn(2, 3, 4, 10, 2, generator=g)
    logits = torch.randn(2, 3, 4, generator=g)
    future = torch.randn(2, 3, 10, 2, generator=g)
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    recorded = torch.zeros(2, 3, 10, dtype=torch.bool)
    recorded[..., :6] = True
    garbage = future.clone()
    garbage[..., 6:, :] = 1e3
    got = winner_takes_all_loss(offsets, logits, garbage, mask, recorded)
    want = winner_takes_all_loss(offsets[..., :6, :], logits, future[..., :6, :], mask)
    assert float(got) == pytest.approx(float(want), rel=1e-6)
    # Every step recorded: the same as no step mask.
    full = torch.ones(2, 3, 10, dtype=torch.bool)
    assert float(winner_takes_all_loss(offsets, logits, future, mask, full)) == pytest.approx(
        float(winner_takes_all_loss(offsets, logits, future, mask)), rel=1e-6
    )


def test_baselines_follow_their_motion_models() -> None:
    dt, h = 0.1, 10
    steps = np.arange(-h, 1) * dt
    # Straight at 10 m/s along 30 degrees, then a circle at 8 m/s, 0.4 rad/s.
    heading = math.radians(30)
    straight = np.stack(
        [
            10 * steps * math.cos(heading),
            10 * steps * math.sin(heading),
            np.full_like(steps, heading),
            np.full_like(steps, 10 * math.cos(heading)),
            np.full_like(steps, 10 * math.sin(heading)),
        ],
        1,
    )
    w, v = 0.4, 8.0
    yaw = w * steps
    circle = np.stack(
        [v / w * np.sin(yaw), v / w * (1 - np.cos(yaw)), yaw, v * np.cos(yaw), v * np.sin(yaw)], 1
    )
    history = np.stack([straight, circle])
    valid = np.ones((2, h + 1), bool)
    cv = baseline_predictions(history, valid, 20, dt, "cv")
    ctrv = baseline_predictions(history, valid, 20, dt, "ctrv")
    later = np.arange(1, 21) * dt
    np.testing.assert_allclose(cv[0, 0, :, 0], 10 * later * math.cos(heading), atol=1e-4)
    np.testing.assert_allclose(ctrv[0, 0, :, 1], 10 * later * math.sin(heading), atol=1e-4)
    np.testing.assert_allclose(ctrv[1, 0, :, 0], v / w * np.sin(w * later), atol=1e-3)
    np.testing.assert_allclose(ctrv[1, 0, :, 1], v / w * (1 - np.cos(w * later)), atol=1e-3)
    np.testing.assert_allclose(cv[1, 0, :, 1], 0, atol=1e-6)  # cv keeps going straight
