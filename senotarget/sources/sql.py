"""The ``sql`` source: a ChEMBL relational release through SQLAlchemy Core.

One code path serves the SQLite file from the ChEMBL FTP (or a ``chembl_downloader`` download) and
the PostgreSQL load of the same release: every query is a :func:`sqlalchemy.text` statement over the
official ChEMBL schema (https://ftp.ebi.ac.uk/pub/databases/chembl/ChEMBLdb/latest/schema_documentation.html)
with bound parameters only. A list is bound as *one* JSON text parameter and unpacked in SQL
(SQLite's ``json_each``, https://www.sqlite.org/json1.html#jeach; PostgreSQL's
``json_array_elements_text``): one statement whatever the list's length, and no per-element
parameter expansion, which costs SQLAlchemy about 1 ms per 1,000 ids. Other dialects, and SQLite
builds without JSON support, get SQLAlchemy expanding parameters in chunks.

Columns added in later releases are read only when the release has them (activity-level
``action_type`` arrived in ChEMBL 31; a database without ``assays.bao_format`` gives none), so
older releases give missing *data*, not a crash.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from senotarget.errors import ChemblSourceError
from senotarget.schema import (
    ActionTypeCols,
    ActivityCols,
    ChemblPropertyCols,
    ComponentCols,
    MechanismCols,
    MoleculeCols,
    MoleculeNameCols,
    SynonymCols,
)
from senotarget.util.batches import batched

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

__all__ = ["REQUIRED_TABLES", "SqlSource"]

logger = logging.getLogger(__name__)

#: Tables senotarget reads; a database without them is not a ChEMBL release.
REQUIRED_TABLES: Final = (
    "version",
    "target_dictionary",
    "target_components",
    "component_sequences",
    "component_synonyms",
    "assays",
    "activities",
    "docs",
    "molecule_dictionary",
    "compound_structures",
    "molecule_hierarchy",
    "drug_mechanism",
    "action_type",
)

#: Bound parameters per statement: SQLite >= 3.32 allows 32,766 (999 before), psycopg 65,535.
CHUNK: Final = 30000
#: For SQLite builds older than 3.32 (SQLITE_MAX_VARIABLE_NUMBER = 999).
CHUNK_OLD_SQLITE: Final = 900

_SEARCH_TARGETS: Final = """
WITH hits AS (
    SELECT UPPER(syn.component_synonym) AS query, syn.component_id AS component_id,
           LOWER(syn.syn_type) AS matched_by
    FROM component_synonyms syn
    WHERE syn.syn_type IN ('GENE_SYMBOL', 'GENE_SYMBOL_OTHER')
      AND UPPER(syn.component_synonym) IN {symbols}
    UNION
    SELECT seq.accession AS query, seq.component_id AS component_id, 'accession' AS matched_by
    FROM component_sequences seq
    WHERE seq.accession IN {accessions}
)
SELECT hits.query, td.chembl_id, td.target_type, td.pref_name, td.tax_id, seq.accession,
       (SELECT MIN(gs.component_synonym) FROM component_synonyms gs
         WHERE gs.component_id = seq.component_id AND gs.syn_type = 'GENE_SYMBOL'),
       hits.matched_by,
       (SELECT COUNT(*) FROM target_components tc2 WHERE tc2.tid = td.tid)
