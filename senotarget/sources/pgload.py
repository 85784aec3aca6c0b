"""Load a ChEMBL SQLite release (or extract) into PostgreSQL, with the indexes the queries use.

``senotarget db load SQLITE_FILE DATABASE_URL``: every table of the SQLite file is created in the
target database with PostgreSQL types for its declared SQLite types (SQLite's type affinity
rules, https://www.sqlite.org/datatype3.html#determination_of_column_affinity: a declared type
containing INT is integer; CHAR, CLOB or TEXT text; BLOB bytes; anything else numeric, stored as
double precision so that every value reads back as the same float), its rows are streamed with
PostgreSQL's ``COPY ... FROM STDIN`` (psycopg's copy protocol, never row-by-row INSERTs), and the
indexes of :data:`senotarget.sources.sql.INDEXES` are created. All of it is one transaction: a
load that fails leaves the database as it was.

Create the database with C collation (``CREATE DATABASE chembl TEMPLATE template0 LC_COLLATE 'C'
LC_CTYPE 'C'``) so that text sorts as SQLite sorts it and a run gives byte-identical tables.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from senotarget.errors import ChemblSourceError

__all__ = ["LoadReport", "load_sqlite"]


@dataclass(frozen=True)
class LoadReport:
    """What a load wrote: tables, rows, indexes and the time it took."""

    tables: int
    rows: int
    indexes: int
    seconds: float


def _pg_type(declared: str) -> str:
    """The PostgreSQL type for a SQLite declared type, by SQLite's affinity rules."""
    kind = declared.upper()
    if "INT" in kind:
        return "BIGINT"
    if any(word in kind for word in ("CHAR", "CLOB", "TEXT")) or not kind:
        return "TEXT"
    if "BLOB" in kind:
        return "BYTEA"
    return "DOUBLE PRECISION"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _libpq_url(url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as the libpq URL psycopg takes."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ChemblSourceError(
            url,
            "is not a database URL",
            "pass DATABASE_URL as postgresql+psycopg://user:password@host:port/database",
        ) from None
    if parsed.get_backend_name() != "postgresql":
        raise ChemblSourceError(
            url,
            f"names the {parsed.get_backend_name()!r} backend, not PostgreSQL",
            "pass DATABASE_URL as postgresql+psycopg://user:password@host:port/database",
        )
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def load_sqlite(
    sqlite_file: str | Path,
    url: str,
    *,
    replace: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> LoadReport:
    """Copy every table of a SQLite file into the PostgreSQL database at ``url``.

    :param replace: drop tables of the same names first (otherwise an existing table is an error)
    :param progress: called with (table, rows copied) after each table
    :raises ChemblSourceError: the file is not a SQLite database, the server cannot be reached or
        refuses the login, a table exists already, or a row does not fit its column's type
    """
    import psycopg

    from senotarget.sources.sql import INDEXES

    path = Path(sqlite_file)
    if not path.is_file():
        raise ChemblSourceError(
            str(sqlite_file), "does not exist", "pass the path of a ChEMBL SQLite file"
        )
    started = time.perf_counter()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            tables = [
                str(r[0])
                for r in source.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
        except sqlite3.DatabaseError as error:
            raise ChemblSourceError(
                str(sqlite_file), f"is not a SQLite database ({error})", "pass a ChEMBL SQLite file"
            ) from None
        try:
            target = psycopg.connect(_libpq_url(url), connect_timeout=10)
        except psycopg.OperationalError as error:
            reason = " ".join(str(error).split())
            raise ChemblSourceError(
                url,
                f"cannot be reached or refused the login ({reason})",
                "check the host, port, user and password, and that the server is running",
            ) from None
        rows_total, indexes = 0, 0
        # one transaction: committed on success, rolled back on any error
        with target, target.cursor() as cursor:
            existing = {
                str(r[0])
                for r in cursor.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            }
            clash = sorted(set(tables) & existing)
            if clash and not replace:
                raise ChemblSourceError(
                    url,
                    f"already has table(s) {', '.join(clash[:4])}",
                    "load into an empty database, or pass --replace to drop them first",
                )
            for table in tables:
                columns = list(source.execute(f"PRAGMA table_info({_quote(table)})"))
                names = [str(c[1]) for c in columns]
                if replace:
                    cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)} CASCADE")
                spec = ", ".join(
                    f"{_quote(str(c[1]))} {_pg_type(str(c[2] or ''))}" for c in columns
                )
                cursor.execute(f"CREATE TABLE {_quote(table)} ({spec})")
                listed = ", ".join(_quote(n) for n in names)
                copied = 0
                try:
                    with cursor.copy(f"COPY {_quote(table)} ({listed}) FROM STDIN") as copy:
                        select = f"SELECT {listed} FROM {_quote(table)}"  # noqa: S608 - quoted names
                        for row in source.execute(select):
                            copy.write_row(row)
                            copied += 1
                except (psycopg.DataError, psycopg.errors.InvalidTextRepresentation) as error:
                    reason = " ".join(str(error).split())
                    raise ChemblSourceError(
                        str(sqlite_file),
                        f"table {table}: a value does not fit its column ({reason})",
                        "fix the value in the SQLite file, or declare the column as TEXT",
                    ) from None
                rows_total += copied
                if progress is not None:
                    progress(table, copied)
            present = set(tables)
            for name, table, columns_sql in INDEXES:
                if table in present:
                    cursor.execute(
                        f"CREATE INDEX IF NOT EXISTS {_quote(name)} ON {_quote(table)} "
                        f"({columns_sql})"
                    )
                    indexes += 1
            cursor.execute("ANALYZE")  # statistics, so the planner uses the indexes
        target.close()
    finally:
        source.close()
    return LoadReport(len(tables), rows_total, indexes, time.perf_counter() - started)
