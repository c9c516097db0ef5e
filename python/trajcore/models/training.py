"""Training the multimodal predictor on recorded scenarios: windows of the training split,
winner-takes-all loss, AdamW, one checkpoint per epoch (resumable), and the same loop under
torchrun (DistributedDataParallel; gloo on CPU, nccl on GPU)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import random
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..data import (
    Scenario,
    WindowConfig,
    Windows,
    load_recording,
    make_windows,
    recording_files,
    split_scenarios,
)
from .metrics import winner_takes_all_loss
from .network import MultimodalPredictor, PredictorConfig, _to_frame


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 40
    #: Windows per optimiser step (per process under torchrun).
    batch: int = 8
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 0
    #: Window stride for training (the test windows use WindowConfig's).
    stride: int = 1
    #: Training targets need 1 s of recording before the current step and 3 s after it (the
    #: rest of the 5 s is masked in the loss); evaluation keeps whole 2 s + 5 s windows. Short
    #: NGSIM recordings (1-7 s) then add training windows too.
    min_history: int | None = 10
    min_future: int | None = 30
    test_fraction: float = 0.25
    #: Savitzky-Golay window (steps) applied to every track before windowing.
    smooth_window: int = 7
    model: PredictorConfig = field(default_factory=PredictorConfig)


#: One or more folders (or files) of recordings.
DataPaths = str | Path | Sequence[str | Path]


def load_recordings(
    data: DataPaths,
    *,
    smooth_window: int = 7,
    dt: float | None = None,
    resample_to: float | None = None,
) -> list[Scenario]:
    """Every recording under ``data`` (a folder or several), in name order: CommonRoad
    scenarios (*.xml; solution files beside them are read as egos) and Argoverse 2 scenarios
    (each scenario_<id>.parquet with the log_map_archive_<id>.json beside it). ``dt`` overrides
    the CommonRoad files' stated step (SinD: 0.5); ``resample_to`` interpolates recordings on
    another step to that one. Then every track is smoothed."""
    folders = [data] if isinstance(data, str | Path) else list(data)
    files = sorted({p for folder in folders for p in recording_files(folder)})
    scenarios = [
        load_recording(p, dt=dt, resample_to=resample_to, smooth_window=smooth_window)
        for p in files
    ]
    names = [s.name for s in scenarios]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"scenario names {twice} occur in more than one file under {data}")
    return sorted(scenarios, key=lambda s: s.name)


def distinct_traffic(scenarios: Sequence[Scenario]) -> tuple[list[Scenario], dict[str, str]]:
    """The scenarios with distinct traffic, and {name: the kept scenario's name} for the others.
    The CommonRoad NGSIM sets hold scenarios that differ only in their planning problem (same
    tracks, same map): kept twice, one could be trained on and its twin held out."""
    kept: dict[str, Scenario] = {}
    twins: dict[str, str] = {}
    for scenario in sorted(scenarios, key=lambda s: s.name):
        key = traffic_fingerprint(scenario)
        if key in kept:
            twins[scenario.name] = kept[key].name
        else:
            kept[key] = scenario
    return list(kept.values()), twins


def traffic_fingerprint(scenario: Scenario) -> str:
    """A digest of the recorded tracks (to the centimetre) and their validity."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(scenario.agent_valid).tobytes())
    digest.update(np.round(scenario.agent_states[..., :2], 2).tobytes())
    return digest.hexdigest()


def window_config(
    model: PredictorConfig,
    stride: int,
    future: int | None = None,
    *,
    min_history: int | None = None,
    min_future: int | None = None,
) -> WindowConfig:
    """The windows the network reads (its history, lane points and spacing)."""
    return WindowConfig(
        dt=model.dt,
        history=model.history,
        future=model.future if future is None else future,
        stride=stride,
        lane_points=model.lane_points,
        lane_spacing=model.lane_spacing,
        min_history=min_history,
        min_future=min_future,
    )


#: Window rows: indices, a slice or an index array.
Rows = Sequence[int] | slice | np.ndarray[Any, Any]


def model_inputs(
    windows: Windows, rows: Rows, device: torch.device | str = "cpu"
) -> tuple[Tensor, ...]:
    """The network's inputs for some windows: the history part of the agents and the lanes."""
    h = windows.config.history

    def pick(x: np.ndarray[Any, Any]) -> Tensor:
        return torch.from_numpy(np.ascontiguousarray(x[rows])).to(device)

    return (
        pick(windows.states[:, :, : h + 1]),
        pick(windows.valid[:, :, : h + 1]),
        pick(windows.agent_type).long(),
        pick(windows.agent_extent),
        pick(windows.lane_points),
        pick(windows.lane_point_valid),
        pick(windows.lane_attributes),
    )


def local_future(
    windows: Windows, rows: Rows, device: torch.device | str = "cpu"
) -> tuple[Tensor, Tensor, Tensor]:
    """(B, A, F, 2) each agent's recorded future in its own frame at the current step, (B, A)
    the target mask and (B, A, F) the future steps recorded."""
    h = windows.config.history
    states = torch.from_numpy(np.ascontiguousarray(windows.states[rows])).to(device)
    now = states[:, :, h]
    future = _to_frame(
        states[:, :, h + 1 :, :2],
        now[:, :, None, :2],
        torch.cos(now[:, :, 2])[:, :, None],
        torch.sin(now[:, :, 2])[:, :, None],
    )

    def pick(x: np.ndarray[Any, Any]) -> Tensor:
        return torch.from_numpy(np.ascontiguousarray(x[rows])).to(device)

    return future, pick(windows.target), pick(windows.valid[:, :, h + 1 :])


def _distributed() -> tuple[int, int, bool]:
    """(rank, world size, whether this call joined the process group), joining it when launched
    by torchrun and the caller has not."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    joined = False
    if world > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        torch.distributed.init_process_group(backend=backend)
        joined = True
    return ((torch.distributed.get_rank(), world) if world > 1 else (0, 1)) + (joined,)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)  # the data order has its own numpy Generator per epoch


def train(
    data: DataPaths,
    out: str | Path,
    config: TrainConfig = TrainConfig(),
    *,
    resume: bool = False,
    until_epoch: int | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> dict[str, Any]:
    """Trains on the training split of the recordings under ``data`` (scenarios with the same
    traffic as another counted once, see :func:`distinct_traffic`); writes
    ``out/checkpoint.pt`` after every epoch and ``out/model.pt`` (the weights and config) at the
    end, and returns the history of epoch losses, the split and the trained network ("net").
    ``resume`` continues from the checkpoint; ``until_epoch`` stops after that many epochs (a
    job with a time limit), to be resumed.
    ``progress(epoch, step, loss)`` is called after every step (rank 0 only)."""
    rank, world, joined = _distributed()
    device = (
        torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        if world > 1 and torch.cuda.is_available()
        else torch.device("cpu")
    )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _seed_everything(config.seed)
    scenarios, twins = distinct_traffic(load_recordings(data, smooth_window=config.smooth_window))
    train_names, test_names = split_scenarios(
        [s.name for s in scenarios], test_fraction=config.test_fraction, seed=config.seed
    )
    windows = make_windows(
        [s for s in scenarios if s.name in train_names],
        window_config(
            config.model,
            config.stride,
            min_history=config.min_history,
            min_future=config.min_future,
        ),
    )
    usable = np.flatnonzero(windows.target.any(axis=1))
    # The classes the network learns; the planner gives others the physics modes alone.
    seen = tuple(sorted({int(t) for t in np.unique(windows.agent_type[windows.target])}))
    model_config = dataclasses.replace(config.model, agent_types=seen)
    split = {"train": train_names, "test": test_names, "twins": twins}

    net = MultimodalPredictor(model_config).to(device)
    optimiser = torch.optim.AdamW(
        net.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    steps_per_epoch = math.ceil(len(usable) / (config.batch * world))
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, config.learning_rate, total_steps=config.epochs * steps_per_epoch
    )
    start, history = 0, []
    checkpoint = out / "checkpoint.pt"
    if resume and checkpoint.is_file():
        state = load_weights(checkpoint, map_location=device)
        net.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        schedule.load_state_dict(state["schedule"])
        start, history = state["epoch"], state["history"]
        torch.set_rng_state(state["rng"])
    model: torch.nn.Module = _LocalOutputs(net)
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )

    for epoch in range(start, min(config.epochs, until_epoch or config.epochs)):
        order = np.random.default_rng(config.seed + epoch).permutation(usable)
        mine = order[rank::world]
        # Every rank takes the same number of steps (DDP synchronises each one).
        mine = np.resize(mine, steps_per_epoch * config.batch) if len(mine) else mine
        model.train()
        total, count = 0.0, 0
        for step in range(steps_per_epoch):
            rows = np.sort(mine[step * config.batch : (step + 1) * config.batch])
            inputs = model_inputs(windows, rows, device)
            future, mask, future_valid = local_future(windows, rows, device)
            offsets, logits = model(*inputs)
            loss = winner_takes_all_loss(
                offsets, logits, future, mask.to(offsets.dtype), future_valid
            )
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimiser.step()
            schedule.step()
            value = float(loss.detach())
            total += value
            count += 1
            if progress is not None and rank == 0:
                progress(epoch, step, value)
        history.append(total / max(count, 1))
        if rank == 0:
            save_atomically(
                {
                    "model": net.state_dict(),
                    "optimiser": optimiser.state_dict(),
                    "schedule": schedule.state_dict(),
                    "epoch": epoch + 1,
                    "history": history,
                    "rng": torch.get_rng_state(),
                    "config": _config_dict(config),
                },
                checkpoint,
            )
    result = {
        "history": history,
        "train": train_names,
        "test": test_names,
        "twins": twins,
        "agent_types": list(seen),
        "windows": len(usable),
        "world_size": world,
    }
    if rank == 0:
        save_model(net, out / "model.pt", extra={"split": split})
        (out / "training.json").write_text(
            json.dumps({**result, "config": _config_dict(config)}, indent=1)
        )
    if world > 1:
        # The DDP reducer goes before the group, or gloo's threads may abort the process on exit.
        del model
        torch.distributed.barrier()
        if joined:
            torch.distributed.destroy_process_group()
    return {**result, "net": net}


class _LocalOutputs(torch.nn.Module):
    """The network with local_outputs as its forward, so DistributedDataParallel wraps what
    training calls."""

    def __init__(self, net: MultimodalPredictor) -> None:
        super().__init__()
        self.net = net

    def forward(self, *inputs: Tensor) -> tuple[Tensor, Tensor]:
        return self.net.local_outputs(*inputs)


def _config_dict(config: TrainConfig) -> dict[str, Any]:
    return asdict(config)


def save_model(
    net: MultimodalPredictor, path: str | Path, *, extra: dict[str, Any] | None = None
) -> None:
    """The weights and the network's config (loadable with :func:`load_model`)."""
    save_atomically(
        {"config": net.config.to_dict(), "model": net.state_dict(), **(extra or {})}, path
    )


def save_atomically(value: Any, path: str | Path) -> None:
    """torch.save written aside, then renamed over ``path``: a run interrupted while saving
    (Ctrl-C, a killed job) leaves the previous checkpoint whole, never a truncated one."""
    path = Path(path)
    aside = path.with_name(path.name + ".partial")
    try:
        torch.save(value, aside)
        aside.replace(path)
    finally:
        aside.unlink(missing_ok=True)


def load_weights(path: str | Path, *, map_location: Any = "cpu") -> Any:
    """A model or checkpoint file's contents: tensors and plain data only. torch.load with
    weights_only=True never runs code a file carries; a file that needs it (a pickled Python
    object: anyone's ``model.pt`` could otherwise run what it likes when opened) is refused."""
    import pickle
    import re
    import zipfile

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} does not exist")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"model file {path} is not a torch file trajcore can read (not a zip "
            "archive as torch.save writes)"
        )
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(error))
        what = f"it would call {found.group(1)}" if found else "it holds pickled Python objects"
        raise ValueError(
            f"model file {path} is refused: {what} on loading (pickled Python objects, not only "
            "tensors and plain data), and trajcore never runs code from a file"
        ) from None
    except (RuntimeError, EOFError) as error:
        raise ValueError(
            f"model file {path} is not a torch file trajcore can read ({error})"
        ) from None


def load_model(path: str | Path) -> MultimodalPredictor:
    """The network of a ``model.pt`` written by training, or of an exported TorchScript file
    (a trace keeps the parameters' names)."""
    path = Path(path)
    if path.suffix == ".ts":
        from .export import read_config

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit in torch 2.13
            state = dict(torch.jit.load(str(path), map_location="cpu").state_dict())  # type: ignore[no-untyped-call]
        net = MultimodalPredictor(read_config(path))
    else:
        saved = load_weights(path)
        net = MultimodalPredictor(PredictorConfig(**saved["config"]))
        state = saved["model"]
    net.load_state_dict(state)
    return net.eval()
