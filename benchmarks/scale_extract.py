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


def give_inchikeys(db: Path) -> int:
    """Fill ``compound_structures.standard_inchi_key`` where it is NULL: timing only.

    A full release ships the standard InChIKey of every structure; the extract has none, so the
    chemistry stage cannot take the release's structures there. This writes RDKit's standard
    InChIKey of each ``canonical_smiles`` (the key ChEMBL computes with the InChI library), so a
    benchmark can time the path a full release takes. The keys are ours, not ChEMBL's: timing
    only, never data.

    :returns: the number of keys written
    """
    from rdkit import Chem

    from senotarget.util.rdkit_log import without_rdkit_log

    with (
        without_rdkit_log(),
        contextlib.closing(sqlite3.connect(db, isolation_level=None)) as connection,
    ):
        rows = connection.execute(
            "SELECT molregno, canonical_smiles FROM compound_structures "
            "WHERE standard_inchi_key IS NULL AND canonical_smiles IS NOT NULL"
        ).fetchall()
        keys = []
        for molregno, smiles in rows:
            mol = Chem.MolFromSmiles(str(smiles))
            key = str(Chem.MolToInchiKey(mol)) if mol is not None else ""  # type: ignore[no-untyped-call]
            if key:
                keys.append((key, molregno))
        connection.execute("BEGIN")
        connection.executemany(
            "UPDATE compound_structures SET standard_inchi_key = ? WHERE molregno = ?", keys
        )
        connection.execute("COMMIT")
    return len(keys)


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
