"""Plots with matplotlib, for notebooks and the demo: a scene (lanes, agents, the ego), the
predicted modes shaded by probability, a plan (candidates coloured by score, the chosen one
drawn on top), a replay's summary (paths, speeds, metrics of planner and human) and an animation
of a replay. Every function draws on a given Axes (or makes a Figure) and returns it."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .road_map import Lane
from .sim.replay import METRICS

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
    return ax.legend(handles=handles, **{"loc": "upper left", "fontsize": 9, **kwargs})


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
    ax.set_xlabel("along the ego's heading (m)", fontsize=10)
    ax.set_ylabel("to its left (m)", fontsize=10)
    brake = " emergency brake" if getattr(step.result, "emergency_brake", False) else ""
    ax.set_title(
        f"{frame.name}  t = {frame.step * frame.dt:.1f} s  v = {float(frame.ego_state[3]):.1f} m/s"
        f"  {len(np.asarray(step.result.reasons))} candidates{brake}",
        fontsize=12,
    )
    if legend:
        step_legend(ax)
    return ax


def scene_figure(scenario: Any, step: Any, *, width: float = 12.8) -> Any:
    """A Figure of :func:`plot_step` with a colour bar of the candidates' scores."""
    plt = _pyplot()
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    fig, ax = plt.subplots(figsize=(width, width * 0.36), dpi=100, layout="constrained")
    plot_step(ax, scenario, step)
    fig.colorbar(
        ScalarMappable(Normalize(0, 1), colormaps["viridis"]),
        ax=ax,
        label="candidate score (0 to 1)",
        fraction=0.025,
        pad=0.01,
    )
    return fig


def replay_figure(scenario: Any, result: Any) -> Any:
    """A replay's summary: both drives on the map (turned so that the drive runs left to right,
    whatever the road's direction), their speeds, the smallest gap to an agent over time, and
    nuPlan's metrics with their values."""
    from .sim.replay import agent_gaps

    plt = _pyplot()
    planner, human = result.planner.states, result.human.states
    # The map in the frame of the drive: its start at the origin, its overall direction along x.
    both = np.vstack([human[:, :2], planner[:, :2]]).astype(np.float64)
    x0, y0 = (float(v) for v in planner[0, :2])
    chord = planner[-1, :2].astype(np.float64) - planner[0, :2]
    heading = math.atan2(chord[1], chord[0]) if np.hypot(*chord) > 1.0 else float(planner[0, 2])
    c, s = math.cos(heading), math.sin(heading)
    local = (both - [x0, y0]) @ np.array([[c, -s], [s, c]])
    margin = np.array([15.0, 0.0])  # metres before the start and past the end
    low, high = local.min(axis=0) - margin, local.max(axis=0) + margin
    middle, half = (low[1] + high[1]) / 2, max((high[1] - low[1]) / 2 + 8.0, 12.0)
    span = high[0] - low[0]
    map_height = float(np.clip(12.2 * 2 * half / span, 2.2, 6.0))
    fig, (top, speed, gap, bars) = plt.subplots(
        4,
        1,
        figsize=(12.8, map_height + 9.0),
        dpi=100,
        gridspec_kw={"height_ratios": [map_height, 2.4, 2.4, 3.0]},
        layout="constrained",
    )
    plot_lanes(top, scenario.lanes, scenario.drivable_areas)
    for i in range(result.agent_states.shape[0]):
        ok = result.agent_valid[i]
        top.plot(*result.agent_states[i, ok, :2].T, color=AGENT_COLOUR, lw=0.8, alpha=0.5)
    top.plot(*human[:, :2].T, color=HUMAN_COLOUR, lw=4.5, alpha=0.7, zorder=4, label="logged human")
    top.plot(*planner[:, :2].T, color=EGO_COLOUR, lw=1.8, zorder=5, label="planner")
    for states, colour in ((human, HUMAN_COLOUR), (planner, EGO_COLOUR)):
        top.plot(*states[-1, :2], marker="o", color=colour, ms=6, zorder=6)
    follow(top, x0, y0, heading)
    top.set_xlim(low[0], high[0])
    top.set_ylim(middle - half, middle + half)
    from matplotlib.lines import Line2D

    top.legend(
        handles=[
            Line2D([], [], color=HUMAN_COLOUR, lw=4.5, alpha=0.7, label="logged human"),
            Line2D([], [], color=EGO_COLOUR, lw=1.8, label="planner"),
            Line2D([], [], color=AGENT_COLOUR, lw=0.8, alpha=0.6, label="other agents"),
        ],
        loc="upper left",
        fontsize=9,
        ncols=3,
    )
    top.set_xlabel("along the drive from its start (m)", fontsize=10)
    top.set_ylabel("to its left (m)", fontsize=10)
    who = "the recording's ego" if result.ego == "ego" else f"agent {result.ego}"
    mode = "reactive" if getattr(result, "reactive", False) else "logged"
    top.set_title(
        f"{result.scenario}: the planner drives {who} for {result.steps * result.dt:.1f} s "
        f"({mode} agents)",
        fontsize=12,
    )
    t = (result.start + np.arange(result.steps + 1)) * result.dt
    speed.plot(t, result.human.states[:, 3], color=HUMAN_COLOUR, label="logged human")
    speed.plot(t, result.planner.states[:, 3], color=EGO_COLOUR, label="planner")
    speed.set_xlabel("t (s)", fontsize=10)
    speed.set_ylabel("speed (m/s)", fontsize=10)
    speed.set_title("speed", fontsize=11)
    speed.legend(fontsize=9)
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
    gap.set_xlabel("t (s)", fontsize=10)
    gap.set_ylabel("gap (m)", fontsize=10)
    gap.set_title("smallest gap to any agent (box to box; below 0: contact)", fontsize=11)
    gap.legend(fontsize=9)
    names = list(result.planner.scores)
    x = np.arange(len(names))
    for offset, drive, colour, label in (
        (-0.2, result.planner, EGO_COLOUR, "planner"),
        (0.2, result.human, HUMAN_COLOUR, "logged human"),
    ):
        values = [drive.scores[n] for n in names]
        drawn = bars.bar(x + offset, values, 0.4, color=colour, label=label)
        bars.bar_label(drawn, fmt="%.2f", fontsize=9, padding=2)
    bars.set_xticks(x, [n.replace("_", "\n") for n in names], fontsize=10)
    bars.set_ylim(0, 1.3)
    bars.set_ylabel("score", fontsize=10)
    bars.set_title("nuPlan closed-loop metrics (1 is best)", fontsize=11)
    bars.legend(fontsize=9, loc="upper right", ncols=2)
    return fig


