"""The senotarget exception hierarchy.

One base class, :class:`SenotargetError`, that ``cli.py`` catches, prints as one line and turns into
exit code 1. Each subclass also inherits the builtin that fits (a bad setting is a
:class:`ValueError`, an unreachable database an :class:`OSError`), carries the input it is about,
and builds a message that names that input and the fix (the practice of pystow's ``ConfigError``).
Per-row and per-molecule problems are never raised: they are flag columns (see :mod:`schema`).
"""

from __future__ import annotations

__all__ = [
    "ChemblSourceError",
    "ConfigError",
    "OutputError",
    "PanelError",
    "SenotargetError",
    "UnknownCompoundError",
    "UnknownTargetError",
]


class SenotargetError(Exception):
    """Base class of every error a user can fix; ``str(error)`` is one line."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(what, fix)
        self.what = what
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.what}: {self.fix}"


class ConfigError(SenotargetError, ValueError):
    """A setting (flag, ``SENOTARGET_*`` variable or config TOML key) is missing or invalid."""


class PanelError(ConfigError):
    """A panel TOML file is malformed or violates the panel rules."""

    def __init__(self, path: str, what: str, fix: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"panel {where}: {what}", fix)
        self.path = path
        self.line = line


class ChemblSourceError(SenotargetError, OSError):
    """The ChEMBL source (a database file or URL, or the REST API) cannot be used."""

    def __init__(self, location: str, what: str, fix: str) -> None:
        super().__init__(f"ChEMBL source {location}: {what}", fix)
        self.location = location


class OutputError(SenotargetError, OSError):
    """The output folder or run id cannot be used."""


class UnknownTargetError(SenotargetError, LookupError):
    """None of the requested gene symbols or accessions matched a ChEMBL target."""


class UnknownCompoundError(SenotargetError, LookupError):
    """A compound named on the command line is not in the run."""
