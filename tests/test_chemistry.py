"""Tests of the chemistry stage: standardisation, alerts, scaffolds, cache, pool and parents."""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from senotarget.schema import ChemCols, MoleculeCols
from senotarget.stages import chemistry, structure_cache

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
ASPIRIN_KEY = "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"
DICLOFENAC = "O=C(O)Cc1ccccc1Nc1c(Cl)cccc1Cl"
DICLOFENAC_KEY = "DCOPUUMXTXDBNB-UHFFFAOYSA-N"
DICLOFENAC_NA = "O=C([O-])Cc1ccccc1Nc1c(Cl)cccc1Cl.[Na+]"
DIPHENHYDRAMINE = "CN(C)CCOC(c1ccccc1)c1ccccc1"
QUERCETIN = "O=c1c(O)c(-c2ccc(O)c(O)c2)oc2cc(O)cc(O)c12"

#: (SMILES, expected row after the id): standard SMILES, parent SMILES, parent InChIKey, QED,
#: PAINS, Brenk, Murcko scaffold, status, reason.
CASES: list[tuple[str, str | None, tuple[Any, ...]]] = [
    (
        "aspirin",
        ASPIRIN,
        (
            ASPIRIN,
            ASPIRIN,
            ASPIRIN_KEY,
            0.5501217966938848,
            "",
            "phenol_ester",
            "c1ccccc1",
            "ok",
            "",
        ),
    ),
    (
        "sodium_salt",
        DICLOFENAC_NA,
        (
            DICLOFENAC_NA,
            DICLOFENAC,
            DICLOFENAC_KEY,
            0.8807285394160607,
            "",
            "",
            "c1ccc(Nc2ccccc2)cc1",
            "ok",
            "",
        ),
    ),
    (
        "hydrochloride",
        DIPHENHYDRAMINE + ".Cl",
        (
            DIPHENHYDRAMINE + ".Cl",
            DIPHENHYDRAMINE,
            "ZZVUWRFHKOJYTH-UHFFFAOYSA-N",
            0.7845504400951161,
            "",
            "",
            "c1ccc(Cc2ccccc2)cc1",
            "ok",
            "",
        ),
    ),
    (
        "hydrate",
        ASPIRIN + ".O",
        (
            ASPIRIN + ".O",
            ASPIRIN,
            ASPIRIN_KEY,
            0.5501217966938848,
            "",
            "phenol_ester",
            "c1ccccc1",
            "ok",
            "",
        ),
    ),
    (
        "quercetin_pains_and_brenk",
        QUERCETIN,
        (
            QUERCETIN,
            QUERCETIN,
            "REFJWTPEDVJJIY-UHFFFAOYSA-N",
            0.43419044029909815,
            "catechol_A(92)",
            "catechol",
            "O=c1cc(-c2ccccc2)oc2ccccc12",
            "ok",
            "",
        ),
    ),
    (
        "brenk_aldehyde",
        "C1=CC=CN=C1C=O",
        (
            "O=Cc1ccccn1",
            "O=Cc1ccccn1",
            "CSDSSGBPEUDDEE-UHFFFAOYSA-N",
            0.498749165497561,
            "",
            "aldehyde",
            "c1ccncc1",
            "ok",
            "",
        ),
    ),
    (
        "acyclic_no_scaffold",
        "CCCCCC",
        (
            "CCCCCC",
            "CCCCCC",
            "VLKZOEOYAKHREP-UHFFFAOYSA-N",
            0.4629542813199688,
            "",
            "Aliphatic_long_chain",
            "",
            "ok",
            "",
        ),
    ),
    (
        "co_crystal",
        "CC(=O)Nc1ccc(O)cc1." + ASPIRIN,
        (
            "CC(=O)Nc1ccc(O)cc1." + ASPIRIN,
            "CC(=O)Nc1ccc(O)cc1." + ASPIRIN,
            "ZDPCIXZONVNODH-UHFFFAOYSA-N",
            0.4526055003618005,
            "",
            "hydroquinone;phenol_ester",
            "c1ccccc1.c1ccccc1",
            "flag",
            "multi_fragment_parent",
        ),
    ),
    (
        "metal_complex_parent_excluded",
        "N.N.Cl[Pt]Cl",
        (
            "N.N.[Cl][Pt][Cl]",
            "N.N.[Cl][Pt][Cl]",
            "LXZZYRPGZAFOLE-UHFFFAOYSA-L",
            0.7146141427583609,
            "",
            "",
            "",
            "flag",
            "multi_fragment_parent;parent_excluded",
        ),
    ),
    ("biologic_none", None, ("", "", "", math.nan, "", "", "", "flag", "no_structure")),
    ("biologic_empty", "", ("", "", "", math.nan, "", "", "", "flag", "no_structure")),
    (
        "garbage",
        "this is not a smiles",
        ("", "", "", math.nan, "", "", "", "exclude", "invalid_smiles"),
    ),
    ("unclosed_ring", "C1CC", ("", "", "", math.nan, "", "", "", "exclude", "invalid_smiles")),
]

