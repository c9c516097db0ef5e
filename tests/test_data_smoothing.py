"""Track smoothing: exact on evenly accelerating tracks, run by run, yaw across +-pi, and on real
NGSIM tracks it removes jitter without moving the tracks."""

from __future__ import annotations

import numpy as np
import pytest

from real_lanes import shared_data
from trajcore.data.smoothing import smooth_scenario, smooth_track

pytest.importorskip("scipy")
DT = 0.1


def quadratic_track(steps: int) -> np.ndarray:
    t = np.arange(steps) * DT
    x, y = 3.0 + 8.0 * t + 0.6 * t**2, -2.0 + 1.5 * t - 0.4 * t**2
    vx, vy = 8.0 + 1.2 * t, 1.5 - 0.8 * t
    return np.stack([x, y, np.arctan2(vy, vx), vx, vy], axis=1)


def test_an_evenly_accelerating_track_passes_unchanged() -> None:
    exact = quadratic_track(40)
    noisy = exact.copy()
    noisy[:, 3:5] += 0.5  # recorded speeds that disagree: replaced by the positions' derivative
    out = smooth_track(noisy, np.ones(40, bool), 7, DT)
    np.testing.assert_allclose(out[:, :2], exact[:, :2], atol=1e-9)
    np.testing.assert_allclose(out[:, 3:5], exact[:, 3:5], atol=1e-8)


def test_runs_are_smoothed_separately_and_short_runs_kept() -> None:
    a, b = quadratic_track(20), quadratic_track(15)
    b[:, 0] += 100.0  # a far jump across the gap must not leak into either run
    states = np.zeros((40, 5))
    states[0:20], states[22:37], states[38] = a, b, [1, 2, 0.3, 4, 5]
    valid = np.zeros(40, bool)
    valid[0:20] = valid[22:37] = valid[38] = True
    out = smooth_track(states, valid, 7, DT)
    np.testing.assert_allclose(out[0:20, :2], a[:, :2], atol=1e-9)
    np.testing.assert_allclose(out[22:37, :2], b[:, :2], atol=1e-9)
    np.testing.assert_array_equal(out[38], states[38])  # one step: as recorded
    np.testing.assert_array_equal(out[~valid], states[~valid])


def test_yaw_across_pi_stays_continuous() -> None:
    states = quadratic_track(30)
    states[:, 2] = np.linspace(3.0, 3.4, 30)
    states[:, 2] = (states[:, 2] + np.pi) % (2 * np.pi) - np.pi
    out = smooth_track(states, np.ones(30, bool), 7, DT)
    np.testing.assert_allclose(np.unwrap(out[:, 2]), np.linspace(3.0, 3.4, 30), atol=1e-9)
    assert np.all((out[:, 2] >= -np.pi) & (out[:, 2] < np.pi))


def test_real_ngsim_jitter_is_removed_without_moving_tracks() -> None:
    from trajcore.data import load_commonroad

    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the real-track smoothing test reads NGSIM")
    raw = load_commonroad(root / "commonroad_ngsim" / "2018b" / "USA_Lanker-2_17_T-1.xml")
    smooth = smooth_scenario(raw, 7)

    def jerk_rms(s: np.ndarray, v: np.ndarray) -> float:
        parts = [np.diff(a[np.flatnonzero(m), :2], n=3, axis=0) / DT**3 for a, m in zip(s, v)]
        return float(np.sqrt(np.mean(np.concatenate(parts) ** 2)))

    assert jerk_rms(smooth.agent_states, raw.agent_valid) < 0.6 * jerk_rms(
        raw.agent_states, raw.agent_valid
    )
    shift = np.linalg.norm((smooth.agent_states - raw.agent_states)[..., :2], axis=-1)
    assert shift[raw.agent_valid].mean() < 0.01 and np.all(shift[~raw.agent_valid] == 0)
    with pytest.raises(ValueError, match=r"window is 4, expected an odd number of steps >= 3"):
        smooth_scenario(raw, 4)


def test_resampling_keeps_recorded_steps_and_interpolates_between() -> None:
    from trajcore.data import Scenario, resample_scenario

    states = np.zeros((2, 4, 5))
    states[0, :, 0] = [0.0, 5.0, 10.0, 15.0]  # 10 m/s at 0.5 s steps
    states[0, :, 2] = [3.0, -3.0, -3.0, -3.0]  # across +-pi: the short way round
    states[0, :, 3] = 10.0
    valid = np.array([[True, True, True, True], [True, True, False, True]])
    states[1, :, 1] = [1.0, 2.0, 0.0, 4.0]
    s = Scenario(
        name="r",
        dt=0.5,
        agent_id=("a", "b"),
        agent_kind=("car", "car"),
        agent_type=np.zeros(2, np.int32),
        agent_extent=np.ones((2, 2)),
        agent_states=states,
        agent_valid=valid,
    )
    r = resample_scenario(s, 0.1)
    assert r.steps == 16 and r.dt == 0.1
    np.testing.assert_allclose(r.agent_states[0, :, 0], np.arange(16) * 1.0, atol=1e-12)
    np.testing.assert_array_equal(r.agent_states[:, ::5][valid], states[valid])
    assert r.agent_states[0, 2, 2] == pytest.approx(
        (3.0 + 0.4 * (2 * np.pi - 6.0) + np.pi) % (2 * np.pi) - np.pi
    )
    assert abs(r.agent_states[0, 2, 2]) > 3.0  # the long way round would pass near 0.6
    # Agent b: valid up to step 1 (0.5 s), not between 1 and 3, valid again at step 3 (1.5 s).
    np.testing.assert_array_equal(r.agent_valid[1], [True] * 6 + [False] * 9 + [True])
    np.testing.assert_allclose(r.agent_states[1, 1:5, 1], [1.2, 1.4, 1.6, 1.8])
    assert np.all(r.agent_states[1, ~r.agent_valid[1]] == 0)
    with pytest.raises(ValueError, match=r"dt is 0\.0, expected a positive number of seconds"):
        resample_scenario(s, 0.0)
