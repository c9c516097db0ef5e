"""check_collisions against the brute-force reference, shapely, and its documented semantics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

import trajcore
from collision_reference import reference_collisions
from conftest import CAR_LENGTH, CAR_WIDTH, TRUCK


def _tracks(
    rng: np.random.Generator, shape: tuple[int, ...], steps: int, dt: float, spread: float
) -> NDArray[np.float64]:
    """Random turning tracks (..., steps, 3): start anywhere in the square, speed 0-20 m/s."""
    start = rng.uniform(-spread, spread, (*shape, 2))
    heading = rng.uniform(-np.pi, np.pi, shape)
    speed = rng.uniform(0.0, 20.0, shape)
    yaw_rate = rng.uniform(-0.4, 0.4, shape)
    t = np.arange(steps) * dt
    yaw = heading[..., None] + yaw_rate[..., None] * t
    step = speed[..., None, None] * dt * np.stack([np.cos(yaw), np.sin(yaw)], -1)
    xy = start[..., None, :] + np.cumsum(step, axis=-2) - step[..., :1, :]
    return np.concatenate([xy, yaw[..., None]], -1)


def random_scene(
    rng: np.random.Generator,
    B: int | None,
    N: int,
    M: int,
    K: int,
    T1: int,
    spread: float = 20.0,
    valid: str = "mode_step",
) -> dict[str, Any]:
    """Dense traffic: everything within a few car lengths; 30% trucks; random masks."""
    b = () if B is None else (B,)
    bb = 1 if B is None else B
    ego = np.zeros((*b, N, T1, 4), np.float32)
    ego[..., :3] = _tracks(rng, (*b, N), T1, 0.1, spread)
    ego[..., 3] = rng.uniform(0, 20, (*b, N, T1))  # a speed field the checker must not read
    agents = _tracks(rng, (*b, M, K), T1, 0.1, spread).astype(np.float32)
    truck = rng.random((*b, M)) < 0.3
    agent_extent = np.stack(
        [
            np.where(truck, TRUCK[0], rng.uniform(*CAR_LENGTH, (*b, M))),
            np.where(truck, TRUCK[1], rng.uniform(*CAR_WIDTH, (*b, M))),
        ],
        -1,
    ).astype(np.float32)
    prob = rng.dirichlet(np.ones(K), (*b, M)).astype(np.float32)
    forms = {
        "agent": (*b, M),
        "step": (*b, M, T1),
        "mode_step": (*b, M, K, T1),
    }
    agent_valid = None if valid == "none" else rng.random(forms[valid]) < 0.85
    if agent_valid is not None and valid == "mode_step" and M > 0:
        agent_valid[..., 0, :] = True  # keep one mode valid per agent and step
    if agent_valid is not None:
        prob = _renormalised(prob, agent_valid, valid)
    return dict(
        ego=ego,
        ego_extent=np.array([4.5, 1.9], np.float32)
        if bb == 1
        else rng.uniform([3.5, 1.6], [5.0, 2.0], (bb, 2)).astype(np.float32),
        agents=agents,
        agent_extent=agent_extent,
        agent_prob=prob,
        agent_valid=agent_valid,
    )


def _renormalised(
    prob: NDArray[np.float32], valid: NDArray[np.bool_], form: str
) -> NDArray[np.float32]:
    """Probabilities summing to 1 over each agent's valid modes."""
    if form != "mode_step":
        return prob
    mode_valid = valid.any(-1)
    p = np.where(mode_valid, prob.astype(np.float64), 0.0)
    return (p / p.sum(-1, keepdims=True)).astype(np.float32)


def assert_matches_reference(scene: dict[str, Any], **options: Any) -> trajcore.CollisionResult:
    got = trajcore.check_collisions(**scene, **options)
    ref = reference_collisions(
        **scene, margin=options.get("margin", 0.0), clearance_cap=options.get("clearance_cap", 10.0)
    )
    np.testing.assert_array_equal(got.collides, ref.collides)
    np.testing.assert_array_equal(got.first_step, ref.first_step)
    np.testing.assert_array_equal(got.agent_first_step, ref.agent_first_step)
    np.testing.assert_array_equal(got.collision_prob, ref.collision_prob)
    np.testing.assert_allclose(got.min_clearance, ref.min_clearance, rtol=0, atol=1e-4)
    # Without clearance the broad phase prunes hardest (only touching bounds survive).
    lean = trajcore.check_collisions(**scene, **options, compute_min_clearance=False)
    np.testing.assert_array_equal(lean.collides, ref.collides)
    np.testing.assert_array_equal(lean.agent_first_step, ref.agent_first_step)
    return got


