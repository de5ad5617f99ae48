"""The exceptions gaprisk raises (besides TypeError for a keyword of the
wrong type, and OSError for files that cannot be read or written)."""

from __future__ import annotations


class ModelError(ValueError):
    """A problem in a model file, located as the CLI locates it.

    ``str(e)`` is the CLI's message, ``FILE:LINE: KEY: message``; ``file``,
    ``line`` and ``key`` are its parts (``line`` and ``key`` are None when
    the problem is the file as a whole).
    """

    def __init__(self, message: str, file: str | None, line: int | None, key: str | None):
        super().__init__(message)
        self.file = file
        self.line = line
        self.key = key


class OptionError(ValueError):
    """An option's value is wrong in itself or for this model. ``option`` is
    the keyword's name (``samples``, ``relative_precision``, ``set``), and
    the message names options as the keywords are spelled."""

    def __init__(self, message: str, option: str):
        super().__init__(message)
        self.option = option


class ServerError(RuntimeError):
    """A ``gaprisk serve`` answered with an error that is not the request's
    fault (5xx), refused the token (401), or the job failed there."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status
