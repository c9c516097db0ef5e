"""What users run instead of trajcore.check_collisions, written as well as we know how.

Every peer takes the same arrays (one scene: ego (N, T+1, S), agents (M, K, T+1, 3), extents,
probabilities) and returns at least the first colliding step per candidate, so the benchmark can
check that it agrees with trajcore before timing it. `build` does the peer's one-off preparation
(polygons, trees, collision objects, JIT compilation), `query` the per-cycle work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass
class Scene:
    ego: NDArray[np.float32]  # (N, T+1, S)
    ego_extent: NDArray[np.float32]  # (2,)
    agents: NDArray[np.float32]  # (M, K, T+1, 3)
    agent_extent: NDArray[np.float32]  # (M, 2)
    agent_prob: NDArray[np.float32]  # (M, K)

    def ego_boxes(self) -> NDArray[np.float32]:
        N, T1 = self.ego.shape[:2]
        return np.concatenate(
            [self.ego[..., :3], np.broadcast_to(self.ego_extent, (N, T1, 2))], -1
        ).astype(np.float32)

    def agent_boxes(self) -> NDArray[np.float32]:
        M, K, T1 = self.agents.shape[:3]
        extent = np.broadcast_to(self.agent_extent[:, None, None], (M, K, T1, 2))
        return np.concatenate([self.agents, extent], -1).astype(np.float32)


@dataclass
class Peer:
    name: str
    fields: str  # which results it computes
    build: Callable[[Scene], Any]  # -> state handed to query
    query: Callable[[Any], NDArray[np.int32]]  # -> first colliding step per candidate


def first_step_of(collides: NDArray[np.bool_]) -> NDArray[np.int32]:
    return np.where(collides.any(-1), collides.argmax(-1), -1).astype(np.int32)


def _sat_overlap(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.bool_]:
    """Closed-form separating-axis test, broadcasting (..., 5) against (..., 5), float32."""
    ca, sa = np.cos(a[..., 2]), np.sin(a[..., 2])
    cb, sb = np.cos(b[..., 2]), np.sin(b[..., 2])
    dx, dy = b[..., 0] - a[..., 0], b[..., 1] - a[..., 1]
    hla, hwa, hlb, hwb = a[..., 3] / 2, a[..., 4] / 2, b[..., 3] / 2, b[..., 4] / 2
    cc = np.abs(ca * cb + sa * sb)
    ss = np.abs(ca * sb - sa * cb)
    sep = np.abs(dx * ca + dy * sa) > hla + hlb * cc + hwb * ss
    sep |= np.abs(-dx * sa + dy * ca) > hwa + hlb * ss + hwb * cc
    sep |= np.abs(dx * cb + dy * sb) > hlb + hla * cc + hwa * ss
    sep |= np.abs(-dx * sb + dy * cb) > hwb + hla * ss + hwa * cc
    return ~sep


def _probability(mode_hit: NDArray[np.bool_], prob: NDArray[np.float32]) -> NDArray[np.float64]:
    mass = (mode_hit * prob[None].astype(np.float64)).sum(-1)  # (N, M)
    return 1.0 - np.prod(1.0 - mass, axis=-1)


def numpy_peer(chunk: int = 16) -> Peer:
    """Every (candidate, agent mode, step) pair through the closed-form test, in chunks of
    candidates to bound the temporaries."""

    def build(scene: Scene) -> Any:
        return scene.ego_boxes(), scene.agent_boxes(), scene.agent_prob

    def query(state: Any) -> NDArray[np.int32]:
        ego, agents, prob = state
        firsts = []
        for start in range(0, ego.shape[0], chunk):
            hit = _sat_overlap(ego[start : start + chunk, None, None], agents[None])  # n,M,K,T
            firsts.append(first_step_of(hit.any(axis=(1, 2))))
            _probability(hit.any(-1), prob)
        return np.concatenate(firsts)

    return Peer("numpy, all pairs (closed-form SAT)", "first step, collides, prob", build, query)


def numba_peer() -> Peer | None:
    """A hand-written numba loop: parallel over candidates, bounding-circle rejection, then the
    closed-form separating-axis test per (agent mode, step)."""
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(parallel=True, cache=False)
    def kernel(ego, ego_extent, agents, agent_extent, prob, collides, mode_first, p_out):
        N, T1 = ego.shape[0], ego.shape[1]
        M, K = agents.shape[0], agents.shape[1]
        hle, hwe = ego_extent[0] / 2, ego_extent[1] / 2
        re = np.sqrt(hle * hle + hwe * hwe)
        for n in numba.prange(N):
            survive = 1.0
            for m in range(M):
                hla, hwa = agent_extent[m, 0] / 2, agent_extent[m, 1] / 2
                reach = re + np.sqrt(hla * hla + hwa * hwa)
                mass = 0.0
                for k in range(K):
                    first = -1
                    for t in range(T1):
                        dx = agents[m, k, t, 0] - ego[n, t, 0]
                        dy = agents[m, k, t, 1] - ego[n, t, 1]
                        if dx * dx + dy * dy > reach * reach:
                            continue
                        ca, sa = np.cos(ego[n, t, 2]), np.sin(ego[n, t, 2])
                        cb, sb = np.cos(agents[m, k, t, 2]), np.sin(agents[m, k, t, 2])
                        cc = abs(ca * cb + sa * sb)
                        ss = abs(ca * sb - sa * cb)
                        if abs(dx * ca + dy * sa) > hle + hla * cc + hwa * ss:
                            continue
                        if abs(-dx * sa + dy * ca) > hwe + hla * ss + hwa * cc:
                            continue
                        if abs(dx * cb + dy * sb) > hla + hle * cc + hwe * ss:
                            continue
                        if abs(-dx * sb + dy * cb) > hwa + hle * ss + hwe * cc:
                            continue
                        collides[n, t] = True
                        if first < 0:
                            first = t
                    mode_first[n, m, k] = first
                    if first >= 0:
                        mass += prob[m, k]
                survive *= 1.0 - mass
            p_out[n] = 1.0 - survive

    def build(scene: Scene) -> Any:
        N, T1 = scene.ego.shape[:2]
        M, K = scene.agents.shape[:2]
        state = (
            np.ascontiguousarray(scene.ego[..., :3]),
            scene.ego_extent,
            scene.agents,
            scene.agent_extent,
            scene.agent_prob.astype(np.float64),
            np.zeros((N, T1), bool),
            np.zeros((N, M, K), np.int32),
            np.zeros(N),
        )
        kernel(*state)  # JIT compilation is part of the build
        return state

    def query(state: Any) -> NDArray[np.int32]:
        state[5][:] = False
        kernel(*state)
        return first_step_of(state[5])

    return Peer(
        "numba loop (parallel, circle pre-test)",
        "first step, collides, agent first step, prob",
        build,
        query,
    )


def shapely_strtree_peer() -> Peer | None:
    """Per step, an STRtree over the agent modes' polygons queried with the candidates' polygons."""
    try:
        import shapely
    except ImportError:
        return None

    def polygons(boxes: NDArray[np.float32]) -> NDArray[np.object_]:
        c, s = np.cos(boxes[..., 2:3]), np.sin(boxes[..., 2:3])
        hl, hw = boxes[..., 3:4] / 2, boxes[..., 4:5] / 2
        along = np.array([1.0, -1.0, -1.0, 1.0]) * hl
        across = np.array([1.0, 1.0, -1.0, -1.0]) * hw
        x = boxes[..., 0:1] + along * c - across * s
        y = boxes[..., 1:2] + along * s + across * c
        return shapely.polygons(np.stack([x, y], -1))

    def build(scene: Scene) -> Any:
        ego = polygons(scene.ego_boxes())  # (N, T1)
        agents = polygons(scene.agent_boxes())  # (M, K, T1)
        T1 = ego.shape[1]
        trees = [shapely.STRtree(agents[..., t].ravel()) for t in range(T1)]
        return ego, trees

    def query(state: Any) -> NDArray[np.int32]:
        ego, trees = state
        N, T1 = ego.shape
        collides = np.zeros((N, T1), bool)
        for t, tree in enumerate(trees):
            pairs = tree.query(ego[:, t], predicate="intersects")
            collides[pairs[0], t] = True
        return first_step_of(collides)

    return Peer("shapely STRtree per step", "first step, collides", build, query)


def commonroad_peer(num_cells: int = 32) -> Peer | None:
    """CommonRoad Drivability Checker's batch query, uniform-grid broad phase; every agent mode
    is one time-variant obstacle."""
    try:
        import commonroad_dc.pycrcc as pycrcc
        from commonroad_dc.collision.trajectory_queries import trajectory_queries
    except ImportError:
        return None

    def objects(boxes: NDArray[np.float32]) -> list[Any]:
        out = []
        for track in boxes.reshape(-1, boxes.shape[-2], 5).astype(np.float64):
            tvo = pycrcc.TimeVariantCollisionObject(0)
            for x, y, yaw, length, width in track:
                tvo.append_obstacle(pycrcc.RectOBB(length / 2, width / 2, yaw, x, y))
            out.append(tvo)
        return out

    def build(scene: Scene) -> Any:
        return objects(scene.ego_boxes()), objects(scene.agent_boxes())

    def query(state: Any) -> NDArray[np.int32]:
        trajectories, obstacles = state
        first = trajectory_queries.trajectories_collision_dynamic_obstacles(
            trajectories, obstacles, method="grid", num_cells=num_cells
        )
        return np.asarray(first, np.int32)

    return Peer("CommonRoad DC batch query (grid)", "first step", build, query)
