"""The commands' options as the library's specs declare them, for both kinds
of call: the in-process functions (``gaprisk.run``, ...) and ``Client``'s
methods. Their keywords, defaults and documentation come from the spec
(``_native.spec()``, the same schema the service's OpenAPI document
publishes); nothing here restates an option but ``set``, which a Model's
own fixed inputs join.

A keyword's value is checked for type here (a wrong type is a TypeError
naming the keyword) and turned into the JSON the request carries; its
value is checked by the library, whose errors name the keyword too
(``OptionError``).
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

from . import _model, _native
from ._errors import OptionError
from ._values import axes, count, flag, number, numbers_list, overrides, text

#: A call's kind: the package's own functions, or a ``Client``'s methods.
LOCAL, CLIENT = "local", "client"

#: The keyword every call takes besides the spec's options: whether to
#: show a progress bar (the command line's ``--quiet`` turned around).
PROGRESS = "progress"


@dataclass(frozen=True)
class Option:
    name: str
    schema: dict
    local: bool
    client: bool
    service: bool

    @property
    def types(self) -> list[str]:
        t = self.schema.get("type", [])
        return [t] if isinstance(t, str) else list(t)

    @property
    def default(self) -> Any:
        """The default a signature shows: the spec's, or None where it is a
        list or a mapping (an empty one)."""
        d = self.schema.get("default")
        return None if isinstance(d, (list, dict)) else d

    def takes(self, call: str) -> bool:
        return self.local if call == LOCAL else self.client


def _load() -> dict[str, dict]:
    spec = json.loads(_native.spec())
    return {
        command: {
            "options": [Option(**o) for o in entry["options"]],
            "required": list(entry["required"]),
        }
        for command, entry in spec.items()
    }


COMMANDS = _load()


def options(command: str, call: str) -> list[Option]:
    """The options ``command`` takes in ``call``, in the spec's order."""
    return [o for o in COMMANDS[command]["options"] if o.takes(call)]


def default(command: str, name: str) -> Any:
    """The spec's default of an option of ``command``."""
    (option,) = [o for o in COMMANDS[command]["options"] if o.name == name]
    return option.schema.get("default")


def required(command: str) -> list[str]:
    return COMMANDS[command]["required"]


def _convert(option: Option, value: Any) -> Any:
    """``value`` as the JSON the option takes, by the type its schema
    gives."""
    types = [t for t in option.types if t != "null"]
    name = option.name
    if "integer" in types:
        return count(name, value)
    if "number" in types:
        return number(name, value)
    if "boolean" in types:
        return flag(name, value)
    if "string" in types:
        return text(name, value)
    if "array" in types:
        return numbers_list(name, value)
    extra = option.schema.get("additionalProperties", {})
    if isinstance(extra, dict) and "oneOf" in extra:
        return axes(name, value)
    return overrides(name, value)


