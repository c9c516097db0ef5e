"""Comfort: the six bounds against PDM-Closed's comfort metric written out with scipy (windows,
rounding and quirks included), exact on polynomials, errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.signal import savgol_filter

import trajcore
from trajcore import ComfortBound, ComfortParams

DT = 0.1


def pdm_series(states: NDArray, lateral: str = "zero") -> NDArray:
    """(N, 6, T+1): tuPlan Garage's pdm_comfort_metrics.py on trajcore states (a is the
    longitudinal acceleration; PDM's lateral acceleration is 0), in its order and windows."""
    st = states.astype(np.float64)
    n = st.shape[1]

    def sg(y: NDArray, window: int, poly: int, deriv: int = 0) -> NDArray:
        return savgol_filter(y, min(window, n), poly, deriv=deriv, delta=DT, axis=-1)

    headings = st[..., 2]
    adjust = np.zeros_like(headings)
    adjust[:, 1:] = np.cumsum(np.round(np.diff(headings, axis=-1) / (2 * np.pi)), axis=-1)
    unwrapped = headings - 2 * np.pi * adjust
    yaw_rate = np.round(sg(unwrapped, 5, 2, 1), 8)  # PDM: the default window of 5
    yaw_accel = np.round(sg(unwrapped, 5, 3, 2), 8)
    ax = st[..., 4]
    ay = np.zeros_like(ax) if lateral == "zero" else st[..., 3] * yaw_rate
    lon = np.round(sg(ax, n, 2), 8)
    lat = np.round(sg(ay, n, 2), 8)
    jerk = np.round(sg(np.round(sg(np.hypot(ax, ay), 8, 2), 8), n, 2, 1), 8)
    lon_jerk = np.round(sg(np.round(sg(ax, 8, 2), 8), n, 2, 1), 8)
    return np.stack([lon, lat, jerk, lon_jerk, yaw_accel, yaw_rate], 1)


def pdm_failed(series: NDArray, p: ComfortParams) -> tuple[NDArray, NDArray]:
    lo = [
        p.min_lon_accel,
        -p.max_abs_lat_accel,
        -p.max_abs_jerk,
        -p.max_abs_lon_jerk,
        -p.max_abs_yaw_accel,
        -p.max_abs_yaw_rate,
    ]
    hi = [
        p.max_lon_accel,
        p.max_abs_lat_accel,
        p.max_abs_jerk,
        p.max_abs_lon_jerk,
        p.max_abs_yaw_accel,
        p.max_abs_yaw_rate,
    ]
    bad = ~((series > np.array(lo)[:, None]) & (series < np.array(hi)[:, None]))  # (N, 6, T+1)
    failed = (bad.any(-1) * (1 << np.arange(6))).sum(-1)
    any_bad = bad.any(1)
    first = np.where(any_bad.any(-1), any_bad.argmax(-1), -1)
    return failed, first


def random_drives(rng: np.random.Generator, n: int, steps: int) -> NDArray[np.float32]:
    """Smooth drives with accelerations, jerks and turn rates spread across the bounds."""
    t = np.arange(steps + 1) * DT
    st = np.zeros((n, steps + 1, 6), np.float32)
    a = rng.uniform(-5, 3, (n, 1)) + rng.uniform(0, 3, (n, 1)) * np.sin(
        rng.uniform(0.2, 2.5, (n, 1)) * t
    )
    a += rng.uniform(-12, 12, (n, 1)) * t * (rng.random((n, 1)) < 0.3)  # steep ramps: jerk
    rate = rng.uniform(-1.1, 1.1, (n, 1)) * np.cos(rng.uniform(0.1, 2.0, (n, 1)) * t)
    st[..., 2] = rng.uniform(-np.pi, np.pi, (n, 1)) + np.cumsum(rate * DT, 1)
    st[..., 2] = (st[..., 2] + np.pi) % (2 * np.pi) - np.pi  # wrapped, as states are
    st[..., 3] = np.maximum(rng.uniform(0, 15, (n, 1)) + np.cumsum(a * DT, 1), 0)
    st[..., 4] = a
    return st


