"""Resource limits: inputs too large for memory raise MemoryError with a message (never an abort
or the OOM killer), and interrupted calls (KeyboardInterrupt) leave nothing corrupt behind:
planners, workspaces and thread pools keep giving the uninterrupted results, and files being
written keep their previous content."""

from __future__ import annotations

import _thread
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import trajcore
from test_planner import stopped_car_scene
from trajcore import LatticeSettings, Planner, ReferenceLine
from trajcore.sim.array_file import read_arrays, write_arrays

LINE = ReferenceLine(np.array([[0.0, 0.0], [100.0, 0.0]]))
EGO = np.array([10, 0, 0, 10, 0, 0], np.float32)
MANY = 2_000_000  # N = M = 2e6: a (N, M) result of 4e12 entries, far beyond any machine

TOO_LARGE: dict[str, Callable[[], Any]] = {
    "a reference line of 1e9 m": lambda: ReferenceLine(np.array([[0.0, 0.0], [1e9, 0.0]])),
    "a reference line of 1e30 m": lambda: ReferenceLine(np.array([[0.0, 0.0], [1e30, 0.0]])),
    "propagate_agents over 1e12 steps": lambda: trajcore.propagate_agents(
        np.zeros((10, 4), np.float32), 10**12, 0.1, "cv"
    ),
    "propagate_agents beyond int64 bytes": lambda: trajcore.propagate_agents(
        np.zeros((10, 4), np.float32), 2**62, 0.1, "cv"
    ),
    "frenet_lattice over 1e10 steps": lambda: trajcore.frenet_lattice(
        EGO, LINE, [0.0], [5.0], [3.0], 10**10, 0.1
    ),
    "a planner lattice of 1e9 candidates": lambda: Planner(
        lattice=LatticeSettings(
            lateral_offsets=list(np.linspace(-3, 3, 1000)),
            target_speeds=list(np.linspace(0, 20, 1000)),
            durations=[3.0] * 1000,
        )
    ),
    "check_collisions of 2e6 x 2e6 pairs": lambda: trajcore.check_collisions(
        np.zeros((MANY, 2, 3), np.float32),
        np.float32([4.6, 2.0]),
        np.zeros((MANY, 1, 2, 3), np.float32),
        np.ones((MANY, 2), np.float32),
    ),
}


@pytest.mark.parametrize("case", sorted(TOO_LARGE))
def test_too_large_for_memory_is_a_memory_error_with_a_message(case: str) -> None:
    with pytest.raises(MemoryError, match=r"needs [0-9.e+]+ GiB, more than this machine's"):
        TOO_LARGE[case]()
    # Nothing was left half-built: the next call works.
    np.testing.assert_allclose(
        trajcore.box_distance(np.float32([0, 0, 0, 2, 2]), np.float32([5, 0, 0, 2, 2])), 3.0
    )


@pytest.mark.skipif(sys.platform != "linux", reason="address-space limits (RLIMIT_AS) are Linux's")
def test_a_failed_allocation_is_a_memory_error_not_an_abort(tmp_path: Path) -> None:
    # 1e8 samples (about 6 GB) passes the up-front check on most machines; with the process
    # limited to 2 GiB of address space the allocation itself fails (std::bad_alloc).
    script = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        import numpy as np
        from trajcore import ReferenceLine
        try:
            ReferenceLine(np.array([[0.0, 0.0], [5e7, 0.0]]))
        except MemoryError as error:
            print("MemoryError:", error)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("MemoryError: "), run.stdout + run.stderr
    assert "GiB" in run.stdout or "could not allocate" in run.stdout


@pytest.fixture
def python_ctrl_c() -> Any:
    """Python's own Ctrl-C handler while a test interrupts itself: a library that an earlier test
    in the same worker process loaded may have replaced it (one did, in a full run), and then
    neither SIGINT nor _thread.interrupt_main raises KeyboardInterrupt."""
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def interrupt_after(seconds: float, how: Callable[[], None]) -> threading.Thread:
    def fire() -> None:
        time.sleep(seconds)
        how()

    thread = threading.Thread(target=fire, daemon=True)
    thread.start()
    return thread


def test_an_interrupted_planning_loop_leaves_the_planner_intact(python_ctrl_c: Any) -> None:
    planner = Planner()
    scene = stopped_car_scene()
    want = planner.plan(scene)
    timer = interrupt_after(0.3, _thread.interrupt_main)
    cycles = 0
    with pytest.raises(KeyboardInterrupt):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            planner.plan(scene)
            cycles += 1
    timer.join()
    assert cycles >= 1
    got = planner.plan(scene)  # the planner's lock was released and its buffers are whole
    assert got.chosen == want.chosen
    np.testing.assert_array_equal(got.trajectory, want.trajectory)
    np.testing.assert_array_equal(got.scores.total, want.scores.total)
    np.testing.assert_array_equal(got.candidates.states, want.candidates.states)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
def test_ctrl_c_during_a_long_batch_leaves_the_workspace_and_threads_intact(
    python_ctrl_c: Any,
) -> None:
    rng = np.random.default_rng(0)
    ego = rng.uniform(-50, 50, (4000, 41, 3)).astype(np.float32)
    agents = rng.uniform(-50, 50, (300, 2, 41, 3)).astype(np.float32)
    extent = np.tile(np.float32([4.5, 1.9]), (300, 1))
    args = (ego, np.float32([4.6, 2.0]), agents, extent)
    workspace = trajcore.CollisionWorkspace()
    want = trajcore.check_collisions(*args, workspace=workspace)
    started = time.monotonic()
    trajcore.check_collisions(*args, workspace=workspace)
    call = time.monotonic() - started
    timer = interrupt_after(call / 3, lambda: os.kill(os.getpid(), signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):  # delivered when the C++ call returns
        for _ in range(200):
            trajcore.check_collisions(*args, workspace=workspace)
    timer.join()
    for threads in (1, 2, trajcore.get_num_threads()):
        before = trajcore.get_num_threads()
        trajcore.set_num_threads(threads)
        try:
            got = trajcore.check_collisions(*args, workspace=workspace)
        finally:
            trajcore.set_num_threads(before)
        np.testing.assert_array_equal(got.collides, want.collides)
        np.testing.assert_array_equal(got.first_step, want.first_step)
        np.testing.assert_array_equal(got.min_clearance, want.min_clearance)


def test_an_interrupted_scene_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "scene.trajcore"
    old = {"a": np.arange(10, dtype=np.float32)}
    write_arrays(path, "scene", 1, old)

    def interrupted(self: Path, data: bytes) -> int:
        with open(self, "wb") as f:
            f.write(data[: len(data) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_bytes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_arrays(path, "scene", 1, {"a": np.zeros(1000, np.float32)})
    monkeypatch.undo()
    np.testing.assert_array_equal(read_arrays(path, "scene", 1)["a"], old["a"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.trajcore"]


def test_an_interrupted_checkpoint_keeps_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch = pytest.importorskip("torch")
    from trajcore.models import training

    path = tmp_path / "checkpoint.pt"
    training.save_atomically({"epoch": 3}, path)
    real_save = torch.save

    def interrupted(value: Any, target: Any) -> None:
        real_save(value, target)
        with open(target, "r+b") as f:
            f.truncate(10)
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        training.save_atomically({"epoch": 4}, path)
    monkeypatch.undo()
    assert torch.load(path)["epoch"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]
