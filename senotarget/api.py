"""The Python API: what the ``senotarget`` commands do, as functions that return records.

Import it from the package root (``senotarget.rank``, ``senotarget.load_run``,
``senotarget.explain``, ``senotarget.extract_panel``, ``senotarget.Run``). Every function
mirrors a command: it resolves settings as the command does (keyword argument >
``SENOTARGET_*`` variable > config file > default), calls the same library code, and raises the
package's own exceptions (:mod:`senotarget.errors`) where the command would print one line and
exit 1. Nothing here prints, exits, or touches the network before a function is called; pandas,
RDKit and the ChEMBL client are imported inside the functions that need them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.runs.explain import Explanation
    from senotarget.schema import Panel

__all__ = ["Run", "explain", "extract_panel", "load_run", "rank"]

#: A path given as text or as a path object.
PathLike = str | os.PathLike[str]


@dataclass(frozen=True, eq=False)
class Run:
    """A finished run, read back from its folder.

    The tables are read from the run's CSV files with
    :func:`senotarget.report.files.read_run_table`, so they carry the declared dtypes (text as
    strings, an empty text cell ``""``; numbers as floats or integers; flags as booleans) and
    equal what a later :func:`load_run` of the same folder gives. Two records are equal only if
    they are the same object (compare the tables with :meth:`pandas.DataFrame.equals`).

    :ivar run_dir: the run folder, ``<out>/<run-id>/``
    :ivar run_id: the run's name
    :ivar manifest: ``manifest.json``: tool and library versions, ChEMBL release and source,
        panel, every setting with its origin, counts, cache use and stage timings
    :ivar candidates: ``candidates.csv``, one row per (compound, strategy), by strategy and rank
    :ivar evidence: ``evidence.csv``, one row per (parent compound, target, standard_type)
    :ivar targets: ``targets.csv``, one row per (panel entry, gene, ChEMBL target)
    :ivar validation: ``validation.csv`` (the known senotherapeutics), ``None`` if the run has none
    :ivar changes: ``changes.csv`` (a refresh against the previous run), ``None`` if absent
    :ivar rankings: ``rankings.csv``, the ranks within each strategy, panel entry and gene
        (``None`` for a run written before the rank stage)
    :ivar selectivity: ``selectivity.csv``, the top compounds x panel genes (``None`` likewise)
    """

    run_dir: Path
    run_id: str
    manifest: dict[str, Any]
    candidates: pd.DataFrame
    evidence: pd.DataFrame
    targets: pd.DataFrame
    validation: pd.DataFrame | None = None
    changes: pd.DataFrame | None = None
    rankings: pd.DataFrame | None = None
    selectivity: pd.DataFrame | None = None

    def __repr__(self) -> str:
        release = self.manifest.get("chembl", {}).get("release", "?")
        return (
            f"Run(run_id={self.run_id!r}, run_dir={str(self.run_dir)!r}, chembl={release!r}, "
            f"candidates={len(self.candidates)} rows, evidence={len(self.evidence)} rows, "
            f"targets={len(self.targets)} rows)"
        )


def rank(
    panel: PathLike | None = "default",
    chembl_db: PathLike | None = None,
    **settings: Any,
) -> Run:
    """Rank the compounds of a panel, write the run folder, and return the run (``senotarget run``).

    :param panel: a panel TOML file or a built-in panel name (``"default"``); ``None`` takes the
        panel setting (``SENOTARGET_PANEL``, the config file, else ``default``)
    :param chembl_db: a ChEMBL SQLite file or database URL (``None``: ``SENOTARGET_CHEMBL_DB``,
        the config file, a chembl_downloader release on disk, else the web source)
    :param settings: any other setting, by the names :func:`senotarget.config.load_settings`
        takes: ``source``, ``chembl_url``, ``offline``, ``out_dir``, ``cache_dir``, ``run_id``,
        ``workers``, ``report_top``, ``known_compounds``, ``config`` (a config TOML), ``env`` (the
        environment to read instead of :data:`os.environ`), ``weights`` and ``thresholds``
        (mappings by name); ``None`` counts as not given
    :returns: the finished run, read back from the folder it wrote
    :raises SenotargetError: an invalid setting (:class:`~senotarget.errors.ConfigError`), a bad
        panel (:class:`~senotarget.errors.PanelError`), an unusable ChEMBL source
        (:class:`~senotarget.errors.ChemblSourceError`), an unwritable output folder
        (:class:`~senotarget.errors.OutputError`), or no panel gene resolved
        (:class:`~senotarget.errors.UnknownTargetError`)
    :raises TypeError: a keyword that is not a setting
    """
    from senotarget.config import load_settings
    from senotarget.pipeline import run

    resolved = load_settings(
        panel=None if panel is None else os.fspath(panel),
        chembl_db=None if chembl_db is None else os.fspath(chembl_db),
        **settings,
    )
    result = run(resolved)
    return load_run(result.run_dir)


def _run_folder(path: PathLike) -> Path:
    """A run folder, or the latest run under a reports (``--out``) folder."""
    from senotarget.errors import OutputError
    from senotarget.report import files

    folder = Path(path)
    if (folder / files.MANIFEST).is_file():
        return folder
    latest = files.latest_run(folder)
    if latest is None:
        raise OutputError(
            f"{folder} is neither a finished senotarget run nor a folder of runs",
            "pass a run folder written by `senotarget run`, or the --out folder holding it",
        )
    return latest


def load_run(path: PathLike) -> Run:
    """Read a finished run: a run folder, or a reports folder (``--out``) meaning its latest run.

    :param path: ``<out>/<run-id>/`` or ``<out>/``
    :returns: the run's manifest and tables
    :raises OutputError: the folder is not a finished run and holds none, or a table is not one
        this version of senotarget reads
    """
    from senotarget.report import files

    folder = _run_folder(path)
    tables = {name: files.read_run_table(folder, name) for name in files.TABLES}
    optional = {
        name: files.read_run_table(folder, name) if (folder / name).is_file() else None
        for name in files.OPTIONAL_TABLES
    }
    record = files.read_manifest(folder)
    return Run(
        run_dir=folder,
        run_id=str(record.get("run_id") or folder.name),
        manifest=record,
        candidates=tables["candidates.csv"],
        evidence=tables["evidence.csv"],
        targets=tables["targets.csv"],
        validation=optional["validation.csv"],
        changes=optional["changes.csv"],
        rankings=optional["rankings.csv"],
        selectivity=optional["selectivity.csv"],
    )


def explain(run: Run | PathLike, compound: str, strategy: str | None = None) -> Explanation:
    """One compound's score breakdown in a run (``senotarget explain``).

    :param run: a :class:`Run`, a run folder, or a reports folder (its latest run)
    :param compound: a ChEMBL id or preferred name, any case (``"CHEMBL443684"``,
        ``"navitoclax"``)
    :param strategy: keep only the candidate row of this strategy (``senolytic``,
        ``senomorphic`` or ``senoreverter``); the evidence rows are the compound's on every target
    :returns: the :class:`senotarget.runs.explain.Explanation`: the compound's candidate rows
        (every score component), its evidence rows and the run's score weights
    :raises OutputError: not a finished run
    :raises UnknownCompoundError: the compound is not in the run, or has no row for ``strategy``
    :raises ConfigError: ``strategy`` is not a strategy
    """
    from senotarget.errors import ConfigError, UnknownCompoundError
    from senotarget.runs.explain import explain as explain_compound
    from senotarget.schema import STRATEGIES, CandidateCols

    if strategy is not None and strategy not in STRATEGIES:
        raise ConfigError(
            f"strategy {strategy!r} is unknown", f"use one of {', '.join(STRATEGIES)}"
        )
    folder = run.run_dir if isinstance(run, Run) else _run_folder(run)
    found = explain_compound(compound, folder, folder.parent)
    if strategy is None:
        return found
    rows = found.candidates[found.candidates[CandidateCols.STRATEGY] == strategy]
    if rows.empty:
        has = sorted(set(found.candidates[CandidateCols.STRATEGY]))
        raise UnknownCompoundError(
            f"compound {compound!r} has no {strategy} row in run {folder}",
            f"pass one of its strategies ({', '.join(has)})" if has else "pass no strategy",
            compound=compound,
            run_dir=folder,
        )
    return replace(found, candidates=rows)


def extract_panel(
    document: PathLike,
    output: PathLike | None = None,
    *,
    chembl_db: PathLike | None = None,
    **settings: Any,
) -> tuple[Panel, str]:
    """Turn a document into a panel, grounded on a ChEMBL source (``senotarget targets from-doc``).

    :param document: plain text, Markdown with YAML front matter (PFOCR), PubMed or PMC XML
    :param output: also write the panel TOML here (atomically), as ``-o`` does
    :param chembl_db: the ChEMBL release whose target components ground the genes (as for
        :func:`rank`)
    :param settings: other settings by name, as for :func:`rank` (``source``, ``chembl_url``,
        ``config``, ``env``, ...)
    :returns: the panel as ``senotarget run --panel`` reads it, and its TOML text (with the
        ``[[unassigned]]`` and ``[[ungrounded]]`` findings and their sentences)
    :raises ConfigError: the document is missing, unreadable or names nothing usable
    :raises ChemblSourceError: the source cannot be used
    :raises OutputError: ``output`` cannot be written
    :raises TypeError: a keyword that is not a setting
    """
    from senotarget.config import load_settings
    from senotarget.panels.load import parse_panel
    from senotarget.pipeline import targets_from_document
    from senotarget.report.files import write_text_atomic

    resolved = load_settings(
        chembl_db=None if chembl_db is None else os.fspath(chembl_db), **settings
    )
    text, _extraction = targets_from_document(resolved, Path(document))
    where = f"extracted from {os.fspath(document)}"
    if output is not None:
        write_text_atomic(Path(output), text)
        where = os.fspath(output)
    return parse_panel(text, source=where), text
