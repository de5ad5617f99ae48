"""Models: a file on disk, or TOML text held in memory, with overrides."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Union

from . import _native, _values

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Entry:
    """A node, event or output as ``gaprisk check`` lists it."""

    name: str
    #: ``constant``, ``random`` or ``expression`` for nodes; ``event`` or
    #: ``output`` for the others.
    kind: str
    #: Its definition in canonical form.
    definition: str


@dataclass(frozen=True)
class CheckReport:
    """A model validated and compiled (``Model.check()``): its nodes in
    evaluation order, then its events and outputs. ``str()`` of it is what
    ``gaprisk check`` prints."""

    file: str
    name: str
    title: str | None
    nodes: list[Entry]
    events: list[Entry]
    outputs: list[Entry]
    text: str
    #: ``[model] steps`` of a stepped model (language 1.2); None if static.
    steps: int | None = None
    #: ``[model] step_unit``, a label; None when not given.
    step_unit: str | None = None
    #: ``[state]`` entries, in the order their starts are evaluated.
    states: list[Entry] = field(default_factory=list)

    def __str__(self) -> str:
        return self.text

    def to_frame(self):
        """Every entry as a DataFrame: name, kind, definition, section."""
        import pandas as pd

        rows = [
            {"section": section, "name": e.name, "kind": e.kind, "definition": e.definition}
            for section, entries in (
                ("nodes", self.nodes),
                ("states", self.states),
                ("events", self.events),
                ("outputs", self.outputs),
            )
            for e in entries
        ]
        return pd.DataFrame(rows, columns=["section", "name", "kind", "definition"])


class Model:
    """A model file, with inputs fixed by ``set``.

    ``Model(path)`` reads it from disk when a job runs (``extends`` is
    relative to it, as on the command line). ``Model.from_text(text)`` holds
    it in memory. Anywhere a model is asked for, a path works too.
    """

    def __init__(self, path: PathLike, *, set: Mapping[str, float] | None = None):
        if isinstance(path, Model):
            raise TypeError("Model(path): path is already a Model; use it as it is")
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"a model is a path or a gaprisk.Model, got {path!r}")
        self._path = os.fspath(path)
        self._files: dict[str, str] | None = None
        self._overrides = _values.overrides("set", set)

    @classmethod
    def from_text(
        cls,
        text: str,
        name: str = "model.toml",
        files: Mapping[str, str | os.PathLike[str]] | None = None,
    ) -> "Model":
        """A model from TOML text. ``name`` is its file name (messages and
        manifests use it). ``extends`` finds its parents among ``files``:
        name -> TOML text, or name -> a path whose text is read now, e.g.
        ``files={"baseline.toml": Path("models/baseline.toml")}``."""
        _values.text("text", text)
        _values.text("name", name)
        held: dict[str, str] = {}
        for key, value in (files or {}).items():
            if isinstance(value, str):
                held[key] = value
            elif isinstance(value, os.PathLike):
                with open(value, encoding="utf-8") as f:
                    held[key] = f.read()
            else:
                raise TypeError(
                    f"files[{key!r}] must be TOML text or a path, got {type(value).__name__}"
                )
        if name in held and held[name] != text:
            raise ValueError(f"files has another text named {name!r}, the model's own name")
        held[name] = text
        model = cls.__new__(cls)
        model._path = name
        model._files = held
        model._overrides = {}
        return model

    @property
    def path(self) -> str:
        """The file's path, or its name when held in memory."""
        return self._path

    @property
    def text(self) -> str | None:
        """The model's TOML text when held in memory, else None."""
        return None if self._files is None else self._files[self._path]

    @property
    def overrides(self) -> dict[str, float]:
        """Inputs fixed to constants, as ``--set NAME=VALUE`` does."""
        return dict(self._overrides)

    def set(self, **overrides: float) -> "Model":
        """A new Model with these inputs fixed to constants (as the CLI's
        ``--set NAME=VALUE``); later values win over earlier ones."""
        model = self._copy()
        model._overrides = {**self._overrides, **_values.overrides("set", overrides)}
        return model

    def check(self) -> CheckReport:
        """Validates and compiles the model (everything ``run`` checks,
        without sampling), as ``gaprisk check``; ``set`` overrides are
        checked when a job runs. Raises ModelError."""
        d = _native.check(self._path, self._files)

        def entries(key: str) -> list[Entry]:
            return [Entry(**e) for e in d[key]]

        return CheckReport(
            file=d["file"],
            name=d["name"],
            title=d["title"],
            nodes=entries("nodes"),
            events=entries("events"),
            outputs=entries("outputs"),
            text=d["text"],
            steps=d["steps"],
            step_unit=d["step_unit"],
            states=entries("states"),
        )

    def _copy(self) -> "Model":
        model = Model.__new__(Model)
        model._path = self._path
        model._files = self._files
        model._overrides = dict(self._overrides)
        return model

    def _files_held(self) -> dict[str, str]:
        """The in-memory files a request sends with this model."""
        return dict(self._files or {})

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Model) and (self._path, self._files, self._overrides) == (
            other._path,
            other._files,
            other._overrides,
        )

    def __hash__(self) -> int:
        return hash((self._path, tuple(sorted(self._overrides.items()))))

    def __repr__(self) -> str:
        where = "in memory" if self._files is not None else "on disk"
        sets = "".join(f", {k}={v!r}" for k, v in self._overrides.items())
        return f"Model({self._path!r} {where}{sets})"


def as_model(value: Any, keyword: str) -> Model:
    """A Model from a Model, a str or an os.PathLike."""
    if isinstance(value, Model):
        return value
    if isinstance(value, (str, os.PathLike)):
        return Model(value)
    raise TypeError(f"{keyword} must be a path or a gaprisk.Model, got {type(value).__name__}")