FROM hits
JOIN target_components tc ON tc.component_id = hits.component_id
JOIN target_dictionary td ON td.tid = tc.tid
JOIN component_sequences seq ON seq.component_id = hits.component_id
WHERE td.tax_id = :tax_id
ORDER BY hits.query, td.chembl_id, hits.matched_by
"""

#: Every synonym (EC numbers aside) and the accession of each component of the taxon's targets,
#: with the component's gene symbol. A few hundred thousand rows on a whole release at most.
_SYNONYMS: Final = """
WITH comps AS (
    SELECT DISTINCT tc.component_id
    FROM target_components tc
    JOIN target_dictionary td ON td.tid = tc.tid
    WHERE td.tax_id = :tax_id
), symbols AS (
    SELECT gs.component_id, MIN(gs.component_synonym) AS symbol
    FROM component_synonyms gs
    JOIN comps ON comps.component_id = gs.component_id
    WHERE gs.syn_type = 'GENE_SYMBOL'
    GROUP BY gs.component_id
)
SELECT syn.component_synonym, syn.syn_type, seq.accession, symbols.symbol
FROM component_synonyms syn
JOIN comps ON comps.component_id = syn.component_id
JOIN component_sequences seq ON seq.component_id = syn.component_id
LEFT JOIN symbols ON symbols.component_id = syn.component_id
WHERE syn.syn_type <> 'EC_NUMBER' AND seq.accession IS NOT NULL
UNION
SELECT seq.accession, 'ACCESSION', seq.accession, symbols.symbol
FROM component_sequences seq
JOIN comps ON comps.component_id = seq.component_id
LEFT JOIN symbols ON symbols.component_id = seq.component_id
WHERE seq.accession IS NOT NULL
ORDER BY 3, 2, 1
"""

#: Molecules by preferred name or synonym, ignoring case (a full scan: asked only for the few
#: known-compounds rows that give a name instead of an id).
_MOLECULES_BY_NAME: Final = """
SELECT UPPER(md.pref_name), md.chembl_id, md.pref_name
FROM molecule_dictionary md
WHERE UPPER(md.pref_name) IN {names}
UNION
SELECT UPPER(ms.synonyms), md.chembl_id, md.pref_name
FROM molecule_synonyms ms
JOIN molecule_dictionary md ON md.molregno = ms.molregno
WHERE UPPER(ms.synonyms) IN {names}
ORDER BY 1, 2
"""

#: What the release computed for molecules: QED (compound_properties.qed_weighted) and the alerts
#: of the PAINS and Dundee (Brenk) sets (compound_structural_alerts).
_QED: Final = """
SELECT md.chembl_id, cp.qed_weighted
FROM molecule_dictionary md
JOIN compound_properties cp ON cp.molregno = md.molregno
WHERE md.chembl_id IN {ids} AND cp.qed_weighted IS NOT NULL
"""
_INCHIKEYS: Final = """
SELECT md.chembl_id, cs.standard_inchi_key
FROM molecule_dictionary md
JOIN compound_structures cs ON cs.molregno = md.molregno
WHERE md.chembl_id IN {ids} AND cs.standard_inchi_key IS NOT NULL AND cs.standard_inchi_key <> ''
"""
_ALERTS: Final = """
SELECT md.chembl_id, sas.set_name, sa.alert_name
FROM compound_structural_alerts csa
JOIN molecule_dictionary md ON md.molregno = csa.molregno
JOIN structural_alerts sa ON sa.alert_id = csa.alert_id
JOIN structural_alert_sets sas ON sas.alert_set_id = sa.alert_set_id
WHERE md.chembl_id IN {ids} AND sas.set_name IN ('PAINS', 'Dundee')
"""
_ALERTS_SCREENED: Final = (
    "SELECT COUNT(*) FROM (SELECT 1 FROM compound_structural_alerts LIMIT 1) s"
)

_ACTIVITIES: Final = """
SELECT act.activity_id, md.chembl_id, td.chembl_id, ass.chembl_id, doc.chembl_id,
       ass.assay_type, ass.description, ass.confidence_score, ass.relationship_type,
       act.standard_type, act.standard_relation, act.standard_value, act.standard_units,
       act.pchembl_value, act.data_validity_comment, act.potential_duplicate,
       act.activity_comment, {action_type}, ass.bao_format
FROM target_dictionary td
JOIN assays ass ON ass.tid = td.tid
JOIN activities act ON act.assay_id = ass.assay_id
JOIN molecule_dictionary md ON md.molregno = act.molregno
LEFT JOIN docs doc ON doc.doc_id = act.doc_id
WHERE td.chembl_id IN {targets}
ORDER BY act.activity_id
"""

_MOLECULES: Final = """
SELECT md.chembl_id, md.pref_name, md.max_phase, md.molecule_type, parent.chembl_id,
       cs.canonical_smiles
