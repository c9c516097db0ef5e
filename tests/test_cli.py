"""The command line runs end to end and reports what the library computes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

import trajcore
from trajcore import demo
from trajcore.synthetic import highway_scene


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trajcore.cli", *args], capture_output=True, text=True, check=False
    )


def test_demo_scene_results():
    scene = demo.highway_snapshot()
    result = demo.run(scene, throughput_pairs=1000)
    hits = [name for name, hit in zip(scene.names, result.overlap) if hit]
    assert hits == ["cut-in car, right lane"]  # the scene is built around that cut-in
    np.testing.assert_array_equal(result.distance, trajcore.box_distance(scene.ego, scene.agents))
    assert result.pairs_per_second > 0


def test_demo_command():
    done = run_cli("engine-demo", "--pairs", "20000", "--candidates", "64", "--agents", "16")
    assert done.returncode == 0, done.stderr
    assert "cut-in car, right lane" in done.stdout and "yes" in done.stdout
    assert "M pairs/s" in done.stdout and "coming next" in done.stdout
    assert "collision check: 64 candidates x 16 agents x 6 modes x 81 steps" in done.stdout
    assert "drivable candidates: Frenet lattice of 56 maneuvers x 80 steps" in done.stdout
    assert "planning cycle (generate, track, check, score" in done.stdout


def test_demo_collision_summary_matches_the_engine():
    c = demo.collisions(n_candidates=64, n_agents=16)
    s = highway_scene(64, 16, n_modes=6, steps=80)
    r = trajcore.check_collisions(
        s.ego, s.ego_extent, s.agents, s.agent_extent, s.agent_prob, s.agent_valid, swept=True
    )
    assert c.collision_free == int((r.collision_prob == 0).sum())
    assert c.safest_prob == float(r.collision_prob.min())
    assert c.query_ms > 0 and c.swept_query_ms > 0


def test_demo_drivable_candidates_match_the_engine():
    g = demo.drivable_candidates(n_candidates=200, n_agents=16)
    s = highway_scene(1, 16, n_modes=6, steps=80)
    lane = trajcore.ReferenceLine(np.array([[-50.0, 3.7], [500.0, 3.7]]), smoothing=0.0)
    offsets = np.linspace(-3.7, 3.7, 7)
    speeds = np.linspace(0.0, 25.0, 7)  # round(200 / 28)
    lattice = trajcore.frenet_lattice(s.ego[0, 0], lane, offsets, speeds, [3, 4.5, 6, 8], 80, 0.1)
    r = trajcore.check_collisions(
        lattice.states,
        s.ego_extent,
        s.agents,
        s.agent_extent,
        s.agent_prob,
        s.agent_valid,
        swept=True,
    )
    assert g.candidates == 196 and g.steps == 80 and g.generate_ms > 0
    assert g.at_limit == int(np.any(lattice.saturation != 0, axis=1).sum())
    assert g.collision_free == int((r.collision_prob == 0).sum())
    assert g.best_prob == float(r.collision_prob.min())
    assert (g.best_offset, g.best_speed) == (lattice.offsets[g.best], lattice.target_speeds[g.best])


def test_demo_planning_cycle_is_the_planners_choice():
    p = demo.planning_cycle(n_agents=16)
    assert p.candidates == 160 and sum(p.reasons.values()) == 160
    assert p.reasons["chosen"] == 1 and p.cycle_ms > 0
    assert 0 < p.total <= 1


def test_info_command():
    done = run_cli("info")
    assert done.returncode == 0, done.stderr
    assert f"trajcore {trajcore.__version__}" in done.stdout
    assert "CPU: every function runs here" in done.stdout
    gpu = next(line for line in done.stdout.splitlines() if line.startswith("GPU:"))
    if not trajcore.built_with_cuda():
        assert "no CUDA backend" in gpu
    elif trajcore.cuda_device_count() == 0:
        assert gpu.startswith("GPU: none usable here") and "box_overlap" in done.stdout
    else:
        assert "CUDA device(s)" in gpu


def test_bad_arguments_exit_with_usage():
    done = run_cli("engine-demo", "--pairs", "0")
    assert done.returncode == 2 and "--pairs is 0, expected at least 1" in done.stderr
