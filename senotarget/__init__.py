"""senotarget: rank ChEMBL compounds as senolytic, senomorphic or senoreverter candidates.

The Python API mirrors the command line (the functions live in :mod:`senotarget.api`):

* :func:`rank` runs the pipeline, as ``senotarget run`` does, and returns a :class:`Run`;
* :func:`load_run` reads a finished run (a run folder, or a reports folder: its latest run);
* :func:`explain` gives one compound's score breakdown, as ``senotarget explain``;
* :func:`extract_panel` turns a document into a panel, as ``senotarget targets from-doc``.

Importing the package is cheap and never touches the network: the API module is loaded on first
use of one of these names, and pandas, RDKit and the ChEMBL web client are imported inside the
functions that need them. Errors are the exceptions of :mod:`senotarget.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from senotarget.api import Run, explain, extract_panel, load_run, rank

__all__ = ["Run", "explain", "extract_panel", "load_run", "rank"]


def __getattr__(name: str) -> Any:
    """Load :mod:`senotarget.api` when one of its names is first used (PEP 562)."""
    if name in __all__:
        from senotarget import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