CASES = {
    "dense": dict(B=2, N=40, M=12, K=3, T1=26),
    "unbatched": dict(B=None, N=30, M=9, K=4, T1=33),
    "one_mode": dict(B=2, N=25, M=10, K=1, T1=20),
    "no_agents": dict(B=2, N=12, M=0, K=3, T1=20),
    "one_step": dict(B=3, N=20, M=8, K=2, T1=1),
    "long_horizon": dict(B=1, N=16, M=6, K=6, T1=81),
    "sparse": dict(B=2, N=30, M=16, K=3, T1=40, spread=80.0),
}


@pytest.mark.parametrize("case", CASES)
def test_matches_reference(case, rng):
    scene = random_scene(rng, **CASES[case])
    got = assert_matches_reference(scene)
    if CASES[case]["M"] > 0 and case != "sparse":
        assert got.collides.any() and not got.collides.all()  # the scenes exercise both outcomes


@pytest.mark.parametrize("valid", ["none", "agent", "step", "mode_step"])
def test_every_validity_form(valid, rng):
    assert_matches_reference(random_scene(rng, 2, 24, 10, 3, 21, valid=valid))


def test_default_probabilities_are_uniform_over_valid_modes(rng):
    scene = random_scene(rng, 2, 24, 10, 4, 21)
    scene["agent_prob"] = None
    assert_matches_reference(scene)


@pytest.mark.parametrize("margin", [0.25, 1.0])
def test_margin_grows_every_box(margin, rng):
    scene = random_scene(rng, 2, 24, 8, 3, 21, spread=30.0)
    got = assert_matches_reference(scene, margin=margin)
    plain = trajcore.check_collisions(**scene)
    assert (got.collides >= plain.collides).all() and got.collides.sum() > plain.collides.sum()


def test_clearance_cap(rng):
    scene = random_scene(rng, 2, 24, 8, 3, 21, spread=60.0)
    got = assert_matches_reference(scene, clearance_cap=3.0)
    assert got.min_clearance.max() <= 3.0


def test_clearance_is_box_distance_bitwise(rng):
    """min_clearance is the minimum of trajcore.box_distance over valid pairs, bit for bit."""
    scene = random_scene(rng, None, 20, 6, 3, 15, valid="none")
    got = trajcore.check_collisions(**scene, clearance_cap=50.0)
    ego = np.concatenate(
        [scene["ego"][..., :3], np.broadcast_to(scene["ego_extent"], (20, 15, 2))], -1
    )
    agents = np.concatenate(
        [scene["agents"], np.broadcast_to(scene["agent_extent"][:, None, None], (6, 3, 15, 2))], -1
    )
    d = trajcore.box_distance(ego[:, None, None], agents[None])  # (N, M, K, T1)
    np.testing.assert_array_equal(got.min_clearance, np.minimum(d.min(axis=(1, 2, 3)), 50.0))
    np.testing.assert_array_equal(got.collides, (d <= 0).any(axis=(1, 2)))


def test_agrees_with_shapely(rng):
    import shapely  # a test requirement (the [test] extra): missing means failing, not skipping

    from conftest import corners_f64

    scene = random_scene(rng, None, 12, 6, 2, 12, valid="none")
    got = trajcore.check_collisions(**scene)
    ego_boxes = np.concatenate(
        [scene["ego"][..., :3], np.broadcast_to(scene["ego_extent"], (12, 12, 2))], -1
    )
    agent_boxes = np.concatenate(
        [scene["agents"], np.broadcast_to(scene["agent_extent"][:, None, None], (6, 2, 12, 2))], -1
    )
    ego_poly = shapely.polygons(corners_f64(ego_boxes))
    agent_poly = shapely.polygons(corners_f64(agent_boxes))
    hits = shapely.intersects(ego_poly[:, None, None, :], agent_poly[None])  # (N, M, K, T1)
    gaps = shapely.distance(ego_poly[:, None, None, :], agent_poly[None])
    first = np.where(hits.any(-1), hits.argmax(-1), -1)
    np.testing.assert_array_equal(got.agent_first_step, first)
    apart = ~hits.any(axis=(1, 2, 3))
    np.testing.assert_allclose(got.min_clearance[apart], gaps.min(axis=(1, 2, 3))[apart], atol=1e-4)


