"""Tests of the atomic run writer and the run folder helpers."""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from senotarget.errors import OutputError, SenotargetError
from senotarget.report.exports import write_run
from senotarget.report.files import (
    MANIFEST,
    TABLES,
    latest_run,
    prepare_output,
    read_run_table,
    reserved_run,
    validate_run_id,
)
from senotarget.schema import CandidateCols, Col, EvidenceCols, RunResult, Table, TargetCols

GOOD_IDS = ["run1", "my-panel-2026", "a.b_c", "A", "2026-01-01T10.00", "x" * 128]
BAD_IDS = ["../x", "/tmp/x", ".hidden", "a/b", "", "x..y", "..", "-x", "a b", "a\\b", "x" * 129]


@pytest.mark.parametrize("run_id", GOOD_IDS)
def test_validate_run_id_accepts_plain_names(run_id: str) -> None:
    assert validate_run_id(run_id) == run_id


#: A refused run id -> the reason the message gives (regression: once always the generic text).
WHY_NOT: dict[str, str] = {
    "../x": "it has '/'",
    "/tmp/x": "it has '/'",
    ".hidden": "it starts with '.'",
    "a/b": "it has '/'",
    "": "it is empty",
    "x..y": "it has '..'",
    "..": "it starts with '.'",
    "-x": "it starts with '-'",
    "a b": "it has ' '",
    "a\\b": "it has '\\\\'",
    "x" * 129: "129 characters; at most 128",
    "rün-1": "it has 'ü'",
}


@pytest.mark.parametrize("run_id", [*BAD_IDS, "rün-1"])
def test_validate_run_id_refuses_paths_and_hidden_names(run_id: str) -> None:
    with pytest.raises(OutputError) as info:
        validate_run_id(run_id)
    shown = run_id if len(run_id) <= 60 else run_id[:57] + "..."
    assert str(info.value) == (
        f"run id {shown!r} is not a plain name ({WHY_NOT[run_id]}): use letters, digits, '.', "
        "'_' or '-' only (no '/', no '..'), e.g. --run-id my-panel-2026"
    )
    assert isinstance(info.value, OSError)
    assert isinstance(info.value, SenotargetError)


def test_prepare_output_creates_out_dir_and_returns_run_dir(tmp_path: Path) -> None:
    out = tmp_path / "a" / "reports"
    assert prepare_output(out, "run1") == out / "run1"
    assert out.is_dir()
    assert list(out.iterdir()) == []  # neither the run folder nor the write test is left


def test_prepare_output_refuses_existing_run_folder(tmp_path: Path) -> None:
    (tmp_path / "run1").mkdir()
    with pytest.raises(OutputError) as info:
        prepare_output(tmp_path, "run1")
    assert str(info.value) == (
        f"run folder {tmp_path / 'run1'} already exists: "
        "pass a new --run-id, or remove the old run folder"
    )


def test_prepare_output_refuses_unwritable_out_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker / "reports"
    with pytest.raises(OutputError) as info:
        prepare_output(out, "run1")
    message = str(info.value)
    assert message.startswith(f"output folder {out} is not writable (")
    assert message.endswith(": pass --out a folder you can write to (or set SENOTARGET_OUT_DIR)")
    assert "\n" not in message


