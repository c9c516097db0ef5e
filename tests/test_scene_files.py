"""Scene files and the array container: Python writes, Python and C++ read (and the other way
round), with clear errors for a wrong kind or version and for truncated or damaged files; the C++
predictor window equals the numpy one bit for bit on real scenes."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from real_lanes import shared_data
from trajcore import _core
from trajcore.data import load_argoverse2, load_commonroad, resample_scenario
from trajcore.data.windows import WindowConfig, lane_segments
from trajcore.road_map import Lane
from trajcore.sim import read_arrays, read_scene, write_arrays, write_scene
from trajcore.sim.array_file import DTYPES
from trajcore.sim.replay import _log_states, _World, ego_history_row, expert_route
from trajcore.sim.scene import SceneFrame, predictor_window


def cpp_read(path: Path, kind: str, version: int) -> dict[str, np.ndarray]:
    _, _, entries = _core._read_arrays(str(path), kind, version)
    return {
        name: np.frombuffer(raw, DTYPES[code]).reshape(tuple(shape))
        for name, code, shape, raw in entries
    }


def sample_arrays(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "f32": rng.normal(size=(3, 4)).astype(np.float32),
        "f64": rng.normal(size=(2, 0, 5)),
        "i32": rng.integers(-9, 9, 7).astype(np.int32),
        "i64": np.array([2**40, -1], np.int64),
        "u8": np.frombuffer("scène".encode(), np.uint8),
        "bool": rng.random((2, 3)) < 0.5,
        "scalar": np.array(3.5),
    }


def test_python_and_cpp_read_each_others_files(tmp_path: Path, rng: np.random.Generator) -> None:
    arrays = sample_arrays(rng)
    write_arrays(tmp_path / "a.trj", "test", 3, arrays)
    for read in (read_arrays, cpp_read):
        back = read(tmp_path / "a.trj", "test", 3)
        assert list(back) == list(arrays)
        for name, value in arrays.items():
            assert back[name].dtype == value.dtype and np.array_equal(back[name], value), name
    entries = [
        (name, code, list(v.shape), v.tobytes())
        for name, v in arrays.items()
        for code, dtype in DTYPES.items()
        if dtype == v.dtype
    ]
    _core._write_arrays(str(tmp_path / "b.trj"), "test", 3, entries)
    assert (tmp_path / "a.trj").read_bytes() == (tmp_path / "b.trj").read_bytes()


@pytest.mark.parametrize("reader", ["python", "cpp"])
def test_wrong_kind_version_truncation_and_damage_are_named(
    tmp_path: Path, rng: np.random.Generator, reader: str
) -> None:
    read = read_arrays if reader == "python" else cpp_read
    path = tmp_path / "a.trj"
    arrays = sample_arrays(rng)
    write_arrays(path, "scene", 1, arrays)
    data = path.read_bytes()
    with pytest.raises(ValueError, match=r"scene format version 1, expected 2"):
        read(path, "scene", 2)
    with pytest.raises(ValueError, match=r"a 'scene' file, expected a 'plans' file"):
        read(path, "plans", 1)
    for cut in (0, 5, 12, 30, len(data) // 2, len(data) - 5, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=r"truncated|not a trajcore file|damaged") as error:
            read(path, "scene", 1)
        assert str(path) in str(error.value)
    damaged = bytearray(data)
    damaged[data.index(arrays["f32"].tobytes()) + 5] ^= 0xFF  # inside an array's data
    path.write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match="checksum does not match"):
        read(path, "scene", 1)
    path.write_bytes(b"PK\x03\x04" + data[4:])
    with pytest.raises(ValueError, match="not a trajcore file"):
        read(path, "scene", 1)
    path.write_bytes(data[:8] + struct.pack("<I", 7) + data[12:])
    with pytest.raises(ValueError, match="container version 7, expected 1"):
        read(path, "scene", 1)
    with pytest.raises((ValueError, FileNotFoundError), match=r"no such file|cannot open"):
        read(tmp_path / "missing.trj", "scene", 1)


def test_python_write_rejects_unsupported_dtypes(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"array 'c' has dtype complex128"):
        write_arrays(tmp_path / "a.trj", "test", 1, {"c": np.zeros(2, complex)})


def recorded_frames() -> list[SceneFrame]:
    """Frames of real recordings: NGSIM (a logged vehicle as the ego), SinD (the recorded ego,
    resampled to 0.1 s) and Argoverse 2 (the AV), at early steps (history partly before the
    recording) and later ones."""
    root = shared_data()
    if root is None:
        pytest.skip("../shared/data is absent: the scene-file tests read real recordings")
    ngsim = load_commonroad(next((root / "commonroad_ngsim").rglob("USA_Lanker-2_23_T-1.xml")))
    sind_file = sorted((root / "commonroad_sind").glob("*.cr.xml"))[0]
    sind = resample_scenario(
        load_commonroad(
            sind_file,
            solution=sind_file.with_name(sind_file.name.replace(".cr.xml", ".solution.xml")),
            dt=0.5,
        ),
        0.1,
    )
    av2_dir = root / "argoverse2_sample"
    av2 = load_argoverse2(
        next(av2_dir.glob("scenario_*.parquet")), next(av2_dir.glob("log_map_archive_*.json"))
    )
    frames = []
    from trajcore.generators import IdmParams
    from trajcore.sim.replay import default_ego, red_lanes

    for scenario in (ngsim, sind, av2):
        world = _World.build(scenario, default_ego(scenario), False, IdmParams())
        route, reference = expert_route(
            world.ego_log_states[world.first : world.end + 1], scenario.road_map()
        )
        segments = lane_segments(scenario.lanes, 2.0, 10)
        wanted = {world.start, world.start + 5, (world.start + world.end) // 2}
        for t in range(world.start, max(wanted) + 1):
            if t in wanted:
                frames.append(
                    world.frame(t, 20, segments, route, reference, red_lanes(scenario, t))
                )
            world.advance(t, _log_states(world.ego_log_states[t + 1 : t + 2], 0.1)[0])
    return frames


def test_scene_round_trip_and_cpp_predictor_window(tmp_path: Path) -> None:
    config = WindowConfig(history=20, future=0, lane_points=10, lane_spacing=2.0)
    for i, frame in enumerate(recorded_frames()):
        path = tmp_path / f"scene_{i}.trj"
        write_scene(path, frame)
        back = read_scene(path)
        for field in (
            "ego_state",
            "ego_history",
            "agent_history",
            "agent_index",
            "agent_type",
            "segment_points",
            "reference_points",
            "route_lanes",
            "red_lanes",
        ):
            assert np.array_equal(getattr(back, field), getattr(frame, field)), field
        assert back.name == frame.name and back.step == frame.step and back.dt == frame.dt
        assert len(back.lanes) == len(frame.lanes)
        for a, b in zip(back.lanes, frame.lanes):
            assert np.array_equal(a.centerline, b.centerline) and np.array_equal(a.right, b.right)
            assert tuple(a.successors) == tuple(b.successors)
            assert a.speed_limit == b.speed_limit or (
                np.isnan(a.speed_limit) and np.isnan(b.speed_limit)
            )
        python = predictor_window(back, config)
        cpp = _core._scene_predictor_window(str(path), 128, 256, 60.0)
        assert int((python["agent_index"] >= 0).sum()) == frame.agent_count + 1
        for key, value in cpp.items():
            assert np.array_equal(np.asarray(python[key]), value), (frame.name, frame.step, key)
            assert value.dtype.kind == np.asarray(python[key]).dtype.kind or key in (
                "valid",
                "lane_point_valid",
                "agent_type",
            ), key


def test_scene_file_errors_name_the_entry(tmp_path: Path) -> None:
    frame = recorded_frames()[0]
    path = tmp_path / "scene.trj"
    write_scene(path, frame)
    arrays = read_arrays(path, "scene", 2)
    broken = dict(arrays)
    del broken["agents/type"]
    write_arrays(path, "scene", 2, broken)
    with pytest.raises(ValueError, match="'agents/type' is missing"):
        read_scene(path)
    with pytest.raises(ValueError, match="'agents/type' is missing"):
        _core._scene_predictor_window(str(path), 128, 256, 60.0)
    broken = dict(arrays, **{"agents/history": arrays["agents/history"][:, :-1]})
    write_arrays(path, "scene", 2, broken)
    with pytest.raises(ValueError, match=r"agents/history has shape|'agents/history' has shape"):
        read_scene(path)
    with pytest.raises(ValueError, match=r"'agents/history' has shape"):
        _core._scene_predictor_window(str(path), 128, 256, 60.0)
    broken = dict(arrays, **{"ego/state": arrays["ego/state"].astype(np.float64)})
    write_arrays(path, "scene", 2, broken)
    with pytest.raises(ValueError, match=r"'ego/state' has dtype float64, expected float32"):
        read_scene(path)
    with pytest.raises(TypeError, match=r"'ego/state' has dtype float64, expected float32"):
        _core._scene_predictor_window(str(path), 128, 256, 60.0)
    broken = dict(arrays, **{"map/red_lanes": np.array([len(frame.lanes)], np.int32)})
    write_arrays(path, "scene", 2, broken)
    with pytest.raises(ValueError, match=r"map/red_lanes is \[\d+\], expected lane indices"):
        read_scene(path)
    with pytest.raises(ValueError, match=r"map/red_lanes holds \d+, expected lane indices"):
        _core._scene_predictor_window(str(path), 128, 256, 60.0)
    write_arrays(path, "scene", 1, arrays)
    with pytest.raises(ValueError, match="scene format version 1, expected 2"):
        read_scene(path)


def test_ego_history_row_twins(rng: np.random.Generator) -> None:
    states = rng.normal(scale=[50, 50, 3, 10, 1, 0.2], size=(500, 6)).astype(np.float32)
    for state in states:
        assert np.array_equal(
            ego_history_row(state), np.array(_core._ego_history_row(state.tolist()))
        )


def test_lanes_without_successors_or_limits_round_trip(tmp_path: Path) -> None:
    line = np.array([[0.0, 0.0], [50.0, 0.0]])
    lane = Lane(line, line + np.array([0, 1.8]), line - np.array([0, 1.8]))
    frame = SceneFrame(
        name="straight",
        step=0,
        dt=0.1,
        ego_state=np.zeros(6, np.float32),
        ego_extent=np.array([4.5, 1.9]),
        ego_history=np.zeros((3, 5)),
        ego_history_valid=np.array([False, False, True]),
        agent_index=np.zeros(0, np.int32),
        agent_history=np.zeros((0, 3, 5)),
        agent_history_valid=np.zeros((0, 3), np.bool_),
        agent_type=np.zeros(0, np.int32),
        agent_extent=np.zeros((0, 2)),
        lanes=(lane,),
        drivable_areas=(),
        segment_points=np.zeros((0, 10, 2)),
        segment_valid=np.zeros((0, 10), np.bool_),
        segment_attributes=np.zeros((0, 3), np.float32),
        route_lanes=np.zeros(0, np.int32),
        reference_points=line,
    )
    write_scene(tmp_path / "s.trj", frame)
    back = read_scene(tmp_path / "s.trj")
    assert np.isnan(back.lanes[0].speed_limit) and tuple(back.lanes[0].successors) == ()
    window = _core._scene_predictor_window(str(tmp_path / "s.trj"), 128, 256, 60.0)
    assert window["agent_index"][0] == 0 and (window["agent_index"][1:] == -1).all()
    assert not window["lane_point_valid"].any()


def test_entry_names_must_be_utf8_for_both_readers(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    """Found by tests/fuzz: the C++ reader took names Python cannot decode. Both now refuse
    exactly the byte strings Python's UTF-8 decoder refuses."""
    import zlib

    from trajcore.sim.array_file import FOOTER, MAGIC

    def file_named(name: bytes) -> bytes:
        body = MAGIC + struct.pack("<I", 1) + struct.pack("<I", 4) + b"test"
        body += struct.pack("<II", 1, 1) + struct.pack("<I", len(name)) + name
        body += struct.pack("<BBq", 5, 1, 1) + b"\x07"
        return body + struct.pack("<I", zlib.crc32(body)) + FOOTER

    cases = [bytes(rng.integers(0, 256, rng.integers(1, 6)).astype(np.uint8)) for _ in range(3000)]
    cases += [b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe0\x80\x80", b"\xc0\xaf", b"\xe2\x82"]
    cases += ["é".encode(), "😀".encode(), b"\xf4\x8f\xbf\xbf"]
    path = tmp_path / "named.trj"
    for name in cases:
        path.write_bytes(file_named(name))
        try:
            name.decode()
            decodable = True
        except UnicodeDecodeError:
            decodable = False
        for read in (read_arrays, cpp_read):
            if decodable:
                assert list(read(path, "test", 1)) == [name.decode()]
            else:
                with pytest.raises(ValueError, match="damaged: an entry name is not UTF-8"):
                    read(path, "test", 1)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((1,) * 9, "has 9 dimensions, expected at most 8"),
        ((0, 2**56, 2**56), "has an impossible size 72057594037927936 in dimension 1"),
        ((3, 2**40), "has an impossible size 1099511627776 in dimension 1"),
    ],
)
def test_impossible_shapes_are_refused_by_both_readers(
    tmp_path: Path, shape: tuple[int, ...], message: str
) -> None:
    """Found by tests/fuzz: a 121-dimension entry and an empty entry with huge other dimensions
    made numpy fail without naming the file while the C++ reader went on."""
    import zlib

    from trajcore.sim.array_file import FOOTER, MAGIC

    body = MAGIC + struct.pack("<I", 1) + struct.pack("<I", 4) + b"test" + struct.pack("<II", 1, 1)
    body += struct.pack("<I", 1) + b"x" + struct.pack("<BB", 5, len(shape))
    body += struct.pack(f"<{len(shape)}q", *shape)
    path = tmp_path / "shape.trj"
    path.write_bytes(body + struct.pack("<I", zlib.crc32(body)) + FOOTER)
    for read in (read_arrays, cpp_read):
        with pytest.raises(ValueError, match=f"{path}: entry 'x' {message}"):
            read(path, "test", 1)
