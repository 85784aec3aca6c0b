"""ChEMBL sources: one protocol, several backends (DESIGN §2).

Every backend answers the same few questions with DataFrames in the fixed columns of
:mod:`senotarget.schema`, so the stages never know where the data came from. These modules are the
only ones that do I/O with ChEMBL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from senotarget.errors import ChemblSourceError
from senotarget.schema import SourceInfo

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import pandas as pd

    from senotarget.config import Settings

__all__ = ["ChemblSource", "find_downloaded_release", "open_source"]


@runtime_checkable
class ChemblSource(Protocol):
    """What senotarget asks of ChEMBL.

    Every method returns a DataFrame with exactly the columns of the named ``schema`` class, in
    that order, and may return an empty one.
    """

    location: str

    def release(self) -> str:
        """The ChEMBL release name, e.g. ``"ChEMBL_35"``."""

    def search_targets(self, queries: Sequence[str], tax_id: int) -> pd.DataFrame:
        """Targets whose components match gene symbols or UniProt accessions.

        Complexes and families are included (:class:`~senotarget.schema.ComponentCols`).
        """

    def synonyms(self, tax_id: int) -> pd.DataFrame:
        """Every synonym and accession of the components of the taxon's targets.

        (:class:`~senotarget.schema.SynonymCols`); ``targets from-doc`` grounds on it.
        """

    def molecules_by_name(self, names: Sequence[str]) -> pd.DataFrame:
        """Molecules whose preferred name or a synonym is one of ``names``, ignoring case.

        (:class:`~senotarget.schema.MoleculeNameCols`); a known-compounds row given by name.
        """

    def chembl_properties(self, molecule_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """The release's own QED and PAINS/Dundee alerts for the molecules.

        (:class:`~senotarget.schema.ChemblPropertyCols`); what the chemistry stage need not
        compute.
        """

    def activities(self, target_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """Activities on the targets, with their assay fields (``ActivityCols``)."""

    def activity_batches(
        self, target_chembl_ids: Sequence[str], rows: int
    ) -> Iterator[pd.DataFrame]:
        """The same activities in frames of at most ``rows`` rows, as they are read.

        A run over a whole release curates them a frame at a time and never holds them all.
        """

    def molecules(self, molecule_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """Molecules with structure, phase and hierarchy parent (``MoleculeCols``)."""

    def mechanisms(self, target_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """ChEMBL drug_mechanism records on the targets (``MechanismCols``)."""

    def action_types(self) -> pd.DataFrame:
        """The ChEMBL action_type lookup (:class:`~senotarget.schema.ActionTypeCols`)."""

    def missing(self) -> list[str]:
        """What an offline source could not answer (empty for a complete answer)."""

    def close(self) -> None:
        """Release connections."""


def find_downloaded_release(environ: dict[str, str] | None = None) -> Path | None:
    """The newest ChEMBL SQLite file that ``chembl_downloader`` left on disk, if any.

    chembl_downloader stores releases with pystow under ``~/.data/chembl/<version>/``
    (``PYSTOW_HOME`` moves ``~/.data``, ``CHEMBL_HOME`` moves the ``chembl`` folder) and extracts
    ``chembl_<version>.db`` inside it.
    """
    env = dict(os.environ if environ is None else environ)
    if env.get("CHEMBL_HOME"):
        root = Path(env["CHEMBL_HOME"])
    else:
        root = Path(env.get("PYSTOW_HOME", str(Path.home() / ".data"))) / "chembl"
    if not root.is_dir():
        return None
    found: list[tuple[float, Path]] = []
    for path in root.glob("*/**/chembl_*.db"):
        version = path.stem.removeprefix("chembl_").replace("_", ".")
        try:
            found.append((float(version), path))
        except ValueError:
            continue
    return max(found)[1] if found else None


def open_source(settings: Settings) -> tuple[ChemblSource, SourceInfo]:
    """Open the source the settings ask for; ``auto`` picks ``sql`` when a local release is known.

    :returns: the open source and a :class:`SourceInfo` saying which one ran and why
    :raises ChemblSourceError: the database cannot be opened or is not a ChEMBL release, or no
        source is usable
    """
    from senotarget.sources.sql import SqlSource

    kind = settings.source
    db = settings.chembl_db
    reason: str
    if kind == "auto":
        if db:
            kind, reason = (
                "sql",
                f"auto: a local release is configured ({settings.origins.get('chembl_db', '?')})",
            )
        else:
            downloaded = find_downloaded_release()
            if downloaded is not None:
                kind, db = "sql", str(downloaded)
                reason = "auto: found a chembl_downloader release on disk"
            else:
                kind, reason = "web", "auto: no local ChEMBL release configured"
    else:
        reason = f"--source {kind} ({settings.origins.get('source', 'argument')})"

    if kind == "sql":
        if not db:
            raise ChemblSourceError(
                "(none)",
                "the sql source needs a ChEMBL release",
                "pass --chembl-db PATH_OR_URL or set SENOTARGET_CHEMBL_DB",
            )
        source = SqlSource(db)
        return source, SourceInfo("sql", source.location, source.release(), reason)
    from senotarget.sources.web import WebSource

    web = WebSource(
        settings.chembl_url, cache_dir=settings.cache_dir / "web", offline=settings.offline
    )
    return web, SourceInfo("web", web.location, web.release(), reason)
