"""Plots with matplotlib, for notebooks and the demo: a scene (lanes, agents, the ego), the
predicted modes shaded by probability, a plan (candidates coloured by score, the chosen one
drawn on top), a replay's summary (paths, speeds, metrics of planner and human) and an animation
of a replay. Every function draws on a given Axes (or makes a Figure) and returns it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .road_map import Lane

EGO_COLOUR = "#d62728"
AGENT_COLOUR = "#1f77b4"
HUMAN_COLOUR = "#7f7f7f"


def _pyplot() -> Any:
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def plot_lanes(ax: Any, lanes: Sequence[Lane], drivable_areas: Sequence[Any] = ()) -> Any:
    """Lane surfaces (light grey), boundaries (grey) and centrelines (dashed)."""
    from matplotlib.patches import Polygon

    for area in drivable_areas:
        ax.add_patch(Polygon(np.asarray(area), closed=True, color="#eeeeee", zorder=0))
    for lane in lanes:
        left, right = np.asarray(lane.left), np.asarray(lane.right)
        ax.add_patch(
            Polygon(np.vstack([left, right[::-1]]), closed=True, color="#e8e8e8", zorder=0, lw=0)
        )
        for side in (left, right):
            ax.plot(side[:, 0], side[:, 1], color="#9a9a9a", lw=0.8, zorder=1)
        centre = np.asarray(lane.centerline)
        ax.plot(centre[:, 0], centre[:, 1], color="#c8c8c8", lw=0.6, ls="--", zorder=1)
    ax.set_aspect("equal")
    return ax


def plot_boxes(
    ax: Any,
    poses: NDArray[Any],
    extents: NDArray[Any],
    *,
    colour: str = AGENT_COLOUR,
    labels: Sequence[str] | None = None,
    alpha: float = 0.85,
) -> Any:
    """Boxes at (N, 3) poses x, y, yaw with (N, 2) length, width; a tick marks each front."""
    from matplotlib.patches import Polygon

    for i, ((x, y, yaw), (length, width)) in enumerate(zip(poses, extents)):
        c, s = math.cos(yaw), math.sin(yaw)
        corners = np.array([[1, 1], [1, -1], [-1, -1], [-1, 1]]) * [length / 2, width / 2]
        xy = corners @ np.array([[c, s], [-s, c]]) + [x, y]
        ax.add_patch(Polygon(xy, closed=True, color=colour, alpha=alpha, zorder=5, lw=0))
        ax.plot([x, x + c * length / 2], [y, y + s * length / 2], color="white", lw=1, zorder=6)
        if labels is not None:
            ax.annotate(labels[i], (x, y + width), fontsize=6, ha="center", zorder=7)
    return ax


def plot_predictions(
    ax: Any, agents: NDArray[Any], prob: NDArray[Any] | None, valid: NDArray[Any] | None
) -> Any:
    """(M, K, T+1, 3) predicted poses, each mode's line as opaque as it is probable (modes
    below 1 % are left out)."""
    m, k = agents.shape[:2]
    prob = np.full((m, k), 1.0 / k) if prob is None else np.asarray(prob)
    for i in range(m):
        if valid is not None and not valid[i]:
            continue
        for mode in range(k):
            if prob[i, mode] < 0.01:
                continue
            line = agents[i, mode]
            ax.plot(
                line[:, 0],
                line[:, 1],
                color=AGENT_COLOUR,
                lw=1.2,
                zorder=3,
                alpha=float(np.clip(0.15 + 1.5 * prob[i, mode], 0.15, 1.0)),
            )
    return ax


def plot_plan(ax: Any, result: Any, *, max_candidates: int = 400) -> Any:
    """A :class:`trajcore.PlanResult`: candidates coloured by total score (viridis, 0 to 1),
    the chosen one in red."""
    from matplotlib import colormaps

    states = np.asarray(result.candidates.states)
    total = np.asarray(result.scores.total).reshape(-1)
    order = np.argsort(total)  # best drawn last
    if len(order) > max_candidates:
        order = order[np.linspace(0, len(order) - 1, max_candidates).astype(int)]
    cmap = colormaps["viridis"]
    for n in order:
        ax.plot(
            states[n, :, 0],
            states[n, :, 1],
            color=cmap(float(np.clip(total[n], 0, 1))),
            lw=0.6,
            alpha=0.6,
            zorder=2,
        )
    chosen = np.asarray(result.trajectory)
    ax.plot(chosen[:, 0], chosen[:, 1], color=EGO_COLOUR, lw=2.4, zorder=4, label="chosen plan")
    return ax


def follow(ax: Any, x: float, y: float, yaw: float) -> Any:
    """Show everything drawn on ``ax`` so far in the frame of a pose: (x, y) at the origin, the
    heading pointing right, whatever the road's direction. Axis units stay metres."""
    from matplotlib.transforms import Affine2D

    transform = Affine2D().translate(-x, -y).rotate(-yaw) + ax.transData
    for artist in (*ax.lines, *ax.patches, *ax.collections, *ax.texts):
        artist.set_transform(transform)
    return ax


