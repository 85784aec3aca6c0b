"""Benchmark the chemistry stage against a bare loop of the same library calls.

The stage should cost little beyond the chemistry itself: on one process within 1.2x of the bare
loop, with 2 workers at least 1.7x faster than with 1, and a warm cache under 5 % of a cold run.

Run from the repository root (so ``senotarget`` is importable)::

    python -m benchmarks.bench_chemistry --limit 3000

It prints one JSON object of seconds (plus the molecule count and the three ratios).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from senotarget.schema import MoleculeCols
from senotarget.stages.chemistry import standardise

DEFAULT_DB = Path(__file__).resolve().parents[2] / "shared" / "chembl" / "chembl_senotarget.sqlite"


def bare_loop(smiles: list[str]) -> list[tuple[Any, ...]]:
    """Run the stage's library calls on each SMILES in a plain loop: no pandas, cache or pool.

    The same calls as the stage, so the ratio measures the stage's own overhead: parse, molblock,
    ``standardize_molblock``, ``get_parent_molblock``, re-reading both molblocks, SMILES and
    InChIKey of the parent, QED, the PAINS + Brenk ``FilterCatalog`` matches and the Murcko
    scaffold, with RDKit's log muted as the stage mutes it.
    """
    from chembl_structure_pipeline import standardizer
    from rdkit import Chem, rdBase
    from rdkit.Chem import QED
    from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams
    from rdkit.Chem.Scaffolds import MurckoScaffold

    params = FilterCatalogParams()
    params.AddCatalog(FilterCatalogParams.FilterCatalogs.PAINS)
    params.AddCatalog(FilterCatalogParams.FilterCatalogs.BRENK)
    catalog = FilterCatalog(params)
    # RDKit's Python helpers are untyped; calling them through Any keeps mypy --strict quiet.
    qed: Any = QED.qed
    murcko: Any = MurckoScaffold.MurckoScaffoldSmiles
    inchikey: Any = Chem.MolToInchiKey
    out: list[tuple[Any, ...]] = []
    rdBase.DisableLog("rdApp.*")
    try:
        for smi in smiles:
            mol = Chem.MolFromSmiles(smi)
            if mol is None:
                continue
            try:
                std_block = standardizer.standardize_molblock(Chem.MolToMolBlock(mol))
                parent_block, excluded = standardizer.get_parent_molblock(std_block)
            except Exception:  # noqa: BLE001, S112 - the stage records these; here skip them
                continue
            standard = Chem.MolFromMolBlock(std_block)
            parent = Chem.MolFromMolBlock(parent_block)
            if standard is None or parent is None:
                continue
            alerts = [
                (e.GetProp("FilterSet"), e.GetDescription()) for e in catalog.GetMatches(parent)
            ]
            out.append(
                (
                    Chem.MolToSmiles(standard),
                    Chem.MolToSmiles(parent),
                    inchikey(parent),
                    qed(parent),
                    alerts,
                    murcko(mol=parent),
                    excluded,
                )
            )
    finally:
        rdBase.EnableLog("rdApp.error")
        rdBase.EnableLog("rdApp.warning")
    return out


def _timed(fn: Any, *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - started


def run(smiles: list[str], cache_dir: Path) -> dict[str, float]:
    """Time the bare loop and the stage (1 worker cold, 2 workers cold, 2 workers warm).

    :param smiles: the structures to process
    :param cache_dir: an empty folder; each cold run gets a fresh cache below it
    :returns: seconds for ``bare_loop``, ``stage_1_worker_cold``, ``stage_2_workers_cold`` and
        ``stage_warm``, plus ``n_molecules`` and the ratios ``one_worker_vs_bare`` (target
        <= 1.2), ``speedup_2_workers`` (target >= 1.7) and ``warm_vs_cold`` (target < 0.05)
    """
    import pandas as pd

    molecules = pd.DataFrame(
        {
            MoleculeCols.MOLECULE_CHEMBL_ID: [f"M{i}" for i in range(len(smiles))],
            MoleculeCols.CANONICAL_SMILES: smiles,
        }
    )
    # Warm both paths up (lazy imports, RDKit's first-use initialisation) before timing.
    bare_loop(smiles[:20])
    standardise(molecules.head(20), cache_dir=None, workers=1)
    bare = _timed(bare_loop, smiles)
    one = _timed(standardise, molecules, cache_dir=cache_dir / "one", workers=1)
    two = _timed(standardise, molecules, cache_dir=cache_dir / "two", workers=2)
    warm = _timed(standardise, molecules, cache_dir=cache_dir / "two", workers=2)
    return {
        "n_molecules": float(len(smiles)),
        "bare_loop": bare,
        "stage_1_worker_cold": one,
        "stage_2_workers_cold": two,
        "stage_warm": warm,
        "one_worker_vs_bare": one / bare if bare else math.nan,
        "speedup_2_workers": one / two if two else math.nan,
        "warm_vs_cold": warm / two if two else math.nan,
    }


def read_smiles(db: Path, limit: int | None) -> list[str]:
    """Read ``canonical_smiles`` from ``compound_structures`` in ``molregno`` order."""
    sql = "SELECT canonical_smiles FROM compound_structures WHERE canonical_smiles IS NOT NULL"
    sql += " ORDER BY molregno"
    params: tuple[int, ...] = ()
    if limit is not None:
        sql += " LIMIT ?"
        params = (limit,)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [str(row[0]) for row in con.execute(sql, params)]
    finally:
        con.close()


def main(argv: list[str] | None = None) -> None:
    """Parse ``--db`` and ``--limit``, run the benchmark and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="ChEMBL SQLite file")
    parser.add_argument("--limit", type=int, default=None, help="first N structures (default all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    smiles = read_smiles(args.db, args.limit)
    with tempfile.TemporaryDirectory(prefix="bench_chemistry_") as tmp:
        figures = run(smiles, Path(tmp))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
