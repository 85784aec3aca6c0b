"""errors: every user error, through the CLI, is one line on stderr, exit 1, and writes nothing.

One table of cases (:data:`CASES`): the command line, the files it needs, and the exact line on
stderr, or, where the line lists something another module owns (the allowed panel keys), the
part of it that names the input and the fix. Every case also checks that nothing is printed on
stdout, no traceback escapes, and nothing is written under the test's folder (no run folder, no
cache, no ``-o`` file). The second half checks the exception classes' fields and their
one-line, picklable form.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from senotarget.cli import app
from senotarget.errors import (
    ChemblSourceError,
    ConfigError,
    DocumentError,
    OutputError,
    PanelError,
    SenotargetError,
    UnknownCompoundError,
    UnknownTargetError,
)

runner = CliRunner()


@dataclass(frozen=True)
class Ctx:
    """What a case can refer to: its folder, the fixture database and panel, a finished run."""

    tmp: Path
    db: Path
    panel: Path
    run: Path

    def common(self) -> list[str]:
        """Options every ``run`` case passes: its outputs go under the case's folder."""
        return [
            "--out",
            str(self.tmp / "reports"),
            "--cache-dir",
            str(self.tmp / "cache"),
            "--workers",
            "1",
        ]


@dataclass(frozen=True)
class Case:
    """One user error: how to provoke it and the line it must print."""

    id: str
    args: Callable[[Ctx], list[str]]
    message: Callable[[Ctx], str]
    files: dict[str, str] = field(default_factory=dict)  # relative path -> content
    folders: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    exact: bool = True  # False: ``message`` is the start of the line
    needs_run: bool = False
    #: Empty folders the command is known to leave behind (a bug owned elsewhere, see
    #: test_missing_chembl_db_creates_no_out_folder); anything else written fails the case.
    leaves: tuple[str, ...] = ()


BAD_KEY_PANEL = """name = "bad"

[[entries]]
label = "BCL-2 family"
genes = ["BCL2"]
strategies = ["senolytic"]
direction = "inhibit"
frobnicate = 1
"""

NOT_A_RUN = "is not a finished senotarget run (no manifest.json or candidates.csv)"
RUN_FIX = "pass a folder written by `senotarget run`"
DOC_FIX = "pass the path of a text, Markdown or XML file"