def step_legend(ax: Any, **kwargs: Any) -> Any:
    """The legend of :func:`plot_step`: the ego, the agents, their modes, the candidates and the
    chosen plan."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(color=EGO_COLOUR, label="ego"),
        Patch(color=AGENT_COLOUR, alpha=0.85, label="agents"),
        Line2D([], [], color=AGENT_COLOUR, lw=1.2, alpha=0.9, label="predicted modes (opacity: p)"),
        Line2D([], [], color="#3b528b", lw=0.8, label="candidates (colour: score)"),
        Line2D([], [], color=EGO_COLOUR, lw=2.4, label="chosen plan"),
    ]
    return ax.legend(handles=handles, **{"loc": "upper left", "fontsize": 7, **kwargs})


def plot_step(
    ax: Any,
    scenario: Any,
    step: Any,
    *,
    ego_extent: Sequence[float] | None = None,
    window: float = 60.0,
    legend: bool = True,
) -> Any:
    """One replay step (a :class:`trajcore.sim.StepRecord`): lanes, the agents' current boxes,
    their predicted modes with their probabilities, the candidates and the chosen plan, the ego;
    in the ego's frame (its heading to the right, :func:`follow`), from 0.4 ``window`` behind it
    to 1.2 ``window`` ahead."""
    frame = step.frame
    plot_lanes(ax, scenario.lanes, scenario.drivable_areas)
    plot_predictions(ax, step.agents, step.agent_prob, step.agent_valid)
    plot_plan(ax, step.result)
    now = frame.agent_history[:, -1]
    plot_boxes(ax, now[:, :3], frame.agent_extent)
    extent = frame.ego_extent if ego_extent is None else ego_extent
    plot_boxes(ax, frame.ego_state[None, :3], np.asarray([extent]), colour=EGO_COLOUR)
    x, y, yaw = (float(v) for v in frame.ego_state[:3])
    follow(ax, x, y, yaw)
    ax.set_xlim(-window * 0.4, window * 1.2)
    ax.set_ylim(-window * 0.25, window * 0.25)
    ax.set_xlabel("along the ego's heading (m)")
    ax.set_ylabel("to its left (m)")
    brake = " emergency brake" if getattr(step.result, "emergency_brake", False) else ""
    ax.set_title(
        f"{frame.name}  t = {frame.step * frame.dt:.1f} s  v = {float(frame.ego_state[3]):.1f} m/s"
        f"{brake}",
        fontsize=9,
    )
    if legend:
        step_legend(ax)
    return ax


def scene_figure(scenario: Any, step: Any, *, width: float = 11.0) -> Any:
    """A Figure of :func:`plot_step` with a colour bar of the candidates' scores."""
    plt = _pyplot()
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    fig, ax = plt.subplots(figsize=(width, width * 0.42), dpi=110)
    plot_step(ax, scenario, step)
    fig.colorbar(
        ScalarMappable(Normalize(0, 1), colormaps["viridis"]),
        ax=ax,
        label="candidate score",
        fraction=0.025,
        pad=0.01,
    )
    fig.tight_layout()
    return fig