def test_results_do_not_depend_on_thread_count(rng):
    scene = random_scene(rng, 3, 70, 12, 3, 30)
    before = trajcore.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3, 8):
            trajcore.set_num_threads(threads)
            results.append(trajcore.check_collisions(**scene, swept=True))
    finally:
        trajcore.set_num_threads(before)
    for r in results[1:]:
        for field in (
            "collides",
            "first_step",
            "agent_first_step",
            "collision_prob",
            "min_clearance",
        ):
            np.testing.assert_array_equal(getattr(r, field), getattr(results[0], field))


def test_optional_outputs_can_be_switched_off(rng):
    scene = random_scene(rng, 2, 16, 5, 3, 21)
    full = trajcore.check_collisions(**scene)
    lean = trajcore.check_collisions(
        **scene, compute_agent_first_step=False, compute_min_clearance=False
    )
    assert lean.agent_first_step is None and lean.min_clearance is None
    np.testing.assert_array_equal(lean.collides, full.collides)
    np.testing.assert_array_equal(lean.first_step, full.first_step)
    np.testing.assert_array_equal(lean.collision_prob, full.collision_prob)


def test_result_shapes_and_dtypes(rng):
    scene = random_scene(rng, 2, 7, 5, 3, 11)
    r = trajcore.check_collisions(**scene)
    assert r.collides.shape == (2, 7, 11) and r.collides.dtype == np.bool_
    assert r.first_step.shape == (2, 7) and r.first_step.dtype == np.int32
    assert r.agent_first_step.shape == (2, 7, 5, 3) and r.agent_first_step.dtype == np.int32
    assert r.collision_prob.shape == (2, 7) and r.collision_prob.dtype == np.float32
    assert r.min_clearance.shape == (2, 7) and r.min_clearance.dtype == np.float32


def test_workspace_reuse_gives_the_same_results(rng):
    ws = trajcore.CollisionWorkspace()
    big = random_scene(rng, 2, 30, 10, 3, 30)
    small = random_scene(rng, 1, 10, 4, 2, 12)
    first = trajcore.check_collisions(**big, workspace=ws)
    held = ws.capacity_bytes
    assert held > 0
    trajcore.check_collisions(**small, workspace=ws)
    again = trajcore.check_collisions(**big, workspace=ws)
    assert ws.capacity_bytes == held  # nothing grew: the big request's memory was kept
    np.testing.assert_array_equal(again.collides, first.collides)
    np.testing.assert_array_equal(again.min_clearance, first.min_clearance)


@pytest.mark.parametrize("change", ["pose", "valid", "extent", "swept", "nothing"])
def test_workspace_reprepares_agents_that_changed_in_place(rng, change):
    """The workspace skips preparing agents equal to the last call's: any change must be seen,
    even one made in place in the same arrays."""
    ws = trajcore.CollisionWorkspace()
    scene = random_scene(rng, 2, 25, 6, 3, 33)
    trajcore.check_collisions(**scene, workspace=ws)
    options = {}
    if change == "pose":
        scene["agents"][1, 2, 0, 5:, :2] = scene["ego"][1, 0, 5:, :2]  # onto candidate 0
    elif change == "valid":
        scene["agent_valid"][..., 1:, 10:20] = False  # modes stay valid elsewhere: same probs
    elif change == "extent":
        scene["agent_extent"][...] *= 1.7
    elif change == "swept":
        options["swept"] = True
    warm = trajcore.check_collisions(**scene, **options, workspace=ws)
    cold = trajcore.check_collisions(**scene, **options)
    for field in ("collides", "agent_first_step", "collision_prob", "min_clearance"):
        np.testing.assert_array_equal(getattr(warm, field), getattr(cold, field), err_msg=field)
    if change == "pose":
        assert warm.agent_first_step[1, 0, 2, 0] >= 0


