"""Regression tests: one test per behaviour that was once wrong.

Each test is named after the behaviour it holds in place and says, in a comment, what used to
happen. Add new ones in a section of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from senotarget.errors import ChemblSourceError
from senotarget.sources.web import WebSource
from tests.stub import Fault, StubServer

# --------------------------------------------------------------------------------------------------
# sources.web: the retry policy


@pytest.fixture
def web_stub(chembl_db: Path) -> Iterator[StubServer]:
    with StubServer(chembl_db, idle_timeout=120) as server:
        yield server


@pytest.mark.parametrize("resource", ["status", "mechanism"])
def test_web_404_is_not_retried(web_stub: StubServer, resource: str) -> None:
    # Was: a 404 (a wrong --chembl-url) was retried like a 5xx, 7 times over about two minutes.
    sleeps: list[float] = []

    def open_source() -> WebSource:
        return WebSource(web_stub.base_url, cache_dir=None, sleep=sleeps.append)

    web = open_source() if resource == "mechanism" else None  # a page: the source opens first
    web_stub.faults.add(Fault("error", resource=resource, status=404, times=10))
    web_stub.counters.reset()
    with pytest.raises(ChemblSourceError) as caught:
        if web is None:
            open_source()
        else:
            web.mechanisms(["CHEMBL90001"])
    assert web_stub.counters.snapshot()["requests"] == {resource: 1}
    assert sleeps == []
    message = str(caught.value)
    assert (
        f"{web_stub.base_url}/{resource}.json answered HTTP 404 Not Found (not retried)" in message
    )
    assert message.endswith("pass --chembl-url the ChEMBL REST API base, e.g. "
                            "https://www.ebi.ac.uk/chembl/api/data")  # fmt: skip
    assert "\n" not in message


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_web_does_not_sleep_after_last_attempt(web_stub: StubServer, retries: int) -> None:
    # Was: the /status loop slept its backoff after the last attempt too, before raising.
    web_stub.faults.add(Fault("error", resource="status", status=500, times=10))
    sleeps: list[float] = []
    with pytest.raises(ChemblSourceError) as caught:
        WebSource(
            web_stub.base_url, cache_dir=None, retries=retries, backoff=1.0, sleep=sleeps.append
        )
    attempts = retries + 1
    assert web_stub.counters.snapshot()["requests"] == {"status": attempts}
    assert sleeps == [1.0, 2.0, 4.0][:retries]  # N attempts, N - 1 sleeps
    assert f"cannot be reached after {attempts} attempt" in str(caught.value)


# --------------------------------------------------------------------------------------------------
# cli: `diff` resolves its settings like every other command


def test_diff_reads_min_rank_move_from_env_and_config(
    fixture_run: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Was: `senotarget diff` passed only --min-rank-move on, so SENOTARGET_MIN_RANK_MOVE and
    # min_rank_move in the config file were ignored and every diff used the default of 10.
    import shutil

    import pandas as pd
    from typer.testing import CliRunner

    from senotarget.cli import app

    run_a = Path(fixture_run.run_dir)  # type: ignore[attr-defined]
    run_b = tmp_path / "run_b"
    shutil.copytree(run_a, run_b)
    # run_b: the first and last candidates of the biggest strategy swap ranks, a move of n - 1
    table = pd.read_csv(run_b / "candidates.csv", dtype=str, keep_default_na=False)
    candidates = table[table["is_candidate"] == "True"]
    strategy = candidates["strategy"].value_counts().idxmax()
    rows = candidates.index[candidates["strategy"] == strategy]
    first, last = rows[0], rows[-1]
    move = int(str(table.at[last, "rank"])) - int(str(table.at[first, "rank"]))
    assert 1 <= move < 10  # below the default of 10, so only a lower setting reports it
    table.loc[[first, last], "rank"] = table.loc[[last, first], "rank"].to_numpy()
    table = table.sort_values(["strategy", "rank"], key=lambda c: c.map(_rank_key), kind="stable")
    table.to_csv(run_b / "candidates.csv", index=False, lineterminator="\n")

    config = tmp_path / "config.toml"

    def rank_moves(*options: str) -> int:
        out = tmp_path / "changes.csv"
        result = CliRunner().invoke(app, ["diff", str(run_a), str(run_b), "-o", str(out), *options])
        assert result.exit_code == 0, result.output
        changes = pd.read_csv(out, keep_default_na=False)
        return int((changes["change"] == "rank_move").sum())

    assert rank_moves() == 0  # the default, 10
    config.write_text(f"min_rank_move = {move}\n", encoding="utf-8")
    assert rank_moves("--config", str(config)) == 2  # the config file applies
    monkeypatch.setenv("SENOTARGET_CONFIG", str(config))
    assert rank_moves() == 2  # found through SENOTARGET_CONFIG too
    monkeypatch.setenv("SENOTARGET_MIN_RANK_MOVE", str(move + 1))
    assert rank_moves() == 0  # the variable beats the config file
    monkeypatch.setenv("SENOTARGET_MIN_RANK_MOVE", str(move))
    assert rank_moves() == 2  # the variable applies
    assert rank_moves("--min-rank-move", str(move + 1)) == 0  # the option beats the variable


def _rank_key(value: str) -> object:
    """Sort key of a candidates.csv column read as text: ranks as numbers, the rest as text."""
    return int(value) if value.isdigit() else value


# -- non-finite and misspelt settings (issue: NaN weight gave blank scores and invalid JSON) ----


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400"])
def test_a_non_finite_weight_is_refused(value: str) -> None:
    from senotarget.config import load_settings
    from senotarget.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_settings(env={"SENOTARGET_WEIGHT_POTENCY": value})
    assert str(caught.value) == (
        f"setting potency from SENOTARGET_WEIGHT_POTENCY is invalid ({value!r} is not a finite "
        "number): set a number with SENOTARGET_WEIGHT_POTENCY or [weights] potency in the "
        "config file"
    )


def test_a_misspelt_weight_variable_is_refused() -> None:
    from senotarget.config import load_settings
    from senotarget.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_settings(env={"SENOTARGET_WEIGHT_FOO": "1"})
    assert str(caught.value).startswith(
        "environment variable SENOTARGET_WEIGHT_FOO names no score weight: use one of "
        "SENOTARGET_WEIGHT_ALERT_PENALTY, "
    )
    assert caught.value.setting == "SENOTARGET_WEIGHT_FOO"


# -- SIGTERM mid-run (issue: it left a hidden OUT/.<run-id>.tmp-* folder that no run removed) ---


@pytest.mark.parametrize("delay", [0.5, 1.5, 3.0])
def test_sigterm_leaves_a_whole_run_or_nothing(
    delay: float, chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "reports"
    command = [
        *(sys.executable, "-m", "senotarget.cli", "run", "--source", "sql"),
        *("--chembl-db", str(chembl_db), "--panel", str(panel_file), "--out", str(out)),
        *("--cache-dir", str(tmp_path / "cache"), "--workers", "1", "--run-id", "r"),
    ]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    child.send_signal(signal.SIGTERM)
    code = child.wait(timeout=120)
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    # 143: the handler ended the run; -15: the signal came before the handler was installed
    # (interpreter start) or after Python restored the default at exit (the run was whole)
    assert code in (0, 128 + signal.SIGTERM, -signal.SIGTERM)
    if code == 0:
        assert left == ["r"]
    elif code == 128 + signal.SIGTERM:
        assert left == []  # never a hidden staging folder or marker
    else:
        assert left in ([], ["r"])


# -- messages that gave the wrong reason ----------------------------------------------------------


def test_report_on_a_corrupt_manifest_says_so(fixture_run: object, tmp_path: Path) -> None:
    import shutil

    from typer.testing import CliRunner

    from senotarget.cli import app

    run = tmp_path / "run"
    shutil.copytree(Path(fixture_run.run_dir), run)  # type: ignore[attr-defined]
    (run / "manifest.json").write_text("{bad", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(run)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"senotarget: error: {run} is not a finished senotarget run (manifest.json: Expecting "
        "property name enclosed in double quotes: line 1 column 2 (char 1)): pass a folder "
        "written by `senotarget run`"
    )


def test_diff_output_under_a_file_says_the_file_is_in_the_way(
    fixture_run: object, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from senotarget.cli import app

    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    run = str(fixture_run.run_dir)  # type: ignore[attr-defined]
    result = CliRunner().invoke(app, ["diff", run, run, "-o", str(blocker / "out.csv")])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"senotarget: error: cannot write {blocker / 'out.csv'}: {blocker} is a file, not a "
        "folder: pass -o a path in a folder"
    )
