"""CAPRICHO as a benchmark peer (issue 13): speed, memory and potency agreement.

`CAPRICHO <https://pypi.org/project/capricho/>`_ is a ChEMBL curation and aggregation tool
with an SQL backend. It fetches the bioactivities of the given targets from a ChEMBL SQLite file,
standardises the structures with the ChEMBL structure pipeline, flags questionable rows and
aggregates the pChEMBL values per compound and target. This module runs it in its own virtual
environment (:func:`ensure_venv`), on the same SQLite file and the same target ids as
senotarget, and compares the two.

What is measured
----------------

* **Peer** (:func:`run_peer`): one ``capricho get`` in a fresh process of the peer's venv, i.e.
  ``python -m Capricho.cli.main -log warning get --target-ids T1,T2,... --chembl-version R
  --output-path DIR/capricho.csv --skip-not-aggregated --skip-recipe``: fetch (its SQL query),
  curation (pChEMBL kept as given, validity / duplicate / unit-annotation-error /
  inactive-comment flags, structure standardisation and salt stripping) and aggregation per
  (InChIKey, target, mutation, relation). Every other option is CAPRICHO's default: assay
  confidence scores 7, 8, 9, relation ``=``, assay types B and F, every standard type, no
  pChEMBL computed where ChEMBL gave none, stereochemistry kept. The two skip flags only leave
  out the extra files (the pre-aggregation table and the JSON recipe) that are not part of
  fetch, curate and aggregate. The database is registered beforehand, untimed, with ``capricho
  download --set-from-path DB --version R`` (its own way to read a file in place instead of
  downloading a release), under a private ``PYSTOW_HOME`` so no user configuration is touched.
* **senotarget** (:func:`run_ours`): the same stages of its own pipeline in a fresh process of
  this interpreter: resolve the default panel, fetch, curate (row rules), chemistry (structure
  standardisation, with a new, empty structure cache: cold, as CAPRICHO has no cache), parents,
  group rules and aggregate. It stops at ``evidence.csv``; classify, score, rank and report are
  not counted.
* **Wall time**: ``time.perf_counter`` around the process, from spawn to exit, so interpreter
  start-up and imports count on both sides.
* **Peak RSS**: ``peak_rss_mb`` is the peak of the summed resident memory of the process and all
  its live descendants (both tools run worker processes), sampled from ``/proc`` every 0.2 s: the
  same definition as ``rss_tree`` in :mod:`benchmarks.run`. ``max_process_rss_mb`` is the
  kernel's exact ``ru_maxrss`` from ``os.wait4`` on that process: the largest single process of
  the tree (the process itself or a reaped descendant), not a sum.
* **Agreement** (:func:`agreement`): the aggregated potency of each (compound, target) pair both
  tools report. CAPRICHO's value is ``pchembl_value_median`` (the plain median of the pooled
  pChEMBL values; its ``pchembl_value_mean`` is a geometric mean *of the pChEMBL values*, kept
  as ``pchembl_mean``); senotarget's is ``median_pchembl`` per (parent, target, standard_type),
  reduced to one value per (parent, target) by taking the best (max) median over standard types,
  the value its potency call uses. Pearson and Spearman correlation, the share of pairs more than
  1 log unit apart and the largest differences are reported; the same figures on the pairs where
  both sides rest on one and the same standard type isolate what pooling types does.

Caveats
-------

* **Confidence scores are given for timing only.** CAPRICHO keeps only assays whose
  ``confidence_score`` is in its list (7, 8, 9); the shared extract has NULL there for most
  assays, so on the extract as it is CAPRICHO would fetch almost nothing. The benchmark runs both
  tools on a copy where every NULL score is set to 9 (``--fill-confidence``, or a copy prepared
  by ``benchmarks/scale_extract.py``). The scores are invented: the copy is good for timing and
  for comparing the two aggregations on the same rows, not as data.
* Compound identity differs: CAPRICHO merges records whose standardised, salt-stripped
  structures give the same InChIKey (stereo kept); senotarget aggregates on the parent from
  ChEMBL's ``molecule_hierarchy``, else on the structure pipeline's parent among the fetched
  molecules. Pairs are matched through the molecule ids each CAPRICHO row lists and senotarget's
  ``source_molecules``.
* CAPRICHO flags but keeps flagged values in its aggregates (its ``prepare`` command drops them
  later); senotarget sets flagged values aside before the median. CAPRICHO pools standard types
  (IC50, Ki, Kd ...) in one median; senotarget keeps them apart. CAPRICHO does not compute a
  pChEMBL that ChEMBL left empty; senotarget computes it for ``=`` values in nM.
* CAPRICHO's query joins ``docs`` and ``compound_structures`` with inner joins, so activities
  without a document (2,353 rows of the extract) or a structure never reach it; senotarget keeps
  them (``document_unknown``).
* The work differs in size: senotarget standardises every fetched molecule (also those with only
  censored or non-pChEMBL rows) and computes QED, PAINS / Brenk alerts and the scaffold on each
  parent; CAPRICHO standardises the distinct SMILES of the rows it kept.
* Two CPUs on the machine used so far: both tools start more workers than that (CAPRICHO 8 loky
  workers), so the figures are for this machine only.

Run: ``python -m benchmarks.peer_capricho --db PATH --fill-confidence --out DIR`` (targets
default to the default panel's resolved ones; ``--targets CHEMBL1,CHEMBL2`` gives others).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from benchmarks.processes import run_sampled

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CAPRICHO_VERSION",
    "agreement",
    "ensure_venv",
    "fill_confidence",
    "main",
    "panel_targets",
    "peer_table",
    "release_of",
    "run_ours",
    "run_peer",
]

#: The CAPRICHO release this benchmark was written against and tested with.
CAPRICHO_VERSION = "1.0.4"
_MIB = 1024 * 1024

#: senotarget's fetch + curate + chemistry + parents + aggregate, in a fresh process.
#: argv: database, cache folder (empty: cold), evidence CSV to write.
OURS_CHILD = """
import sys
from pathlib import Path
from senotarget.config import load_settings
from senotarget.panels.load import load_panel
from senotarget.sources import open_source
from senotarget.stages import aggregate, chemistry, curate, fetch, parents, resolve
settings = load_settings(env={}, chembl_db=sys.argv[1], cache_dir=Path(sys.argv[2]))
panel = load_panel(settings.panel)
source, info = open_source(settings)
try:
    components = source.search_targets(panel.genes(), settings.thresholds.tax_id)
    targets = resolve.resolve_targets(panel, components, settings.thresholds)
    evidence = fetch.fetch_evidence(source, targets)