#: Drug SMILES that the pool test decorates into 300 distinct inputs.
BASES = [
    ASPIRIN,
    "CC(=O)Nc1ccc(O)cc1",
    "CC(C)Cc1ccc(C(C)C(=O)O)cc1",
    "Cn1c(=O)c2c(ncn2C)n(C)c1=O",
    DIPHENHYDRAMINE,
    "OC(=O)Cc1ccccc1Nc1c(Cl)cccc1Cl",
    "Oc1cc(O)c2c(c1)oc(-c1ccc(O)c(O)c1)c(O)c2=O",
    "CN1CCC[C@H]1c1cccnc1",
    "CN(C)C(=N)NC(=N)N",
    "Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1",
    "Cc1nc(Nc2ncc(C(=O)Nc3c(C)cccc3Cl)s2)cc(N2CCN(CCO)CC2)n1",
    "COCCc1ccc(OCC(O)CNC(C)C)cc1",
    "CC(C)NCC(O)COc1cccc2ccccc12",
    "CNCCC(Oc1ccc(C(F)(F)F)cc1)c1ccccc1",
    "CC(=O)Oc1ccccc1C(=O)Oc1ccccc1",
]
SUFFIXES = [
    ".Cl",
    ".O",
    ".CCO",
    ".Br",
    ".OS(=O)(=O)O",
    ".CS(=O)(=O)O",
    ".[Na+]",
    ".[K+]",
    ".N",
    ".c1ccccc1",
]


def _molecules(smiles: Sequence[str | None], ids: Sequence[str] | None = None) -> pd.DataFrame:
    ids = list(ids) if ids is not None else [f"CHEMBL{i + 1}" for i in range(len(smiles))]
    return pd.DataFrame(
        {MoleculeCols.MOLECULE_CHEMBL_ID: ids, MoleculeCols.CANONICAL_SMILES: list(smiles)}
    )


#: The computed columns of a row (the basis columns are set afterwards, tested apart).
BASES_COLS = (ChemCols.QED_BASIS, ChemCols.ALERTS_BASIS, ChemCols.STRUCTURE_BASIS)
COMPUTED = [c for c in ChemCols.ORDER[1:] if c not in BASES_COLS]


def _row(frame: pd.DataFrame, i: int) -> tuple[Any, ...]:
    return tuple(frame.iloc[i][COMPUTED].tolist())


def _assert_row(actual: tuple[Any, ...], expected: tuple[Any, ...]) -> None:
    qed_at = COMPUTED.index(ChemCols.QED)
    assert actual[:qed_at] + actual[qed_at + 1 :] == expected[:qed_at] + expected[qed_at + 1 :]
    if math.isnan(expected[qed_at]):
        assert math.isnan(actual[qed_at])
    else:
        assert actual[qed_at] == pytest.approx(expected[qed_at], abs=1e-12)


def _pool_smiles() -> list[str]:
    prefixed = ["C" * k + base for base in BASES for k in range(10)]
    suffixed = [base + suffix for base in BASES for suffix in SUFFIXES]
    return prefixed + suffixed


@pytest.mark.parametrize(("name", "smiles", "expected"), CASES, ids=[c[0] for c in CASES])
def test_standardise_one_molecule(name: str, smiles: str | None, expected: tuple[Any, ...]) -> None:
    out = chemistry.standardise(_molecules([smiles], [name]), cache_dir=None, workers=1)
    assert list(out.columns) == list(ChemCols.ORDER)
    assert out[ChemCols.MOLECULE_CHEMBL_ID].tolist() == [name]
    _assert_row(_row(out, 0), expected)


