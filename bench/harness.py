"""Benchmark harness: medians over repeats, each figure next to baselines from the same run.

Every benchmark prints a table and can write JSON (--json PATH) with the raw timings, the
machine, and the library build, so figures can be compared between runs and machines.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass
class Measurement:
    name: str
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> float:
        """Interquartile range over the median: how noisy the figure is."""
        if len(self.seconds) < 4:
            return 0.0
        q = statistics.quantiles(self.seconds, n=4)
        return (q[2] - q[0]) / self.median


def measure(name: str, fn: Callable[[], Any], repeats: int, warmup: int = 1) -> Measurement:
    for _ in range(warmup):
        fn()
    m = Measurement(name)
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        m.seconds.append(time.perf_counter() - start)
    return m


def measure_blocks(
    fns: dict[str, Callable[[], Any]], repeats: int, passes: int = 3, warmup: int = 2
) -> list[Measurement]:
    """Each function timed in blocks of repeats // passes calls (after a warm-up per block), the
    blocks taking turns over `passes` passes: load from other processes on a shared machine falls
    on every implementation alike, while no implementation runs right after another's (whose
    worker threads may still be spinning, or whose data may fill the caches)."""
    measurements = {name: Measurement(name) for name in fns}
    per_block = max(1, repeats // passes)
    for _ in range(passes):
        for name, fn in fns.items():
            for _ in range(warmup):
                fn()
            for _ in range(per_block):
                start = time.perf_counter()
                fn()
                measurements[name].seconds.append(time.perf_counter() - start)
    return list(measurements.values())


def machine() -> dict[str, Any]:
    import trajcore

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "trajcore": trajcore.__version__,
        "threads": trajcore.get_num_threads(),
        "built_with_cuda": trajcore.built_with_cuda(),
    }


def report(
    title: str,
    subject: Measurement,
    baselines: list[Measurement],
    items: int,
    json_path: str | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Prints the table (subject first, each baseline's time as a multiple of the subject's)."""
    table = Table(title=title)
    for column in ("implementation", "median ms", "IQR/median", "M items/s", "trajcore speed-up"):
        table.add_column(column, justify="left" if column == "implementation" else "right")
    rows = []
    for m in [subject, *baselines]:
        ratio = m.median / subject.median
        rows.append(
            {
                "name": m.name,
                "median_s": m.median,
                "spread": m.spread,
                "items_per_s": items / m.median,
                "ratio": ratio,
                "seconds": m.seconds,
            }
        )
        table.add_row(
            m.name,
            f"{m.median * 1e3:.3f}",
            f"{m.spread:.2f}",
            f"{items / m.median / 1e6:.1f}",
            "-" if m is subject else f"{ratio:.1f}x",
        )
    Console().print(table)
    result = {"title": title, "items": items, "machine": machine(), "rows": rows, **(extra or {})}
    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        with open(json_path, "w") as f:
            json.dump(result, f, indent=2)
    return result


__all__ = ["Measurement", "asdict", "measure", "measure_blocks", "report"]
