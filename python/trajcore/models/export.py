"""Exporting the predictor in the two formats its users load: TorchScript (the design card's
format, read by torch.jit.load and libtorch's torch::jit::load) and a torch.export /
AOTInductor package (.pt2, read by torch._inductor.aoti_load_package and libtorch's
AOTIModelPackageLoader; compiled for this machine's instruction set). Both take the network's
seven input tensors with any number of scenes, agents and lane segments, and both carry the
network's config."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from .network import MultimodalPredictor, PredictorConfig

#: Where the config travels: a TorchScript extra file, and a key of the .pt2 package's metadata.
CONFIG_NAME = "trajcore_predictor.json"
METADATA_KEY = "trajcore_predictor"


def example_inputs(
    config: PredictorConfig, scenes: int = 2, agents: int = 8, lanes: int = 8
) -> tuple[Tensor, ...]:
    """Inputs of the right layout (random values) for tracing and exporting."""
    g = torch.Generator().manual_seed(0)
    h = config.history + 1
    states = torch.randn(scenes, agents, h, 5, generator=g) * 10
    valid = torch.ones(scenes, agents, h, dtype=torch.bool)
    types = torch.zeros(scenes, agents, dtype=torch.int64)
    extent = torch.full((scenes, agents, 2), 2.0)
    points = torch.randn(scenes, lanes, config.lane_points, 2, generator=g) * 10
    point_valid = torch.ones(scenes, lanes, config.lane_points, dtype=torch.bool)
    attributes = torch.zeros(scenes, lanes, 3)
    return states, valid, types, extent, points, point_valid, attributes


def _metadata(net: MultimodalPredictor, split: dict[str, Any] | None) -> str:
    return json.dumps({"format": 1, "config": net.config.to_dict(), "split": split})


def export_torchscript(
    net: MultimodalPredictor, path: str | Path, *, split: dict[str, Any] | None = None
) -> Path:
    """Traces the network (its forward has no data-dependent branches, so the trace holds for
    every input size) and saves it with its config."""
    net = net.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch 2.13 marks torch.jit deprecated
        traced = torch.jit.trace(net, example_inputs(net.config), check_trace=False)  # type: ignore[no-untyped-call]
        torch.jit.save(traced, str(path), _extra_files={CONFIG_NAME: _metadata(net, split)})
    return Path(path)


def export_pt2(
    net: MultimodalPredictor, path: str | Path, *, split: dict[str, Any] | None = None
) -> Path:
    """torch.export with dynamic scenes (1-64), agents (1-4096) and lane segments (0-16384),
    compiled by AOTInductor into a package, with the config added to the archive."""
    from torch.export import Dim

    net = net.eval()
    scenes, agents, lanes = (
        Dim("scenes", min=1, max=64),
        Dim("agents", min=1, max=4096),
        Dim("lanes", min=0, max=16384),
    )
    per_agent, per_lane = {0: scenes, 1: agents}, {0: scenes, 1: lanes}
    shapes = (per_agent, per_agent, per_agent, per_agent, per_lane, per_lane, per_lane)
    with torch.no_grad(), warnings.catch_warnings():
        # torch's own deprecated calls inside export and inductor (torch.jit, LeafSpec)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        program = torch.export.export(net, example_inputs(net.config), dynamic_shapes=shapes)
        # The config rides in the package's metadata, which libtorch's loader hands to C++.
        metadata = {"aot_inductor.metadata": {METADATA_KEY: _metadata(net, split)}}
        written = torch._inductor.aoti_compile_and_package(
            program, package_path=str(path), inductor_configs=metadata
        )
    return Path(written)


def read_metadata(path: str | Path) -> dict[str, Any]:
    """What an exported file of either format carries: "config" (the network's) and "split"
    (the scenarios it was trained on and held out from, or None)."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                data = None
                if name.endswith(f"extra/{CONFIG_NAME}"):  # TorchScript
                    data = json.loads(archive.read(name))
                elif name.endswith("wrapper_metadata.json"):  # AOTInductor
                    metadata = json.loads(archive.read(name))
                    if METADATA_KEY in metadata:
                        data = json.loads(metadata[METADATA_KEY])
                if data is not None:
                    if data.get("format") != 1:
                        raise ValueError(
                            f"{path}: predictor format {data.get('format')!r}, expected 1"
                        )
                    return {"config": PredictorConfig(**data["config"]), "split": data.get("split")}
    raise ValueError(
        f"{path}: no {CONFIG_NAME} inside, expected a file written by trajcore's export"
    )


def read_config(path: str | Path) -> PredictorConfig:
    """The network config stored in an exported file of either format."""
    config: PredictorConfig = read_metadata(path)["config"]
    return config