def test_standardise_keeps_order_and_resets_index() -> None:
    molecules = _molecules([QUERCETIN, None, "C1CC", ASPIRIN], ["A", "B", "C", "D"])
    molecules.index = pd.Index([40, 30, 20, 10])
    out = chemistry.standardise(molecules, cache_dir=None, workers=1)
    assert out.index.tolist() == [0, 1, 2, 3]
    assert out[ChemCols.MOLECULE_CHEMBL_ID].tolist() == ["A", "B", "C", "D"]
    assert out[ChemCols.STATUS].tolist() == ["ok", "flag", "exclude", "ok"]
    assert str(out[ChemCols.QED].dtype) == "float64"


def test_standardise_nan_smiles_is_no_structure() -> None:
    out = chemistry.standardise(_molecules([math.nan]), cache_dir=None, workers=1)  # type: ignore[list-item]
    assert (out.at[0, ChemCols.STATUS], out.at[0, ChemCols.REASON]) == ("flag", "no_structure")


def test_standardise_empty_table() -> None:
    out = chemistry.standardise(_molecules([]), cache_dir=None, workers=1)
    assert list(out.columns) == list(ChemCols.ORDER)
    assert len(out) == 0


def test_standardise_pipeline_failure_is_data(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_block: str) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(chemistry._toolkit(), "standardize_molblock", broken)
    out = chemistry.standardise(_molecules([ASPIRIN]), cache_dir=None, workers=1)
    assert (out.at[0, ChemCols.STATUS], out.at[0, ChemCols.REASON]) == (
        "exclude",
        "standardisation_failed:RuntimeError",
    )


def test_standardise_descriptor_failure_is_a_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_mol: object) -> float:
        raise ZeroDivisionError

    monkeypatch.setattr(chemistry._toolkit(), "qed", broken)
    out = chemistry.standardise(_molecules([ASPIRIN]), cache_dir=None, workers=1)
    assert out.at[0, ChemCols.PARENT_INCHIKEY] == ASPIRIN_KEY
    assert math.isnan(out[ChemCols.QED].tolist()[0])
    assert (out.at[0, ChemCols.STATUS], out.at[0, ChemCols.REASON]) == (
        "flag",
        "qed_failed:ZeroDivisionError",
    )


def test_standardise_rejects_negative_workers() -> None:
    with pytest.raises(ValueError, match="workers=-1"):
        chemistry.standardise(_molecules([ASPIRIN]), cache_dir=None, workers=-1)


def test_standardise_names_a_missing_column() -> None:
    with pytest.raises(ValueError, match="canonical_smiles"):
        chemistry.standardise(
            pd.DataFrame({MoleculeCols.MOLECULE_CHEMBL_ID: ["X"]}), cache_dir=None, workers=1
        )


def test_rdkit_log_is_restored() -> None:
    from rdkit import rdBase

    before = rdBase.LogStatus()
    chemistry.standardise(_molecules(["C1CC"]), cache_dir=None, workers=1)
    assert rdBase.LogStatus() == before


def test_duplicates_are_computed_once_and_progress_adds_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[str] = []
    real = chemistry._compute_chunk

    def spy(smiles: Sequence[str]) -> list[Any]:
        seen.extend(smiles)
        return real(smiles)

    monkeypatch.setattr(chemistry, "_compute_chunk", spy)
    steps: list[int] = []
    smiles = [ASPIRIN, None, ASPIRIN, QUERCETIN, ASPIRIN]
    out = chemistry.standardise(_molecules(smiles), cache_dir=tmp_path, progress=steps.append)
    assert sorted(seen) == sorted([ASPIRIN, QUERCETIN])
    assert sum(steps) == len(smiles)
    assert out[ChemCols.PARENT_INCHIKEY].tolist()[::2] == [ASPIRIN_KEY] * 3


def test_cache_second_call_computes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    smiles = [case[1] for case in CASES]
    molecules = _molecules(smiles, [case[0] for case in CASES])
    first = chemistry.standardise(molecules, cache_dir=tmp_path, workers=1)

    def boom(_smiles: Sequence[str]) -> list[Any]:
        raise AssertionError("a warm cache must not compute")

    monkeypatch.setattr(chemistry, "_compute_chunk", boom)
    steps: list[int] = []
    second = chemistry.standardise(molecules, cache_dir=tmp_path, workers=1, progress=steps.append)
    pd.testing.assert_frame_equal(first, second)
    assert steps == [len(smiles)]


