"""Print the top of each strategy and of each panel entry of one or two runs, side by side.

For the closing notes of ranking changes: what a reader of the report sees first, before and
after. A run without ``rankings.csv`` (written before the rank stage) gets entry lists the way
its user had to build them: the strategy list filtered to compounds with a call on the entry's
genes, in strategy rank order (its "rank" column is then the strategy rank).

Usage::

    python benchmarks/top_lists.py AFTER_RUN [--before BEFORE_RUN] [--top 10] [--markdown]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

Row = tuple[int, str, float, str]  # (rank, name, score, direction tier)


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / name
    if not path.is_file():
        return None
    return pd.read_csv(path, keep_default_na=False, na_values=[""], low_memory=False)


def _need(folder: Path, name: str) -> pd.DataFrame:
    table = _read(folder, name)
    if table is None:
        raise SystemExit(f"{folder} has no {name}: pass a run folder")
    return table


def _name(row: pd.Series) -> str:
    name = row.get("pref_name")
    return str(name) if isinstance(name, str) and name else str(row["molecule_chembl_id"])


def strategy_tops(folder: Path, top: int) -> dict[str, list[Row]]:
    """The ``top`` candidates of each strategy, from candidates.csv."""
    candidates = _need(folder, "candidates.csv")
    out = {}
    for strategy in ("senolytic", "senomorphic", "senoreverter"):
        rows = candidates[(candidates.strategy == strategy) & candidates.is_candidate]
        rows = rows.sort_values("rank").head(top)
        out[strategy] = [
            (int(r["rank"]), _name(r), float(r["score"]), str(r["direction"]))
            for _, r in rows.iterrows()
        ]
    return out


def entry_tops(folder: Path, top: int) -> dict[str, list[Row]]:
    """The ``top`` of each panel entry: rankings.csv, or the filtered strategy list (see above)."""
    targets = _need(folder, "targets.csv")
    labels = list(dict.fromkeys(targets.label.astype(str)))
    rankings = _read(folder, "rankings.csv")
    out: dict[str, list[Row]] = {}
    if rankings is not None:
        entries = rankings[rankings.scope == "entry"]
        for label in labels:
            rows = entries[entries.key == label].sort_values("rank").head(top)
            out[label] = [
                (int(r["rank"]), _name(r), float(r["score"]), str(r["direction"]))
                for _, r in rows.iterrows()
            ]
        return out
    candidates = _need(folder, "candidates.csv")
    on_genes = candidates.targets.fillna("").map(lambda t: set(t.split(";")))
    for label in labels:
        mine = targets[targets.label == label]
        genes = set(mine.gene_symbol.astype(str))
        strategies = {s for cell in mine.strategies.astype(str) for s in cell.split(";")}
        hits = candidates[
            candidates.is_candidate
            & candidates.strategy.isin(strategies)
            & on_genes.map(genes.intersection).astype(bool)
        ]
        hits = hits.sort_values(["rank"]).drop_duplicates("molecule_chembl_id").head(top)
        out[label] = [
            (int(r["rank"]), _name(r), float(r["score"]), str(r["direction"]))
            for _, r in hits.iterrows()
        ]
    return out


def _print(title: str, after: list[Row], before: list[Row] | None, markdown: bool) -> None:
    print(f"\n### {title}\n" if markdown else f"\n== {title}")
    if markdown:
        print("| # | after (rank, name, score, tier) | before |")
        print("|---|---|---|")
    for i in range(max(len(after), len(before or []))):
        a = after[i] if i < len(after) else None
        b = before[i] if before and i < len(before) else None
        cell_a = f"{a[0]} {a[1]} {a[2]:.3f} {a[3]}" if a else ""
        cell_b = f"{b[0]} {b[1]} {b[2]:.3f} {b[3]}" if b else ""
        if markdown:
            print(f"| {i + 1} | {cell_a} | {cell_b} |")
        else:
            print(f"{i + 1:>3}  {cell_a:<55} {cell_b}")


def main() -> None:
    """Parse the arguments and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("after", type=Path)
    parser.add_argument("--before", type=Path)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    for kind, tops in (("strategy", strategy_tops), ("entry", entry_tops)):
        after = tops(args.after, args.top)
        before = tops(args.before, args.top) if args.before else {}
        for key, rows in after.items():
            _print(f"{kind}: {key}", rows, before.get(key) if args.before else None, args.markdown)


if __name__ == "__main__":
    main()
