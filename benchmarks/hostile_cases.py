"""Run the hostile-input cases of issue 14 through the CLI and print the case table.

Each case runs ``senotarget`` in a fresh sandbox folder (its working directory, with HOME and
``SENOTARGET_CACHE_DIR`` pointed inside it, so a cache a command creates is listed) and reports
the exit code, the last stderr line, the seconds it took and what it left in the sandbox that was
not there before. Cases that need a signal, a crashing worker or two concurrent runs are tests
(named in the table's last rows), not commands.

Usage::

    python benchmarks/hostile_cases.py [--db ../shared/chembl/chembl_senotarget.sqlite]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent / "senotarget"

PANEL = """name = "one"

[[entries]]
label = "BCL-2 family"
genes = ["BCL2L2", "NOTAGENE1"]
strategies = ["senolytic"]
direction = "inhibit"
citation = "hostile case"
"""
BAD_KEY_PANEL = PANEL.replace('citation = "hostile case"\n', 'citation = "c"\nfrobnicate = 1\n')


@dataclass(frozen=True)
class Case:
    """One hostile input: the item of issue 14, a title, the arguments, and a sandbox setup."""

    item: str
    title: str
    args: Callable[[Path, Path], list[str]]  # (sandbox, db) -> arguments after `senotarget`
    setup: Callable[[Path], None] = lambda _sandbox: None
    env: dict[str, str] = field(default_factory=dict)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _user_site(sandbox: Path) -> None:
    _write(sandbox / "cache" / "web" / "site" / "index.html", "hi\n")


def _panel(sandbox: Path) -> None:
    _write(sandbox / "one.toml", PANEL)
    _write(sandbox / "bad.toml", BAD_KEY_PANEL)
    (sandbox / "adir").mkdir()
    _write(sandbox / "afile", "x\n")


RUN = ["run", "--panel", "one.toml", "--workers", "1"]

CASES = [
    Case(
        "1",
        "cache clear on a folder with a user's site",
        lambda s, d: ["cache", "clear", "web", "--cache-dir", "cache"],
        _user_site,
    ),
    Case(
        "5",
        "NaN weight",
        lambda s, d: [*RUN, "--chembl-db", str(d)],
        _panel,
        {"SENOTARGET_WEIGHT_POTENCY": "nan"},
    ),
    Case(
        "5",
        "infinite weight (1e400)",
        lambda s, d: [*RUN, "--chembl-db", str(d)],
        _panel,
        {"SENOTARGET_WEIGHT_POTENCY": "1e400"},
    ),
    Case(
        "5",
        "misspelt weight variable",
        lambda s, d: [*RUN, "--chembl-db", str(d)],
        _panel,
        {"SENOTARGET_WEIGHT_FOO": "1"},
    ),
    Case(
        "7",
        "connection refused",
        lambda s, d: [
            *RUN,
            "--source",
            "web",
            "--chembl-url",
            "http://127.0.0.1:9/chembl/api/data",
        ],
        _panel,
    ),
    Case(
        "7",
        "--chembl-url notaurl",
        lambda s, d: [*RUN, "--source", "web", "--chembl-url", "notaurl"],
        _panel,
    ),
    Case(
        "7",
        "--chembl-url file:///etc/passwd",
        lambda s, d: [*RUN, "--source", "web", "--chembl-url", "file:///etc/passwd"],
        _panel,
    ),
    Case(
        "7",
        "targets resolve without a database (API refused)",
        lambda s, d: ["targets", "resolve", "BCL2"],
        env={"SENOTARGET_CHEMBL_URL": "http://127.0.0.1:9/chembl/api/data"},
    ),
    Case(
        "9",
        "sqlite URL to a missing file",
        lambda s, d: [*RUN, "--chembl-db", f"sqlite:///{s}/missing/path.sqlite"],
        _panel,
    ),
    Case(
        "9",
        "malformed database URL",
        lambda s, d: [*RUN, "--chembl-db", "postgresql+psycopg://u@[::1"],
        _panel,
    ),
    Case(
        "9",
        "URL of a driver that is not installed",
        lambda s, d: [*RUN, "--chembl-db", "mysql://u@localhost/chembl"],
        _panel,
    ),
    Case(
        "10",
        "a folder as --panel",
        lambda s, d: ["run", "--panel", "adir", "--chembl-db", str(d)],
        _panel,
    ),
    Case("10", "a folder as --chembl-db", lambda s, d: [*RUN, "--chembl-db", "adir"], _panel),
    Case("10", "run id -rf", lambda s, d: [*RUN, "--chembl-db", str(d), "--run-id", "-rf"], _panel),
    Case(
        "10",
        "run id rün-1",
        lambda s, d: [*RUN, "--chembl-db", str(d), "--run-id", "rün-1"],
        _panel,
    ),
    Case(
        "10",
        "run id of 300 characters",
        lambda s, d: [*RUN, "--chembl-db", str(d), "--run-id", "r" * 300],
        _panel,
    ),
    Case("10", "empty run id", lambda s, d: [*RUN, "--chembl-db", str(d), "--run-id", ""], _panel),
    Case(
        "10",
        "panel with an unknown key",
        lambda s, d: ["run", "--panel", "bad.toml", "--chembl-db", str(d)],
        _panel,
    ),
    Case(
        "11",
        "a failure after --out is named leaves no empty --out",
        lambda s, d: [*RUN, "--chembl-db", "adir", "--out", "newout"],
        _panel,
    ),
    Case(
        "11",
        "a gene that resolves to nothing beside good ones",
        lambda s, d: [*RUN, "--chembl-db", str(d), "--out", "out"],
        _panel,
    ),
]

#: Items checked by tests rather than commands (signals, crashes, races, process counts).
TESTS = [
    ("1", "tests/test_cache.py (cache clear removes only its own files by name)"),
    (
        "2",
        (
            "tests/test_chemistry.py::test_a_too_large_smiles_is_flagged_not_standardised, "
            "::test_a_hung_or_dead_worker_costs_one_structure"
        ),
    ),
    (
        "3",
        (
            "tests/test_chemistry.py::test_a_signalled_run_leaves_no_process_or_temporary_folder, "
            "::test_workers_die_with_a_killed_run"
        ),
    ),
    ("4", "tests/test_regressions.py::test_sigterm_leaves_a_whole_run_or_nothing"),
    ("10", "tests/test_regressions.py::test_report_on_a_corrupt_manifest_says_so"),
    ("10", "tests/test_regressions.py::test_diff_output_under_a_file_says_the_file_is_in_the_way"),
    ("6", "tests/test_regressions.py (two runs in one second take two ids)"),
    ("8", "tests/test_chemistry.py::test_workers_are_capped_at_the_cpu_count"),
]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def run_case(case: Case, db: Path) -> tuple[int, str, float, list[str]]:
    """Run one case in a fresh sandbox: exit code, last stderr line, seconds, new paths."""
    with tempfile.TemporaryDirectory(prefix="senotarget-hostile-") as folder:
        sandbox = Path(folder)
        case.setup(sandbox)
        before = _tree(sandbox)
        env = (
            {k: v for k, v in os.environ.items() if not k.startswith("SENOTARGET_")}
            | {"HOME": str(sandbox), "SENOTARGET_CACHE_DIR": str(sandbox / "cache")}
            | case.env
        )
        started = time.perf_counter()
        done = subprocess.run(
            [str(BIN), *case.args(sandbox, db)],
            cwd=sandbox,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        seconds = time.perf_counter() - started
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        warning = next((line for line in lines if "warning" in line.lower()), "")
        last = lines[-1] if lines else ""
        message = last if done.returncode or not warning else warning
        left = sorted(_tree(sandbox) - before)
        return done.returncode, message, seconds, left


def main() -> None:
    """Run every case and print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        type=Path,
        default=HERE.parent / ".." / "shared" / "chembl" / "chembl_senotarget.sqlite",
    )
    args = parser.parse_args()
    db = args.db.resolve()
    print("| item | case | exit | seconds | stderr (the error, or the warning) | left behind |")
    print("|---|---|---|---|---|---|")
    for case in CASES:
        code, message, seconds, left = run_case(case, db)
        shown = ", ".join(left[:4]) + (" ..." if len(left) > 4 else "") if left else "nothing"
        text = message.replace("|", "\\|")
        print(f"| {case.item} | {case.title} | {code} | {seconds:.1f} | {text} | {shown} |")
    for item, where in TESTS:
        print(f"| {item} | (test) {where} | | | | |")


if __name__ == "__main__":
    main()