def test_cache_file_name_and_wal_mode(tmp_path: Path) -> None:
    chemistry.standardise(_molecules([ASPIRIN]), cache_dir=tmp_path, workers=1)
    path = chemistry.structure_cache_path(tmp_path)
    assert path.name == "structures_rdkit-2025.09.6_csp-1.2.4_v1.sqlite"
    assert [p.name for p in tmp_path.glob("*.sqlite")] == [path.name]
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert con.execute("SELECT smiles, chem_status FROM structures").fetchall() == [
            (ASPIRIN, "ok")
        ]


def test_new_chemistry_version_gives_a_new_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    chemistry.standardise(_molecules([ASPIRIN]), cache_dir=tmp_path, workers=1)
    old = chemistry.structure_cache_path(tmp_path)
    monkeypatch.setattr(chemistry, "CHEMISTRY_VERSION", 2)
    new = chemistry.structure_cache_path(tmp_path)
    assert new.name == "structures_rdkit-2025.09.6_csp-1.2.4_v2.sqlite"
    computed: list[str] = []
    real = chemistry._compute_chunk

    def spy(smiles: Sequence[str]) -> list[Any]:
        computed.extend(smiles)
        return real(smiles)

    monkeypatch.setattr(chemistry, "_compute_chunk", spy)
    chemistry.standardise(_molecules([ASPIRIN]), cache_dir=tmp_path, workers=1)
    assert computed == [ASPIRIN]
    assert old.exists()
    assert new.exists()
    assert chemistry.chemistry_versions()["chemistry_version"] == "2"


def test_cache_disabled_writes_nothing(tmp_path: Path) -> None:
    chemistry.standardise(_molecules([ASPIRIN]), cache_dir=None, workers=1)
    assert list(tmp_path.iterdir()) == []


def test_unusable_cache_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chemistry.structure_cache_path(tmp_path).write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="senotarget.stages.chemistry"):
        out = chemistry.standardise(_molecules([ASPIRIN]), cache_dir=tmp_path, workers=1)
    assert out.at[0, ChemCols.PARENT_INCHIKEY] == ASPIRIN_KEY
    assert "unusable" in caplog.text


def test_cache_reads_34000_rows_in_bulk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    n = 34_000
    keys = [f"C{'C' * (i % 7)}.[{i}]" for i in range(n)]
    row = ("C", "C", "VNWKTOKETHGBQD-UHFFFAOYSA-N", 0.36, "", "", "", "ok", "")
    structure_cache.write_cache(chemistry.structure_cache_path(tmp_path), dict.fromkeys(keys, row))

    def boom(_smiles: Sequence[str]) -> list[Any]:
        raise AssertionError("a warm cache must not compute")

    monkeypatch.setattr(chemistry, "_compute_chunk", boom)
    molecules = _molecules(keys)
    started = time.perf_counter()
    out = chemistry.standardise(molecules, cache_dir=tmp_path, workers=2)
    elapsed = time.perf_counter() - started
    assert len(out) == n
    assert out[ChemCols.QED].tolist() == [0.36] * n
    assert elapsed < 1.0


def test_two_runs_share_one_cache_at_once(tmp_path: Path) -> None:
    from rdkit import rdBase

    log_before = rdBase.LogStatus()
    molecules = _molecules([ASPIRIN, QUERCETIN, DICLOFENAC_NA, "C1CC"])
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(chemistry.standardise, molecules, cache_dir=tmp_path, workers=1)
            for _ in range(2)
        ]
        results = [f.result() for f in futures]
    pd.testing.assert_frame_equal(results[0], results[1])
    assert rdBase.LogStatus() == log_before
    with sqlite3.connect(chemistry.structure_cache_path(tmp_path)) as con:
        assert con.execute("SELECT count(*) FROM structures").fetchone() == (4,)


def test_two_workers_match_one_worker(caplog: pytest.LogCaptureFixture) -> None:
    smiles: list[str | None] = [*_pool_smiles(), None, "C1CC"]
    assert len(set(smiles)) == len(smiles) >= 300
    molecules = _molecules(smiles)
    one = chemistry.standardise(molecules, cache_dir=None, workers=1)
    steps: list[int] = []
    with caplog.at_level(logging.INFO, logger="senotarget.stages.chemistry"):
        two = chemistry.standardise(molecules, cache_dir=None, workers=2, progress=steps.append)
    assert "computed with 2 processes" in caplog.text
    assert sum(steps) == len(smiles)
    pd.testing.assert_frame_equal(one, two)
    assert set(one[ChemCols.STATUS]) == {"ok", "flag", "exclude"}