FROM molecule_dictionary md
LEFT JOIN compound_structures cs ON cs.molregno = md.molregno
LEFT JOIN molecule_hierarchy mh ON mh.molregno = md.molregno
LEFT JOIN molecule_dictionary parent ON parent.molregno = mh.parent_molregno
WHERE md.chembl_id IN {ids}
"""

_MECHANISMS: Final = """
SELECT dm.mec_id, md.chembl_id, td.chembl_id, dm.action_type, dm.mechanism_of_action
FROM drug_mechanism dm
JOIN target_dictionary td ON td.tid = dm.tid
JOIN molecule_dictionary md ON md.molregno = dm.molregno
WHERE td.chembl_id IN {targets}
ORDER BY dm.mec_id
"""

_ACTION_TYPES: Final = "SELECT action_type, parent_type FROM action_type ORDER BY action_type"

#: The indexes the queries above rely on: (name, table, columns). ChEMBL's own releases ship
#: them (its schema keys and foreign-key indexes, under other names); a copy loaded by
#: ``senotarget db load`` gets exactly these. Each serves one join or filter:
#: targets by ChEMBL id (activities, mechanisms), assays by target, activities by assay,
#: molecules by molregno and by ChEMBL id, documents by id, the component joins of the target
#: search and the synonym listing, mechanisms by target, hierarchy and structures by molregno.
INDEXES: Final = (
    ("senotarget_td_chembl_id", "target_dictionary", "chembl_id"),
    ("senotarget_td_tid", "target_dictionary", "tid"),
    ("senotarget_td_tax_id", "target_dictionary", "tax_id"),
    ("senotarget_assays_tid", "assays", "tid"),
    ("senotarget_assays_assay_id", "assays", "assay_id"),
    ("senotarget_act_assay_id", "activities", "assay_id"),
    ("senotarget_md_molregno", "molecule_dictionary", "molregno"),
    ("senotarget_md_chembl_id", "molecule_dictionary", "chembl_id"),
    ("senotarget_docs_doc_id", "docs", "doc_id"),
    ("senotarget_tc_tid", "target_components", "tid"),
    ("senotarget_tc_component_id", "target_components", "component_id"),
    ("senotarget_cseq_component_id", "component_sequences", "component_id"),
    ("senotarget_cseq_accession", "component_sequences", "accession"),
    ("senotarget_csyn_component_id", "component_synonyms", "component_id"),
    ("senotarget_dm_tid", "drug_mechanism", "tid"),
    ("senotarget_mh_molregno", "molecule_hierarchy", "molregno"),
    ("senotarget_cs_molregno", "compound_structures", "molregno"),
    ("senotarget_ms_molregno", "molecule_synonyms", "molregno"),
)


def _engine_for(location: str) -> tuple[Engine, str]:
    """An SQLAlchemy engine and a display location for a file path or a database URL.

    A file is opened through an SQLite URI with ``mode=ro`` (senotarget never writes to a ChEMBL
    release) by a ``creator`` function, so SQLAlchemy does not URL-decode the path: a ``#``, ``?``
    or ``%`` in a folder name reaches SQLite percent-encoded, as its URI syntax requires
    (https://www.sqlite.org/uri.html).
    """
    import sqlite3

    from sqlalchemy import create_engine

    if "://" in location:
        return _engine_for_url(location)
    path = Path(location).expanduser()
    if path.is_dir():
        raise ChemblSourceError(
            location,
            "is a folder, not a database file",
            "pass --chembl-db the path of a ChEMBL SQLite file inside it (e.g. chembl_35.db)",
        )
    if not path.is_file():
        raise ChemblSourceError(
            location,
            "file does not exist",
            "pass --chembl-db the path of a ChEMBL SQLite release (or set SENOTARGET_CHEMBL_DB)",
        )
    resolved = path.resolve()
    uri = f"file:{quote(str(resolved), safe='/')}?mode=ro"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    return engine, str(resolved)


def _engine_for_url(location: str) -> tuple[Engine, str]:
    """An engine for a database URL, refusing what cannot work before any connection.

    A malformed URL and a dialect or driver that is not installed are one-line errors; an
    ``sqlite:///PATH`` URL is opened like a plain path (read-only, and never created when the
    file is missing: SQLite would create an empty database there).
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    example = "e.g. postgresql+psycopg://user@host/chembl_35, or a ChEMBL SQLite file path"
    try:
        url = make_url(location)
    except (ArgumentError, ValueError) as error:
        raise ChemblSourceError(
            location, f"is not a database URL ({error})", f"pass --chembl-db {example}"
        ) from None
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return _engine_for(str(url.database))
    try:
        return create_engine(url), shown
    except NoSuchModuleError:
        raise ChemblSourceError(
            shown,
            f"names the database dialect {url.drivername!r}, which SQLAlchemy does not know",
            f"pass --chembl-db {example}",
        ) from None
    except ImportError as error:
        raise ChemblSourceError(
            shown,
            f"needs the Python driver {error.name or url.drivername!r}, which is not installed",
            "install it (for PostgreSQL: pip install 'psycopg[binary]') or use a SQLite file",
        ) from None


