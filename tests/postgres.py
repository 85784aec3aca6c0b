"""A throwaway PostgreSQL server for the tests: Debian's binaries, a free port, a non-root user.

PostgreSQL refuses to run as root, so under root (CI) the server runs as Debian's ``postgres``
user through ``runuser``; otherwise as the current user. Local socket connections are trusted,
TCP connections need the password :data:`PASSWORD`, so a wrong password can be tested.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PASSWORD = "senotarget-test"  # noqa: S105 - a throwaway test server's password
USER = "postgres"


def binaries() -> Path | None:
    """The folder of Debian's PostgreSQL server binaries (``initdb``, ``pg_ctl``), if installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return versions[0].parent if versions else None


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running server: its port, and URLs for a database on it."""

    port: int

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        """A SQLAlchemy URL (psycopg driver) for ``database`` over TCP."""
        return f"postgresql+psycopg://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def _admin(self) -> Any:
        """An autocommit connection to the server's ``postgres`` database."""
        import psycopg

        return psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={USER} password={PASSWORD} dbname=postgres",
            autocommit=True,
        )

    def create_database(self, name: str) -> str:
        """Create an empty database (C collation, as the loader's README asks) and its URL."""
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(
                f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' "
                "LC_CTYPE 'C'"
            )
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database (a benchmark frees the disk of one size before the next)."""
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", USER, "--", *command]
    return command


@contextmanager
def running_server() -> Iterator[Server]:
    """Start a fresh cluster in a temporary folder and stop it afterwards."""
    folder = binaries()
    if folder is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    root = Path(tempfile.mkdtemp(prefix="senotarget-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    password_file = root / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        shutil.chown(root, USER)
        shutil.chown(sockets, USER)
        shutil.chown(password_file, USER)
        root.chmod(0o700)
    port = free_port()
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
    subprocess.run(
        _as_server_user(
            [
                str(folder / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={password_file}",
                "--encoding=UTF8",
                "--locale=C",
            ]
        ),
        check=True,
        **quiet,
    )
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_server_user(
            [
                str(folder / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(root / "log"),
                "start",
            ]
        ),
        check=True,
        **quiet,
    )
    try:
        yield Server(port)
    finally:
        subprocess.run(
            _as_server_user([str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