def test_chemistry_versions() -> None:
    assert chemistry.chemistry_versions() == {
        "rdkit": "2025.09.6",
        "chembl_structure_pipeline": "1.2.4",
        "chemistry_version": str(chemistry.CHEMISTRY_VERSION),
    }


def test_workers_are_capped_at_the_cpu_count(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression: --workers 100000 once started 333 processes on 2 cores."""
    import os

    seen: list[int] = []

    def record(todo: Sequence[str], workers: int, *_args: Any) -> tuple[dict[str, Any], int]:
        seen.append(workers)
        return {s: chemistry._standardise_one(s, chemistry._toolkit()) for s in todo}, 1

    monkeypatch.setattr(chemistry, "_compute_all", record)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    with caplog.at_level(logging.WARNING, logger="senotarget.stages.chemistry"):
        chemistry.standardise(_molecules([ASPIRIN]), cache_dir=None, workers=100_000)
    assert seen == [2]
    assert "workers=100000 is more than the 2 CPU cores; using 2" in caplog.text


@pytest.mark.parametrize(
    ("length", "status", "reason"),
    [(2000, "ok", ""), (2001, "flag", "too_large"), (100_000, "flag", "too_large")],
    ids=["at the limit", "one over", "100,000 characters (once a SIGSEGV)"],
)
def test_a_too_large_smiles_is_flagged_not_standardised(
    length: int, status: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: one 100,000-character SMILES crashed the run; 3,000 took 111 s."""
    chain = "C" * length  # a valid SMILES of exactly ``length`` characters
    computed: list[str] = []
    real = chemistry._standardise_one

    def spy(smiles: str, kit: Any) -> Any:
        computed.append(smiles)
        if len(smiles) > 100:  # a long alkane is valid but slow: the spy answers for it
            return ("C", "C", "VNWKTOKETHGBQD-UHFFFAOYSA-N", 0.36, "", "", "", "ok", "")
        return real(smiles, kit)

    monkeypatch.setattr(chemistry, "_standardise_one", spy)
    out = chemistry.standardise(_molecules([chain, ASPIRIN]), cache_dir=None, workers=1)
    assert out[[ChemCols.STATUS, ChemCols.REASON]].values.tolist() == [
        [status, reason],
        ["ok", ""],
    ]
    assert [len(s) for s in computed] == ([length] if status == "ok" else []) + [len(ASPIRIN)]


# -- a worker that hangs or dies -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("HANG", "timeout"), ("CRASH", "toolkit_crash")],
    ids=["a structure that hangs", "a structure that kills its worker"],
)
def test_a_hung_or_dead_worker_costs_one_structure(
    fault: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    from collections import Counter

    from tests.chem_faults import faulty_chunk

    todo = [*_pool_smiles()[:70], fault]
    weight = Counter(todo)
    steps: list[int] = []
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="senotarget.stages.chemistry"):
        rows, procs = chemistry._compute_parallel(
            todo, 2, weight, steps.append, 3.0, compute=faulty_chunk
        )
    elapsed = time.perf_counter() - started
    assert procs == 2
    assert rows[fault] == ("", "", "", rows[fault][3], "", "", "", "exclude", reason)
    assert math.isnan(rows[fault][3])
    # every other structure is computed, as the real task computes it
    assert {s: rows[s] for s in todo[:70]} == dict(
        zip(todo[:70], chemistry._compute_chunk(todo[:70]), strict=True)
    )
    assert sum(steps) == len(todo)
    assert "computing its" in caplog.text and "structures one at a time" in caplog.text
    assert elapsed < 60  # two 3-second limits and the retries, not the 600 s hang


def test_transient_failures_are_not_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    timed_out = chemistry._excluded("timeout")

    def compute(todo: Sequence[str], *_args: Any) -> tuple[dict[str, Any], int]:
        return {
            s: timed_out if s == ASPIRIN else chemistry._standardise_one(s, chemistry._toolkit())
            for s in todo
        }, 2

    monkeypatch.setattr(chemistry, "_compute_all", compute)
    first = chemistry.standardise(_molecules([ASPIRIN, "CCO"]), cache_dir=tmp_path)
    assert first[ChemCols.REASON].tolist() == ["timeout", ""]
    with sqlite3.connect(chemistry.structure_cache_path(tmp_path)) as con:
        cached = [r[0] for r in con.execute("SELECT smiles FROM structures")]
    assert cached == ["CCO"]