def test_masked_entries_are_not_read(rng):
    """NaN padding under agent_valid == False is fine and changes nothing."""
    scene = random_scene(rng, 2, 20, 8, 3, 21)
    clean = trajcore.check_collisions(**scene)
    padded = dict(scene)
    agents = scene["agents"].copy()
    agents[~scene["agent_valid"]] = np.nan
    padded["agents"] = agents
    prob = scene["agent_prob"].copy()
    prob[~scene["agent_valid"].any(-1)] = np.nan
    padded["agent_prob"] = prob
    got = trajcore.check_collisions(**padded)
    for field in ("collides", "agent_first_step", "collision_prob", "min_clearance"):
        np.testing.assert_array_equal(getattr(got, field), getattr(clean, field))


def test_float64_inputs_are_converted_once(rng):
    scene = random_scene(rng, 2, 12, 5, 2, 11)
    as64 = {
        k: (v.astype(np.float64) if isinstance(v, np.ndarray) and v.dtype == np.float32 else v)
        for k, v in scene.items()
    }
    a, b = trajcore.check_collisions(**scene), trajcore.check_collisions(**as64)
    np.testing.assert_array_equal(a.collides, b.collides)
    np.testing.assert_array_equal(a.min_clearance, b.min_clearance)


def test_torch_tensors_in_torch_tensors_out(rng):
    torch = pytest.importorskip("torch")
    scene = random_scene(rng, 2, 12, 5, 2, 11)
    expected = trajcore.check_collisions(**scene)
    got = trajcore.check_collisions(
        **{k: None if v is None else torch.from_numpy(v) for k, v in scene.items()}
    )
    assert isinstance(got.collides, torch.Tensor) and got.first_step.dtype == torch.int32
    for field in ("collides", "first_step", "agent_first_step", "collision_prob", "min_clearance"):
        np.testing.assert_array_equal(getattr(got, field).numpy(), getattr(expected, field))


def grid_scene(rng: np.random.Generator, N: int, M: int, K: int, T1: int) -> dict[str, Any]:
    """Boxes on a 0.5 m lattice with right-angle headings: many exact contacts (touching counts),
    the cases where a broad phase that cut its bounds too tight would lose a collision."""

    def poses(shape: tuple[int, ...]) -> NDArray[np.float32]:
        p = np.empty((*shape, T1, 3), np.float32)
        p[..., :2] = rng.integers(-16, 17, (*shape, T1, 2)) * 0.5
        p[..., 2] = rng.integers(-1, 3, (*shape, T1)) * (np.pi / 2)
        return p

    return dict(
        ego=poses((N,)),
        ego_extent=np.array([4.0, 2.0], np.float32),
        agents=poses((M, K)),
        agent_extent=(rng.integers(2, 9, (M, 2)) * 0.5).astype(np.float32),
        agent_prob=np.full((M, K), 1.0 / K, np.float32),
        agent_valid=None,
    )


def test_exact_contacts_on_a_lattice(rng):
    scene = grid_scene(rng, 40, 12, 2, 24)
    got = assert_matches_reference(scene)
    ref = reference_collisions(**scene)
    assert ref.ambiguous_pairs > 100  # the scene is made of contacts
    assert got.collides.any() and not got.collides.all()


@pytest.mark.parametrize(
    ("agent_x", "agent_y", "touching"),
    [
        (4.0, 0.0, True),  # end to end
        (0.0, 2.0, True),  # side by side
        (4.0, 2.0, True),  # corner to corner
        (4.5, 0.0, False),  # 0.5 m apart
        (0.0, -2.25, False),
    ],
)
def test_axis_aligned_contacts(agent_x, agent_y, touching):
    ego = np.zeros((1, 3, 3), np.float32)
    agents = np.array([agent_x, agent_y, 0.0], np.float32) * np.ones((1, 1, 3, 1), np.float32)
    r = trajcore.check_collisions(
        ego, np.array([4.0, 2.0], np.float32), agents, np.array([[4.0, 2.0]], np.float32)
    )
    lean = trajcore.check_collisions(
        ego,
        np.array([4.0, 2.0], np.float32),
        agents,
        np.array([[4.0, 2.0]], np.float32),
        compute_min_clearance=False,
    )
    assert r.collides.tolist() == lean.collides.tolist() == [[touching] * 3]
    assert r.first_step.tolist() == [0 if touching else -1]
    expected = 0.0 if touching else max(agent_x - 4.0, abs(agent_y) - 2.0)
    assert r.min_clearance.tolist() == [expected]
