"""trajcore.viz draws what it is given: boxes at trajcore's corners, every candidate of a plan
with the chosen one on top, the probable modes only, and whole replays."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import trajcore
from trajcore import viz
from trajcore.sim import ConstantVelocityPredictor, replay, replay_planner
from trajcore.sim.highway import highway_merge_scenario


def test_boxes_are_trajcores_boxes(rng: np.random.Generator) -> None:
    poses = np.column_stack([rng.uniform(-20, 20, (5, 2)), rng.uniform(-3, 3, 5)])
    extents = rng.uniform(1.5, 6.0, (5, 2))
    fig, ax = plt.subplots()
    viz.plot_boxes(ax, poses, extents)
    drawn = np.array([patch.get_xy()[:4] for patch in ax.patches])
    corners = trajcore.box_corners(np.column_stack([poses, extents]).astype(np.float32))
    for box, expected in zip(drawn, corners):  # the same four corners, in some order
        gaps = np.hypot(*(box[:, None] - expected[None]).transpose(2, 0, 1))
        assert gaps.min(axis=1).max() < 1e-4
    plt.close(fig)


def test_plan_steps_and_replays_are_drawn() -> None:
    scenario = highway_merge_scenario()
    steps = []
    result = replay(
        scenario,
        None,
        replay_planner(),
        ConstantVelocityPredictor(),
        max_steps=4,
        on_step=steps.append,
    )
    step = steps[-1]
    fig, ax = plt.subplots()
    viz.plot_plan(ax, step.result)
    lines = ax.get_lines()
    assert len(lines) == len(step.result.candidates.offsets) + 1
    np.testing.assert_array_equal(lines[-1].get_xydata(), step.result.trajectory[:, :2])
    assert lines[-1].get_label() == "chosen plan"
    plt.close(fig)

    fig, ax = plt.subplots()
    prob = np.zeros((1, 3), np.float32)
    prob[0] = [0.7, 0.295, 0.005]
    viz.plot_predictions(ax, step.agents[:1, :3], prob, np.array([True]))
    assert len(ax.get_lines()) == 2  # the 0.5 % mode is left out
    alphas = [line.get_alpha() for line in ax.get_lines()]
    assert alphas[0] > alphas[1]
    plt.close(fig)

    fig = viz.scene_figure(scenario, step)
    assert "t = " in fig.axes[0].get_title()
    plt.close(fig)
    fig = viz.replay_figure(scenario, result)
    top = fig.axes[0]
    planner_line = next(line for line in top.get_lines() if line.get_label() == "planner")
    np.testing.assert_array_equal(planner_line.get_xydata(), result.planner.states[:, :2])
    plt.close(fig)