def test_workers_die_with_a_killed_run(tmp_path: Path) -> None:
    """A SIGKILLed run must not leave its pool's workers running (they hang in a 600 s task)."""
    import os
    import signal
    import subprocess
    import sys

    script = tmp_path / "pool.py"
    script.write_text(
        "import os, time\n"
        "from pebble import ProcessPool\n"
        "from senotarget.util.processes import die_with_parent, process_context\n"
        "if __name__ == '__main__':\n"
        "    context = process_context()\n"
        "    with ProcessPool(1, context=context, initializer=die_with_parent) as pool:\n"
        "        print(pool.schedule(os.getpid).result(), flush=True)\n"
        "        pool.schedule(time.sleep, args=(600,))\n"
        "        time.sleep(600)\n"
    )
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert run.stdout is not None
    try:
        worker = int(run.stdout.readline())
    except ValueError:
        run.kill()
        raise
    time.sleep(0.5)  # the worker is now in its 600 s task
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(worker, signal.SIGKILL)
        pytest.fail(f"worker {worker} outlived its killed run")


def test_a_script_without_a_main_guard_still_standardises(tmp_path: Path) -> None:
    """Spawned workers re-import the caller's script; without the guard they cannot start."""
    import subprocess
    import sys

    smiles = _pool_smiles()
    assert len(smiles) >= chemistry.MIN_PARALLEL
    script = tmp_path / "no_guard.py"
    script.write_text(
        "import pandas as pd\n"
        "from senotarget.stages import chemistry\n"
        f"smiles = {smiles!r}\n"
        "frame = pd.DataFrame({'molecule_chembl_id': smiles, 'canonical_smiles': smiles})\n"
        "out = chemistry.standardise(frame, cache_dir=None, workers=2)\n"
        "print(len(out), int((out.chem_status != 'exclude').sum()))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    expected = chemistry.standardise(_molecules(smiles), cache_dir=None, workers=1)
    kept = int((expected[ChemCols.STATUS] != "exclude").sum())
    assert done.stdout.split() == [str(len(smiles)), str(kept)]
    assert "the chemistry worker processes could not start" in done.stderr
    assert 'guard its entry point with `if __name__ == "__main__":`' in done.stderr


def _descendants(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc: Linux only, as the tests that use it)."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        children.setdefault(int(fields["PPid"]), []).append(int(fields["Pid"]))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    import os

    alive = set()
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive.add(pid)
    return alive


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_a_signalled_run_leaves_no_process_or_temporary_folder(
    signal_name: str, tmp_path: Path
) -> None:
    """The run's pool hangs in a 600 s task; SIGTERM ends it like the CLI does (SystemExit)."""
    import os
    import signal
    import subprocess
    import sys

    script = tmp_path / "run.py"
    script.write_text(
        "import signal, sys\n"
        "from collections import Counter\n"
        "from senotarget.stages import chemistry\n"
        "from tests.chem_faults import faulty_chunk\n"
        "if __name__ == '__main__':\n"
        "    signal.signal(signal.SIGTERM, lambda n, f: sys.exit(128 + n))\n"
        "    todo = ['HANG', 'CCO', 'CCN']\n"
        "    print('started', flush=True)\n"
        "    chemistry._compute_parallel(\n"
        "        todo, 2, Counter(todo), None, 600.0, compute=faulty_chunk\n"
        "    )\n"
    )
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": str(Path(__file__).parents[1])}
    run = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env
    )
    spawned: set[int] = set()
    try:
        assert run.stdout is not None
        assert run.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 60
        while len(_descendants(run.pid)) < 2 and time.monotonic() < deadline:  # worker, tracker
            time.sleep(0.2)
        time.sleep(3)  # the workers load the toolkit and take their tasks
        spawned = _descendants(run.pid)
        assert len(spawned) >= 2, spawned  # one chunk: one worker, and the resource tracker
        started = time.monotonic()
        run.send_signal(getattr(signal, signal_name))
        code = run.wait(timeout=60)
        assert code == (128 + signal.SIGTERM if signal_name == "SIGTERM" else -signal.SIGKILL)
        assert time.monotonic() - started < 30  # not the 600 s task
        deadline = time.monotonic() + 15
        while _alive(spawned) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _alive(spawned)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert left == set()
    finally:  # a failed assertion must not leave the run and its hung worker behind
        for pid in _alive({run.pid, *spawned, *_descendants(run.pid)}):
            os.kill(pid, signal.SIGKILL)
    assert sorted(p.name for p in temp.iterdir()) == []  # no pymp-* folder


