"""What the property fuzz tests (tests/test_fuzz_*.py) share: the hypothesis settings, the ways an
input array is spoiled, and the rule every call must follow: a spoiled input raises a documented
exception (ValueError, TypeError) whose message starts with the argument at fault; a valid input
returns, and the test then compares the result with its reference.

CI runs TRAJCORE_FUZZ_EXAMPLES (default 10,000) examples per entry point, derandomised so that a
failure reproduces; the long run sets it to 100,000.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("TRAJCORE_FUZZ_EXAMPLES", "10000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
DOCUMENTED = (ValueError, TypeError)

#: Spoils that make any float input invalid.
NUMERIC = ("nan", "inf", "int32", "bool", "float16", "complex64", "fields", "strided", "meta")
#: The same plus an empty leading axis (inputs whose batch must not be empty).
BATCHED = (*NUMERIC, "empty")


def generator(draw: st.DrawFn) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def spoil(
    draw: st.DrawFn,
    rng: np.random.Generator,
    args: dict[str, Any],
    spoils: dict[str, Sequence[str]],
    *,
    rate: int = 3,
) -> str:
    """Spoil one of the arrays named in ``spoils`` (in ``args``, in place) one of the ways listed
    for it, about once in ``rate`` examples. Returns the argument's name, or "" when nothing was
    spoiled (the input stays valid)."""
    if draw(st.integers(0, rate - 1)) != 0:
        return ""
    name = draw(st.sampled_from(sorted(spoils)))
    kind = draw(st.sampled_from(list(spoils[name])))
    array = np.array(args[name], copy=True)
    if kind in ("nan", "inf"):
        if array.size == 0:
            return ""
        array.reshape(-1)[rng.integers(array.size)] = np.nan if kind == "nan" else -np.inf
    elif kind == "huge":  # for inputs with a documented magnitude bound (the predictor's)
        if array.size == 0:
            return ""
        array.reshape(-1)[rng.integers(array.size)] = EXTREME * rng.choice([-1, 1])
    elif kind in ("int32", "bool", "float16", "complex64"):
        with np.errstate(invalid="ignore", over="ignore"):  # 3e30 has no int32
            array = array.astype(kind)
    elif kind == "fields":  # a last axis no input accepts: 2 wide, or one more when <= 2
        width = 2 if array.shape[-1] > 2 else array.shape[-1] + 1
        array = rng.normal(size=(*array.shape[:-1], width)).astype(array.dtype)
    elif kind == "empty":
        array = array[:0]
    elif kind == "strided":
        if array.ndim == 0 or array.shape[0] < 2 or array.size == 0:
            return ""  # no stride to get wrong
        array = np.repeat(array, 2, axis=0)[::2]  # equal values, not C-contiguous
    elif kind == "meta":
        import torch

        array = torch.empty(array.shape, device="meta")
    else:
        raise AssertionError(kind)
    args[name] = array
    note(f"spoiled {name}: {kind}")
    return name


EXTREME = np.float32(3e37)  # finite, within a factor 10 of float32's largest


def enlarge(
    draw: st.DrawFn, rng: np.random.Generator, args: dict[str, Any], names: Sequence[str]
) -> bool:
    """Set one element of one of the float arrays ``names`` to +-3e37 in about one example in
    ten: still valid input, whose result the test then checks for no NaN instead of against its
    float64 reference (which does not overflow where float32 does). Returns whether it did."""
    if draw(st.integers(0, 9)) != 0:
        return False
    name = draw(st.sampled_from(sorted(names)))
    array = np.array(args[name], copy=True)
    if array.size == 0:
        return False
    sign = 1 if name.endswith("extent") else rng.choice([-1, 1])  # extents are >= 0
    array.reshape(-1)[rng.integers(array.size)] = EXTREME * sign
    args[name] = array
    note(f"enlarged {name}")
    return True


def extreme_outcome(call: Callable[[], Any], *bounded: str) -> None:
    """For an enlarged (valid, extreme) input: the call either returns a result without NaN or
    refuses a documented bound on one of ``bounded`` (e.g. the tracker's reference speeds)."""
    try:
        result = call()
    except ValueError as error:
        assert bounded, f"extreme input raised {error!r}"
        check_error(error, bounded)
        return
    assert_no_nan(result)


def assert_no_nan(result: Any) -> None:
    """No NaN in any float array of a result (a dataclass, tuple, array or tensor)."""
    import dataclasses

    if dataclasses.is_dataclass(result):
        result = [getattr(result, f.name) for f in dataclasses.fields(result)]
    if isinstance(result, (tuple, list)):
        for item in result:
            assert_no_nan(item)
        return
    array = np.asarray(numpy(result)) if result is not None else np.zeros(0)
    if array.dtype.kind == "f":
        assert not np.isnan(array).any(), "NaN from finite input"


def in_library(draw: st.DrawFn, args: dict[str, Any]) -> bool:
    """Hand every numpy array in ``args`` over as a torch tensor in about one example in four
    (valid either way: results come back in the inputs' library). Returns whether it did."""
    if draw(st.integers(0, 3)) != 0:
        return False
    import torch

    for key, value in args.items():
        if isinstance(value, np.ndarray):
            args[key] = torch.from_numpy(value)
    return True


def numpy(x: Any) -> Any:
    """A result field as numpy (torch tensors converted, None and scalars kept)."""
    return x.numpy() if hasattr(x, "numpy") else x


def outcome(call: Callable[[], Any], *spoiled: str, also: Sequence[str] = ()) -> Any:
    """``call()``'s result for a valid input, or None after checking the refusal of a spoiled
    one. ``spoiled``: the names of the spoiled arguments ("" entries are ignored; none: valid);
    the error may name any of them, or one of ``also`` (a shape that disagrees with another
    input's is reported against either)."""
    names = tuple(n for n in spoiled if n)
    try:
        result = call()
    except Exception as error:
        if not names:
            raise AssertionError(f"valid input raised {error!r}") from error
        check_error(error, (*names, *also))
        return None
    assert not names, f"input with a spoiled {names} returned"
    return result


def check_error(error: Exception, names: tuple[str, ...]) -> None:
    message = str(error)
    assert isinstance(error, DOCUMENTED), (type(error), message)
    assert any(message.startswith(n) for n in names), message


def extreme(*arrays: Any) -> bool:
    return any(np.abs(np.asarray(a, np.float64)).max(initial=0) > 1e6 for a in arrays)