@pytest.mark.parametrize("lateral", ["zero", "speed_times_yaw_rate"])
def test_matches_pdm_closeds_comfort_metric(rng: np.random.Generator, lateral: str) -> None:
    states = random_drives(rng, 400, 40)
    params = ComfortParams(lateral_acceleration=lateral)  # type: ignore[arg-type]
    r = trajcore.comfort(states, DT, params, series=True)
    want = pdm_series(states, lateral)
    np.testing.assert_allclose(r.series, want, rtol=1e-5, atol=1e-4)
    failed, first = pdm_failed(want, params)
    # Away from the bounds (float32 series vs float64), the verdicts are the same.
    np.testing.assert_array_equal(r.failed, failed)
    np.testing.assert_array_equal(r.first_step, first)
    np.testing.assert_array_equal(r.score, failed == 0)
    for bound in ComfortBound:  # every bound both held and broken in the sample
        if lateral == "zero" and bound == ComfortBound.LAT_ACCEL:
            assert not (failed & bound).any()
            continue
        assert 0 < np.mean(failed & bound != 0) < 1, bound


def test_exact_on_polynomials_at_the_bounds() -> None:
    # Savitzky-Golay reproduces polynomials up to its order: constant acceleration, linear
    # acceleration (constant jerk) and linear yaw (constant rate) come out exactly. (Not with
    # PDM's even smoothing window of 8: scipy evaluates even windows half a sample off centre,
    # which bends a straight line at the edges, hence 9 here.)
    t = np.arange(41) * DT
    st = np.zeros((4, 41, 6), np.float32)
    st[0, :, 4] = 2.39  # inside (2.40 bound)
    st[1, :, 4] = 2.41  # outside
    st[2, :, 4] = -1.0 + 4.0 * t  # jerk 4 < 4.13, but a reaches 3 m/s^2 at 1 s
    st[3, :, 2] = 0.94 * t  # yaw rate just inside 0.95
    st[:, :, 3] = 10.0
    r = trajcore.comfort(st, DT, ComfortParams(jerk_smoothing_window=9), series=True)
    np.testing.assert_allclose(r.series[2, 3], 4.0, atol=1e-4)  # lon jerk
    np.testing.assert_allclose(r.series[3, 5], 0.94, atol=1e-5)
    np.testing.assert_array_equal(r.failed, [0, ComfortBound.LON_ACCEL, ComfortBound.LON_ACCEL, 0])
    assert r.first_step[1] == 0
    assert r.first_step[2] == int(np.argmax(-1.0 + 4.0 * t >= 2.40))


def test_windows_are_parameters() -> None:
    states = random_drives(np.random.default_rng(5), 50, 40)
    narrow = dataclasses.replace(ComfortParams(), lon_accel_window=9, jerk_window=15)
    r = trajcore.comfort(states, DT, narrow, series=True)
    lon = np.round(savgol_filter(states[..., 4].astype(np.float64), 9, 2, axis=-1), 8)
    np.testing.assert_allclose(r.series[:, 0], lon, rtol=1e-5, atol=1e-4)


def test_errors() -> None:
    st = np.zeros((2, 41, 6), np.float32)
    with pytest.raises(ValueError, match=r"states has shape \(2, 41, 4\)"):
        trajcore.comfort(st[..., :4].copy(), DT)
    with pytest.raises(ValueError, match="dt is 0"):
        trajcore.comfort(st, 0.0)
    with pytest.raises(ValueError, match="yaw_accel_window gives a window of 3 steps"):
        trajcore.comfort(st[:, :3].copy(), DT)
    with pytest.raises(ValueError, match="jerk_window is -1"):
        trajcore.comfort(st, DT, ComfortParams(jerk_window=-1))
    with pytest.raises(ValueError, match="lateral_acceleration is 'raw'"):
        trajcore.comfort(st, DT, ComfortParams(lateral_acceleration="raw"))  # type: ignore[arg-type]
    bad = st.copy()
    bad[1, 3, 4] = np.inf
    with pytest.raises(ValueError, match=r"states\[1, 3, 4\] is inf"):
        trajcore.comfort(bad, DT)
