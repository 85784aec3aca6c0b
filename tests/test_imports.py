"""Importing senotarget (and `senotarget --help`) is cheap and touches no network (STYLE 12)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = """
import sys
import senotarget.cli, senotarget.pipeline, senotarget.sources
import senotarget.sources.sql, senotarget.sources.web
heavy = [m for m in ("chembl_webresource_client.new_client", "chembl_webresource_client", "rdkit",
                     "pandas", "requests_cache") if m in sys.modules]
print(",".join(heavy))
"""


def test_import_loads_no_network_client_nor_heavy_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["targets", "list"]])
def test_cli_help_does_not_import_the_web_client(args: list[str]) -> None:
    code = (
        "import sys; from senotarget.cli import app\n"
        "try:\n    app(" + repr(args) + ")\nexcept SystemExit:\n    pass\n"
        "loaded = 'chembl_webresource_client.new_client' in sys.modules\n"
        "print('LOADED' if loaded else 'CLEAN', file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stderr.strip().splitlines()[-1] == "CLEAN"