def replay_figure(scenario: Any, result: Any) -> Any:
    """A replay's summary: both drives on the map, their speeds, the smallest gap to an agent over
    time, and nuPlan's metrics."""
    from .sim.replay import agent_gaps

    plt = _pyplot()
    fig, (top, speed, gap, bars) = plt.subplots(
        4, 1, figsize=(10, 11), dpi=100, gridspec_kw={"height_ratios": [2, 1, 1, 1.2]}
    )
    plot_lanes(top, scenario.lanes, scenario.drivable_areas)
    for states, colour, label in (
        (result.human.states, HUMAN_COLOUR, "logged human"),
        (result.planner.states, EGO_COLOUR, "planner"),
    ):
        top.plot(states[:, 0], states[:, 1], color=colour, lw=2, label=label, zorder=4)
    for i in range(result.agent_states.shape[0]):
        ok = result.agent_valid[i]
        top.plot(*result.agent_states[i, ok, :2].T, color=AGENT_COLOUR, lw=0.8, alpha=0.5)
    both = np.vstack([result.human.states[:, :2], result.planner.states[:, :2]])
    low, high = both.min(axis=0) - 20, both.max(axis=0) + 20
    top.set_xlim(low[0], high[0])
    top.set_ylim(low[1], high[1])
    top.legend(loc="upper left", fontsize=8)
    top.set_xlabel("x (m)")
    top.set_ylabel("y (m)")
    top.set_title(f"{result.scenario}: ego {result.ego}, {result.steps} steps", fontsize=10)
    t = (result.start + np.arange(result.steps + 1)) * result.dt
    speed.plot(t, result.human.states[:, 3], color=HUMAN_COLOUR, label="logged human")
    speed.plot(t, result.planner.states[:, 3], color=EGO_COLOUR, label="planner")
    speed.set_xlabel("t (s)")
    speed.set_ylabel("speed (m/s)")
    speed.legend(fontsize=8)
    if result.ego == "ego":
        extent = np.asarray(scenario.ego_extent)
    else:
        extent = np.asarray(scenario.agent_extent[scenario.agent_id.index(result.ego)])
    window = slice(result.start, result.start + result.steps + 1)
    extents = scenario.agent_extent[result.agent_index]
    logged = scenario.agent_states[result.agent_index, window]
    for states, agents, colour, label in (
        (result.human.states, logged, HUMAN_COLOUR, "logged human"),
        (result.planner.states, result.agent_states, EGO_COLOUR, "planner"),
    ):
        series = agent_gaps(states, extent, agents, extents, result.agent_valid).min(0)
        gap.plot(t, np.where(np.isfinite(series), series, np.nan), color=colour, label=label)
    gap.axhline(0.0, color="black", lw=0.6)
    gap.set_ylim(bottom=min(-0.5, float(gap.get_ylim()[0])))
    gap.set_xlabel("t (s)")
    gap.set_ylabel("smallest gap to an agent (m)")
    gap.legend(fontsize=8)
    names = list(result.planner.scores)
    x = np.arange(len(names))
    for offset, drive, colour, label in (
        (-0.2, result.planner, EGO_COLOUR, "planner"),
        (0.2, result.human, HUMAN_COLOUR, "logged human"),
    ):
        values = [drive.scores[n] for n in names]
        drawn = bars.bar(x + offset, values, 0.4, color=colour, label=label)
        bars.bar_label(drawn, fmt="%.2f", fontsize=7, padding=1)
    bars.set_xticks(x, [n.replace("_", "\n") for n in names], fontsize=8)
    bars.set_ylim(0, 1.35)
    bars.set_ylabel("nuPlan closed-loop score")
    bars.legend(fontsize=8, loc="upper right", ncols=2)
    fig.tight_layout()
    return fig


def animate_replay(
    scenario: Any, steps: Sequence[Any], path: str | Path, *, every: int = 2, fps: int = 10
) -> Path:
    """A GIF (or .mp4 where ffmpeg is installed) of the replay's steps (StepRecords), one frame
    every ``every`` steps."""
    plt = _pyplot()
    from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter

    path = Path(path)
    fig, ax = plt.subplots(figsize=(12, 4.6), dpi=100)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.12, top=0.92)
    chosen = list(steps)[::every]

    def draw(i: int) -> list[Any]:
        ax.clear()
        plot_step(ax, scenario, chosen[i])
        return []

    animation = FuncAnimation(fig, draw, frames=len(chosen), blit=False)
    writer = FFMpegWriter(fps=fps) if path.suffix == ".mp4" else PillowWriter(fps=fps)
    animation.save(str(path), writer=writer)
    plt.close(fig)
    return path