finally:
    source.close()
curated = curate.flag_activities(evidence.activities, targets, settings.thresholds)
chem = chemistry.standardise(
    evidence.molecules,
    cache_dir=settings.cache_dir / "structures",
    workers=settings.workers,
    scheduler=settings.scheduler,
    time_limit=settings.structure_time_limit,
)
parent_map = parents.assign_parents(evidence.molecules, chem)
curated = curate.flag_groups(curated, parent_map)
aggregated, _ = aggregate.aggregate_evidence(curated, parent_map, evidence.mechanisms, targets)
aggregated.to_csv(sys.argv[3], index=False)
"""


# --- preparing the database and the peer ---------------------------------------------------


def fill_confidence(source: Path, dest: Path, score: int = 9) -> int:
    """Copy ``source`` to ``dest`` (SQLite backup) and set every NULL confidence_score to ``score``.

    For timing only: the scores are invented (see the module docstring).

    :returns: the number of assays that were given the score
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.unlink(missing_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(dest)
    try:
        reader.backup(writer)
        changed = writer.execute(
            "UPDATE assays SET confidence_score = ? WHERE confidence_score IS NULL", (score,)
        ).rowcount
        writer.commit()
        return int(changed)
    finally:
        writer.close()
        reader.close()


def release_of(db: Path) -> str:
    """The ChEMBL release number the file states in its ``version`` table (e.g. ``"35"``).

    CAPRICHO registers a file under a release and checks it against this table.

    :raises ValueError: the file states no ChEMBL release
    """
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [str(row[0]) for row in connection.execute("SELECT name FROM version")]
    except sqlite3.DatabaseError as error:
        raise ValueError(f"{db}: no version table ({error}); pass the release") from error
    finally:
        connection.close()
    for name in names:
        match = re.fullmatch(r"ChEMBL_(\d+)", name.strip(), flags=re.IGNORECASE)
        if match:
            return match.group(1)
    raise ValueError(f"{db}: the version table names no ChEMBL release; pass the release")


def _installed_version(python: Path) -> str | None:
    found = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('capricho'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() if found.returncode == 0 else None


def ensure_venv(root: Path, version: str = CAPRICHO_VERSION) -> Path:
    """Create a virtual environment at ``root`` with ``capricho==version``; return its python.

    Idempotent: an existing venv is reused, and pip runs only when the pinned release is not
    the one installed. The venv is CAPRICHO's own, so its dependencies (pandas 3, its RDKit)
    never meet senotarget's.
    """
    python = root / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    if _installed_version(python) != version:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"capricho=={version}"], check=True
        )
    return python


