"""Keyword options, checked for type and turned into what the engine takes.

Types are checked here (a wrong type is a TypeError naming the keyword);
values are checked by the library, whose errors name the keyword too
(``OptionError``). Options are named as the CLI's long options, with ``_``
for ``-``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from ._errors import OptionError


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def count(name: str, value: Any) -> int | None:
    """A whole number: an int, or a float that is one (``1e6``), as the
    CLI's ``1e6`` and the HTTP API's ``1e7``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a whole number, got {_describe(value)}")
    if isinstance(value, numbers.Integral):
        n = int(value)
    elif math.isfinite(value) and float(value).is_integer() and abs(value) <= 2**53:
        n = int(value)
    else:
        raise OptionError(f"{name} must be a whole number, got {value!r}", name)
    if n < 0 or n >= 2**64:
        raise OptionError(f"{name} must be a whole number from 0 to 2^64 - 1, got {n}", name)
    return n


def number(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {_describe(value)}")
    return float(value)


def levels(name: str, value: Any) -> list[float]:
    """Quantile levels: a number or a sequence of numbers (the library
    checks each is in (0, 1))."""
    if value is None:
        return []
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return [float(value)]
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be a list of numbers, got {_describe(value)}")
    return [number(name, v) for v in value]


def text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {_describe(value)}")
    return value


def flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return value


def overrides(name: str, value: Any) -> dict[str, float]:
    """``set`` for run and compare: {input: number}."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict of input name -> number, got {_describe(value)}")
    out = {}
    for key, v in value.items():
        if not isinstance(key, str):
            raise TypeError(f"{name}: input names must be strings, got {_describe(key)}")
        x = number(f"{name}[{key!r}]", v)
        if not math.isfinite(x):
            raise OptionError(f"{name}[{key!r}] must be finite, got {x}", name)
        out[key] = x
    return out


def _axis_number(name: str, value: Any) -> str:
    x = number(name, value)
    return repr(x)


def axes(value: Any) -> list[str]:
    """``set`` for sweep: {input: "START:STOP:POINTS" | [values] | value},
    as the CLI's ``--set NAME=VALUES``, in the dict's order (the first
    input varies slowest)."""
    if not isinstance(value, Mapping) or not value:
        raise TypeError(
            'sweep needs set: a dict of input name -> "START:STOP:POINTS", a list of numbers '
            f"or a number, got {_describe(value)}"
        )
    out = []
    for key, v in value.items():
        if not isinstance(key, str):
            raise TypeError(f"set: input names must be strings, got {_describe(key)}")
        label = f"set[{key!r}]"
        if hasattr(v, "tolist") and not isinstance(v, (str, numbers.Real)):
            v = v.tolist()  # a NumPy array or a pandas Series
        if isinstance(v, str):
            values = v
        elif isinstance(v, (list, tuple)):
            if not v:
                raise OptionError(f"{label} is an empty list", "set")
            values = ",".join(_axis_number(label, x) for x in v)
        elif isinstance(v, numbers.Real) and not isinstance(v, bool):
            values = _axis_number(label, v)
        else:
            raise TypeError(
                f'{label} must be "START:STOP:POINTS", a list of numbers or a number, '
                f"got {_describe(v)}"
            )
        out.append(f"{key}={values}")
    return out