CASES = [
    Case(
        "run: missing --panel file",
        lambda c: ["run", "--panel", str(c.tmp / "nope.toml"), "--chembl-db", str(c.db)],
        lambda c: (
            f"panel {c.tmp / 'nope.toml'}: file not found: pass an existing panel TOML "
            "file with --panel, or one of: default"
        ),
    ),
    Case(
        "run: an empty --run-id",
        lambda c: ["run", "--panel", str(c.panel), "--chembl-db", str(c.db), "--run-id", ""],
        lambda c: (
            "run id '' is not a plain name (it is empty): use letters, digits, '.', '_' or '-' "
            "only (no '/', no '..'), e.g. --run-id my-panel-2026"
        ),
    ),
    Case(
        "run: a folder as --panel",
        lambda c: ["run", "--panel", str(c.tmp / "panels"), "--chembl-db", str(c.db)],
        lambda c: (
            f"panel {c.tmp / 'panels'}: is a folder, not a panel file: pass --panel a panel "
            "TOML file (e.g. one written by `senotarget targets from-doc`), or one of: default"
        ),
        folders=("panels",),
    ),
    Case(
        "run: a panel with a bad key",
        lambda c: ["run", "--panel", str(c.tmp / "bad.toml"), "--chembl-db", str(c.db)],
        lambda c: f"panel {c.tmp / 'bad.toml'}:8: entry 1 has unknown key 'frobnicate': use only ",
        files={"bad.toml": BAD_KEY_PANEL},
        exact=False,  # the list of allowed keys belongs to panels/load.py
    ),
    Case(
        "run: missing --chembl-db file",
        lambda c: ["run", "--panel", str(c.panel), "--chembl-db", str(c.tmp / "chembl.db")],
        lambda c: (
            f"ChEMBL source {c.tmp / 'chembl.db'}: file does not exist: pass --chembl-db "
            "the path of a ChEMBL SQLite release (or set SENOTARGET_CHEMBL_DB)"
        ),
    ),
    Case(
        "run: bad --run-id",
        lambda c: ["run", "--panel", str(c.panel), "--chembl-db", str(c.db), "--run-id", "../x"],
        lambda c: (
            "run id '../x' is not a plain name (it has '/'): use letters, digits, '.', '_' or '-' "
            "only (no '/', no '..'), e.g. --run-id my-panel-2026"
        ),
    ),
    Case(
        "run: negative weight in the config file",
        lambda c: [
            "run",
            "--panel",
            str(c.panel),
            "--chembl-db",
            str(c.db),
            "--config",
            str(c.tmp / "c.toml"),
        ],
        lambda c: (
            "weight potency is negative: use a weight >= 0 (SENOTARGET_WEIGHT_POTENCY or "
            "[weights] potency)"
        ),
        files={"c.toml": "[weights]\npotency = -1\n"},
    ),
    Case(
        "run: a weight variable that is not a number",
        lambda c: ["run", "--panel", str(c.panel), "--chembl-db", str(c.db)],
        lambda c: (
            "setting potency from SENOTARGET_WEIGHT_POTENCY is invalid (could not convert "
            "string to float: 'lots'): set a number with SENOTARGET_WEIGHT_POTENCY or [weights] "
            "potency in the config file"
        ),
        env={"SENOTARGET_WEIGHT_POTENCY": "lots"},
    ),
    Case(
        "run: missing --config file",
        lambda c: ["run", "--panel", str(c.panel), "--config", str(c.tmp / "c.toml")],
        lambda c: (
            f"config file {c.tmp / 'c.toml'} does not exist: pass an existing TOML file "
            "with --config or SENOTARGET_CONFIG, or drop the option"
        ),
    ),
    Case(
        "targets resolve: unknown gene",
        lambda c: ["targets", "resolve", "NOTAGENE", "--chembl-db", str(c.db)],
        lambda c: (
            f"gene NOTAGENE matches no ChEMBL target in {c.db} (ChEMBL_99): check the HGNC "
            "symbol or UniProt accession (e.g. BCL2L1, P10415)"
        ),
    ),
    Case(
        "explain: unknown compound",
        lambda c: ["explain", "NOSUCH", "--run", str(c.run)],
        lambda c: (
            f"compound 'NOSUCH' is not in run {c.run}: give a ChEMBL id (e.g. CHEMBL443684) "
            "or preferred name from its candidates.csv"
        ),
        needs_run=True,
    ),
    Case(
        "explain: run folder does not exist",
        lambda c: ["explain", "BCLINIB", "--run", str(c.tmp / "gone")],
        lambda c: f"{c.tmp / 'gone'} {NOT_A_RUN}: {RUN_FIX}",
    ),
    Case(
        "explain: no run under --out",
        lambda c: ["explain", "BCLINIB", "--out", str(c.tmp / "reports")],
        lambda c: (
            f"no finished run under {c.tmp / 'reports'}: run `senotarget run` first, "
            "or pass --run DIR"
        ),
    ),
    Case(
        "report: run folder does not exist",
        lambda c: ["report", str(c.tmp / "gone")],
        lambda c: f"{c.tmp / 'gone'} {NOT_A_RUN}: {RUN_FIX}",
    ),
    Case(
        "report: --top 0",
        lambda c: ["report", str(c.tmp / "gone"), "--top", "0"],
        lambda c: "--top 0 is below 1: pass --top 1 or more",
    ),
    Case(
        "diff: run folder does not exist",
        lambda c: ["diff", str(c.tmp / "gone"), str(c.tmp / "gone2")],
        lambda c: f"{c.tmp / 'gone'} {NOT_A_RUN}: {RUN_FIX}",
    ),
    Case(
        "diff: min_rank_move from the environment below 1",
        lambda c: ["diff", str(c.tmp / "gone"), str(c.tmp / "gone2")],
        lambda c: (
            "setting min_rank_move from SENOTARGET_MIN_RANK_MOVE is invalid ('0' is below 1 "
            "(a rank move is at least one place)): pass --min-rank-move, set "
            "SENOTARGET_MIN_RANK_MOVE, or set min_rank_move in the config file"
        ),
        env={"SENOTARGET_MIN_RANK_MOVE": "0"},
    ),
    Case(
        "from-doc: missing file",
        lambda c: ["targets", "from-doc", str(c.tmp / "doc.txt"), "--chembl-db", str(c.db)],
        lambda c: f"document {c.tmp / 'doc.txt'} does not exist: {DOC_FIX}",
    ),
    Case(
        "from-doc: a folder",
        lambda c: ["targets", "from-doc", str(c.tmp / "docs"), "--chembl-db", str(c.db)],
        lambda c: f"document {c.tmp / 'docs'} is a folder: {DOC_FIX}",
        folders=("docs",),
    ),
    Case(
        "from-doc: empty document",
        lambda c: ["targets", "from-doc", str(c.tmp / "doc.txt"), "--chembl-db", str(c.db)],
        lambda c: f"document {c.tmp / 'doc.txt'} has no text: pass a document that names targets",
        files={"doc.txt": "  \n\n"},
    ),
    Case(
        "from-doc: not UTF-8",
        lambda c: ["targets", "from-doc", str(c.tmp / "doc.txt"), "--chembl-db", str(c.db)],
        lambda c: (
            f"document {c.tmp / 'doc.txt'} is not UTF-8 text (invalid start byte at byte "
            "0): pass a UTF-8 text, Markdown or XML file (convert a PDF or Word file to text first)"
        ),
        files={"doc.txt": "\udcff"},  # written with surrogateescape: the byte 0xFF
    ),
    Case(
        "from-doc: no grounded gene",
        lambda c: [
            "targets",
            "from-doc",
            str(c.tmp / "doc.txt"),
            "--chembl-db",
            str(c.db),
            "-o",
            str(c.tmp / "panel.toml"),
        ],
        lambda c: (
            f"document {c.tmp / 'doc.txt'} names no gene that ChEMBL_99 can ground (KRAS, TREM2 "
            "are not targets in ChEMBL_99): name genes, proteins or pathways (e.g. BCL2L1, "
            "JAK-STAT, mTOR), or write the panel TOML by hand"
        ),
        files={"doc.txt": "Senescent macrophages raise TREM2 and KRAS.\n"},
    ),
    Case(
        "from-doc: nothing gene-like",
        lambda c: ["targets", "from-doc", str(c.tmp / "doc.txt"), "--chembl-db", str(c.db)],
        lambda c: (
            f"document {c.tmp / 'doc.txt'} names no gene that ChEMBL_99 can ground (no gene or "
            "protein name found): name genes, proteins or pathways (e.g. BCL2L1, JAK-STAT, "
            "mTOR), or write the panel TOML by hand"
        ),
        files={"doc.txt": "just words here, nothing more.\n"},
    ),
    Case(
        "cache clear: not a cache folder",
        lambda c: ["cache", "clear", "web", "--cache-dir", str(c.tmp / "site")],
        lambda c: (
            f"{c.tmp / 'site'} does not look like a senotarget cache (no "
            "structures/structures_*.sqlite or web/chembl_web_* file in it); nothing removed: pass "
            "--cache-dir the folder that holds structures/ and web/ (`senotarget cache info` shows "
            "the default)"
        ),
        files={"site/web/site/index.html": "hi\n"},
    ),
    Case(
        "cache clear: unknown kind",
        lambda c: ["cache", "clear", "everything", "--cache-dir", str(c.tmp / "cache")],
        lambda c: "unknown cache 'everything': use one of structures, web, all",
    ),
]


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its content (``None`` for a folder)."""
    return {
        str(p.relative_to(root)): None if p.is_dir() else p.read_bytes() for p in root.rglob("*")
    }


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_user_error_is_one_line_exit_1_and_writes_nothing(
    case: Case,
    chembl_db: Path,
    panel_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    run_dir = Path(request.getfixturevalue("fixture_run").run_dir) if case.needs_run else tmp_path
    ctx = Ctx(tmp_path, chembl_db, panel_file, run_dir)
    for name in case.folders:
        (tmp_path / name).mkdir(parents=True)
    for name, content in case.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8", errors="surrogateescape")
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    args = case.args(ctx)
    if args[0] == "run":
        args += ctx.common()
    before = _tree(tmp_path)

    result = runner.invoke(app, args)

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not an exception typer had to catch
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    expected = f"senotarget: error: {case.message(ctx)}"
    if case.exact:
        assert lines[0] == expected
    else:
        assert lines[0].startswith(expected)
    assert _tree(tmp_path) == before | dict.fromkeys(case.leaves)


def test_missing_chembl_db_creates_no_out_folder(panel_file: Path, tmp_path: Path) -> None:
    args = ["run", "--panel", str(panel_file), "--chembl-db", str(tmp_path / "chembl.db")]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "reports")])
    assert result.exit_code == 1
    assert not (tmp_path / "reports").exists()


# -- the exception classes ----------------------------------------------------------------------


def test_every_error_is_one_line_what_then_fix() -> None:
    error = ConfigError("config file c.toml is not valid TOML (line 2\n  col 3)", "fix\nit")
    assert str(error) == "config file c.toml is not valid TOML (line 2 col 3): fix it"
    assert (error.what, error.fix) == (
        "config file c.toml is not valid TOML (line 2\n  col 3)",
        "fix\nit",
    )


def test_fields_default_to_unknown() -> None:
    config = ConfigError("w", "f")
    assert (config.path, config.setting) == (None, None)
    output = OutputError("w", "f")
    assert (output.path, output.setting) == (None, None)
    assert UnknownTargetError("w", "f").genes == ()
    compound = UnknownCompoundError("w", "f")
    assert (compound.compound, compound.run_dir) == (None, None)


@pytest.mark.parametrize(
    ("error", "fields", "builtin", "message"),
    [
        (
            ConfigError("bad", "fix", path=Path("c.toml"), setting="min_rank_move"),
            {"path": "c.toml", "setting": "min_rank_move"},
            ValueError,
            "bad: fix",
        ),
        (
            PanelError(Path("p.toml"), "unknown key 'x'", "use only label", 3),
            {"path": "p.toml", "line": 3, "setting": None},
            ValueError,
            "panel p.toml:3: unknown key 'x': use only label",
        ),
        (
            DocumentError("document d.txt has no text", "fix", path=Path("d.txt"), tokens=["A"]),
            {"path": "d.txt", "tokens": ("A",)},
            ValueError,
            "document d.txt has no text: fix",
        ),
        (
            ChemblSourceError("https://x.org/api", "answered 404", "pass --chembl-url"),
            {"location": "https://x.org/api", "url": "https://x.org/api", "path": None},
            OSError,
            "ChEMBL source https://x.org/api: answered 404: pass --chembl-url",
        ),
        (
            ChemblSourceError("/data/chembl.db", "file does not exist", "pass --chembl-db"),
            {"location": "/data/chembl.db", "url": None, "path": "/data/chembl.db"},
            OSError,
            "ChEMBL source /data/chembl.db: file does not exist: pass --chembl-db",
        ),
        (
            ChemblSourceError("postgresql://host/chembl", "refused", "start it"),
            {"url": "postgresql://host/chembl", "path": None},
            OSError,
            "ChEMBL source postgresql://host/chembl: refused: start it",
        ),
        (
            OutputError("no run", "run first", path=Path("reports"), setting="out_dir"),
            {"path": "reports", "setting": "out_dir"},
            OSError,
            "no run: run first",
        ),
        (
            UnknownTargetError("gene X matches no target", "check it", genes=["X"]),
            {"genes": ("X",)},
            LookupError,
            "gene X matches no target: check it",
        ),
        (
            UnknownCompoundError("not in run", "give an id", compound="Y", run_dir=Path("r")),
            {"compound": "Y", "run_dir": "r"},
            LookupError,
            "not in run: give an id",
        ),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, SenotargetError) else "",
)
def test_error_fields_builtins_and_pickling(
    error: SenotargetError, fields: dict[str, object], builtin: type, message: str
) -> None:
    assert isinstance(error, SenotargetError) and isinstance(error, builtin)
    assert {name: getattr(error, name) for name in fields} == fields
    assert str(error) == message
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - bytes this test just wrote
    assert type(copy) is type(error)
    assert str(copy) == message
    assert {name: getattr(copy, name) for name in fields} == fields


def test_document_error_is_a_config_error() -> None:
    # Callers (and senotarget.extract_panel's contract) catch document problems as ConfigError.
    assert issubclass(DocumentError, ConfigError)
    assert issubclass(PanelError, ConfigError)
