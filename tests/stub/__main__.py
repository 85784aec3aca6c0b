"""Serve the ChEMBL REST stand-in by hand: ``python -m tests.stub --db FILE [--port N]``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tests.stub.server import StubServer


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted (or idle for ``--idle-timeout`` seconds)."""
    parser = argparse.ArgumentParser(prog="python -m tests.stub", description=__doc__)
    parser.add_argument("--db", required=True, type=Path, help="ChEMBL-schema SQLite file")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument(
        "--idle-timeout", type=float, default=3600.0, help="stop after this many idle seconds"
    )
    args = parser.parse_args(argv)
    with StubServer(args.db, port=args.port, idle_timeout=args.idle_timeout) as server:
        sys.stdout.write(server.base_url + "\n")
        sys.stdout.flush()
        try:
            while server.running:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
