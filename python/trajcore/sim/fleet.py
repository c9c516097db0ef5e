"""Fleet evaluation: closed-loop replay of every recording in a folder, here or spread over a Ray
cluster, and the summary of nuPlan's closed-loop metrics for the planner and the logged human.

Each recording is one job (its path and options), so a Ray worker loads it itself and results
come back in file order: a Ray run and a local run compute the same numbers (tested)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .replay import DEFAULT_PHYSICS_MODES, METRICS


@dataclass(frozen=True)
class ReplayJob:
    """One recording to replay and how."""

    path: str
    #: The recording's real time step where its files state a wrong one (SinD: 0.5).
    dt: float | None = None
    reactive: bool = False
    max_steps: int | None = None
    #: One of :data:`PLANNERS`.
    planner: str = "trajcore"


#: The planners a fleet run can drive: trajcore's (``replay_planner`` on the shipped predictor
#: with physics modes) and PDM-Closed as trajcore reproduces it (``pdm_closed_planner`` on
#: constant-velocity forecasts).
PLANNERS = ("trajcore", "pdm_closed")


@functools.lru_cache(maxsize=1)
def _predictor() -> Any:
    """The shipped predictor, once per process (Ray workers reuse theirs across jobs)."""
    from ..predictor import Predictor

    return Predictor.load()


def run_job(job: ReplayJob) -> dict[str, Any]:
    """The replay's summary (ReplayResult.summary) with the file; a recording that cannot be
    replayed gives its error instead, so one bad file does not stop a fleet run."""
    from ..data import load_recording
    from .baseline_predictor import ConstantVelocityPredictor
    from .replay import pdm_closed_planner, replay, replay_planner

    if job.planner not in PLANNERS:
        raise ValueError(f"planner is {job.planner!r}, expected one of {PLANNERS}")
    record: dict[str, Any] = {"file": job.path, "planner_name": job.planner}
    peer = job.planner == "pdm_closed"
    try:
        scenario = load_recording(job.path, dt=job.dt, resample_to=0.1)
        result = replay(
            scenario,
            None,
            pdm_closed_planner() if peer else replay_planner(),
            ConstantVelocityPredictor() if peer else _predictor(),
            reactive=job.reactive,
            max_steps=job.max_steps,
            physics_modes=None if peer else DEFAULT_PHYSICS_MODES,
        )
    except (ValueError, FileNotFoundError) as error:
        record["error"] = f"{type(error).__name__}: {error}"
        return record
    record.update(result.summary())
    return record


def evaluate_folder(
    folder: str | Path,
    *,
    dt: float | None = None,
    reactive: bool = False,
    max_steps: int | None = None,
    ray_address: str | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    planner: str = "trajcore",
) -> list[dict[str, Any]]:
    """Replay every recording under ``folder`` (trajcore.data.recording_files), in file order,
    driven by ``planner`` (one of :data:`PLANNERS`). ``ray_address``: None runs here; "local"
    starts a local Ray instance; anything else is the address of a running cluster
    (ray.init(address=...)). ``progress`` sees each finished job."""
    from ..data import recording_files

    if planner not in PLANNERS:
        raise ValueError(f"planner is {planner!r}, expected one of {PLANNERS}")
    jobs = [
        ReplayJob(str(p), dt=dt, reactive=reactive, max_steps=max_steps, planner=planner)
        for p in recording_files(folder)
    ]
    if ray_address is None:
        results = []
        for job in jobs:
            results.append(run_job(job))
            if progress is not None:
                progress(results[-1])
        return results
    return _run_on_ray(jobs, ray_address, progress)


def _run_on_ray(
    jobs: Sequence[ReplayJob],
    address: str,
    progress: Callable[[dict[str, Any]], None] | None,
) -> list[dict[str, Any]]:
    try:
        import ray
    except ImportError:
        raise ImportError(
            "--ray needs Ray: pip install 'trajcore[ray]' (ray and a protobuf that "
            "commonroad-io accepts)"
        ) from None
    started = not ray.is_initialized()
    if started:
        ray.init(
            address=None if address == "local" else address,
            include_dashboard=False,
            log_to_driver=False,
        )
    try:
        remote = ray.remote(run_job)
        pending = {remote.remote(job): i for i, job in enumerate(jobs)}
        results: list[dict[str, Any] | None] = [None] * len(jobs)
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                record: dict[str, Any] = ray.get(ref)
                results[pending.pop(ref)] = record
                if progress is not None:
                    progress(record)
        return [r for r in results if r is not None]
    finally:
        if started:
            ray.shutdown()


def summarize(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means of every metric for the planner and the logged human over the replayed recordings,
    the scenarios with an at-fault collision and the contacts of each, and the failures."""
    replayed = [r for r in results if "error" not in r]
    summary: dict[str, Any] = {
        "scenarios": len(results),
        "replayed": len(replayed),
        "failed": [{"file": r["file"], "error": r["error"]} for r in results if "error" in r],
        "steps": int(sum(r["steps"] for r in replayed)),
    }
    for who in ("planner", "human"):
        drives = [r[who] for r in replayed]
        summary[who] = {
            name: float(np.mean([d[name] for d in drives])) if drives else math.nan
            for name in METRICS
        }
        summary[who]["at_fault_collisions"] = int(sum(d["at_fault_collision"] for d in drives))
        summary[who]["contacts"] = int(sum(d["contacts"] for d in drives))
        summary[who]["progress_m"] = float(sum(d["progress_m"] for d in drives))
        # The smallest gap kept in any scenario, and the mean of each scenario's smallest.
        gaps = [d["min_gap_m"] for d in drives]
        summary[who]["min_gap_m"] = float(min(gaps)) if gaps else math.nan
        summary[who]["mean_min_gap_m"] = float(np.mean(gaps)) if gaps else math.nan
    return summary


__all__ = ["PLANNERS", "ReplayJob", "evaluate_folder", "run_job", "summarize"]
