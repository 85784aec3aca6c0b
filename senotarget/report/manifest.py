"""A run's manifest.json: what ran, on what, with which settings, and what came out (DESIGN §6).

Also the run's fingerprint (release, panel, settings, known list), which ``refresh`` compares to
decide whether a panel needs a new run.
"""

from __future__ import annotations

import platform
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from senotarget.schema import (
    STRATEGIES,
    CandidateCols,
    EvidenceCols,
    Panel,
    StageTiming,
    TargetCols,
)
from senotarget.stages import chemistry, curate, validate

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Settings

__all__ = ["build_manifest", "fingerprint", "run_counts", "tool_version"]


def tool_version() -> str:
    """The installed senotarget version."""
    try:
        return version("senotarget")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


def fingerprint(settings: Settings, panel: Panel, release: str) -> dict[str, str]:
    """What decides whether a refresh reruns a panel: the data, the panel, and the settings.

    Settings that change results (score weights, thresholds) and the known-compounds list are
    hashed; where the output goes, the cache and the worker count are not part of it.
    """
    import hashlib
    import json
    from dataclasses import asdict

    scoring = {"weights": asdict(settings.weights), "thresholds": asdict(settings.thresholds)}
    text = json.dumps(scoring, sort_keys=True)
    return {
        "chembl_release": release,
        "panel_sha256": panel.sha256,
        "settings_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "known_sha256": validate.known_sha256(settings.known_compounds),
    }


def run_counts(
    targets: pd.DataFrame,
    curated: pd.DataFrame,
    evidence: pd.DataFrame,
    candidates: pd.DataFrame,
    parents: pd.DataFrame,
) -> dict[str, int]:
    """The counts a manifest records: genes, targets, activities, evidence rows, candidates."""
    counts: dict[str, int] = {
        "panel_genes": int(targets[TargetCols.GENE_SYMBOL].nunique()),
        "targets_resolved": int(
            targets.loc[
                targets[TargetCols.STATUS] == "resolved", TargetCols.TARGET_CHEMBL_ID
            ].nunique()
        ),
        "genes_unresolved": int(
            targets.loc[
                targets[TargetCols.STATUS] == "unresolved", TargetCols.GENE_SYMBOL
            ].nunique()
        ),
        "activities": len(curated),
        "activities_excluded": int((curated["status"] == "exclude").sum()),
        "evidence_rows": len(evidence),
        "parent_compounds": int(evidence[EvidenceCols.MOLECULE_CHEMBL_ID].nunique()),
        "molecules": len(parents),
    }
    is_candidate = candidates[CandidateCols.IS_CANDIDATE].astype(bool)
    for strategy in STRATEGIES:
        mine = candidates[CandidateCols.STRATEGY] == strategy
        counts[f"candidates_{strategy}"] = int((mine & is_candidate).sum())
        counts[f"contrary_{strategy}"] = int((mine & ~is_candidate).sum())
    for basis, n in parents["parent_basis"].value_counts().items():
        counts[f"parent_basis_{basis}"] = int(n)
    return counts


def build_manifest(
    settings: Settings,
    panel: Panel,
    info: Any,
    run_id: str,
    started: datetime,
    timings: list[StageTiming],
    counts: dict[str, int],
    curated: pd.DataFrame,
    parents: pd.DataFrame,
) -> dict[str, Any]:
    """The run's manifest.json as JSON-ready values (DESIGN §6)."""
    return {
        "run_id": run_id,
        "tool": {"name": "senotarget", "version": tool_version()},
        "created_utc": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "chembl": {
            "release": info.release,
            "source": info.kind,
            "location": info.location,
            "source_reason": info.reason,
        },
        "panel": {"name": panel.name, "source": panel.source, "sha256": panel.sha256},
        "fingerprint": fingerprint(settings, panel, info.release),
        "settings": settings.public_dict(),
        "versions": {**chemistry.chemistry_versions(), "python": platform.python_version()},
        "counts": counts,
        "curation_rule_hits": curate.rule_counts(curated),
        "timings_seconds": {t.stage: t.seconds for t in timings},
    }
