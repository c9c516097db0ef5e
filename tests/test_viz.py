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
    # Shown in the frame of the drive: its start at the origin, its end on the x axis ahead.
    shown = (planner_line.get_transform() - top.transData).transform(planner_line.get_xydata())
    assert np.allclose(shown[0], 0.0, atol=1e-6)
    assert shown[-1, 0] > 0 and abs(shown[-1, 1]) < 1e-4 * shown[-1, 0]
    assert fig.get_size_inches()[0] * fig.dpi >= 1280
    assert [t.get_text() for t in top.get_legend().get_texts()] == [
        "logged human",
        "planner",
        "other agents",
    ]
    plt.close(fig)


def fake_records(planner: str, totals: list[float], gaps: list[float]) -> list[dict]:
    metrics = ("no_collision", "drivable_area", "driving_direction", "progress", "ttc")
    metrics += ("traffic_light", "making_progress")
    records = []
    for i, (total, gap) in enumerate(zip(totals, gaps)):
        drive = {m: 1.0 for m in metrics} | {"total": total, "comfort": 0.5, "speed_limit": 0.9}
        human = {m: 1.0 for m in metrics} | {"total": 0.8, "comfort": 0.0, "speed_limit": 1.0}
        records.append(
            {
                "scenario": f"S{i}",
                "planner_name": planner,
                "planner": drive | {"min_gap_m": gap},
                "human": human | {"min_gap_m": 1.5},
            }
        )
    return records


def test_evaluation_figure_writes_every_scenarios_numbers() -> None:
    results = {
        "trajcore": fake_records("trajcore", [0.9, 0.5, 0.7], [2.5, 0.4, 1.0]),
        "pdm_closed": fake_records("pdm_closed", [0.8, 0.6, 0.1], [3.0, 0.2, 0.9]),
    }
    results["trajcore"].append({"scenario": "broken", "error": "ValueError: no"})
    results["pdm_closed"].append({"scenario": "broken", "error": "ValueError: no"})
    fig = viz.evaluation_figure(results, "test folder")
    ax = fig.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == ["mean", "S0", "S1", "S2"]  # the failed recording left out
    from matplotlib.text import Annotation

    numbers = [t for t in ax.texts if not isinstance(t, Annotation)]
    cells = {
        (round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in numbers
    }
    drivers, metrics = 3, len(viz.SUMMARY_METRICS)
    assert len(cells) == 4 * drivers * metrics
    total, gap = 0, viz.SUMMARY_METRICS.index("min_gap_m") * drivers
    assert [cells[(r, total)] for r in (1, 2, 3)] == ["0.90", "0.50", "0.70"]
    assert [cells[(r, total + 1)] for r in (1, 2, 3)] == ["0.80", "0.60", "0.10"]
    assert cells[(0, total)] == "0.70" and cells[(0, total + 2)] == "0.80"  # means
    assert [cells[(r, gap)] for r in (1, 2, 3)] == ["2.50", "0.40", "1.00"]
    # Colours: a gap of SUMMARY_GAP_SCALE or more is as green as a score of 1.
    image = ax.get_images()[0].get_array()
    assert image[1, gap] == 1.0 and image[2, gap] == 0.4 / viz.SUMMARY_GAP_SCALE
    headers = [t.get_text() for t in ax.texts if isinstance(t, Annotation)]
    assert headers[0] == "total" and headers[-1] == "min gap (m)" and len(headers) == metrics
    assert "test folder" in fig._suptitle.get_text()
    plt.close(fig)