def panel_targets(db: Path) -> list[str]:
    """The target ids senotarget's default panel resolves on ``db`` (status ``resolved``)."""
    from senotarget.config import load_settings
    from senotarget.panels.load import load_panel
    from senotarget.schema import TargetCols
    from senotarget.sources.sql import SqlSource
    from senotarget.stages import resolve

    settings = load_settings(env={})
    panel = load_panel("default")
    source = SqlSource(str(db))
    try:
        components = source.search_targets(panel.genes(), settings.thresholds.tax_id)
    finally:
        source.close()
    targets = resolve.resolve_targets(panel, components, settings.thresholds)
    resolved = targets[targets[TargetCols.STATUS] == "resolved"]
    return sorted(set(resolved[TargetCols.TARGET_CHEMBL_ID].astype(str)))


# --- measuring one process -------------------------------------------------------------------


def _measure(command: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run ``command`` in a fresh process; its wall time and memory (see the module docstring).

    :raises RuntimeError: the process failed (the end of its log is in the message)
    """
    with log.open("w") as sink:
        measured = run_sampled(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    if measured.returncode:
        raise RuntimeError(f"{command[0]} failed ({measured.returncode}):\n{_tail(log)}")
    return {
        "seconds": round(measured.seconds, 2),
        "peak_rss_mb": round(measured.peak_tree_bytes / _MIB, 1),
        "max_process_rss_mb": round(measured.max_process_bytes / _MIB, 1),
    }


def _tail(log: Path, size: int = 3000) -> str:
    text = log.read_text(errors="replace")
    return text[-size:]


# --- the two runs ----------------------------------------------------------------------------


def run_peer(
    python: Path,
    db: Path,
    target_chembl_ids: list[str],
    out_csv: Path,
    *,
    release: str | None = None,
) -> dict[str, Any]:
    """Run CAPRICHO's fetch + curate + aggregate on ``db``; write its table to ``out_csv``.

    ``out_csv`` gets one row per CAPRICHO aggregate: ``molecule_chembl_id`` (the distinct
    records merged into it, ``|``-joined), ``target_chembl_id``, ``pchembl`` (its
    ``pchembl_value_median``), ``n`` (measurements pooled), ``pchembl_mean`` (its geometric
    mean of pChEMBL values), ``inchikey``, ``standard_types`` and ``flags`` (its
    data_dropping_comment values, ``;``-joined). CAPRICHO's own files, the registration and the
    log sit in ``out_csv``'s folder under ``capricho-work/``.

    :returns: ``seconds``, ``peak_rss_mb``, ``max_process_rss_mb``, ``pairs`` (rows written),
        ``version`` and the ``command`` that was timed
    """
    release = release or release_of(db)
    work = out_csv.parent / "capricho-work"
    work.mkdir(parents=True, exist_ok=True)  # CAPRICHO 1.0.4 does not create it
    env = dict(os.environ, PYSTOW_HOME=str(work / "pystow"))
    cli = [str(python), "-m", "Capricho.cli.main"]
    register = [*cli, "download", "--set-from-path", str(db.resolve()), "--version", release]
    subprocess.run(register, env=env, check=True, capture_output=True)
    raw = work / "capricho.csv"
    get = [
        *cli,
        "-log",
        "warning",
        "get",
        "--target-ids",
        ",".join(target_chembl_ids),
        "--chembl-version",
        release,
        "--output-path",
        str(raw),
        "--skip-not-aggregated",
        "--skip-recipe",
    ]
    figures = _measure(get, env, work / "capricho.log")
    pairs = peer_table(raw, out_csv)
    return {
        **figures,
        "pairs": pairs,
        "version": _installed_version(python),
        "command": " ".join(["capricho", *get[len(cli) : len(cli) + 4]])
        + f" <{len(target_chembl_ids)} ids> "
        + " ".join(get[len(cli) + 5 :]),
    }


def peer_table(raw: Path, out_csv: Path) -> int:
    """Write CAPRICHO's aggregated CSV ``raw`` as the comparison table (see :func:`run_peer`).

    :returns: the number of rows written
    """
    import pandas as pd

    table = pd.read_csv(raw, dtype=str, keep_default_na=False)
    out = pd.DataFrame(
        {
            "molecule_chembl_id": table["molecule_chembl_id"].map(_distinct("|")),
            "target_chembl_id": table["target_chembl_id"],
            "pchembl": pd.to_numeric(table["pchembl_value_median"]).round(3),
            "n": pd.to_numeric(table["pchembl_value_counts"]).astype(int),
            "pchembl_mean": pd.to_numeric(table["pchembl_value_mean"]).round(3),
            "inchikey": table["inchikey"],
            "standard_types": table["standard_type"].map(_distinct("|")),
            "flags": table["data_dropping_comment"].map(_distinct(";", split="[|;]")),
        }
    )
    out.sort_values(["target_chembl_id", "molecule_chembl_id"]).to_csv(out_csv, index=False)
    return len(out)


def _distinct(joiner: str, split: str = r"\|") -> Any:
    """A function joining the distinct non-empty parts of a ``split``-separated string."""

    def join(value: str) -> str:
        parts = [p.strip() for p in re.split(split, value) if p.strip()]
        return joiner.join(dict.fromkeys(parts))

    return join


def run_ours(db: Path, out_csv: Path) -> dict[str, Any]:
    """Run senotarget's fetch + curate + chemistry + aggregate, cold; write evidence to out_csv.

    :returns: ``seconds``, ``peak_rss_mb``, ``max_process_rss_mb`` and ``rows`` of evidence
    """
    import pandas as pd

    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="peer-ours-cache-") as cache:
        figures = _measure(
            [sys.executable, "-c", OURS_CHILD, str(db), cache, str(out_csv)],
            dict(os.environ),
            out_csv.with_suffix(".log"),
        )
    rows = len(pd.read_csv(out_csv, usecols=["molecule_chembl_id"]))
    return {**figures, "rows": rows}


# --- agreement -------------------------------------------------------------------------------


def _summary(diff: pd.Series, peer: pd.Series, ours: pd.Series) -> dict[str, Any]:
    n = len(diff)
    if n < 2:
        return {"n_shared": n}
    return {
        "n_shared": n,
        "pearson": round(float(peer.corr(ours, method="pearson")), 4),
        # Pearson on average ranks: Spearman's rho with ties, without scipy
        "spearman": round(float(peer.rank().corr(ours.rank())), 4),
        "mean_abs_diff": round(float(diff.abs().mean()), 3),
        "share_diff_gt_1": round(float((diff.abs() > 1).mean()), 4),
    }


def agreement(peer_csv: Path, ours: pd.DataFrame, top: int = 10) -> dict[str, Any]:
    """Agreement of CAPRICHO's aggregated potencies with senotarget's on the shared pairs.

    ``ours`` is senotarget's evidence table (columns ``molecule_chembl_id`` = the parent,
    ``target_chembl_id``, ``standard_type``, ``median_pchembl``; ``source_molecules`` is used
    when present). Per (parent, target) the best (max) median over standard types is taken.
    A CAPRICHO row is placed on senotarget's parent of the molecule ids it lists; where several
    CAPRICHO rows land on one pair (e.g. stereoisomers that share a ChEMBL parent), the one
    with the most measurements stands for the pair.

    :returns: counts, the figures of :func:`_summary` on all shared pairs and on the pairs
        where both sides rest on the same single standard type, and the ``top`` largest
        differences (``diff`` = CAPRICHO minus senotarget)
    """
    import pandas as pd

    peer = pd.read_csv(peer_csv, dtype={"molecule_chembl_id": str, "target_chembl_id": str})
    parent_of: dict[str, str] = {}
    for parent, sources in zip(
        ours["molecule_chembl_id"].astype(str),
        ours.get("source_molecules", ours["molecule_chembl_id"]).fillna("").astype(str),
        strict=True,
    ):
        parent_of.setdefault(parent, parent)
        for member in filter(None, sources.split(";")):
            parent_of.setdefault(member, parent)

    potency = ours.dropna(subset=["median_pchembl"]).assign(
        n_measurements=ours.get("n_measurements"), flags=ours.get("flags")
    )
    best = (
        potency.sort_values("median_pchembl", ascending=False)
        .groupby(["molecule_chembl_id", "target_chembl_id"], sort=False)
        .agg(
            ours=("median_pchembl", "first"),
            ours_type=("standard_type", "first"),
            ours_types=("standard_type", "nunique"),
            ours_n=("n_measurements", "first"),
            ours_flags=("flags", "first"),
        )
        .reset_index()
    )

    def place(ids: str) -> tuple[str | None, int]:
        parents = list(dict.fromkeys(parent_of[i] for i in ids.split("|") if i in parent_of))
        return (parents[0] if parents else None), len(parents)

    placed = peer["molecule_chembl_id"].fillna("").map(place)
    peer = peer.assign(
        parent=placed.map(lambda p: p[0]), n_parents=placed.map(lambda p: p[1])
    ).rename(
        columns={
            "pchembl": "peer",
            "n": "peer_n",
            "standard_types": "peer_types",
            "flags": "peer_flags",
        }
    )
    on_ours = peer.dropna(subset=["parent", "peer"])
    collapsed = on_ours.sort_values("peer_n", ascending=False).drop_duplicates(
        ["parent", "target_chembl_id"]
    )
    shared = collapsed.merge(
        best,
        left_on=["parent", "target_chembl_id"],
        right_on=["molecule_chembl_id", "target_chembl_id"],
        suffixes=("_peer", ""),
    )
    diff = shared["peer"] - shared["ours"]
    shared = shared.assign(diff=diff.round(3), abs_diff=diff.abs())
    same_type = (shared["ours_types"] == 1) & (shared["peer_types"] == shared["ours_type"])

    largest = shared.sort_values("abs_diff", ascending=False).head(top)
    columns = {
        "molecule_chembl_id": "parent",
        "molecule_chembl_id_peer": "peer_molecules",
        "target_chembl_id": "target",
        "peer": "capricho",
        "ours": "senotarget",
        "diff": "diff",
        "peer_n": "capricho_n",
        "peer_types": "capricho_types",
        "peer_flags": "capricho_flags",
        "ours_type": "senotarget_type",
        "ours_n": "senotarget_n",
        "ours_flags": "senotarget_flags",
    }
    present = {k: v for k, v in columns.items() if k in largest.columns}
    rows = largest[list(present)].rename(columns=present).fillna("").to_dict(orient="records")
    return {
        "capricho_rows": len(peer),
        "capricho_rows_placed": len(on_ours),
        "capricho_rows_on_several_parents": int((peer["n_parents"] > 1).sum()),
        "capricho_rows_sharing_a_pair": len(on_ours) - len(collapsed),
        "senotarget_pairs_with_potency": len(best),
        **_summary(shared["diff"], shared["peer"], shared["ours"]),
        "same_single_type": _summary(
            shared.loc[same_type, "diff"],
            shared.loc[same_type, "peer"],
            shared.loc[same_type, "ours"],
        ),
        "largest": rows,
    }


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None, stdout: IO[str] | None = None) -> int:
    """``python -m benchmarks.peer_capricho``: both runs, their ratios and the agreement."""
    import pandas as pd

    parser = argparse.ArgumentParser(prog="python -m benchmarks.peer_capricho")
    parser.add_argument("--db", type=Path, required=True, help="ChEMBL SQLite file")
    parser.add_argument("--out", type=Path, required=True, help="folder for every output")
    parser.add_argument("--targets", help="target ChEMBL ids, comma-separated (default: panel)")
    parser.add_argument(
        "--fill-confidence",
        action="store_true",
        help="run on a copy of --db where NULL assays.confidence_score is 9 (timing only)",
    )
    parser.add_argument("--venv", type=Path, help="CAPRICHO's venv (default: OUT/capricho-venv)")
    parser.add_argument("--release", help="ChEMBL release of --db (default: its version table)")
    parser.add_argument("--ours-evidence", type=Path, help="compare with this evidence.csv")
    parser.add_argument("--skip-ours", action="store_true", help="do not time senotarget")
    args = parser.parse_args(argv)

    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    db: Path = args.db.resolve()
    report: dict[str, Any] = {"db": str(db)}
    if args.fill_confidence:
        copy = out / "capricho_copy.sqlite"
        report["confidence_filled"] = fill_confidence(db, copy)
        report["confidence_note"] = "NULL assays.confidence_score set to 9 on a copy: timing only"
        db = copy
    targets = args.targets.split(",") if args.targets else panel_targets(db)
    report["targets"] = len(targets)
    python = ensure_venv(args.venv or out / "capricho-venv")

    peer = run_peer(python, db, targets, out / "capricho_pairs.csv", release=args.release)
    report["capricho"] = peer
    evidence_csv: Path | None = args.ours_evidence
    if not args.skip_ours:
        ours_run = run_ours(db, out / "senotarget_evidence.csv")
        report["senotarget"] = ours_run
        report["ratios_capricho_over_senotarget"] = {
            key: round(peer[key] / ours_run[key], 3)
            for key in ("seconds", "peak_rss_mb", "max_process_rss_mb")
            if ours_run[key]
        }
        evidence_csv = evidence_csv or out / "senotarget_evidence.csv"
    if evidence_csv is not None:
        ours = pd.read_csv(evidence_csv, low_memory=False)
        ours = ours[ours["target_chembl_id"].isin(targets)]
        report["agreement"] = agreement(out / "capricho_pairs.csv", ours)
    text = json.dumps(report, indent=2, default=str)
    (out / "peer_capricho.json").write_text(text + "\n")
    print(text, file=stdout or sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
