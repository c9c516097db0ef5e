"""The thread pool: results do not depend on the thread count; concurrent callers are safe."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest

import trajcore
from conftest import random_boxes


@pytest.fixture
def restore_threads():
    before = trajcore.get_num_threads()
    yield
    trajcore.set_num_threads(before)


def run_all(a, b):
    return (
        trajcore.box_overlap(a, b),
        trajcore.box_distance(a, b),
        trajcore.box_corners(a),
        trajcore.box_distance(a[:, None, :][:200], b[None, :300]),
    )


@pytest.mark.usefixtures("restore_threads")
def test_bitwise_identical_for_any_thread_count(rng):
    a, b = random_boxes(rng, 300_001), random_boxes(rng, 300_001)
    trajcore.set_num_threads(1)
    reference = run_all(a, b)
    for n in (2, 3, 8):
        trajcore.set_num_threads(n)
        assert trajcore.get_num_threads() == n
        for got, want in zip(run_all(a, b), reference):
            assert got.tobytes() == want.tobytes()


@pytest.mark.usefixtures("restore_threads")
def test_concurrent_python_threads(rng):
    trajcore.set_num_threads(2)
    a, b = random_boxes(rng, 100_000), random_boxes(rng, 100_000)
    reference = trajcore.box_distance(a, b)
    results: list[np.ndarray] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(trajcore.box_distance(a, b))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 40
    for r in results:
        assert r.tobytes() == reference.tobytes()


@pytest.mark.skipif(sys.platform != "linux", reason="fork semantics checked on Linux")
@pytest.mark.usefixtures("restore_threads")
def test_pool_works_in_forked_child(rng):
    trajcore.set_num_threads(2)
    a, b = random_boxes(rng, 50_000), random_boxes(rng, 50_000)
    reference = trajcore.box_distance(a, b)  # the parent's pool is running now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: the parent's workers do not exist here
        os.close(read)
        ok = trajcore.box_distance(a, b).tobytes() == reference.tobytes()
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert status == 0
