"""Reactive agents for closed-loop replay: each vehicle keeps to its logged path and appears and
disappears when its log does, but its speed along the path follows the Intelligent Driver Model
behind whatever is ahead of it (the ego included), so it brakes for a planner that cuts in or
slows down in front of it. Replay advances vehicles only; pedestrians, bicycles and objects
replay their logs (nuPlan's reactive agents likewise drive vehicles by IDM and replay the rest)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..generators import IdmParams

#: Metres each path goes on straight past its log's last pose: an agent the model lets drive
#: faster than its log would otherwise stop dead at the log's end, its speed still set.
PATH_AHEAD = 100.0

#: Objects count as ahead when within this many metres of the agent's path laterally, beyond
#: half their widths.
LATERAL_MARGIN = 0.3


@dataclass
class IdmAgents:
    """Path and speed of each agent: ``advance`` moves them one step."""

    paths: list[NDArray[np.float64]]  # per agent: (P, 4) s, x, y, yaw (unwrapped) of its log,
    # then PATH_AHEAD straight on
    s: NDArray[np.float64]  # (M,) position along the path
    v: NDArray[np.float64]  # (M,) speed
    v_desired: NDArray[np.float64]  # (M,) the fastest the log ever went
    params: IdmParams

    @classmethod
    def from_log(
        cls, states: NDArray[np.float64], valid: NDArray[np.bool_], params: IdmParams
    ) -> IdmAgents:
        paths, s0, v0, vmax = [], [], [], []
        for track, ok in zip(states, valid):
            xy = track[ok, :2] if ok.any() else np.zeros((1, 2))
            yaw = np.unwrap(track[ok, 2]) if ok.any() else np.zeros(1)
            heading = np.array([math.cos(yaw[-1]), math.sin(yaw[-1])])
            xy = np.vstack([xy, xy[-1] + PATH_AHEAD * heading])
            yaw = np.append(yaw, yaw[-1])
            s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
            paths.append(np.column_stack([s, xy, yaw]))
            speed = np.hypot(track[ok, 3], track[ok, 4]) if ok.any() else np.zeros(1)
            s0.append(0.0)
            v0.append(float(speed[0]))
            vmax.append(max(float(speed.max()), 1.0))
        return cls(paths, np.array(s0), np.array(v0), np.array(vmax), params)

    def pose(self, i: int) -> tuple[float, float, float]:
        path = self.paths[i]
        s = min(max(self.s[i], 0.0), path[-1, 0])
        return (
            float(np.interp(s, path[:, 0], path[:, 1])),
            float(np.interp(s, path[:, 0], path[:, 2])),
            float(np.interp(s, path[:, 0], path[:, 3])),
        )

    def advance(
        self,
        dt: float,
        present: NDArray[np.bool_],
        extent: NDArray[np.float64],
        others: NDArray[np.float64],
        other_extent: NDArray[np.float64],
    ) -> None:
        """One step of the agents marked ``present``; ``others`` (O, 4) x, y, yaw, speed and
        ``other_extent`` (O, 2) are every object they can follow (agents and the ego)."""
        p = self.params
        for i in np.flatnonzero(present):
            x, y, yaw = self.pose(int(i))
            c, s = math.cos(yaw), math.sin(yaw)
            dx, dy = others[:, 0] - x, others[:, 1] - y
            lon, lat = c * dx + s * dy, -s * dx + c * dy
            ahead = (lon > 1e-3) & (
                np.abs(lat) < (extent[i, 1] + other_extent[:, 1]) / 2 + LATERAL_MARGIN
            )
            v = self.v[i]
            free = 1.0 - (v / self.v_desired[i]) ** p.exponent
            if ahead.any():
                gaps = lon[ahead] - (extent[i, 0] + other_extent[ahead, 0]) / 2
                j = int(np.argmin(gaps))
                gap = max(float(gaps[j]), 0.1)
                lead_v = float(others[ahead][j, 3] * math.cos(others[ahead][j, 2] - yaw))
                wanted = (
                    p.min_gap
                    + v * p.headway
                    + v * (v - lead_v) / (2 * math.sqrt(p.max_acceleration * p.comfortable_braking))
                )
                free -= (max(wanted, 0.0) / gap) ** 2
            a = max(p.max_acceleration * free, -9.0)  # no harder than an emergency stop
            v_next = max(v + a * dt, 0.0)
            self.s[i] = min(self.s[i] + (v + v_next) / 2 * dt, self.paths[i][-1, 0])
            self.v[i] = v_next