# -- the release's own QED and alerts first (issue 13 item 2) ---------------------------------

NAN = float("nan")

PREFER_CASES = [
    # (what, standard, parent, status, chembl qed, screened, chembl pains, expected qed,
    #  expected pains, qed basis, alerts basis)
    ("own parent, ChEMBL QED and alerts", "C", "C", "ok", 0.42, 1.0, "catechol_A(92)", 0.42,
     "catechol_A(92)", "chembl", "chembl"),
    ("screened release, no alert on it: clean", "C", "C", "ok", None, 1.0, "", 0.5, "", "computed",
     "chembl"),
    ("release without alert data: ours", "C", "C", "ok", 0.42, 0.0, "", 0.42, "mine", "chembl",
     "computed"),
    ("a salt: ChEMBL's values are the salt record's, ours the parent's", "C.Cl", "C", "ok", 0.42,
     1.0, "x", 0.5, "mine", "computed", "computed"),
    ("excluded structure: no value, no basis", "", "", "exclude", 0.42, 1.0, "x", NAN, "", "", ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "standard", "parent", "status", "qed", "screened", "pains", "want_qed", "want_pains",
     "qed_basis", "alerts_basis"),
    PREFER_CASES,
    ids=[c[0] for c in PREFER_CASES],
)  # fmt: skip
def test_prefer_chembl(
    what: str,
    standard: str,
    parent: str,
    status: str,
    qed: float | None,
    screened: float,
    pains: str,
    want_qed: float,
    want_pains: str,
    qed_basis: str,
    alerts_basis: str,
) -> None:
    from senotarget.schema import ChemblPropertyCols

    excluded = status == "exclude"
    chem = pd.DataFrame(
        [("M1", standard, parent, "", NAN if excluded else 0.5, "" if excluded else "mine", "",
          "", status, "", "" if excluded else "computed", "" if excluded else "computed",
          "" if excluded else "computed")],
        columns=list(ChemCols.ORDER),
    )  # fmt: skip
    chembl = pd.DataFrame(
        [("M1", None, qed, pains, "", screened)], columns=list(ChemblPropertyCols.ORDER)
    )
    out = chemistry.prefer_chembl(chem, chembl).iloc[0]
    if math.isnan(want_qed):
        assert math.isnan(out[ChemCols.QED])
    else:
        assert out[ChemCols.QED] == want_qed
    assert (out[ChemCols.PAINS], out[ChemCols.QED_BASIS], out[ChemCols.ALERTS_BASIS]) == (
        want_pains,
        qed_basis,
        alerts_basis,
    )


def test_basis_counts() -> None:
    chem = pd.DataFrame(
        {ChemCols.QED_BASIS: ["chembl", "computed", "", "computed"],
         ChemCols.ALERTS_BASIS: ["computed", "computed", "", "chembl"],
         ChemCols.STRUCTURE_BASIS: ["chembl", "computed", "", "chembl"]}
    )  # fmt: skip
    assert chemistry.basis_counts(chem) == {
        "structure_from_chembl": 2,
        "structure_computed": 1,
        "qed_from_chembl": 1,
        "qed_computed": 2,
        "alerts_from_chembl": 1,
        "alerts_computed": 2,
    }


#: Molecules for the release path: a parent, its salt (hierarchy parent: the free acid), a
#: multi-alert natural product, an unparsable structure and a biologic without one.
RELEASE_MOLECULES = pd.DataFrame(
    {
        MoleculeCols.MOLECULE_CHEMBL_ID: ["P1", "S1", "Q1", "X1", "B1"],
        MoleculeCols.CANONICAL_SMILES: [DICLOFENAC, DICLOFENAC_NA, QUERCETIN, "C1CC(", None],
        MoleculeCols.HIERARCHY_PARENT: ["P1", "P1", "Q1", "X1", "B1"],
    }
)


