"""Coverage-guided fuzzing (atheris) of the file readers: scene files (Python and C++ readers,
which must agree), CommonRoad scenarios and Argoverse 2 scenarios and maps. Every input must
either read or raise the documented error (ValueError, TypeError, FileNotFoundError) naming
the file; anything else (another exception, a crash in C++) is a finding.

    python tests/fuzz/fuzz_readers.py --target scene CORPUS_DIR [-runs=N] [atheris options]

Targets: scene, commonroad, argoverse2_parquet, argoverse2_map. tests/fuzz/seeds.py writes the
seed corpora (from ../shared/data and the embedded highway); tests/test_fuzz_readers.py runs
each target in CI.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

from trajcore import _core
from trajcore.data import load_argoverse2, load_commonroad
from trajcore.sim import read_arrays, read_scene
from trajcore.sim.scene import SCENE_VERSION

# Coverage of everything loaded so far (trajcore's Python readers and the format libraries).
atheris.instrument_all()

DOCUMENTED = (ValueError, TypeError, FileNotFoundError)
WORK = Path(tempfile.mkdtemp(prefix="trajcore_fuzz_"))


def scene(data: bytes) -> None:
    path = WORK / "input.trj"
    path.write_bytes(data)
    python_ok = cpp_ok = True
    try:
        read_arrays(path, "scene", SCENE_VERSION)
    except DOCUMENTED as error:
        python_ok = False
        assert str(path) in str(error), error
    try:
        _core._read_arrays(str(path), "scene", SCENE_VERSION)
    except DOCUMENTED as error:
        cpp_ok = False
        assert str(path) in str(error), error
    assert python_ok == cpp_ok, f"Python read: {python_ok}, C++ read: {cpp_ok}"
    try:
        read_scene(path)
    except DOCUMENTED:
        pass
    try:
        _core._scene_predictor_window(str(path), 128, 256, 60.0)
    except DOCUMENTED:
        pass


def commonroad(data: bytes) -> None:
    path = WORK / "input.xml"
    path.write_bytes(data)
    try:
        load_commonroad(path)
    except DOCUMENTED:
        pass


def argoverse2(kind: str):
    fixed = Path(os.environ["TRAJCORE_FUZZ_FIXED"])  # the real other half of the pair

    def one(data: bytes) -> None:
        path = WORK / ("scenario_fuzz.parquet" if kind == "parquet" else "log_map_fuzz.json")
        path.write_bytes(data)
        parquet, map_json = (path, fixed) if kind == "parquet" else (fixed, path)
        try:
            load_argoverse2(parquet, map_json)
        except DOCUMENTED:
            pass

    return one


def main() -> None:
    args = sys.argv[1:]
    if "--target" not in args:
        raise SystemExit(
            "usage: fuzz_readers.py --target scene|commonroad|argoverse2_parquet|"
            "argoverse2_map CORPUS [atheris options]"
        )
    i = args.index("--target")
    target = args[i + 1]
    del args[i : i + 2]
    if target == "scene":
        callback = scene
    elif target == "commonroad":
        callback = commonroad
    elif target in ("argoverse2_parquet", "argoverse2_map"):
        callback = argoverse2(target.removeprefix("argoverse2_"))
    else:
        raise SystemExit(
            f"--target is {target!r}, expected scene, commonroad, argoverse2_parquet or "
            "argoverse2_map"
        )
    atheris.Setup([sys.argv[0], *args], callback)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
