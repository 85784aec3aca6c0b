"""Direction-aware classification of each compound against each panel target.

Does a compound move a panel target the way its strategy needs?

For every (parent compound, panel entry, gene) with evidence, the call rests on, in this order
(DESIGN §4):

1. a ChEMBL drug_mechanism ``action_type`` on any target containing the gene (single protein,
   complex or family); its sign comes from ChEMBL's action_type lookup (``parent_type`` NEGATIVE /
   POSITIVE MODULATOR) — ``mechanism``, or ``contrary`` when it moves the target the other way;
2. an activity-level ``action_type`` (ChEMBL 31+), counted the same way but needing potency —
   ``action_type``, a tier below a curated mechanism record;
3. otherwise potency alone: inhibition-type measurements (IC50, Ki, Kd, ...) are *inferred
   inhibition*, EC50/AC50 in assays described as activation are *inferred activation*. On an
   ``activate`` entry (NAD+ restoration: NAMPT, SIRT1) inferred inhibition is ``contrary``.

Inactive-side evidence alone (censored '>' values, "Not Active" comments) gives no call. A call
qualifies a compound for the entry's strategies when its direction is ``mechanism``,
``action_type`` or ``inferred`` and it rests on a mechanism record or on potency at or above
``active_pchembl``. Senolytic strategies inhibit anti-apoptotic pathways; senomorphics suppress
SASP signalling; senoreverters restore a pre-senescent state (Wang et al. 2025 Cancer Biol Med
22:439, Fig. 2).

A mechanism partner's records (:class:`senotarget.schema.MechanismPartner`; the fetch stage keeps
only those whose molecule meets the partner's condition) count as a ``mechanism`` call on the gene
the partner acts on, with ``direction_source`` ``drug_mechanism_via_<PARTNER>`` and the partner's
``via`` in the evidence text: FKBP1A INHIBITOR records of rapamycin-site ligands are "allosteric
mTORC1 inhibition via FKBP12" (Choi et al. 1996 Science 273:239). Only a partner record with a
negative action type counts (as inhibition of the gene); nothing else says what it would do there.
Given the molecules, a direct call on such a gene also says which site its ligand acts at: a
ligand that meets the partner's condition acts through the partner (a rapalog measured on mTOR
itself), one that does not acts as the panel's ``otherwise`` says (ATP-competitive).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

from senotarget.schema import (
    ActionSign,
    ActionTypeCols,
    CallCols,
    EvidenceCols,
    MechanismPartner,
    Method,
    MoleculeCols,
    Panel,
    TargetCols,
    split_tokens,
)
from senotarget.stages.action_types import shipped_signs
from senotarget.stages.fetch import PARTNER_CONDITIONS, meets_condition
from senotarget.stages.support import COUNTS, Support

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Thresholds

__all__ = ["INHIBITION_TYPES", "METHODS", "action_signs", "classify_calls"]

#: Measurement types whose potency means the compound inhibits (or binds and blocks) the target.
INHIBITION_TYPES: Final = frozenset({"IC50", "XC50", "Ki", "Kd", "IC90", "ID50"})
#: Measurement types that can mean activation, when the assay says so.
ACTIVATION_TYPES: Final = frozenset({"EC50", "AC50"})
_PARENT_SIGN: Final[dict[str, ActionSign]] = {
    "NEGATIVE MODULATOR": "negative",
    "POSITIVE MODULATOR": "positive",
    "OTHER": "other",
}


_SEEDS: Final = "Wang et al. 2025 Cancer Biol Med 22:439 (Fig. 2)"
#: The classification rules, for the report's Methods section.
METHODS: Final = (
    Method(
        "classify",
        "strategies",
        "Senolytics kill senescent cells by inhibiting anti-apoptotic pathways (BCL-2 family, "
        "PI3K/AKT, insulin/IGF-1); senomorphics suppress the SASP (NF-kB, JAK-STAT, mTOR, NLRP3, "
        "CCR2); senoreverters restore a pre-senescent state (mTOR, NF-kB, NAD+ via NAMPT/SIRT1).",
        _SEEDS,
    ),
    Method(
        "classify",
        "direction from a mechanism",
        "A drug_mechanism action_type on any target holding the gene, signed by ChEMBL's "
        "action_type lookup (NEGATIVE / POSITIVE MODULATOR), decides first: 'mechanism' when it "
        "moves the target the way the strategy needs, 'contrary' when it moves it the other way.",
        "ChEMBL drug mechanism curation (Gaulton et al. 2017 Nucleic Acids Res 45:D945)",
    ),
    Method(
        "classify",
        "direction from an activity action type",
        "Without a drug_mechanism record, an activity-level action_type (ChEMBL 31+) with potency "
        "at or above active_pchembl gives the 'action_type' tier: a statement about one "
        "measurement, below a mechanism curated across the literature and above inference.",
        "ChEMBL 31 release notes (activity action_type); Zdrazil et al. 2024 Nucleic Acids Res "
        "52:D1180",
    ),
    Method(
        "classify",
        "direction inferred from potency",
        "Without a mechanism: IC50/Ki/Kd-type potency at or above active_pchembl is inferred "
        "inhibition; EC50/AC50 in assays described as activation is inferred activation. "
        "Inferred inhibition of an 'activate' target (NAMPT, SIRT1) is contrary.",
        "DESIGN section 4; ChEMBL FAQ on standard_type",
    ),
    Method(
        "classify",
        "inactive evidence",
        "Censored '>' values and 'Not Active' comments alone never give a call.",
        "ChEMBL activity standard_relation and activity_comment",
    ),
    Method(
        "classify",
        "mechanism through a partner",
        "A panel entry's mechanism partner (FKBP1A for MTOR) lends its drug_mechanism records to "
        "the gene it acts on (its activities are never fetched), for the ligands its condition "
        "admits, tested on the recorded molecule's structure: an INHIBITOR record on FKBP1A is a "
        "'mechanism' call on MTOR, 'allosteric mTORC1 inhibition via FKBP12', direction_source "
        "drug_mechanism_via_FKBP1A. Tacrolimus binds FKBP12 too, and inhibits calcineurin: its "
        "records do not count. rapamycin_site: " + PARTNER_CONDITIONS["rapamycin_site"].explanation,
        PARTNER_CONDITIONS["rapamycin_site"].citation + "; Liu et al. 1991 Cell 66:807",
    ),
    Method(
        "classify",
        "rapalogs and ATP-competitive inhibitors",
        "Where the structures are known, a direct call on a gene with a conditional partner says "
        "which kind of ligand makes it: one that meets the partner's condition (a rapalog "
        "measured on mTOR) acts through the partner, one that does not is marked as the panel "
        "says (mTOR: ATP-competitive).",
        "Choi et al. 1996 Science 273:239; Yang et al. 2013 Nature 497:217 (ATP-site inhibitors "
        "in the mTOR kinase cleft)",
    ),
)


def action_signs(lookup: pd.DataFrame) -> dict[str, ActionSign]:
    """Sign of every known action type: the source's lookup first, then the shipped table.

    :param lookup: :class:`ActionTypeCols` rows (the ChEMBL ``action_type`` table)
    :returns: upper-case action type -> ``negative`` | ``positive`` | ``other``
    """
    signs = dict(shipped_signs())
    for record in lookup.to_dict("records"):
        parent = str(record[ActionTypeCols.PARENT_TYPE] or "").upper()
        if parent in _PARENT_SIGN:
            signs[str(record[ActionTypeCols.ACTION_TYPE]).upper()] = _PARENT_SIGN[parent]
    return signs


def _signs_of(cells: pd.Series, signs: dict[str, ActionSign]) -> tuple[pd.Series, pd.Series]:
    """(any negative, any positive) action type in each ``;``-joined cell."""
    unique = {
        cell: {signs.get(t.upper(), "other") for t in split_tokens(cell)} for cell in cells.unique()
    }
    negative = cells.map(lambda c: "negative" in unique[c])
    positive = cells.map(lambda c: "positive" in unique[c])
    return negative.astype(bool), positive.astype(bool)


def classify_calls(
    evidence: pd.DataFrame,
    support: Support | pd.DataFrame,
    targets: pd.DataFrame,
    panel: Panel,
    signs: dict[str, ActionSign],
    thresholds: Thresholds,
    *,
    molecules: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Make one direction call per (parent compound, panel entry, gene) with evidence.

    :param evidence: :func:`senotarget.stages.curate.aggregate_evidence` rows
    :param support: the matching distinct (parent, target, assay, document) rows
        (:class:`~senotarget.stages.support.Support`, or a whole :class:`SupportCols` table)
    :param targets: resolved targets; only ``resolved`` rows are used (a mechanism partner's
        rows lend their mechanism records to the gene they name)
    :param panel: the panel (for strategies, cautions and mechanism partners)
    :param signs: :func:`action_signs` output
    :param thresholds: gives ``active_pchembl``
    :param molecules: the fetched molecules (:class:`MoleculeCols`); with them a direct call on a
        gene with a conditional partner says which kind of ligand makes it (rapamycin-site or,
        as the panel's ``otherwise`` says, ATP-competitive); without them nothing is said
    :returns: :class:`CallCols` rows; ``direction`` is ``mechanism``, ``action_type``,
        ``inferred``, ``contrary``
        or ``""`` (weak or inactive-only evidence: no call)
    """
    import numpy as np
    import pandas as pd

    resolved = targets.loc[
        targets[TargetCols.STATUS] == "resolved",
        [
            TargetCols.LABEL,
            TargetCols.GENE_SYMBOL,
            TargetCols.TARGET_CHEMBL_ID,
            TargetCols.DIRECTION,
            TargetCols.STRATEGIES,
            TargetCols.CAUTION,
            TargetCols.TARGET_TYPE,
            TargetCols.TARGET_PREF_NAME,
        ],
    ].assign(
        _partner=(
            targets.loc[targets[TargetCols.STATUS] == "resolved", TargetCols.PARTNER]
            .astype(object)
            .fillna("")
            .astype(str)
            if TargetCols.PARTNER in targets.columns
            else ""
        )
    )
    # The targets table is authoritative for the target's type and name.
    joined = evidence.drop(columns=[EvidenceCols.TARGET_TYPE]).merge(
        resolved,
        left_on=EvidenceCols.TARGET_CHEMBL_ID,
        right_on=TargetCols.TARGET_CHEMBL_ID,
        suffixes=("", "_target"),
    )
    if joined.empty:
        return CallCols.empty()
    keys = [EvidenceCols.MOLECULE_CHEMBL_ID, TargetCols.LABEL, TargetCols.GENE_SYMBOL]
    mech_neg, mech_pos = _signs_of(joined[EvidenceCols.MECHANISM_ACTION_TYPE], signs)
    act_neg, act_pos = _signs_of(joined[EvidenceCols.ACTIVITY_ACTION_TYPE], signs)
    stype = joined[EvidenceCols.STANDARD_TYPE]
    # A partner's target lends only its (negative) mechanism records, never measurements.
    direct = joined["_partner"] == ""
    median = joined[EvidenceCols.MEDIAN_PCHEMBL].where(direct)
    joined = joined.assign(
        _mech_neg=mech_neg & direct,
        _mech_pos=mech_pos & direct,
        _pmech=mech_neg & ~direct,
        _act_neg=act_neg & direct,
        _act_pos=act_pos & direct,
        _inhib=median.where(stype.isin(INHIBITION_TYPES)),
        _activ=median.where(stype.isin(ACTIVATION_TYPES) & joined[EvidenceCols.ACTIVATION_ASSAY]),
        _any=median,
    )
    grouped = joined.groupby(keys, sort=False)
    calls = grouped.agg(
        _mech_neg=("_mech_neg", "any"),
        _mech_pos=("_mech_pos", "any"),
        _pmech=("_pmech", "any"),
        _act_neg=("_act_neg", "any"),
        _act_pos=("_act_pos", "any"),
        _inhib=("_inhib", "max"),
        _activ=("_activ", "max"),
        _any=("_any", "max"),
        _n_measurements=(EvidenceCols.N_MEASUREMENTS, "sum"),
        _censored=(EvidenceCols.CENSORED_INACTIVE, "sum"),
        _excluded=(EvidenceCols.N_EXCLUDED, "sum"),
        wanted_direction=(TargetCols.DIRECTION, "first"),
        strategies=(TargetCols.STRATEGIES, "first"),
        caution=(TargetCols.CAUTION, "first"),
    ).reset_index()

    best = (
        joined.dropna(subset=[EvidenceCols.MEDIAN_PCHEMBL])
        .sort_values(EvidenceCols.MEDIAN_PCHEMBL, ascending=False, kind="stable")
        .drop_duplicates(keys)
        .set_index(keys)[EvidenceCols.STANDARD_TYPE]
    )
    index = pd.MultiIndex.from_frame(calls[keys])
    calls[CallCols.BEST_TYPE] = best.reindex(index).fillna("").to_numpy()

    thr = thresholds.active_pchembl
    wants_inhibit = (calls[CallCols.WANTED] == "inhibit").to_numpy()
    direct_ok = np.where(wants_inhibit, calls["_mech_neg"], calls["_mech_pos"])
    direct_bad = np.where(wants_inhibit, calls["_mech_pos"], calls["_mech_neg"])
    partner_ok = wants_inhibit & calls["_pmech"].to_numpy()
    partner_bad = ~wants_inhibit & calls["_pmech"].to_numpy()
    mech_ok = direct_ok | partner_ok
    mech_bad = direct_bad | partner_bad
    via = _partner_genes(joined, keys).reindex(pd.MultiIndex.from_frame(calls[keys])).fillna("")
    via_source = np.char.add("drug_mechanism_via_", via.to_numpy(dtype=str))
    act_ok = np.where(wants_inhibit, calls["_act_neg"], calls["_act_pos"])
    act_bad = np.where(wants_inhibit, calls["_act_pos"], calls["_act_neg"])
    any_potent = (calls["_any"] >= thr).to_numpy()
    inhib_potent = (calls["_inhib"] >= thr).to_numpy()
    activ_potent = (calls["_activ"] >= thr).to_numpy()
    # Inferred direction from potency: on an activate entry an explicit activation assay wins; on
    # an inhibit entry inhibition-type potency wins.
    inferred_ok = np.where(wants_inhibit, inhib_potent, activ_potent)
    inferred_bad = np.where(
        wants_inhibit, activ_potent & ~inhib_potent, inhib_potent & ~activ_potent
    )

    conditions = [
        mech_ok,
        mech_bad,
        act_ok & any_potent,
        act_bad & any_potent,
        inferred_ok,
        inferred_bad,
    ]
    calls[CallCols.DIRECTION] = np.select(
        conditions,
        ["mechanism", "contrary", "action_type", "contrary", "inferred", "contrary"],
        default="",
    )
    inferred_source = np.where(
        wants_inhibit,
        np.where(inferred_ok, "inferred_inhibition", "inferred_activation"),
        np.where(inferred_ok, "inferred_activation", "inferred_inhibition"),
    )
    calls[CallCols.DIRECTION_SOURCE] = np.select(
        conditions,
        [
            np.where(direct_ok, "drug_mechanism", via_source),
            np.where(direct_bad, "drug_mechanism", via_source),
            "activity_action_type",
            "activity_action_type",
            inferred_source,
            inferred_source,
        ],
        default="",
    )
    relevant = np.select(
        [
            mech_ok | mech_bad | act_ok | act_bad,
            np.isin(calls[CallCols.DIRECTION_SOURCE], ["inferred_inhibition"]),
            np.isin(calls[CallCols.DIRECTION_SOURCE], ["inferred_activation"]),
        ],
        [calls["_any"], calls["_inhib"], calls["_activ"]],
        default=calls["_any"],
    )
    calls[CallCols.BEST_PCHEMBL] = pd.Series(relevant, index=calls.index, dtype="float64").round(2)
    calls[CallCols.HAS_MECHANISM] = calls["_mech_neg"] | calls["_mech_pos"] | calls["_pmech"]
    calls[CallCols.MEETS_POTENCY] = calls[CallCols.BEST_PCHEMBL] >= thr
    calls[CallCols.INACTIVE_ONLY] = (
        (calls["_n_measurements"] == 0) & (calls["_censored"] > 0) & ~calls[CallCols.HAS_MECHANISM]
    )
    notes = {e.label: e.contrary_note for e in panel.entries if e.contrary_note}
    contrary = calls[CallCols.DIRECTION] == "contrary"
    calls[CallCols.CAUTION] = calls[CallCols.CAUTION].where(
        ~(contrary & calls[CallCols.LABEL].isin(notes)), calls[CallCols.LABEL].map(notes)
    )
    calls[CallCols.QUALIFIES] = np.isin(
        calls[CallCols.DIRECTION], ["mechanism", "action_type", "inferred"]
    )

    _add_counts(calls, joined, Support.of(support), keys)
    _add_tokens(calls, joined, keys)
    calls[CallCols.EVIDENCE_TEXT] = _evidence_texts(
        calls, joined, keys, _partners_of(panel), _structures(molecules)
    )
    return CallCols.check(calls.loc[:, list(CallCols.ORDER)].reset_index(drop=True), "classify")