def _release_answer(computed: pd.DataFrame, *, screened: bool) -> pd.DataFrame:
    """What a release that ran the same toolkit ships: keys, QED to 2 decimals, alert names."""
    from senotarget.schema import ChemblPropertyCols

    rows = [
        (
            m,
            key or None,
            None if math.isnan(qed) else round(qed, 2),
            pains if screened else "",
            brenk if screened else "",
            float(screened),
        )
        for m, key, qed, pains, brenk in computed[
            [ChemCols.MOLECULE_CHEMBL_ID, ChemCols.PARENT_INCHIKEY, ChemCols.QED, ChemCols.PAINS,
             ChemCols.BRENK]
        ].itertuples(index=False)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(ChemblPropertyCols.ORDER))


@pytest.mark.parametrize("screened", [False, True], ids=["no alert rows", "alerts screened"])
def test_the_release_path_agrees_with_the_pipeline(screened: bool) -> None:
    """Where the release has the structure, the key and the values, both paths agree.

    Structures and keys exactly, QED to ChEMBL's two decimals, alert verdicts exactly; the
    unparsable structure and the biologic are left to the pipeline.
    """
    computed = chemistry.standardise(RELEASE_MOLECULES, cache_dir=None, workers=1)
    release = _release_answer(computed, screened=screened)
    taken, answered = chemistry.from_release(RELEASE_MOLECULES, release)
    assert answered.tolist() == [True, True, True, False, False]
    assert taken[ChemCols.MOLECULE_CHEMBL_ID].tolist() == ["P1", "S1", "Q1"]
    mine = computed.iloc[:3].reset_index(drop=True)
    for column in (
        ChemCols.STANDARD_SMILES,
        ChemCols.PARENT_SMILES,
        ChemCols.PARENT_INCHIKEY,
        ChemCols.SCAFFOLD,
        ChemCols.STATUS,
        ChemCols.PAINS,
        ChemCols.BRENK,
    ):
        assert taken[column].tolist() == mine[column].tolist(), column  # fmt: skip
    assert (taken[ChemCols.QED] - mine[ChemCols.QED]).abs().max() <= 0.005
    assert taken[ChemCols.STRUCTURE_BASIS].tolist() == ["chembl"] * 3
    assert taken[ChemCols.QED_BASIS].tolist() == ["chembl"] * 3
    assert taken[ChemCols.ALERTS_BASIS].tolist() == ["chembl" if screened else "computed"] * 3


def test_a_release_without_inchikeys_answers_nothing() -> None:
    from senotarget.schema import ChemblPropertyCols

    release = pd.DataFrame(
        [(m, None, 0.5, "", "", 0.0) for m in RELEASE_MOLECULES[MoleculeCols.MOLECULE_CHEMBL_ID]],
        columns=list(ChemblPropertyCols.ORDER),
    )
    taken, answered = chemistry.from_release(RELEASE_MOLECULES, release)
    assert taken.empty
    assert not answered.any()
    described = chemistry.describe(RELEASE_MOLECULES, release, cache_dir=None, workers=1)
    expected = chemistry.prefer_chembl(
        chemistry.standardise(RELEASE_MOLECULES, cache_dir=None, workers=1), release
    )
    pd.testing.assert_frame_equal(described, expected)
    assert set(described[ChemCols.STRUCTURE_BASIS]) == {"computed", ""}


def test_describe_keeps_the_input_order_and_says_whose_values() -> None:
    computed = chemistry.standardise(RELEASE_MOLECULES, cache_dir=None, workers=1)
    release = _release_answer(computed, screened=False)
    release.loc[release[ChemCols.MOLECULE_CHEMBL_ID] == "Q1", "standard_inchi_key"] = None
    seen: list[int] = []
    described = chemistry.describe(
        RELEASE_MOLECULES, release, cache_dir=None, workers=1, progress=seen.append
    )
    assert described[ChemCols.MOLECULE_CHEMBL_ID].tolist() == ["P1", "S1", "Q1", "X1", "B1"]
    assert described[ChemCols.STRUCTURE_BASIS].tolist() == ["chembl", "chembl", "computed", "", ""]
    assert described[ChemCols.QED_BASIS].tolist() == ["chembl", "chembl", "chembl", "", ""]
    assert sum(seen) == 5