def request_options(command: str, call: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The options of a request: each given value (not None) checked and
    converted, in the spec's order."""
    out = {}
    for option in options(command, call):
        value = values.get(option.name)
        if value is None:
            continue
        out[option.name] = _convert(option, value)
    return out


# -- calls -------------------------------------------------------------------


def _doc_of(option: Option) -> str:
    description = " ".join(option.schema.get("description", "").split())
    default = option.schema.get("default")
    if default not in (None, [], {}, False, ""):
        description += f" Default: {default!r}."
    return textwrap.fill(
        f"``{option.name}``: {description}",
        width=76,
        subsequent_indent="    ",
        break_on_hyphens=False,
        break_long_words=False,
    )


def call(
    command: str,
    kind: str,
    positional: list[str],
    summary: str,
    implementation: Callable[..., Any],
    *,
    method: bool = False,
) -> Callable[..., Any]:
    """A function (or, with ``method``, a method) of ``positional``
    parameters and one keyword per option ``command`` takes in ``kind``,
    with its spec's default, then ``progress``; it calls
    ``implementation(self?, command, {parameter: value})``. It is written
    as source and compiled, so that ``help()``, a notebook's completion and
    Python's own argument errors see an ordinary signature."""
    opts = options(command, kind)
    must = set(required(command))
    params = (["self"] if method else []) + list(positional) + ["*"]
    for o in opts:
        params.append(o.name if o.name in must else f"{o.name}={o.default!r}")
    params.append(f"{PROGRESS}=True")
    names = list(positional) + [o.name for o in opts] + [PROGRESS]
    args = ", ".join(f"{n!r}: {n}" for n in names)
    head = "self, " if method else ""
    source = (
        f"def {command}({', '.join(params)}):\n"
        f"    return _implementation({head}{command!r}, {{{args}}})\n"
    )
    namespace: dict[str, Any] = {"_implementation": implementation}
    exec(compile(source, f"<gaprisk.{command}>", "exec"), namespace)  # noqa: S102
    function = namespace[command]
    options_doc = "\n".join(_doc_of(o) for o in opts)
    function.__doc__ = (
        f"{textwrap.dedent(summary).strip()}\n\n"
        f"Options (the CLI's long options, ``_`` for ``-``):\n\n{options_doc}\n\n"
        f"``{PROGRESS}``: show a progress bar after a second (tqdm). Default: True."
    )
    return function


# -- requests ----------------------------------------------------------------

#: Each command's models, as its positional parameters name them.
POSITIONAL = {
    "run": ["model"],
    "compare": ["base", "variants"],
    "sweep": ["model"],
    "sensitivity": ["model"],
    "rare": ["model"],
}


def _variants(variants: Any) -> list[_model.Model]:
    if isinstance(variants, (str, os.PathLike, _model.Model)):
        variants = [variants]
    if not hasattr(variants, "__iter__"):
        raise TypeError(f"variants must be a list of models, got {type(variants).__name__}")
    return [_model.as_model(v, "variants") for v in variants]


def _same_overrides(models: list[_model.Model]) -> dict[str, float]:
    """compare fixes the same inputs in every model (the CLI's --set), so
    the models' own overrides must agree."""
    first = models[0].overrides
    for m in models[1:]:
        if m.overrides != first:
            raise OptionError(
                "compare fixes the same inputs in every model (as the CLI's --set): "
                f"{models[0]!r} and {m!r} fix different ones. Pass the values as compare's set, "
                "or give each variant its own model file (Model.from_text with extends)",
                "set",
            )
    return dict(first)


def _name(model: _model.Model, files: dict[str, str]) -> str:
    """The name a request gives ``model``: its path, or its name among the
    in-memory files sent with the request."""
    for name, held in model._files_held().items():  # noqa: SLF001 (same package)
        if files.setdefault(name, held) != held:
            raise ValueError(f"two different in-memory model files are named {name!r}")
    return model.path


def request(command: str, kind: str, values: dict[str, Any]) -> tuple[dict, bool]:
    """The JSON request for a call's arguments (``POST /v1/jobs``'s body),
    and whether to show progress. A Model's own ``set`` joins the request's
    (the swept inputs of a sweep come after the model's)."""
    values = dict(values)
    progress = flag(PROGRESS, values.pop(PROGRESS))
    if command == "compare":
        models = [_model.as_model(values.pop("base"), "base"), *_variants(values.pop("variants"))]
        fixed = _same_overrides(models)
    else:
        models = [_model.as_model(values.pop("model"), "model")]
        fixed = models[0].overrides
    if command == "sweep":
        swept = axes("set", values.get("set"))
        both = sorted(fixed.keys() & swept.keys())
        if both:
            raise OptionError(
                f"set {', '.join(both)}: fixed by {models[0]!r} and swept too (given twice)",
                "set",
            )
        values["set"] = {**fixed, **swept}
    elif "set" in {o.name for o in options(command, kind)}:
        values["set"] = {**fixed, **overrides("set", values.get("set"))} or None
    elif fixed:
        raise OptionError(
            f"{command} takes no set (as the CLI): {models[0]!r} fixes inputs; "
            "give it a model file with those inputs fixed (Model.from_text with extends)",
            "set",
        )
    files: dict[str, str] = {}
    body = {
        "command": command,
        "model": _name(models[0], files),
        "variants": [_name(m, files) for m in models[1:]],
        "files": files,
        "options": request_options(command, kind, values),
    }
    return body, progress
