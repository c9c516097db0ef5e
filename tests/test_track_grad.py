"""The differentiable tracker: its torch forward equals the C++ float64 tracker, gradcheck passes
through the closed loop (both controllers, car and truck), and its gradients mean what they
should (shifting a reference shifts the tracked vehicle)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

import trajcore
from test_track import drivable_references, perturbed_start
from trajcore import TrackerParams, VehicleParams, _core

torch = pytest.importorskip("torch")

CAR = VehicleParams.passenger_car()
TRUCK = VehicleParams.semi_truck()
DT = 0.1
TRACKERS = [TrackerParams(), TrackerParams(controller="pure_pursuit")]
IDS = ["lqr", "pure_pursuit"]


@pytest.mark.parametrize("tracker", TRACKERS, ids=IDS)
@pytest.mark.parametrize("columns", [3, 4, 6])
@pytest.mark.parametrize("params", [CAR, TRUCK], ids=["car", "truck"])
def test_forward_equals_the_cpp_float64_tracker(
    tracker: TrackerParams, columns: int, params: VehicleParams
) -> None:
    rng = np.random.default_rng(columns)
    full = drivable_references(rng, 24, 50, params)
    s0 = perturbed_start(rng, full)
    refs = np.ascontiguousarray(full[..., :columns])
    art0 = rng.uniform(-0.2, 0.2, 24) if params.trailer else None
    want = _core._track_f64(s0, refs, params, tracker, DT, art0)
    got = trajcore.track(
        torch.tensor(s0, requires_grad=True),
        torch.tensor(refs),
        params,
        DT,
        tracker=tracker,
        articulation0=None if art0 is None else torch.tensor(art0),
    )
    assert got.states.dtype == torch.float64 and got.states.requires_grad
    np.testing.assert_allclose(got.states.detach().numpy(), want[0], atol=1e-10, rtol=0)
    np.testing.assert_array_equal(got.saturation.numpy(), want[1])
    np.testing.assert_allclose(got.controls.detach().numpy(), want[2], atol=1e-10, rtol=0)
    if params.trailer:
        np.testing.assert_allclose(got.trailer.detach().numpy(), want[3], atol=1e-10, rtol=0)
    else:
        assert got.trailer is None


def calm_inputs(
    seed: int, n: int, steps: int, columns: int, params: VehicleParams = CAR
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-candidate starts near smooth references, all moving, none reaching a limit (a
    gradcheck point away from the kinks of the limits and of the stopping controller)."""
    rng = np.random.default_rng(seed)
    refs = drivable_references(rng, 4 * n, steps, params)[n:]  # skip the stopping quarter
    s0 = refs[:, 0].copy()
    s0[:, :2] += rng.normal(0, 0.2, (len(s0), 2))
    s0[:, 2] += rng.normal(0, 0.02, len(s0))
    calm = []
    for tracker in TRACKERS:
        r = _core._track_f64(
            s0, np.ascontiguousarray(refs[..., :columns]), params, tracker, DT, None
        )
        calm.append(~np.asarray(r[1]).any(1) & (np.asarray(r[0])[..., 3].min(1) > 1.0))
    keep = np.flatnonzero(calm[0] & calm[1])[:n]
    assert len(keep) == n
    return s0[keep], np.ascontiguousarray(refs[keep, :, :columns])


@pytest.mark.parametrize("tracker", TRACKERS, ids=IDS)
@pytest.mark.parametrize("columns", [3, 4])
def test_gradcheck_through_the_closed_loop(tracker: TrackerParams, columns: int) -> None:
    s0, refs = calm_inputs(1, 3, 12, columns)
    s0_t = torch.tensor(s0, requires_grad=True)
    refs_t = torch.tensor(refs, requires_grad=True)

    def f(s0: torch.Tensor, refs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r = trajcore.track(s0, refs, CAR, DT, tracker=tracker)
        assert not r.saturation.any()
        return r.states, r.controls

    assert torch.autograd.gradcheck(f, (s0_t, refs_t), eps=1e-6, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("tracker", TRACKERS, ids=IDS)
def test_gradcheck_truck_with_articulation_and_trailer(tracker: TrackerParams) -> None:
    s0, refs = calm_inputs(2, 2, 10, 4, TRUCK)
    art0 = torch.tensor([0.05, -0.1], dtype=torch.float64, requires_grad=True)

    def f(s0: torch.Tensor, refs: torch.Tensor, art0: torch.Tensor) -> tuple[torch.Tensor, ...]:
        r = trajcore.track(s0, refs, TRUCK, DT, tracker=tracker, articulation0=art0)
        assert not r.saturation.any()
        return r.states, r.trailer

    inputs = (torch.tensor(s0, requires_grad=True), torch.tensor(refs, requires_grad=True), art0)
    assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("tracker", TRACKERS, ids=IDS)
def test_shifting_the_reference_shifts_the_tracked_vehicle(tracker: TrackerParams) -> None:
    # A straight reference at 10 m/s; the vehicle starts 0.5 m to its right. Moving the whole
    # reference sideways moves the converged vehicle by as much: d(final y) / d(reference y),
    # summed over the reference's steps, is 1 and equals the plain tracker's finite difference.
    # The along-track position follows the reference's speeds, not its positions (nuPlan's
    # longitudinal law), so d(final x) / d(reference x) is 0.
    steps = 120
    refs = np.zeros((1, steps + 1, 4), np.float32)
    refs[0, :, 0] = 10.0 * DT * np.arange(steps + 1)
    refs[0, :, 3] = 10.0
    s0 = torch.tensor([[0.0, -0.5, 0.0, 10.0, 0.0, 0.0]])
    refs_t = torch.tensor(refs, requires_grad=True)
    r = trajcore.track(s0, refs_t, CAR, DT, tracker=tracker)
    assert r.states.dtype == torch.float32
    plain = trajcore.track(s0, refs, CAR, DT, tracker=tracker)
    np.testing.assert_allclose(r.states.detach().numpy(), plain.states.numpy(), atol=1e-3)
    (gy,) = torch.autograd.grad(r.states[0, -1, 1], refs_t, retain_graph=True)
    shifted = refs.copy()
    shifted[..., 1] += 0.1
    moved = (
        trajcore.track(s0, shifted, CAR, DT, tracker=tracker).states[0, -1, 1]
        - plain.states[0, -1, 1]
    )
    assert gy[..., 1].sum().item() == pytest.approx(1.0, abs=5e-3)
    assert gy[..., 1].sum().item() == pytest.approx(float(moved) / 0.1, abs=2e-3)
    (gx,) = torch.autograd.grad(r.states[0, -1, 0], refs_t)
    assert torch.all(gx[..., 0] == 0)


def test_mixed_inputs_are_refused() -> None:
    s0 = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    refs = np.zeros((1, 11, 4))
    refs[0, :, 0] = np.arange(11)
    with pytest.raises(TypeError, match="references is a ndarray, expected a torch tensor"):
        trajcore.track(s0, refs, CAR, DT)
    bad = torch.tensor(refs)
    bad[0, 3, 2] = float("nan")
    with pytest.raises(ValueError, match=r"references\[0, 3, 2\] \(yaw\) is nan"):
        trajcore.track(s0, bad, CAR, DT)