def test_prepare_output_checks_run_id_first(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is not a plain name"):
        prepare_output(tmp_path / "out", "../escape")
    assert not (tmp_path / "out").exists()


#: A value of row ``r`` for each declared dtype, and how the CSV writes it.
_CELL: dict[str, Any] = {
    "str": lambda c, r: (f"{c}{r}", f"{c}{r}"),
    "float64": lambda c, r: (r + 0.5, f"{r}.5"),
    "int64": lambda c, r: (r, f"{r}"),
    "Int64": lambda c, r: (r, f"{r}"),
    "bool": lambda c, r: (r == 0, "True" if r == 0 else "False"),
}
_CONTRACT: dict[str, type[Table]] = {
    "candidates.csv": CandidateCols,
    "evidence.csv": EvidenceCols,
    "targets.csv": TargetCols,
}


def _value(column: Col, r: int) -> tuple[Any, str]:
    if column.isin:
        return column.isin[r % len(column.isin)], column.isin[r % len(column.isin)]
    return _CELL[column.dtype](column, r)  # type: ignore[no-any-return]


def _table(name: str, n_rows: int = 2) -> pd.DataFrame:
    """A table that keeps its contract, its columns given in reverse order."""
    table = _CONTRACT[name]
    data = {c: [_value(c, r)[0] for r in range(n_rows)] for c in reversed(table.COLUMNS)}
    return pd.DataFrame(data).astype({c: table.dtypes()[c] for c in data})


def _line(name: str, r: int) -> str:
    return ",".join(_value(c, r)[1] for c in _CONTRACT[name].COLUMNS)


def _tables() -> dict[str, pd.DataFrame]:
    return {name: _table(name) for name in TABLES}


MANIFEST_DATA: dict[str, Any] = {"run_id": "run1", "counts": {"candidates": 2}, "path": Path("x")}


def test_tables_name_their_column_orders() -> None:
    assert TABLES == {
        "candidates.csv": CandidateCols.ORDER,
        "evidence.csv": EvidenceCols.ORDER,
        "targets.csv": TargetCols.ORDER,
    }


def test_write_run_writes_exact_column_order_and_manifest(tmp_path: Path) -> None:
    run_dir = prepare_output(tmp_path, "run1")
    extra = pd.DataFrame({"b": [1], "a": [2]})
    assert write_run(run_dir, {**_tables(), "dropped.csv": extra}, MANIFEST_DATA) == run_dir
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run1"]
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "candidates.csv",
        "candidates.parquet",
        "candidates.sdf",
        "dropped.csv",
        "evidence.csv",
        "evidence.parquet",
        MANIFEST,
        "report.html",
        "targets.csv",
        "targets.parquet",
    ]
    for name, columns in TABLES.items():
        lines = (run_dir / name).read_text(encoding="utf-8").splitlines()
        assert lines[0] == ",".join(columns)
        assert lines[1] == _line(name, 0)
        assert len(lines) == 3
        table = read_run_table(run_dir, name)
        assert list(table.columns) == list(columns)
        assert table.shape == (2, len(columns))
    assert (run_dir / "dropped.csv").read_text(encoding="utf-8") == "b,a\n1,2\n"
    written = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    report_seconds = written.pop("timings_seconds").pop("report")
    assert isinstance(report_seconds, float) and report_seconds > 0
    assert written == {"run_id": "run1", "counts": {"candidates": 2}, "path": "x"}