def animate_replay(
    scenario: Any, steps: Sequence[Any], path: str | Path, *, every: int = 2, fps: int = 10
) -> Path:
    """A GIF (or .mp4 where ffmpeg is installed) of the replay's steps (StepRecords), one frame
    every ``every`` steps."""
    plt = _pyplot()
    from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter

    path = Path(path)
    fig, ax = plt.subplots(figsize=(12.8, 5.0), dpi=100)  # 1280 x 500 pixels
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.11, top=0.92)
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


#: The closed-loop summary's columns: the replay's nuPlan metrics, then the smallest gap kept (m).
SUMMARY_METRICS = (*METRICS, "min_gap_m")
#: Gaps at or above this many metres are coloured as fully safe.
SUMMARY_GAP_SCALE = 2.0


def evaluation_figure(results: Mapping[str, Sequence[dict[str, Any]]], title: str = "") -> Any:
    """The closed-loop summary of a ``trajcore evaluate`` run: one row per scenario (the mean
    first), per metric one column for each planner and one for the logged human, every cell
    coloured by its value (red 0, green 1; gaps by ``SUMMARY_GAP_SCALE`` metres) with the number
    written in it. ``results`` maps each planner's name to its per-scenario records
    (``trajcore.sim.fleet.run_job``); recordings that failed to replay are left out."""
    plt = _pyplot()
    from matplotlib import colormaps

    names = list(results)
    first = results[names[0]]
    rows = [i for i, r in enumerate(first) if all("error" not in results[n][i] for n in names)]
    drivers = [*names, "human"]
    labels = ["mean", *(str(first[i]["scenario"]) for i in rows)]
    values = np.full((len(rows) + 1, len(SUMMARY_METRICS) * len(drivers)), np.nan)
    for r, i in enumerate(rows, start=1):
        for m, metric in enumerate(SUMMARY_METRICS):
            for d, driver in enumerate(drivers):
                record = first[i]["human"] if driver == "human" else results[driver][i]["planner"]
                values[r, m * len(drivers) + d] = float(record[metric])
    finite = np.where(np.isfinite(values[1:]), values[1:], np.nan)  # no agents: an infinite gap
    with warnings.catch_warnings():  # a column without a finite value has no mean: left blank
        warnings.simplefilter("ignore", RuntimeWarning)
        values[0] = np.nanmean(finite, axis=0) if len(rows) else np.nan
    gap_columns = slice((len(SUMMARY_METRICS) - 1) * len(drivers), None)
    colours = values.copy()
    colours[:, gap_columns] = np.clip(values[:, gap_columns] / SUMMARY_GAP_SCALE, 0.0, 1.0)

    cols = values.shape[1]
    fig, ax = plt.subplots(
        figsize=(3.0 + 0.62 * cols, 2.2 + 0.26 * len(labels)), dpi=110, layout="constrained"
    )
    image = ax.imshow(
        colours, cmap=colormaps["RdYlGn"], vmin=0.0, vmax=1.0, aspect="auto", interpolation="none"
    )
    for r in range(len(labels)):
        for c in range(cols):
            v = values[r, c]
            text = "-" if not np.isfinite(v) else f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"
            ax.text(
                c,
                r,
                text,
                ha="center",
                va="center",
                fontsize=7.5,
                fontweight="bold" if r == 0 else "normal",
                color="white" if colours[r, c] < 0.15 else "black",  # legible on dark red
            )
    short = {"trajcore": "tc", "pdm_closed": "pdm", "human": "hum"}
    ax.set_xticks(
        range(cols), [short.get(d, d) for _ in SUMMARY_METRICS for d in drivers], fontsize=8
    )
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False)
    for m, metric in enumerate(SUMMARY_METRICS):
        centre = m * len(drivers) + (len(drivers) - 1) / 2
        name = "min gap (m)" if metric == "min_gap_m" else metric.replace("_", " ")
        ax.annotate(
            name,
            (centre, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 18),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9,
            fontweight="bold",
        )
        if m:
            ax.axvline(m * len(drivers) - 0.5, color="white", lw=3)
    ax.axhline(0.5, color="black", lw=1.2)
    legend = ", ".join(
        f"{short.get(d, d)} = {'logged human' if d == 'human' else d}" for d in drivers
    )
    fig.suptitle(f"{title}\n{legend}" if title else legend, fontsize=10)
    fig.colorbar(
        image,
        ax=ax,
        fraction=0.02,
        pad=0.01,
        label=f"score (gap: metres / {SUMMARY_GAP_SCALE:g}, capped at 1)",
    )
    return fig
