"""The cluster stage: candidates grouped by chemical similarity, so top lists can be diverse.

A ranked list from ChEMBL is dominated by analogue series: one medicinal-chemistry paper
deposits dozens of close analogues of one lead, and they score alike. The ``cluster`` column
groups such compounds; report.html shows at most ``cluster_top`` members of a cluster in each top
list and names the rest.

Method: Morgan fingerprints (radius 2, 2048 bits; the RDKit's ECFP4-like fingerprint, Rogers &
Hahn 2010 J Chem Inf Model 50:742) of each parent structure, and sphere-exclusion ("leader")
clustering with the RDKit's :class:`~rdkit.SimDivFilters.rdSimDivPickers.LeaderPicker`: compounds
are visited best first (highest score over their strategies, then the ChEMBL id's number), a
compound that is not within Tanimoto ``cluster_similarity`` of an earlier leader becomes a
leader, and every compound joins the first leader (in that order) it is that similar to. A
cluster is named by its leader's ChEMBL id, which is therefore its best-scored member.

Why not Butina (Taylor-Butina) clustering, the usual choice (Butina 1999 J Chem Inf Comput Sci
39:747): it needs every pairwise distance (n(n-1)/2: 112 million at 15,000 compounds, and
quadratic in the size of ChEMBL), while the leader method compares each compound with the leaders
only; and its centroids are the compounds with most neighbours, whereas a top list wants the best
member of each group first. The default similarity, 0.5, is about twice the 0.27 that is the 95 %
noise level of Tanimoto similarity for this fingerprint between random ChEMBL compounds (Landrum,
"Fingerprint similarity thresholds for database searches", RDKit blog, 2021).

A compound without a parseable parent structure is in no cluster (``cluster`` empty) and counts
as its own group in the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from senotarget.schema import CandidateCols, chembl_number

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FINGERPRINT_BITS", "FINGERPRINT_RADIUS", "assign_clusters", "cluster_structures"]

FINGERPRINT_RADIUS: Final = 2
FINGERPRINT_BITS: Final = 2048


def cluster_structures(smiles: list[str], similarity: float) -> list[int]:
    """Leader clustering of ``smiles`` in the order given (best first).

    :param smiles: parent SMILES, best first ("" or unparseable: no cluster)
    :param similarity: the Tanimoto similarity from which a compound joins a leader (0 < s <= 1)
    :returns: per input, the index of its cluster's leader, or -1 without a structure
    """
    import numpy as np
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator
    from rdkit.SimDivFilters import rdSimDivPickers

    from senotarget.util.rdkit_log import without_rdkit_log

    generator = rdFingerprintGenerator.GetMorganGenerator(
        radius=FINGERPRINT_RADIUS, fpSize=FINGERPRINT_BITS
    )
    positions, fingerprints = [], []
    with without_rdkit_log():
        for position, text in enumerate(smiles):
            molecule = Chem.MolFromSmiles(text) if text else None
            if molecule is not None:
                positions.append(position)
                fingerprints.append(generator.GetFingerprint(molecule))
    leader_of = [-1] * len(smiles)
    if not fingerprints:
        return leader_of
    picker = rdSimDivPickers.LeaderPicker()
    leaders = list(picker.LazyBitVectorPick(fingerprints, len(fingerprints), 1.0 - similarity))
    # Membership in numpy: bit vectors as rows of 64-bit words, Tanimoto from popcounts
    bits = np.zeros((len(fingerprints), FINGERPRINT_BITS), dtype=np.uint8)
    for row, fingerprint in enumerate(fingerprints):
        DataStructs.ConvertToNumpyArray(fingerprint, bits[row])
    words = np.packbits(bits, axis=1).view(np.uint64)
    counts = np.bitwise_count(words).sum(axis=1, dtype=np.int64)
    remaining = np.arange(len(fingerprints))
    for leader in sorted(leaders):
        if leader_of[positions[leader]] != -1 or remaining.size == 0:
            continue
        common = np.bitwise_count(words[remaining] & words[leader]).sum(axis=1, dtype=np.int64)
        union = counts[remaining] + counts[leader] - common
        scores = np.divide(common, union, out=np.ones(len(common)), where=union > 0)
        joins = (scores >= similarity) | (remaining == leader)
        for i in remaining[joins]:
            leader_of[positions[int(i)]] = positions[leader]
        remaining = remaining[~joins]
    for i in remaining:  # a compound at the picker's boundary that no leader took leads itself
        leader_of[positions[int(i)]] = positions[int(i)]
    return leader_of


def assign_clusters(candidates: pd.DataFrame, similarity: float) -> pd.DataFrame:
    """``candidates`` with the ``cluster`` column filled: the leader's ChEMBL id, per compound.

    One cluster per compound across its strategies: compounds are visited by their best score
    over the strategies (candidates first, then the rows that are not candidates), then by the
    ChEMBL id's number.

    :param candidates: :class:`CandidateCols` rows from the score stage
    :param similarity: Tanimoto similarity from which a compound joins a leader
    """
    compounds = (
        candidates.assign(_n=chembl_number(candidates[CandidateCols.MOLECULE_CHEMBL_ID]))
        .groupby(CandidateCols.MOLECULE_CHEMBL_ID, sort=False)
        .agg(
            _candidate=(CandidateCols.IS_CANDIDATE, "any"),
            _score=(CandidateCols.SCORE, "max"),
            _n=("_n", "first"),
            _smiles=(CandidateCols.CANONICAL_SMILES, "first"),
        )
        .sort_values(["_candidate", "_score", "_n"], ascending=[False, False, True])
    )
    ids = [str(i) for i in compounds.index]
    leader_of = cluster_structures([str(s or "") for s in compounds["_smiles"]], similarity)
    cluster = {
        m: (ids[leader] if leader >= 0 else "") for m, leader in zip(ids, leader_of, strict=True)
    }
    out = candidates.copy()
    out[CandidateCols.CLUSTER] = out[CandidateCols.MOLECULE_CHEMBL_ID].map(cluster).fillna("")
    return CandidateCols.check(out, "cluster stage")
