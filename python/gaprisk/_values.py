"""A keyword's value checked for its type (a wrong type is a TypeError
naming the keyword) and turned into what a request carries. What the
value must be beyond its type is the library's to check."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from ._errors import OptionError


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def count(name: str, value: Any) -> int:
    """A whole number: an int, or a float that is one (``1e6``), as the
    CLI's ``1e6`` and the HTTP API's ``1e7``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a whole number, got {_describe(value)}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if math.isfinite(value) and float(value).is_integer() and abs(value) <= 2**53:
        return int(value)
    raise OptionError(f"{name} must be a whole number, got {value!r}", name)


def number(name: str, value: Any) -> float:
    """A finite number: JSON, which a request is, has no infinity or NaN."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {_describe(value)}")
    x = float(value)
    if not math.isfinite(x):
        raise OptionError(f"{name} must be a finite number, got {x}", name.split("[")[0])
    return x


def text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {_describe(value)}")
    return value


def flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return value


def numbers_list(name: str, value: Any) -> list[float]:
    """A number or a sequence of numbers (a NumPy array or a Series too)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return [float(value)]
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be a list of numbers, got {_describe(value)}")
    return [number(name, v) for v in value]


def overrides(name: str, value: Any) -> dict[str, float]:
    """Inputs fixed to numbers: {input: number}."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict of input name -> number, got {_describe(value)}")
    out = {}
    for key, v in value.items():
        if not isinstance(key, str):
            raise TypeError(f"{name}: input names must be strings, got {_describe(key)}")
        out[key] = number(f"{name}[{key!r}]", v)
    return out


def axes(name: str, value: Any) -> dict[str, Any]:
    """A sweep's inputs: {input: "START:STOP:POINTS" | [values] | value},
    in the dict's order (the first input varies slowest)."""
    if not isinstance(value, Mapping) or not value:
        raise TypeError(
            f'sweep needs {name}: a dict of input name -> "START:STOP:POINTS", a list of '
            f"numbers or a number, got {_describe(value)}"
        )
    out: dict[str, Any] = {}
    for key, v in value.items():
        if not isinstance(key, str):
            raise TypeError(f"{name}: input names must be strings, got {_describe(key)}")
        label = f"{name}[{key!r}]"
        if hasattr(v, "tolist") and not isinstance(v, (str, numbers.Real)):
            v = v.tolist()  # a NumPy array or a pandas Series
        if isinstance(v, str):
            out[key] = v
        elif isinstance(v, (list, tuple)):
            if not v:
                raise OptionError(f"{label} is an empty list", name)
            out[key] = [number(label, x) for x in v]
        elif isinstance(v, numbers.Real) and not isinstance(v, bool):
            out[key] = number(label, v)
        else:
            raise TypeError(
                f'{label} must be "START:STOP:POINTS", a list of numbers or a number, '
                f"got {_describe(v)}"
            )
    return out
