"""Build a scaled-up copy of a ChEMBL SQLite database for scale benchmarks.

Why
---
The real-data extract (``../shared/chembl/chembl_senotarget.sqlite``) holds about 83 k activities,
6.6 k assays and 1.8 k documents; a full ChEMBL release holds some 20 M activities. A benchmark
that wants to see how a tool behaves at release-like cardinalities needs a bigger file in the same
schema, without inventing compounds or targets. :func:`build_scaled` makes one: it repeats the
*evidence* (``docs``, ``assays``, ``activities``) ``factor`` times under new ids and leaves every
other table as it is. Molecules and targets are **not** copied, so the per-(compound, target)
tables a tool aggregates to stay the same size while the rows read to build them grow
``factor``-fold. The copy is for timing only: a repeated activity is not new evidence, and a tool
that counts measurements or documents will count each one ``factor`` times.

How
---
1. ``source`` is copied into ``dest.with_suffix(".part")`` with the sqlite3 backup API, so the copy
   keeps every table, index, UNIQUE constraint and ``sqlite_stat*`` row the source has.
2. On that copy (``PRAGMA journal_mode=OFF``, ``synchronous=OFF``, one transaction), with the
   source attached read-only, copy ``k`` (``k = 1 .. factor-1``) is one set-based
   ``INSERT INTO ... SELECT`` per table, with the ids shifted by ``k`` times the table's offset
   (``offset = max id + 1``):

   * ``docs.doc_id``, ``assays.assay_id``, ``activities.activity_id`` -> ``id + k * offset``;
   * ``assays.doc_id`` and ``activities.doc_id`` -> the copied doc; ``activities.assay_id`` -> the
     copied assay (a NULL ``doc_id`` stays NULL);
   * ``docs.chembl_id`` and ``assays.chembl_id`` -> ``'CHEMBL' || (k * N + doc_id)`` and
     ``'CHEMBL' || (k * N + doc_offset + assay_id)``, where ``N`` is a power of ten larger than
     every ``CHEMBL<digits>`` number in any ``*chembl_id`` column of the database and than
     ``doc_offset + assay_offset``. Copy ``k`` therefore uses numbers in ``(k * N, (k+1) * N)``
     only: unique across documents, assays, copies and every id the source holds, and still of
     the form ``CHEMBL<digits>`` (ChEMBL's ``uk_docs_chemblid`` / ``uk_assays_chemblid`` UNIQUE
     and ``ck_*_chemblid`` CHECK constraints hold). A NULL ``chembl_id`` stays NULL;
   * ``chembl_id_lookup``: only if the source has rows in it, every document or assay that has a
     lookup row gets one for its copy (new ``chembl_id`` and ``entity_id``; ``entity_type``,
     ``status`` and ``last_active`` copied), so its PRIMARY KEY and
     UNIQUE (``entity_type``, ``entity_id``) stay valid;
   * every other column is copied unchanged: ``molregno``, ``record_id``, ``tid``, ``src_id``,
     values, units, flags, comments, ``pubmed_id``, ``doi``, ...

3. With ``confidence`` given, ``assays.confidence_score`` is set to it wherever it is NULL (most
   assays of the extract have none), so that a peer tool that filters on the confidence score
   keeps the rows and has work to time. The scores are made up: **timing only**.
4. ``ANALYZE`` (still in the one transaction), commit, fsync, then ``os.replace`` onto ``dest``: a
   reader never sees a half-built file, and a failed build leaves no ``.part`` behind.

Not copied
----------
Tables that hang off an activity or an assay keep only the rows of the original ids:
``activity_properties``, ``activity_supp_map``, ``assay_parameters``, ``assay_class_map``,
``ligand_eff`` (keyed by ``activity_id``), ``predicted_binding_domains``, and the extract's own
``ext_*`` tables (provenance keyed by activity, assay or document). Neither are
``compound_records`` (a copied activity keeps its ``record_id``, whose record names the original
document), ``molecule_dictionary``, ``target_dictionary`` or any other table. Foreign keys are
not enforced during the build (the extract declares none); the copies satisfy the ones ChEMBL
declares on ``docs``, ``assays`` and ``activities`` wherever the originals do.

Run: ``python -m benchmarks.scale_extract SOURCE DEST --factor 10 [--confidence 9]`` prints the
counts as JSON. On the real extract (2 CPUs), 10x (833 k activities, 150 MB) takes 3-5 s and
100x (8.3 M activities, 1.3 GB) 45-60 s, nearly all of it in the activities inserts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sqlite3
from pathlib import Path
from typing import Final

#: The tables that are repeated, each with its id column, in the order they are copied.
TABLES: Final = (("docs", "doc_id"), ("assays", "assay_id"), ("activities", "activity_id"))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(connection: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in connection.execute(f"PRAGMA main.table_info({_quote(table)})")]


def _has_table(connection: sqlite3.Connection, table: str) -> bool:
    row = connection.execute(
        "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return row is not None


def _max_chembl_number(connection: sqlite3.Connection) -> int:
    """The largest ``N`` of any ``CHEMBL<N>`` in a ``chembl_id`` / ``*_chembl_id`` column."""
    largest = 0
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for table in tables:
        for column in _columns(connection, table):
            if column.lower() != "chembl_id" and not column.lower().endswith("_chembl_id"):
                continue
            col = _quote(column)
            row = connection.execute(
                f"SELECT MAX(CAST(SUBSTR({col}, 7) AS INTEGER)) FROM main.{_quote(table)} "
                f"WHERE {col} GLOB 'CHEMBL[0-9]*'"
            ).fetchone()
            if row[0] is not None:
                largest = max(largest, int(row[0]))
    return largest


def _offsets(connection: sqlite3.Connection) -> dict[str, int]:
    """``max id + 1`` of each repeated table; ids must not be negative."""
    offsets: dict[str, int] = {}
    for table, key in TABLES:
        low, high = connection.execute(
            f"SELECT MIN({key}), MAX({key}) FROM main.{table}"
        ).fetchone()
        if low is not None and int(low) < 0:
            raise ValueError(f"{table}.{key} has negative ids: cannot shift them into free ranges")
        offsets[table] = 1 if high is None else int(high) + 1
    return offsets


def _copy_statement(connection: sqlite3.Connection, table: str) -> str:
    """``INSERT INTO main.table SELECT ... FROM src.table`` with the id expressions of copy ``k``.

    The statement takes the named parameters ``k``, ``doc_off``, ``assay_off``, ``act_off`` and
    ``base`` (the chembl_id number block).
    """
    chembl_number = {
        "docs": ":k * :base + doc_id",
        "assays": ":k * :base + :doc_off + assay_id",
    }
    rewrite = {
        "docs": {"doc_id": "doc_id + :k * :doc_off"},
        "assays": {"assay_id": "assay_id + :k * :assay_off", "doc_id": "doc_id + :k * :doc_off"},
        "activities": {
            "activity_id": "activity_id + :k * :act_off",
            "assay_id": "assay_id + :k * :assay_off",
            "doc_id": "doc_id + :k * :doc_off",
        },
    }[table]
    if table in chembl_number:
        rewrite["chembl_id"] = (
            f"CASE WHEN chembl_id IS NULL THEN NULL ELSE 'CHEMBL' || ({chembl_number[table]}) END"
        )
    columns = _columns(connection, table)
    targets = ", ".join(_quote(c) for c in columns)
    values = ", ".join(rewrite.get(c.lower(), _quote(c)) for c in columns)
    key = dict(TABLES)[table]
    return f"INSERT INTO main.{table} ({targets}) SELECT {values} FROM src.{table} ORDER BY {key}"


def _lookup_statement(table: str) -> str:
    """Lookup rows for copy ``k`` of every doc / assay of ``table`` that has one in the source."""
    key, offset, number = {
        "docs": ("doc_id", ":doc_off", ":k * :base + t.doc_id"),
        "assays": ("assay_id", ":assay_off", ":k * :base + :doc_off + t.assay_id"),
    }[table]
    return (
        "INSERT INTO main.chembl_id_lookup (chembl_id, entity_type, entity_id, status, "
        f"last_active) SELECT 'CHEMBL' || ({number}), l.entity_type, t.{key} + :k * {offset}, "
        f"l.status, l.last_active FROM src.{table} AS t "
        "JOIN src.chembl_id_lookup AS l ON l.chembl_id = t.chembl_id"
    )


def _count(connection: sqlite3.Connection, table: str) -> int:
    return int(connection.execute(f"SELECT COUNT(*) FROM main.{table}").fetchone()[0])


def build_scaled(
    source: Path, dest: Path, factor: int, *, confidence: int | None = None
) -> dict[str, int]:
    """Write ``factor`` copies of the evidence of ``source`` to ``dest`` (see the module doc).

    :param source: a ChEMBL SQLite database (opened read-only)
    :param dest: the file to write; replaced atomically, never ``source`` itself
    :param factor: how many times ``docs``, ``assays`` and ``activities`` are present in ``dest``
        (1: a plain copy)
    :param confidence: when given (0-9), ``assays.confidence_score`` is set to it wherever it is
        NULL (made-up scores, for timing only)
    :returns: ``{"activities": n, "assays": n, "docs": n, "factor": factor}``, counted in ``dest``
    :raises ValueError: on a bad ``factor`` / ``confidence``, ``dest`` naming ``source``, negative
        ids, or a source without ``docs`` / ``assays`` / ``activities``
    """
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
        raise ValueError(f"factor must be an integer >= 1, not {factor!r}")
    if confidence is not None and (
        isinstance(confidence, bool) or not isinstance(confidence, int) or not 0 <= confidence <= 9
    ):
        raise ValueError(f"confidence must be a ChEMBL confidence score 0-9, not {confidence!r}")
    source = Path(source).resolve()
    dest = Path(dest).resolve()
    part = dest.with_suffix(".part")
    if not source.is_file():
        raise FileNotFoundError(source)
    if source in (dest, part):
        raise ValueError(f"dest {dest} would overwrite the source")
    part.unlink(missing_ok=True)
    source_uri = source.as_uri() + "?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(part, isolation_level=None, uri=True)) as writer:
            with contextlib.closing(sqlite3.connect(source_uri, uri=True)) as reader:
                reader.backup(writer)
            counts = _scale(writer, source_uri, factor, confidence)
        fd = os.open(part, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(part, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        raise
    return counts


def _scale(
    connection: sqlite3.Connection, source_uri: str, factor: int, confidence: int | None
) -> dict[str, int]:
    """Add copies 1 .. factor-1 on the backed-up ``connection`` (autocommit mode)."""
    for table, _key in TABLES:
        if not _has_table(connection, table):
            raise ValueError(f"the source has no {table} table: not a ChEMBL database")
    journal_mode = str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA foreign_keys = OFF")
    connection.execute("PRAGMA cache_size = -262144")  # 256 MiB: index pages stay in memory
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("ATTACH DATABASE ? AS src", (source_uri,))
    offsets = _offsets(connection)
    base = 10 ** len(str(max(_max_chembl_number(connection), offsets["docs"] + offsets["assays"])))
    with_lookup = (
        _has_table(connection, "chembl_id_lookup")
        and connection.execute("SELECT 1 FROM main.chembl_id_lookup LIMIT 1").fetchone() is not None
    )
    statements = [_lookup_statement(t) for t in ("docs", "assays")] if with_lookup else []
    statements += [_copy_statement(connection, table) for table, _key in TABLES]
    connection.execute("BEGIN")
    for k in range(1, factor):
        parameters = {
            "k": k,
            "base": base,
            "doc_off": offsets["docs"],
            "assay_off": offsets["assays"],
            "act_off": offsets["activities"],
        }
        for statement in statements:
            connection.execute(statement, parameters)
    if confidence is not None:
        connection.execute(
            "UPDATE main.assays SET confidence_score = ? WHERE confidence_score IS NULL",
            (confidence,),
        )
    connection.execute("ANALYZE main")
    counts = {table: _count(connection, table) for table in ("activities", "assays", "docs")}
    connection.execute("COMMIT")
    connection.execute("DETACH DATABASE src")
    if journal_mode == "wal":
        connection.execute("PRAGMA journal_mode = WAL")
    return {**counts, "factor": factor}


#: The ids ChEMBL gives its two alert sets in ``structural_alert_sets`` (ChEMBL 35).
ALERT_SETS: Final = ((2, "Dundee"), (4, "PAINS"))


def give_release_chemistry(db: Path, structures: Path) -> dict[str, int]:
    """Give the copy the chemistry a full release ships with its structures: timing only.

    A full release carries, for every molecule, a ``molecule_hierarchy`` row, the standard
    InChIKey, ``compound_properties.qed_weighted`` and the ``compound_structural_alerts`` of the
    PAINS and Dundee (Brenk) sets, all computed by ChEMBL with its structure pipeline (Bento et
    al. 2020 J Cheminform 12:51). The extract has none of the last three and a hierarchy for half
    of its molecules, so on it the chemistry stage can take nothing from the release. This writes
    what the pipeline itself gives (:func:`senotarget.stages.chemistry.standardise`, read from
    the structure cache ``structures`` when it holds them, else computed): the InChIKey of the
    molecule's standardised structure (its parent's key when it is its own parent), QED to two
    decimals as ChEMBL gives it, the alert names, and for a molecule without a hierarchy row the
    molecule whose structure is its parent (itself first). Existing rows are kept. The values are
    the pipeline's, not ChEMBL's: timing only, never data.

    :param db: the copy to write into (in place)
    :param structures: the structure cache folder (``<cache>/structures``) to read and fill
    :returns: the values given: ``inchikeys`` and ``qed`` (molecules), ``alerts``
        (compound_structural_alerts rows), ``hierarchy`` (molecule_hierarchy rows added)
    """
    import pandas as pd
    from rdkit import Chem

    from senotarget.schema import ChemCols, MoleculeCols
    from senotarget.stages.chemistry import standardise
    from senotarget.util.rdkit_log import without_rdkit_log

    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as connection:
        listed = connection.execute(
            "SELECT md.molregno, md.chembl_id, cs.canonical_smiles FROM molecule_dictionary md "
            "JOIN compound_structures cs ON cs.molregno = md.molregno "
            "WHERE cs.canonical_smiles IS NOT NULL ORDER BY md.molregno"
        ).fetchall()
        molecules = pd.DataFrame(
            {
                MoleculeCols.MOLECULE_CHEMBL_ID: [str(row[1]) for row in listed],
                MoleculeCols.CANONICAL_SMILES: [str(row[2]) for row in listed],
            }
        )
        chem = standardise(molecules, cache_dir=structures)
        rows = list(zip((row[0] for row in listed), chem.itertuples(index=False), strict=True))
        keys: dict[int, str] = {}
        own_parent: dict[str, int] = {}  # parent InChIKey -> the molecule that is that parent
        with without_rdkit_log():
            for molregno, row in rows:
                parent_key = str(getattr(row, ChemCols.PARENT_INCHIKEY))
                standard = str(getattr(row, ChemCols.STANDARD_SMILES))
                if not parent_key or not standard:
                    continue
                if standard == str(getattr(row, ChemCols.PARENT_SMILES)):
                    keys[molregno] = parent_key
                    own_parent.setdefault(parent_key, molregno)
                    continue
                mol = Chem.MolFromSmiles(standard)
                key = str(Chem.MolToInchiKey(mol)) if mol is not None else ""  # type: ignore[no-untyped-call]
                if key:
                    keys[molregno] = key
        known = {int(m) for (m,) in connection.execute("SELECT molregno FROM molecule_hierarchy")}
        screened = connection.execute("SELECT 1 FROM compound_structural_alerts LIMIT 1").fetchone()
        hierarchy: list[tuple[int, int]] = []
        qed: list[tuple[int, float]] = []
        alerts: list[tuple[int, int]] = []
        names: dict[tuple[int, str], int] = {}
        (first_alert,) = connection.execute(
            "SELECT COALESCE(MAX(alert_id), 0) + 1 FROM structural_alerts"
        ).fetchone()
        for molregno, row in rows:
            parent_key = str(getattr(row, ChemCols.PARENT_INCHIKEY))
            if molregno not in known and parent_key in own_parent:
                is_parent = keys.get(molregno) == parent_key
                hierarchy.append((molregno, molregno if is_parent else own_parent[parent_key]))
            value = float(getattr(row, ChemCols.QED))
            if not math.isnan(value):
                qed.append((molregno, round(value, 2)))
            if screened:
                continue  # the copy has its alerts already
            for set_id, column in ((4, ChemCols.PAINS), (2, ChemCols.BRENK)):
                for name in filter(None, str(getattr(row, column)).split(";")):
                    alert = names.setdefault((set_id, name), first_alert + len(names))
                    alerts.append((molregno, alert))
        connection.execute("BEGIN")
        connection.executemany(
            "UPDATE compound_structures SET standard_inchi_key = ? "
            "WHERE molregno = ? AND (standard_inchi_key IS NULL OR standard_inchi_key = '')",
            [(key, molregno) for molregno, key in keys.items()],
        )
        connection.executemany(
            "INSERT OR IGNORE INTO molecule_hierarchy (molregno, parent_molregno) VALUES (?, ?)",
            hierarchy,
        )
        connection.executemany(
            "INSERT OR IGNORE INTO compound_properties (molregno) VALUES (?)",
            [(molregno,) for molregno, _ in qed],
        )
        connection.executemany(
            "UPDATE compound_properties SET qed_weighted = ? WHERE molregno = ? "
            "AND qed_weighted IS NULL",
            [(value, molregno) for molregno, value in qed],
        )
        connection.executemany(
            "INSERT OR IGNORE INTO structural_alert_sets (alert_set_id, set_name) VALUES (?, ?)",
            ALERT_SETS,
        )
        connection.executemany(
            "INSERT INTO structural_alerts (alert_id, alert_set_id, alert_name) VALUES (?, ?, ?)",
            [(alert, set_id, name) for (set_id, name), alert in names.items()],
        )
        connection.executemany(
            "INSERT INTO compound_structural_alerts (molregno, alert_id) VALUES (?, ?)", alerts
        )
        connection.execute("COMMIT")
    return {
        "inchikeys": len(keys),
        "qed": len(qed),
        "alerts": len(alerts),
        "hierarchy": len(hierarchy),
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: build the scaled copy and print its counts as JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("source", type=Path, help="ChEMBL SQLite database to scale")
    parser.add_argument("dest", type=Path, help="file to write (replaced)")
    parser.add_argument("--factor", type=int, required=True, help="copies of the evidence (>= 1)")
    parser.add_argument(
        "--confidence",
        type=int,
        default=None,
        help="set NULL assays.confidence_score to this value (timing only)",
    )
    args = parser.parse_args(argv)
    try:
        counts = build_scaled(args.source, args.dest, args.factor, confidence=args.confidence)
    except (ValueError, FileNotFoundError) as error:
        parser.error(str(error))
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