def test_write_run_gives_the_run_folder_normal_permissions(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run1", _tables(), MANIFEST_DATA)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o777 & ~umask


def test_write_run_failure_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_to_csv = pd.DataFrame.to_csv
    calls: list[str] = []

    def failing_to_csv(self: pd.DataFrame, path: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(Path(path).name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_to_csv(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing_to_csv)
    run_dir = tmp_path / "run1"
    with pytest.raises(OutputError) as info:
        write_run(run_dir, _tables(), MANIFEST_DATA)
    assert str(info.value) == (
        f"cannot write run folder {run_dir} (No space left on device): "
        "free disk space or pass another --out / --run-id"
    )
    assert calls == ["candidates.csv", "evidence.csv"]
    assert list(tmp_path.iterdir()) == []


def test_write_run_other_error_also_leaves_nothing(tmp_path: Path) -> None:
    tables = {"targets.csv": pd.DataFrame({"label": ["x"]})}  # lacks the targets columns
    with pytest.raises(KeyError):
        write_run(tmp_path / "run1", tables, MANIFEST_DATA)
    assert list(tmp_path.iterdir()) == []


def test_write_run_refuses_a_run_folder_that_appeared(tmp_path: Path) -> None:
    run_dir = tmp_path / "run1"
    run_dir.mkdir()
    (run_dir / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match=f"cannot write run folder {run_dir}"):
        write_run(run_dir, _tables(), MANIFEST_DATA)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run1"]
    assert sorted(p.name for p in run_dir.iterdir()) == ["keep.txt"]


def _finished(folder: Path, mtime_ns: int) -> Path:
    folder.mkdir()
    manifest = folder / MANIFEST
    manifest.write_text("{}", encoding="utf-8")
    os.utime(manifest, ns=(mtime_ns, mtime_ns))
    return folder


def test_latest_run_picks_newest_manifest(tmp_path: Path) -> None:
    second = 1_000_000_000
    _finished(tmp_path / "old", 100 * second)
    newest = _finished(tmp_path / "new", 300 * second)
    _finished(tmp_path / "middle", 200 * second)
    _finished(tmp_path / ".hidden", 900 * second)
    (tmp_path / "unfinished").mkdir()
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    assert latest_run(tmp_path) == newest


#: (case, whether the out dir exists with an unfinished run in it)
EMPTY_CASES: list[tuple[str, bool]] = [("missing_out_dir", False), ("no_finished_run", True)]


@pytest.mark.parametrize(
    "make_out", [case[1] for case in EMPTY_CASES], ids=[c[0] for c in EMPTY_CASES]
)
def test_latest_run_without_runs_is_none(tmp_path: Path, make_out: bool) -> None:
    out = tmp_path / "reports"
    if make_out:
        (out / "unfinished").mkdir(parents=True)
    assert latest_run(out) is None


def test_read_run_table_refuses_folder_without_manifest(tmp_path: Path) -> None:
    (tmp_path / "candidates.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(OutputError) as info:
        read_run_table(tmp_path, "candidates.csv")
    assert str(info.value) == (
        f"{tmp_path} is not a finished senotarget run (no {MANIFEST} or candidates.csv): "
        "pass a folder written by `senotarget run`"
    )


def test_read_run_table_refuses_missing_table(tmp_path: Path) -> None:
    run_dir = _finished(tmp_path / "run1", 1)
    with pytest.raises(OutputError, match=r"no manifest\.json or evidence\.csv"):
        read_run_table(run_dir, "evidence.csv")


def test_read_run_table_keeps_na_strings(tmp_path: Path) -> None:
    run_dir = _finished(tmp_path / "run1", 1)
    (run_dir / "t.csv").write_text("name,value\nNA,\nNone,2\n", encoding="utf-8")
    table = read_run_table(run_dir, "t.csv")
    assert table["name"].tolist() == ["NA", "None"]
    assert table["value"].isna().tolist() == [True, False]
    assert table["value"].iloc[1] == 2


def test_exports_match_the_csv_tables(fixture_run: RunResult) -> None:
    from rdkit import Chem

    folder = Path(fixture_run.run_dir)
    for name in TABLES:
        csv = read_run_table(folder, name)
        parquet = pd.read_parquet(folder / name.replace(".csv", ".parquet"))
        pd.testing.assert_frame_equal(parquet, csv, obj=name)
    records = list(Chem.SDMolSupplier(str(folder / "candidates.sdf")))
    candidates = pd.read_csv(folder / "candidates.csv")
    assert len(records) == len(candidates)  # a biologic is an empty record, not a lost row
    first = records[0]
    assert first.GetProp("_Name") == candidates.molecule_chembl_id[0]
    assert first.GetProp("strategy") == "senolytic" and first.GetProp("score") == str(
        candidates.score[0]
    )
    biologic = [m for m in records if m.GetProp("_Name") == "CHEMBL900011"]
    assert biologic and all(m.GetNumAtoms() == 0 for m in biologic)


@pytest.mark.parametrize(("chunk", "workers"), [(3, 2), (5, 1), (100, 2)])
def test_sdf_blocks_join_into_one_writers_file(
    fixture_run: RunResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
    workers: int,
) -> None:
    """Blocks written by several processes give exactly the file of one SDWriter."""
    from rdkit import Chem

    from senotarget.report import exports as report

    candidates = read_run_table(Path(fixture_run.run_dir), "candidates.csv")
    reference = tmp_path / "one.sdf"
    with Chem.SDWriter(str(reference)) as writer:
        for row in candidates.to_dict("records"):
            smiles = row["canonical_smiles"]
            mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) else None
            mol = mol if mol is not None else Chem.Mol()
            mol.SetProp("_Name", str(row["molecule_chembl_id"]))
            for key, value in row.items():
                empty = value is None or (isinstance(value, float) and math.isnan(value))
                mol.SetProp(str(key), "" if empty else str(value))
            writer.write(mol)
    monkeypatch.setattr(report, "SDF_CHUNK", chunk)
    blocks = tmp_path / "blocks.sdf"
    report._write_sdf(candidates, blocks, workers=workers)
    assert blocks.read_bytes() == reference.read_bytes()
    assert f"({len(candidates)})" in blocks.read_text(encoding="utf-8")


def test_report_command_rebuilds_exports_offline(fixture_run: RunResult, tmp_path: Path) -> None:
    import shutil

    from typer.testing import CliRunner

    from senotarget.cli import app

    copy = tmp_path / "copy"
    shutil.copytree(fixture_run.run_dir, copy)
    for export in ("candidates.sdf", "candidates.parquet"):
        (copy / export).unlink()
    result = CliRunner().invoke(app, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(copy)
    assert (copy / "candidates.sdf").is_file() and (copy / "candidates.parquet").is_file()
    bad = CliRunner().invoke(app, ["report", str(tmp_path / "nothing")])
    assert bad.exit_code == 1 and "is not a finished senotarget run" in bad.stderr


# -- run ids held while a run is in progress (regression: two runs in one second took one id) ---


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_two_runs_in_one_second_take_two_ids(tmp_path: Path) -> None:
    with (
        reserved_run(tmp_path, None, "p-20261202T000000Z") as first,
        reserved_run(tmp_path, None, "p-20261202T000000Z") as second,
    ):
        assert (first.name, second.name) == ("p-20261202T000000Z", "p-20261202T000000Z-2")
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            ".p-20261202T000000Z-2.reserved",
            ".p-20261202T000000Z.reserved",
        ]
    assert list(tmp_path.iterdir()) == []  # the markers go when the runs end


def test_an_explicit_id_in_progress_is_refused_at_once(tmp_path: Path) -> None:
    with (
        reserved_run(tmp_path, "mine", "unused"),
        pytest.raises(OutputError) as caught,
        reserved_run(tmp_path, "mine", "unused"),
    ):
        pass
    assert str(caught.value) == (
        f"run mine is being written by another run in {tmp_path}: pass a new --run-id"
    )


def test_a_killed_runs_marker_and_staging_are_cleared(tmp_path: Path) -> None:
    import socket

    marker = tmp_path / ".mine.reserved"
    marker.mkdir()
    (marker / "holder").write_text(f"{socket.gethostname()} {_dead_pid()}\n", encoding="utf-8")
    (tmp_path / ".mine.tmp-abc").mkdir()
    (tmp_path / ".mine.tmp-abc" / "candidates.csv").write_text("x", encoding="utf-8")
    (tmp_path / ".orphan.tmp-def").mkdir()  # a staging folder with no marker at all
    (tmp_path / "keep.txt").write_text("a user's file", encoding="utf-8")
    with reserved_run(tmp_path, "mine", "unused") as run_dir:
        assert run_dir == tmp_path / "mine"
        assert sorted(p.name for p in tmp_path.iterdir()) == [".mine.reserved", "keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_a_failed_run_leaves_no_marker_and_no_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with pytest.raises(RuntimeError), reserved_run(out, None, "p-1"):
        raise RuntimeError("the run failed")
    assert not out.exists()
