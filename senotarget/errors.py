"""The senotarget exception hierarchy.

One base class, :class:`SenotargetError`, that ``cli.py`` catches in one place, prints as one line
("what is wrong: how to fix it") and turns into exit code 1. Each subclass also inherits the
builtin that fits (a bad setting is a :class:`ValueError`, an unreachable database an
:class:`OSError`), so code that catches builtins keeps working, and carries the input it is about
as fields (the path, the setting, the genes, the compound, the URL), so a caller that wants to
react to the input (a notebook, a web front end, a test) reads a field instead of parsing the
message (the practice of pystow's ``ConfigError``). The fields are keyword arguments with
defaults, so every existing ``raise`` keeps working; a field is ``None`` (or empty) when the code
that raised the error did not know it.

Per-row and per-molecule problems are never raised: they are flag columns (see :mod:`schema`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any, Final, TypeAlias

__all__ = [
    "ChemblSourceError",
    "ConfigError",
    "DocumentError",
    "OutputError",
    "PanelError",
    "SenotargetError",
    "UnknownCompoundError",
    "UnknownTargetError",
]

_LINE_BREAK: Final = re.compile(r"\s*[\r\n]+\s*")

#: A location with a scheme (``https://...``, ``postgresql://...``, ``sqlite:///...``) is a URL.
_URL: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

StrPath: TypeAlias = str | os.PathLike[str]


def _text(path: StrPath | None) -> str | None:
    return None if path is None else os.fspath(path)


def _rebuild(cls: type[SenotargetError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Unpickle an error without calling its ``__init__`` (whose signature differs per class)."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class SenotargetError(Exception):
    """Base class of every error a user can fix; ``str(error)`` is one line, ``what: fix``.

    :param what: what is wrong, naming the input (a path, a setting, a gene, a compound)
    :param fix: what the user can do about it (a flag, a variable, a file to change)
    """

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(what, fix)
        self.what = what
        self.fix = fix

    def __str__(self) -> str:
        # One line whatever the parts hold (a YAML or TOML parser's message can span lines):
        # the CLI prints it as the one line on stderr that scripts and users read.
        return _LINE_BREAK.sub(" ", f"{self.what}: {self.fix}")

    def __reduce__(self) -> tuple[Any, ...]:
        # The default pickling calls ``type(self)(*self.args)``, which fails for subclasses whose
        # ``__init__`` takes other arguments (PanelError, ChemblSourceError); an error raised in a
        # worker process must cross back to the parent with its fields.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class ConfigError(SenotargetError, ValueError):
    """A setting (flag, ``SENOTARGET_*`` variable or config TOML key) or an input file is invalid.

    :param path: the file the problem is in (a config TOML, a panel, a document), if any
    :param setting: the setting's name as :func:`senotarget.config.load_settings` knows it
        (``min_rank_move``, ``weights.potency``), if the problem is one setting
    """

    def __init__(
        self, what: str, fix: str, *, path: StrPath | None = None, setting: str | None = None
    ) -> None:
        super().__init__(what, fix)
        self.path = _text(path)
        self.setting = setting


class PanelError(ConfigError):
    """A panel TOML file is malformed or violates the panel rules.

    The message starts ``panel PATH[:LINE]:`` so the user can jump to the line.

    :param path: the panel file, or ``builtin:NAME`` / ``extracted from ...`` for panels that are
        not a file of the user's
    :param line: 1-based line of the problem, when known
    """

    def __init__(self, path: StrPath, what: str, fix: str, line: int | None = None) -> None:
        text = os.fspath(path)
        where = f"{text}:{line}" if line is not None else text
        super().__init__(f"panel {where}: {what}", fix, path=text)
        self.line = line


class DocumentError(ConfigError):
    """A document given to ``targets from-doc`` cannot become a panel.

    It is missing, unreadable, empty, malformed (front matter, XML), or names no gene of a panel
    target. A :class:`ConfigError`, like :class:`PanelError`, because the document is an input
    file the user names, and code that catches bad inputs as ``ConfigError`` keeps working.

    :param path: the document
    :param tokens: the gene-like tokens the document did name, when none became a panel gene
        (so the user sees what was read)
    """

    def __init__(self, what: str, fix: str, *, path: StrPath, tokens: Iterable[str] = ()) -> None:
        super().__init__(what, fix, path=path)
        self.tokens = tuple(tokens)


class ChemblSourceError(SenotargetError, OSError):
    """The ChEMBL source (a database file or URL, or the REST API) cannot be used.

    :param location: the database file, database URL or API base the settings named
    :ivar url: ``location`` when it is a URL (API base or database URL), else ``None``
    :ivar path: ``location`` when it is a file path, else ``None``
    """

    def __init__(self, location: str, what: str, fix: str) -> None:
        super().__init__(f"ChEMBL source {location}: {what}", fix)
        self.location = location
        self.url = location if _URL.match(location) else None
        self.path = None if self.url is not None else location


class OutputError(SenotargetError, OSError):
    """The output folder, a run folder, the cache folder or the run id cannot be used.

    :param path: the folder or file concerned, if known
    :param setting: the setting that chose it (``out_dir``, ``run_id``, ``cache_dir``), if known
    """

    def __init__(
        self, what: str, fix: str, *, path: StrPath | None = None, setting: str | None = None
    ) -> None:
        super().__init__(what, fix)
        self.path = _text(path)
        self.setting = setting


class UnknownTargetError(SenotargetError, LookupError):
    """None of the requested gene symbols or accessions matched a ChEMBL target.

    :param genes: the gene symbols or accessions that did not resolve
    """

    def __init__(self, what: str, fix: str, *, genes: Iterable[str] = ()) -> None:
        super().__init__(what, fix)
        self.genes = tuple(genes)


class UnknownCompoundError(SenotargetError, LookupError):
    """A compound named on the command line is not in the run.

    :param compound: the ChEMBL id or name as the user gave it
    :param run_dir: the run folder searched
    """

    def __init__(
        self,
        what: str,
        fix: str,
        *,
        compound: str | None = None,
        run_dir: StrPath | None = None,
    ) -> None:
        super().__init__(what, fix)
        self.compound = compound
        self.run_dir = _text(run_dir)
