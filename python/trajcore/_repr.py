"""Readable reprs for the result dataclasses: arrays and tensors show as dtype and shape (a
planning cycle's result holds megabytes of candidates; printing it must not)."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def value_summary(value: Any) -> str:
    """One value, short: arrays and tensors as ``float32(160, 51, 6)`` (plus their device when
    not the CPU), nested results by their own repr, the rest as repr."""
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None and not isinstance(value, (int, float)):
        name = str(dtype).removeprefix("torch.")
        device = getattr(value, "device", None)
        where = f", {device}" if device is not None and str(device) not in ("cpu", "None") else ""
        if len(shape) == 0:
            return f"{name}({value.item()!r}{where})"
        return f"{name}{tuple(int(n) for n in shape)}{where}"
    return repr(value)


def readable_repr(cls: type[T]) -> type[T]:
    """Class decorator for a dataclass: ``Name(field=summary, ...)``."""

    def __repr__(self: Any) -> str:
        fields = ", ".join(
            f"{f.name}={value_summary(getattr(self, f.name))}"
            for f in dataclasses.fields(self)
            if f.repr
        )
        return f"{type(self).__name__}({fields})"

    cls.__repr__ = __repr__  # type: ignore[method-assign]
    return cls
