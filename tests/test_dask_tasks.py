"""dask_tasks: chemistry on a dask.distributed cluster gives the single-process results."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from senotarget.cli import app
from senotarget.errors import ConfigError
from senotarget.pipeline import run
from senotarget.report.files import TABLES
from senotarget.schema import RunResult
from senotarget.sources.sql import SqlSource
from senotarget.stages import chemistry
from senotarget.util.dask_tasks import KILLED, check_scheduler, map_tasks
from tests.conftest import fixture_settings
from tests.postgres import free_port

pytest.importorskip("distributed")
runner = CliRunner()


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("", True), ("local:2", True), ("tcp://127.0.0.1:8786", True), ("tls://host:1", True),
        ("local:0", False), ("local:", False), ("127.0.0.1:8786", False), ("tcp://host", False),
        ("http://host:1", False),
    ],
)  # fmt: skip
def test_check_scheduler(value: str, ok: bool) -> None:
    if ok:
        assert check_scheduler(value) == value
    else:
        with pytest.raises(ValueError, match="is not a scheduler address"):
            check_scheduler(value)


def square(value: int) -> int:
    return value * value


def die_once(value: int) -> int:
    """Kill the worker the first time a value is seen (a marker file remembers it)."""
    marker = Path(os.environ["SENOTARGET_TEST_MARKERS"]) / str(value)
    if value == 3 and not marker.exists():
        marker.write_text("seen", encoding="utf-8")
        os._exit(1)
    return value * value


def always_die(value: int) -> int:
    os._exit(1)


def test_map_tasks_on_a_local_cluster_of_two() -> None:
    got: dict[int, Any] = {}
    workers = map_tasks("local:2", square, list(range(10)), got.__setitem__)
    assert workers == 2
    assert got == {n: n * n for n in range(10)}


def test_a_worker_that_dies_mid_run_has_its_task_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENOTARGET_TEST_MARKERS", str(tmp_path))
    got: dict[int, Any] = {}
    map_tasks("local:2", die_once, list(range(6)), got.__setitem__)
    assert got == {n: n * n for n in range(6)}
    assert (tmp_path / "3").is_file()  # the worker did die once


def test_a_task_that_keeps_killing_workers_comes_back_killed() -> None:
    import dask

    got: dict[int, Any] = {}
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        map_tasks("local:1", always_die, [7], got.__setitem__)
    assert got == {7: KILLED}


def test_a_window_reads_lazy_items_only_as_tasks_end() -> None:
    """With a window of 2, no more than 2 items are read ahead of the results handed back."""
    from senotarget.util.dask_tasks import Cluster

    pulled: list[int] = []
    ahead: list[int] = []
    got: dict[int, int] = {}

    def items() -> Iterator[int]:
        for n in range(8):
            pulled.append(n)
            ahead.append(len(pulled) - len(got))
            yield n

    def done(item: int, result: int) -> None:
        got[item] = result

    with Cluster("local:2") as cluster:
        cluster.map(square, items(), done, window=2)
    assert got == {n: n * n for n in range(8)}
    assert max(ahead) <= 2


def test_nothing_listening_is_one_config_error() -> None:
    port = free_port()
    with pytest.raises(ConfigError, match=rf"scheduler tcp://127.0.0.1:{port} cannot be reached"):
        map_tasks(f"tcp://127.0.0.1:{port}", square, [1], lambda *_: None)


@pytest.fixture(scope="module")
def molecules(shared_db: Path) -> pd.DataFrame:
    import sqlite3

    with sqlite3.connect(shared_db) as connection:
        ids = [
            r[0]
            for r in connection.execute(
                "SELECT md.chembl_id FROM molecule_dictionary md JOIN compound_structures cs "
                "ON cs.molregno = md.molregno ORDER BY md.molregno LIMIT 120"
            )
        ]
    source = SqlSource(str(shared_db))
    try:
        return source.molecules(ids)
    finally:
        source.close()


def test_chemistry_on_the_cluster_equals_one_process(molecules: pd.DataFrame) -> None:
    one = chemistry.standardise(molecules, cache_dir=None, workers=1)
    cluster = chemistry.standardise(molecules, cache_dir=None, scheduler="local:2")
    pd.testing.assert_frame_equal(cluster, one)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def _dask_processes(env: dict[str, str] | None = None) -> Iterator[str]:
    """``dask scheduler`` and one ``dask worker`` (with a nanny) as a user runs them.

    ``env``: extra environment of the worker, which preloads :mod:`tests.dask_preload` (its
    partitions die as ``SENOTARGET_TEST_DIE`` says; without it they run as they are).
    """
    port = free_port()
    dask_cli = str(Path(sys.executable).with_name("dask"))
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [dask_cli, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        **quiet,
    )
    address = f"tcp://127.0.0.1:{port}"
    worker_env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]), **(env or {})}
    worker = subprocess.Popen(
        [dask_cli, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
         "--preload", "tests.dask_preload"],
        env=worker_env,
        **quiet,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _listening(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        yield address
    finally:
        for process in (worker, scheduler):
            process.terminate()
        for process in (worker, scheduler):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a nanny busy restarting its worker
                process.kill()
                process.wait(timeout=30)


@pytest.fixture
def dask_cluster() -> Iterator[str]:
    """A scheduler and a worker whose tasks run as they are."""
    with _dask_processes() as address:
        yield address


def test_cli_run_against_a_scheduler_and_worker_gives_the_same_tables(
    dask_cluster: str, chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    common = ["--panel", str(panel_file), "--chembl-db", str(chembl_db), "--out", str(tmp_path)]
    plain = runner.invoke(
        app, ["run", *common, "--run-id", "plain", "--cache-dir", str(tmp_path / "c1")]
    )
    assert plain.exit_code == 0, plain.output
    remote = runner.invoke(
        app,
        ["run", *common, "--run-id", "dask", "--cache-dir", str(tmp_path / "c2"),
         "--scheduler", dask_cluster, "--partition-rows", "3"],
    )  # fmt: skip
    assert remote.exit_code == 0, remote.output
    for name in TABLES:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()
    record = json.loads((tmp_path / "dask" / "manifest.json").read_text(encoding="utf-8"))
    assert record["partitions"]["fetched"] == 7  # 20 activity rows, 3 at a time


def _run_on(address: str, chembl_db: Path, panel_file: Path, root: Path, run_id: str) -> Any:
    """``senotarget run`` on the cluster at ``address``, 5 activity rows a partition."""
    return runner.invoke(
        app,
        ["run", "--panel", str(panel_file), "--chembl-db", str(chembl_db), "--out", str(root),
         "--run-id", run_id, "--cache-dir", str(root / "c"), "--scheduler", address,
         "--partition-rows", "5"],
    )  # fmt: skip


#: The partition tasks a worker can die in, and how the run names their partitions.
DYING_TASKS = [("curate", "the activities"), ("aggregate", "the aggregation")]


@pytest.mark.parametrize("task", [t for t, _ in DYING_TASKS])
def test_cli_run_whose_worker_dies_once_mid_run_gives_the_same_tables(
    chembl_db: Path, panel_file: Path, tmp_path: Path, fixture_run: RunResult, task: str
) -> None:
    """The worker dies in a partition task; its nanny starts another, and Dask reruns it."""
    markers = tmp_path / "markers"
    markers.mkdir()
    env = {"SENOTARGET_TEST_DIE": f"once:{markers}", "SENOTARGET_TEST_DIE_TASK": task}
    with _dask_processes(env) as address:
        result = _run_on(address, chembl_db, panel_file, tmp_path, "dies")
    assert result.exit_code == 0, result.output
    assert (markers / "died").is_file()  # the worker did die
    for name in TABLES:
        assert (tmp_path / "dies" / name).read_bytes() == (
            Path(fixture_run.run_dir) / name
        ).read_bytes(), name


@pytest.mark.parametrize(("task", "partitions"), DYING_TASKS)
def test_cli_run_whose_workers_keep_dying_is_one_line_exit_1(
    chembl_db: Path, panel_file: Path, tmp_path: Path, task: str, partitions: str
) -> None:
    env = {"SENOTARGET_TEST_DIE": "always", "SENOTARGET_TEST_DIE_TASK": task}
    with _dask_processes(env) as address:
        result = _run_on(address, chembl_db, panel_file, tmp_path, "dead")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert re.fullmatch(  # the first of the partitions in flight to run out of retries
        r"senotarget: error: the cluster's workers died running partition [12] of "
        + re.escape(partitions)
        + r" \(Dask retried it on other workers\): give the workers more memory "
        r"\(dask worker --memory-limit\) or lower --partition-rows",
        line,
    ), line
    assert not (tmp_path / "dead").exists()  # nothing half-written
    assert not (tmp_path / "c" / "partitions").exists()


def test_partitions_on_a_local_cluster_write_the_same_tables(
    chembl_db: Path, panel_file: Path, tmp_path: Path, fixture_run: RunResult
) -> None:
    split = run(
        fixture_settings(
            chembl_db, panel_file, tmp_path, run_id="local2", scheduler="local:2", partition_rows=4
        )
    )
    for name in TABLES:
        assert (Path(split.run_dir) / name).read_bytes() == (
            Path(fixture_run.run_dir) / name
        ).read_bytes(), name


def test_cli_scheduler_with_nothing_listening_is_one_line_exit_1(
    chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    result = runner.invoke(
        app,
        ["run", "--panel", str(panel_file), "--chembl-db", str(chembl_db), "--out",
         str(tmp_path), "--cache-dir", str(tmp_path / "c"), "--scheduler", address],
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"scheduler {address} cannot be reached" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.glob("*/candidates.csv"))  # nothing half-written


def test_without_a_scheduler_nothing_of_dask_is_imported(
    chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from senotarget.config import load_settings\n"
        "from senotarget.pipeline import run\n"
        f"run(load_settings(env={{}}, chembl_db={str(chembl_db)!r}, panel={str(panel_file)!r},"
        f" out_dir=Path({str(tmp_path)!r}), cache_dir=Path({str(tmp_path / 'c')!r})))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