def _partner_genes(joined: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Per call key: the partners (``+``-joined) whose records count for the call."""
    import pandas as pd

    rows = joined[joined["_pmech"]]
    if rows.empty:
        return pd.Series(dtype=object, index=pd.MultiIndex.from_tuples([], names=keys))
    return rows.groupby(keys, sort=False)["_partner"].agg(lambda s: "+".join(sorted(set(s))))


def _partners_of(panel: Panel) -> dict[tuple[str, str], list[MechanismPartner]]:
    """(entry label, gene) -> the entry's mechanism partners acting on that gene."""
    out: dict[tuple[str, str], list[MechanismPartner]] = {}
    for entry in panel.entries:
        for partner in entry.partners:
            out.setdefault((entry.label, partner.acts_on), []).append(partner)
    return out


def _structures(molecules: pd.DataFrame | None) -> dict[str, str] | None:
    """Molecule id -> its SMILES (or its hierarchy parent's), or ``None`` without molecules."""
    if molecules is None:
        return None
    smiles = {
        str(m): s
        for m, s in zip(
            molecules[MoleculeCols.MOLECULE_CHEMBL_ID],
            molecules[MoleculeCols.CANONICAL_SMILES],
            strict=True,
        )
        if isinstance(s, str) and s
    }
    for molecule, parent in zip(
        molecules[MoleculeCols.MOLECULE_CHEMBL_ID],
        molecules[MoleculeCols.HIERARCHY_PARENT],
        strict=True,
    ):
        if str(molecule) not in smiles and isinstance(parent, str) and parent in smiles:
            smiles[str(molecule)] = smiles[parent]
    return smiles


def _add_counts(
    calls: pd.DataFrame, joined: pd.DataFrame, support: Support, keys: list[str]
) -> None:
    counts = support.counts(joined, keys, EvidenceCols.TARGET_CHEMBL_ID)
    index = calls.set_index(keys).index
    for column, count in zip((CallCols.N_ASSAYS, CallCols.N_DOCUMENTS), COUNTS[:2], strict=True):
        calls[column] = counts[count].reindex(index).fillna(0).astype("int64").to_numpy()


def _add_tokens(calls: pd.DataFrame, joined: pd.DataFrame, keys: list[str]) -> None:
    def union(column: str) -> pd.Series:
        return joined.groupby(keys, sort=False)[column].agg(
            lambda s: ";".join(sorted({t for cell in s for t in split_tokens(cell)}))
        )

    index = calls.set_index(keys).index
    calls[CallCols.ACTION_TYPES] = union(EvidenceCols.ACTION_TYPE).reindex(index).to_numpy()
    calls[CallCols.FLAGS] = union(EvidenceCols.FLAGS).reindex(index).to_numpy()
    calls[CallCols.TARGET_IDS] = union(EvidenceCols.TARGET_CHEMBL_ID).reindex(index).to_numpy()


def _evidence_texts(
    calls: pd.DataFrame,
    joined: pd.DataFrame,
    keys: list[str],
    partners: dict[tuple[str, str], list[MechanismPartner]],
    structures: dict[str, str] | None,
) -> list[str]:
    """Human-readable evidence per call.

    For example "inhibits BCL2 (median pIC50 8.9, 12 assays, mechanism: INHIBITOR)", or "inhibits
    MTOR (allosteric mTORC1 inhibition via FKBP12 (mechanism on FKBP1A: INHIBITOR))".
    """
    mechanisms: dict[tuple[str, str, str], list[str]] = {}
    through: dict[tuple[str, str, str], list[str]] = {}
    with_mech = joined[joined[EvidenceCols.MECHANISM_ACTION_TYPE] != ""].drop_duplicates(
        [*keys, EvidenceCols.TARGET_CHEMBL_ID]
    )
    for record in with_mech.to_dict("records"):
        key = (record[keys[0]], record[keys[1]], record[keys[2]])
        salts = [m for m in split_tokens(record[EvidenceCols.MECHANISM_MOLECULES]) if m != key[0]]
        recorded = f", recorded on {', '.join(salts)}" if salts else ""
        if record["_partner"]:
            if not record["_pmech"]:
                continue  # a partner record that is not an inhibition says nothing here
            partner = record["_partner"]
            said = [p.via for p in partners.get((key[1], key[2]), []) if p.gene == partner]
            through.setdefault(key, []).append(
                f"{said[0] if said else f'via {partner}'} (mechanism on {partner}: "
                f"{record[EvidenceCols.MECHANISM_ACTION_TYPE]}{recorded})"
            )
            continue
        where = ""
        if record[TargetCols.TARGET_TYPE] != "SINGLE PROTEIN":
            kind = str(record[TargetCols.TARGET_TYPE]).lower()
            name = record[TargetCols.TARGET_PREF_NAME]
            where = f" on {name} ({kind} {record[EvidenceCols.TARGET_CHEMBL_ID]})"
        mechanisms.setdefault(key, []).append(
            f"{record[EvidenceCols.MECHANISM_ACTION_TYPE]}{where}{recorded}"
        )
    judged = {k for k, found in partners.items() if any(p.requires for p in found)}
    sources = _source_molecules(joined, keys, judged) if structures is not None else {}

    texts: list[str] = []
    for record in calls.to_dict("records"):
        key = (record[keys[0]], record[keys[1]], record[keys[2]])
        gene = record[CallCols.GENE_SYMBOL]
        direction = record[CallCols.DIRECTION]
        source = record[CallCols.DIRECTION_SOURCE]
        positive = (record[CallCols.WANTED] == "activate") == (direction != "contrary")
        if not direction:
            verb = "weak or inactive on"
        else:
            verb = "activates" if positive else "inhibits"
        parts: list[str] = []
        best = record[CallCols.BEST_PCHEMBL]
        if best is not None and not math.isnan(best):
            parts.append(f"median p{record[CallCols.BEST_TYPE] or 'ChEMBL'} {best:.1f}")
        n_assays = int(record[CallCols.N_ASSAYS])
        if n_assays:
            parts.append(f"{n_assays} assay{'s' if n_assays != 1 else ''}")
        if key in mechanisms:
            parts.append("mechanism: " + "; ".join(mechanisms[key]))
        elif source == "activity_action_type":
            parts.append(f"activity action type: {record[CallCols.ACTION_TYPES]}")
        elif source.startswith("inferred"):
            parts.append(source.replace("_", " "))
        parts.extend(through.get(key, []))
        if structures is not None and record[CallCols.QUALIFIES] and key not in through:
            parts.extend(
                _ligand_kind(partners.get((key[1], key[2]), []), sources.get(key, []), structures)
            )
        if record[CallCols.INACTIVE_ONLY]:
            parts.append("inactive-side values only")
        if not parts and record["_excluded"]:
            excluded = int(record["_excluded"])
            parts.append(
                f"{excluded} measurement{'s' if excluded != 1 else ''} excluded by curation"
            )
        text = f"{verb} {gene} ({', '.join(parts)})"
        if direction == "contrary":
            wanted = "activated" if record[CallCols.WANTED] == "activate" else "inhibited"
            text += f" [contrary: the panel wants {gene} {wanted}]"
        texts.append(text)
    return texts


def _source_molecules(
    joined: pd.DataFrame, keys: list[str], judged: set[tuple[str, str]]
) -> dict[tuple[str, str, str], list[str]]:
    """Per call key of a judged (entry, gene): the parent, then its evidence's molecules."""
    out: dict[tuple[str, str, str], list[str]] = {}
    columns = [EvidenceCols.SOURCE_MOLECULES, EvidenceCols.MECHANISM_MOLECULES]
    pairs = list(zip(joined[keys[1]], joined[keys[2]], strict=True))
    rows = joined[[pair in judged for pair in pairs]]
    for record in rows[[*keys, *columns]].to_dict("records"):
        key = (record[keys[0]], record[keys[1]], record[keys[2]])
        found = out.setdefault(key, [str(key[0])])
        for column in columns:
            found.extend(m for m in split_tokens(record[column]) if m not in found)
    return out


def _ligand_kind(
    partners: list[MechanismPartner], molecules: list[str], structures: dict[str, str]
) -> list[str]:
    """What kind of ligand makes a direct call on a gene with conditional partners.

    A ligand that meets a partner's condition acts through the partner; one that meets none is
    what the panel's ``otherwise`` says (nothing, where it says nothing); an unknown structure
    is not judged.
    """
    conditional = [p for p in partners if p.requires]
    smiles = next((structures[m] for m in molecules if m in structures), None)
    if not conditional or smiles is None:
        return []
    for partner in conditional:
        condition = PARTNER_CONDITIONS[str(partner.requires)]
        if meets_condition(condition.name, smiles):
            return [f"{condition.text}: {partner.via}"]
    return [p.otherwise for p in conditional if p.otherwise][:1]