class SqlSource:
    """A ChEMBL release in a relational database (SQLite file or database URL).

    :param location: a file path, or an SQLAlchemy URL such as
        ``postgresql+psycopg://user@host/chembl_35``
    :raises ChemblSourceError: the database cannot be opened or lacks the ChEMBL tables
    """

    def __init__(self, location: str) -> None:
        from sqlalchemy import inspect
        from sqlalchemy.exc import SQLAlchemyError

        self._engine, self.location = _engine_for(location)
        try:
            inspector = inspect(self._engine)
            tables = set(inspector.get_table_names())
            activity_columns = (
                {c["name"] for c in inspector.get_columns("activities")}
                if "activities" in tables
                else set()
            )
            assay_columns = (
                {c["name"] for c in inspector.get_columns("assays")}
                if "assays" in tables
                else set()
            )
        except SQLAlchemyError as error:
            orig = getattr(error, "orig", None)
            reason = str(orig) if orig is not None else type(error).__name__
            raise ChemblSourceError(
                self.location,
                f"cannot be opened as a database ({reason})",
                "pass --chembl-db a ChEMBL SQLite file or a database URL",
            ) from None
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise ChemblSourceError(
                self.location,
                f"is not a ChEMBL release (missing table(s) {', '.join(missing[:4])})",
                "pass --chembl-db a ChEMBL SQLite release in the official schema",
            )
        self._table_names = frozenset(tables)
        self._has_activity_action_type = "action_type" in activity_columns
        self._has_bao_format = "bao_format" in assay_columns
        self._driver_errors: tuple[type[Exception], ...] = (
            getattr(self._engine.dialect.dbapi, "Error", Exception),
        )
        self._release: str | None = None
        self._chunk = CHUNK
        self._json_lists = self._engine.dialect.name == "postgresql"
        if self._engine.dialect.name == "sqlite":
            import sqlite3

            if sqlite3.sqlite_version_info < (3, 32, 0):
                self._chunk = CHUNK_OLD_SQLITE
            self._json_lists = self._has_json_each()
        if self._json_lists:
            self._chunk = sys.maxsize

    # -- helpers -------------------------------------------------------------------------------
    def _has_json_each(self) -> bool:
        """Whether this SQLite build has the JSON functions (built in since SQLite 3.38)."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT value FROM json_each('[1]')")).fetchall()
        except SQLAlchemyError:
            return False
        return True

    def _list_sql(self, name: str) -> str:
        """The SQL for ``IN <list parameter name>`` on this engine (see the module docstring)."""
        # ``name`` is one of this module's own parameter names, never user text: the values
        # themselves are always bound.
        if not self._json_lists:
            return f":{name}"
        if self._engine.dialect.name == "sqlite":
            return f"(SELECT value FROM json_each(:{name}))"  # noqa: S608
        return f"(SELECT json_array_elements_text(CAST(:{name} AS json)))"

    def _rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Run one statement with bound parameters and return its rows as plain tuples.

        ``{name}`` markers in ``sql`` stand for list parameters (``IN {name}``). The statement is
        compiled by SQLAlchemy for the engine's dialect and executed on the DB-API cursor of a
        pooled connection: the same bound-parameter code path for SQLite and PostgreSQL, without
        SQLAlchemy's per-row result processing, which costs more than the query itself on ~10^5
        activity rows.
        """
        rows: list[tuple[Any, ...]] = []
        for batch in self._batches(sql, None, **params):
            rows.extend(batch)
        return rows

    def _batches(
        self, sql: str, size: int | None, **params: Any
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of one statement in batches of at most ``size`` (``None``: one batch).

        With a size the rows stream: SQLite's cursor steps through the result as it is fetched,
        and on PostgreSQL a named (server-side) cursor keeps the result on the server, so neither
        side holds more than one batch (psycopg, "Server-side cursors",
        https://www.psycopg.org/psycopg3/docs/advanced/cursors.html).
        """
        from sqlalchemy import bindparam, text
        from sqlalchemy.exc import DBAPIError, SQLAlchemyError

        lists = {k for k, v in params.items() if isinstance(v, list)}
        if lists:
            sql = sql.format(**{k: self._list_sql(k) for k in lists})
        if self._json_lists:
            params = {k: json.dumps(v) if k in lists else v for k, v in params.items()}
            lists = set()
        statement = text(sql).bindparams(
            *(bindparam(k, value=v, expanding=k in lists) for k, v in params.items())
        )
        try:
            compiled = statement.compile(
                dialect=self._engine.dialect, compile_kwargs={"render_postcompile": True}
            )
            values = compiled.params
            positions = compiled.positiontup
            bound = [values[k] for k in positions] if positions is not None else values
            with self._engine.connect() as connection:
                driver = connection.connection.driver_connection
                streamed = size is not None and self._engine.dialect.name == "postgresql"
                cursor = (
                    driver.cursor(name="senotarget_batches")  # type: ignore[union-attr]
                    if streamed
                    else driver.cursor()  # type: ignore[union-attr]
                )
                try:
                    cursor.execute(compiled.string, bound)
                    if size is None:
                        yield list(cursor.fetchall())
                        return
                    while batch := list(cursor.fetchmany(size)):
                        yield batch
                finally:
                    cursor.close()
        except self._driver_errors as error:
            raise ChemblSourceError(
                self.location,
                f"query failed ({error})",
                "check that the file is a complete ChEMBL release",
            ) from None
        except (DBAPIError, SQLAlchemyError) as error:
            reason = str(getattr(error, "orig", None) or type(error).__name__)
            raise ChemblSourceError(
                self.location,
                f"query failed ({reason})",
                "check that the file is a complete ChEMBL release",
            ) from None

    def _frame(
        self, rows: list[tuple[Any, ...]], columns: Sequence[str], numeric: Sequence[str] = ()
    ) -> pd.DataFrame:
        """Turn rows into a DataFrame, converting the named ``numeric`` columns to numbers.

        Text columns stay ``object``: pandas 3's string inference costs more than the query itself
        on large tables.
        """
        import pandas as pd

        frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
        for column in numeric:
            try:  # drivers give numbers (or Decimal, or None): a plain cast is 3x cheaper
                frame[column] = frame[column].astype("float64")
            except (TypeError, ValueError):  # a text value in a numeric column: NaN, not a crash
                frame[column] = pd.to_numeric(frame[column], errors="coerce")
        return frame

    def _chunked(
        self, sql: str, key: str, ids: Sequence[str], **params: Any
    ) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for chunk in batched(ids, self._chunk):
            rows.extend(self._rows(sql, **{key: chunk}, **params))
        return rows

    # -- ChemblSource ----------------------------------------------------------------------------
    def release(self) -> str:
        """The release name from ChEMBL's ``version`` table (e.g. ``ChEMBL_35``)."""
        if self._release is None:
            rows = self._rows("SELECT name FROM version ORDER BY name DESC")
            if not rows or not rows[0][0]:
                raise ChemblSourceError(
                    self.location, "has an empty version table", "use a complete ChEMBL release"
                )
            self._release = str(rows[0][0])
        return self._release

    def search_targets(self, queries: Sequence[str], tax_id: int) -> pd.DataFrame:
        """Targets containing components whose gene symbol or accession matches a query."""
        symbols = sorted({q.upper() for q in queries})
        accessions = sorted(set(queries))
        rows = self._rows(_SEARCH_TARGETS, symbols=symbols, accessions=accessions, tax_id=tax_id)
        return self._frame(
            rows, ComponentCols.ORDER, (ComponentCols.TAX_ID, ComponentCols.N_COMPONENTS)
        )

    def synonyms(self, tax_id: int) -> pd.DataFrame:
        """Every synonym and accession of the components of the taxon's targets."""
        return self._frame(self._rows(_SYNONYMS, tax_id=tax_id), SynonymCols.ORDER)

    def molecules_by_name(self, names: Sequence[str]) -> pd.DataFrame:
        """Molecules whose preferred name or a synonym is one of ``names``, ignoring case."""
        wanted = sorted({n.upper() for n in names if n})
        rows = self._rows(_MOLECULES_BY_NAME, names=wanted) if wanted else []
        return self._frame(rows, MoleculeNameCols.ORDER)

    def chembl_properties(self, molecule_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """The release's own InChIKeys, QED and PAINS/Dundee alerts (ChemblPropertyCols)."""
        tables = self._table_names
        keys = {str(m): str(k) for m, k in self._chunked(_INCHIKEYS, "ids", molecule_chembl_ids)}
        qed: dict[str, float] = {}
        if "compound_properties" in tables:
            qed = {str(m): float(v) for m, v in self._chunked(_QED, "ids", molecule_chembl_ids)}
        alerts: dict[str, dict[str, set[str]]] = {}
        screened = 0.0
        if {"compound_structural_alerts", "structural_alerts", "structural_alert_sets"} <= tables:
            screened = float(bool(self._rows(_ALERTS_SCREENED)[0][0]))
            for molecule, set_name, name in self._chunked(_ALERTS, "ids", molecule_chembl_ids):
                sets = alerts.setdefault(str(molecule), {"PAINS": set(), "Dundee": set()})
                sets[str(set_name)].add(str(name))
        return self._frame(
            _property_rows(molecule_chembl_ids, keys, qed, alerts, screened),
            ChemblPropertyCols.ORDER,
            (ChemblPropertyCols.QED_WEIGHTED, ChemblPropertyCols.ALERTS_SCREENED),
        )

    def _activities_sql(self) -> str:
        action = "act.action_type" if self._has_activity_action_type else "NULL"
        sql = _ACTIVITIES.replace("{action_type}", action)
        if not self._has_bao_format:
            sql = sql.replace("ass.bao_format", "NULL")
        return sql

    def activities(self, target_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """Activities on the targets, joined to their assay, document and molecule ids."""
        rows = self._chunked(self._activities_sql(), "targets", target_chembl_ids)
        frame = self._frame(rows, ActivityCols.ORDER, ActivityCols.NUMERIC)
        if frame[ActivityCols.ACTIVITY_ID].is_monotonic_increasing:  # one chunk: SQL sorted it
            return frame
        return frame.sort_values(ActivityCols.ACTIVITY_ID, kind="stable", ignore_index=True)

    def activity_batches(
        self, target_chembl_ids: Sequence[str], rows: int
    ) -> Iterator[pd.DataFrame]:
        """The activities of :meth:`activities` in frames of at most ``rows`` rows, streamed.

        One query per chunk of target ids, its rows fetched ``rows`` at a time, so memory holds
        one frame however many activities the targets have.
        """
        sql = self._activities_sql()
        for chunk in batched(target_chembl_ids, self._chunk):
            for batch in self._batches(sql, rows, targets=chunk):
                yield self._frame(batch, ActivityCols.ORDER, ActivityCols.NUMERIC)

    def molecules(self, molecule_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """Molecules by ChEMBL id, with canonical SMILES and molecule_hierarchy parent."""
        rows = self._chunked(_MOLECULES, "ids", molecule_chembl_ids)
        return self._frame(rows, MoleculeCols.ORDER, (MoleculeCols.MAX_PHASE,))

    def mechanisms(self, target_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """drug_mechanism records on the targets."""
        rows = self._chunked(_MECHANISMS, "targets", target_chembl_ids)
        frame = self._frame(rows, MechanismCols.ORDER, (MechanismCols.MEC_ID,))
        return frame.sort_values(MechanismCols.MEC_ID, kind="stable", ignore_index=True)

    def action_types(self) -> pd.DataFrame:
        """The action_type lookup with its parent_type (NEGATIVE/POSITIVE MODULATOR, OTHER)."""
        return self._frame(self._rows(_ACTION_TYPES), ActionTypeCols.ORDER)

    def missing(self) -> list[str]:
        """Nothing: a local release answers every query."""
        return []

    def close(self) -> None:
        """Dispose of the engine's connections."""
        self._engine.dispose()


def _property_rows(
    ids: Sequence[str],
    keys: dict[str, str],
    qed: dict[str, float],
    alerts: dict[str, dict[str, set[str]]],
    screened: float,
) -> list[tuple[Any, ...]]:
    """One :class:`ChemblPropertyCols` row per distinct id (shared with the web source)."""
    rows = []
    for molecule in dict.fromkeys(ids):
        sets = alerts.get(molecule, {})
        rows.append(
            (
                molecule,
                keys.get(molecule),
                qed.get(molecule),
                ";".join(sorted(sets.get("PAINS", ()))),
                ";".join(sorted(sets.get("Dundee", ()))),
                screened,
            )
        )
    return rows
