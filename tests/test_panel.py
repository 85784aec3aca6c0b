"""Tests of panel loading and validation (DESIGN §3)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from senotarget.errors import ConfigError, PanelError
from senotarget.panels.load import load_panel, parse_panel
from senotarget.schema import AssayExclusion, Direction, MechanismPartner, Strategy

#: (label, genes, strategies, direction, caution must contain or "" for none)
DEFAULT_ROWS: list[tuple[str, tuple[str, ...], tuple[Strategy, ...], Direction, str]] = [
    ("BCL-2 family", ("BCL2", "BCL2L1", "BCL2L2", "MCL1"), ("senolytic",), "inhibit", ""),
    (
        "PI3K/AKT",
        ("PIK3CA", "PIK3CB", "PIK3CD", "PIK3CG", "AKT1", "AKT2", "AKT3"),
        ("senolytic",),
        "inhibit",
        "",
    ),
    ("insulin/IGF-1 signalling", ("IGF1R", "INSR"), ("senolytic",), "inhibit", ""),
    (
        "NF-κB",
        ("RELA", "NFKB1", "IKBKB", "CHUK"),
        ("senomorphic", "senoreverter"),
        "inhibit",
        "",
    ),
    ("JAK-STAT", ("JAK1", "JAK2", "JAK3", "TYK2", "STAT3"), ("senomorphic",), "inhibit", ""),
    ("mTOR", ("MTOR",), ("senomorphic", "senoreverter"), "inhibit", ""),
    ("NLRP3 inflammasome", ("NLRP3",), ("senomorphic",), "inhibit", ""),
    ("CCR2 (infiltration)", ("CCR2",), ("senomorphic",), "inhibit", "Eggert et al. 2016"),
    (
        "NAD+ restoration",
        ("NAMPT", "SIRT1"),
        ("senoreverter",),
        "activate",
        "Nacarelli et al. 2019",
    ),
]

#: One valid entry; error cases edit it.
ENTRY = """[[entries]]
label = "A"
genes = ["BCL2"]
strategies = ["senolytic"]
direction = "inhibit"
citation = "doc Fig. 1"
"""
HEAD = 'name = "test"\n\n'  # the entry header is on line 3
#: A valid mechanism partner and assay exclusion of ENTRY; error cases edit them.
PARTNER = """
[[entries.partners]]
gene = "FKBP1A"
via = "v"
requires = "rapamycin_site"
citation = "c"
"""
EXCLUSION = """
[[entries.assay_exclusions]]
measures = "FKBP12"
patterns = ["FKBP"]
"""


def test_default_panel_rows() -> None:
    panel = load_panel("default")
    assert panel.name == "default"
    assert panel.source == "builtin:default"
    rows = [(e.label, e.genes, e.strategies, e.direction) for e in panel.entries]
    assert rows == [row[:4] for row in DEFAULT_ROWS]


@pytest.mark.parametrize(
    ("label", "caution"),
    [(row[0], row[4]) for row in DEFAULT_ROWS],
    ids=[r[0] for r in DEFAULT_ROWS],
)
def test_default_panel_citations_and_cautions(label: str, caution: str) -> None:
    entry = {e.label: e for e in load_panel("default").entries}[label]
    assert entry.citation.startswith("wang2025")
    assert entry.pathway != ""
    if caution:
        assert caution in entry.caution
    else:
        assert entry.caution == ""


def test_default_panel_documents_and_strategy_caution() -> None:
    panel = load_panel("default")
    assert sorted(panel.documents) == ["wang2025", "wang2025ccs"]
    assert list(panel.strategy_cautions) == ["senoreverter"]
    assert panel.strategy_cautions["senoreverter"].startswith("Relapse risk")
    assert "Milanovic et al. 2018" in panel.strategy_cautions["senoreverter"]
    # the 27 genes of the entries, then FKBP1A, the mTOR entry's mechanism partner
    assert len(panel.genes()) == 28
    assert panel.genes()[:5] == ("BCL2", "BCL2L1", "BCL2L2", "MCL1", "PIK3CA")
    assert panel.genes()[-1] == "FKBP1A"


#: (case, panel text, line in the message or None, substrings of the message)
ERROR_CASES: list[tuple[str, str, int | None, list[str]]] = [
    (
        "malformed_toml",
        HEAD + "[[entries]\nlabel = 1\n",
        3,
        [
            "is not valid TOML (Expected ']]' at the end of an array declaration)",
            "fix the TOML syntax",
        ],
    ),
    (
        "unknown_top_level_key",
        HEAD + 'colour = "red"\n' + ENTRY,
        3,
        [
            "unknown key 'colour'",
            "use only ambiguous, description, documents, entries, extends, name",
        ],
    ),
    (
        "unknown_entry_key",
        HEAD + ENTRY + "colour = 1\n",
        9,
        [
            "entry 1 has unknown key 'colour'",
            (
                "use only assay_exclusions, caution, citation, contrary_note, direction, "
                "evidence, genes, label, partners, pathway, strategies"
            ),
        ],
    ),
    (
        "empty_gene_list",
        HEAD + ENTRY.replace('["BCL2"]', "[]"),
        5,
        ["entry 'A' has an empty gene list", 'list its genes: genes = ["BCL2"]'],
    ),
    (
        "malformed_gene_symbol",
        HEAD + ENTRY.replace('"BCL2"', '"BCL 2"'),
        5,
        ["entry 'A' has malformed gene symbol 'BCL 2'", "use an HGNC gene symbol"],
    ),
    (
        "malformed_gene_in_a_multi_line_list",
        HEAD + ENTRY.replace('["BCL2"]', '[\n  "BCL2",\n  "MCL 1",\n]'),
        7,
        ["entry 'A' has malformed gene symbol 'MCL 1'"],
    ),
    (
        "non_string_gene",
        HEAD + ENTRY.replace('"BCL2"', "5"),
        5,
        ["entry 'A' has malformed gene symbol 5", "or a UniProt accession"],
    ),
    (
        "unknown_strategy",
        HEAD + ENTRY.replace("senolytic", "senostatic"),
        6,
        [
            "entry 'A' has unknown strategy 'senostatic'",
            "use one of senolytic, senomorphic, senoreverter",
        ],
    ),
    (
        "no_strategies",
        HEAD + ENTRY.replace('["senolytic"]', "[]"),
        6,
        ["entry 'A' has no strategies", "list one or more of senolytic"],
    ),
    (
        "unknown_direction",
        HEAD + ENTRY.replace('"inhibit"', '"block"'),
        7,
        ["entry 'A' has unknown direction 'block'", "use one of inhibit, activate"],
    ),
    (
        "duplicate_label",
        HEAD + ENTRY + "\n" + ENTRY,
        10,
        ["duplicate label 'A' (entries 1 and 2)", "give each entry its own label"],
    ),
    (
        "missing_citation",
        HEAD + ENTRY.replace('citation = "doc Fig. 1"\n', ""),
        3,
        ["entry 'A' has no citation", 'add citation = "document, figure"'],
    ),
    (
        "blank_citation",
        HEAD + ENTRY.replace('"doc Fig. 1"', '"  "'),
        8,
        ["entry 'A' has no citation"],
    ),
    (
        "missing_label",
        HEAD + ENTRY.replace('label = "A"\n', ""),
        3,
        ["entry 1 has no label", 'add label = "..."'],
    ),
    (
        "no_entries",
        HEAD,
        None,
        ["has no [[entries]]", "add at least one [[entries]] table"],
    ),
    (
        "extends_unknown_panel",
        HEAD + 'extends = "other"\n' + ENTRY,
        3,
        ["extends 'other', which is not a built-in panel", 'use extends = "default"'],
    ),
    (
        "partners_not_tables",
        HEAD + ENTRY + 'partners = ["FKBP1A"]\n',
        9,
        ["entry 'A': partners is not a list of tables", "write [[entries.partners]]"],
    ),
    (
        "partner_unknown_key",
        HEAD + ENTRY + PARTNER + "colour = 1\n",
        15,
        [
            "entry 'A': a partner has unknown key 'colour'",
            "use only acts_on, citation, gene, otherwise, requires, via",
        ],
    ),
    (
        "partner_malformed_gene",
        HEAD + ENTRY + PARTNER.replace('"FKBP1A"', '"FKBP 1A"'),
        11,
        ["entry 'A' has a partner with malformed gene symbol 'FKBP 1A'", 'gene = "FKBP1A"'],
    ),
    (
        "partner_is_a_gene_of_the_entry",
        HEAD + ENTRY + PARTNER.replace('"FKBP1A"', '"bcl2"'),
        11,
        ["entry 'A', partner BCL2 is also a gene of the entry", "list it in one place"],
    ),
    (
        "partner_twice",
        HEAD + ENTRY + PARTNER + PARTNER,
        17,
        ["entry 'A', partner FKBP1A is listed twice", "list each partner once"],
    ),
    (
        "partner_acts_on_another_gene",
        HEAD + ENTRY + PARTNER + 'acts_on = "MTOR"\n',
        15,
        ["partner FKBP1A: acts_on 'MTOR' is not a gene of the entry", "one of BCL2"],
    ),
    (
        "partner_acts_on_needed_with_several_genes",
        HEAD + ENTRY.replace('["BCL2"]', '["BCL2", "MCL1"]') + PARTNER,
        10,
        ["partner FKBP1A: acts_on '' is not a gene of the entry", "one of BCL2, MCL1"],
    ),
    (
        "partner_unknown_condition",
        HEAD + ENTRY + PARTNER.replace("rapamycin_site", "macrolide"),
        13,
        [
            "partner FKBP1A: requires 'macrolide' is not a known condition",
            "use one of rapamycin_site, or leave it out to count every record",
        ],
    ),
    (
        "partner_without_via",
        HEAD + ENTRY + PARTNER.replace('via = "v"\n', ""),
        10,
        ["entry 'A', partner FKBP1A has no via", 'add via = "..."'],
    ),
    (
        "partner_without_citation",
        HEAD + ENTRY + PARTNER.replace('citation = "c"\n', 'citation = " "\n'),
        14,
        ["entry 'A', partner FKBP1A has no citation"],
    ),
    (
        "partner_otherwise_not_text",
        HEAD + ENTRY + PARTNER + "otherwise = 3\n",
        15,
        ["entry 'A', partner FKBP1A: otherwise is not a string"],
    ),
    (
        "partner_ranked_in_another_entry",
        HEAD + ENTRY + PARTNER + "\n" + ENTRY.replace('"A"', '"B"').replace("BCL2", "FKBP1A"),
        11,
        [
            "entry 'A' names FKBP1A as a mechanism partner, but it is a gene of entry 'B'",
            "rank the gene in one entry or use it as a partner, not both",
        ],
    ),
    (
        "exclusion_unknown_key",
        HEAD + ENTRY + EXCLUSION + "colour = 1\n",
        13,
        [
            "entry 'A': an assay exclusion has unknown key 'colour'",
            "use only citation, measures, patterns, unless",
        ],
    ),
    (
        "exclusion_without_measures",
        HEAD + ENTRY + EXCLUSION.replace('measures = "FKBP12"\n', ""),
        10,
        ["entry 'A', assay exclusion has no measures"],
    ),
    (
        "exclusion_without_patterns",
        HEAD + ENTRY + EXCLUSION.replace('["FKBP"]', "[]"),
        12,
        [
            (
                "entry 'A', assay exclusion: patterns is not a non-empty list of non-empty "
                "strings without ';'"
            ),
            "case-insensitive description substrings",
        ],
    ),
    (
        "exclusion_pattern_with_separator",
        HEAD + ENTRY + EXCLUSION.replace('"FKBP"', '"FKBP;12"'),
        12,
        ["entry 'A', assay exclusion: patterns is not a non-empty list"],
    ),
    (
        "exclusion_unless_not_a_list",
        HEAD + ENTRY + EXCLUSION + 'unless = "mTOR"\n',
        13,
        ["entry 'A', assay exclusion: unless is not a list of non-empty strings"],
    ),
    (
        "strategy_caution_unknown_strategy",
        HEAD + ENTRY + '\n[strategy_cautions]\nsenostatic = "x"\n',
        11,
        ["strategy_cautions names unknown strategy 'senostatic'", "use one of senolytic"],
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_panel_errors(tmp_path: Path, text: str, line: int | None, expected: list[str]) -> None:
    path = tmp_path / "bad_panel.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PanelError) as info:
        load_panel(path)
    message = str(info.value)
    where = f"{path}:{line}" if line is not None else str(path)
    assert message.startswith(f"panel {where}: ")
    assert info.value.line == line
    assert info.value.path == str(path)
    for part in expected:
        assert part in message
    assert "\n" not in message
    assert isinstance(info.value, ConfigError)


def test_missing_panel_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(PanelError) as info:
        load_panel(path)
    assert str(info.value) == (
        f"panel {path}: file not found: pass an existing panel TOML file with --panel, "
        "or one of: default"
    )
    assert info.value.line is None


#: (genes as written, genes after loading)
GENE_CASES: list[tuple[list[str], tuple[str, ...]]] = [
    (["bcl2"], ("BCL2",)),
    (["bcl2", "BCL2", "Bcl2"], ("BCL2",)),
    ([" mcl1 ", "MCL1"], ("MCL1",)),
    (["P10415", "Q07817"], ("P10415", "Q07817")),
    (["A0A024R161"], ("A0A024R161",)),
    (["bcl2l1", "Q07817", "BCL2L1", "hla-a"], ("BCL2L1", "Q07817", "HLA-A")),
]


@pytest.mark.parametrize(("genes", "expected"), GENE_CASES)
def test_gene_symbols_upper_cased_and_deduplicated(
    genes: list[str], expected: tuple[str, ...]
) -> None:
    listed = ", ".join(f'"{g}"' for g in genes)
    panel = parse_panel(HEAD + ENTRY.replace('["BCL2"]', f"[{listed}]"), source="p.toml")
    assert panel.entries[0].genes == expected


#: (direction as written, direction after loading)
DIRECTION_CASES: list[tuple[str, Direction]] = [
    ("inhibit", "inhibit"),
    ("activate", "activate"),
    ("antagonise", "inhibit"),
    ("antagonize", "inhibit"),
]


@pytest.mark.parametrize(("written", "expected"), DIRECTION_CASES)
def test_direction_aliases(written: str, expected: Direction) -> None:
    panel = parse_panel(HEAD + ENTRY.replace('"inhibit"', f'"{written}"'), source="p.toml")
    assert panel.entries[0].direction == expected


def test_entry_fields_and_panel_record() -> None:
    text = (
        'name = " mine "\ndescription = "d"\n[documents]\ndoc = "A document"\n\n'
        + ENTRY.replace('["senolytic"]', '["senomorphic", "senolytic", "senomorphic"]').replace(
            'label = "A"', 'label = " A "\npathway = " p "\ncaution = " c "'
        )
    )
    panel = parse_panel(text, source="dir/mine.toml")
    assert panel.name == "mine"
    assert panel.description == "d"
    assert dict(panel.documents) == {"doc": "A document"}
    assert dict(panel.strategy_cautions) == {}
    assert panel.source == "dir/mine.toml"
    assert panel.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    (entry,) = panel.entries
    assert entry.label == "A"
    assert entry.strategies == ("senomorphic", "senolytic")
    assert entry.pathway == "p"
    assert entry.caution == "c"
    assert entry.citation == "doc Fig. 1"


def test_name_defaults_to_file_stem() -> None:
    panel = parse_panel(ENTRY, source="dir/my_panel.toml")
    assert panel.name == "my_panel"


def test_extends_default_merges_and_replaces_by_label() -> None:
    text = (
        'extends = "default"\n\n'
        '[strategy_cautions]\nsenolytic = "Own caution."\n\n'
        "[[entries]]\n"
        'label = "mTOR"\n'
        'genes = ["MTOR", "RPTOR"]\n'
        'strategies = ["senomorphic"]\n'
        'direction = "inhibit"\n'
        'citation = "own doc"\n\n'
        "[[entries]]\n"
        'label = "p38 MAPK"\n'
        'genes = ["MAPK14"]\n'
        'strategies = ["senomorphic"]\n'
        'direction = "antagonise"\n'
        'citation = "own doc"\n'
    )
    panel = parse_panel(text, source="ext.toml")
    default_labels = [row[0] for row in DEFAULT_ROWS]
    assert [e.label for e in panel.entries] == [
        *(label for label in default_labels if label != "mTOR"),
        "mTOR",
        "p38 MAPK",
    ]
    entries = {e.label: e for e in panel.entries}
    assert entries["mTOR"].genes == ("MTOR", "RPTOR")
    assert entries["mTOR"].strategies == ("senomorphic",)
    assert entries["mTOR"].citation == "own doc"
    assert entries["p38 MAPK"].direction == "inhibit"
    assert entries["BCL-2 family"].genes == ("BCL2", "BCL2L1", "BCL2L2", "MCL1")
    assert panel.name == "default+ext.toml"
    assert sorted(panel.documents) == ["wang2025", "wang2025ccs"]
    assert dict(panel.strategy_cautions) == {
        "senoreverter": load_panel("default").strategy_cautions["senoreverter"],
        "senolytic": "Own caution.",
    }


def test_extends_default_without_entries_is_the_default() -> None:
    panel = parse_panel('name = "copy"\nextends = "default"\n', source="copy.toml")
    assert panel.name == "copy"
    assert panel.entries == load_panel("default").entries


def test_default_mtor_partner_and_assay_exclusions() -> None:
    """The rapalogs' FKBP1A records count for MTOR, for rapamycin-site ligands; FKBP12 binding
    assays on the mTOR target are another protein's (Choi 1996; Liu 1991)."""
    entries = {e.label: e for e in load_panel("default").entries}
    (partner,) = entries["mTOR"].partners
    assert (partner.gene, partner.acts_on, partner.via, partner.requires, partner.otherwise) == (
        "FKBP1A",
        "MTOR",
        "allosteric mTORC1 inhibition via FKBP12",
        "rapamycin_site",
        "ATP-competitive: not a rapamycin-site ligand",
    )
    assert "Choi et al. 1996 Science 273:239" in partner.citation
    (exclusion,) = entries["mTOR"].assay_exclusions
    assert exclusion.measures == "FKBP12 (FKBP1A)"
    assert exclusion.patterns == (
        "FKBP",
        "FK506 binding protein",
        "FK-506 binding protein",
        "FK506-binding protein",
        "macrophilin",
    )
    assert exclusion.unless == ("mTOR", "target of rapamycin", "FRAP", "FRB")
    assert "Liu et al. 1991 Cell 66:807" in exclusion.citation
    others = [e for e in entries.values() if e.label != "mTOR"]
    assert all(not e.partners and not e.assay_exclusions for e in others)


def test_partner_and_exclusion_fields_are_parsed() -> None:
    text = (
        HEAD
        + ENTRY.replace('["BCL2"]', '["BCL2", "MCL1"]')
        + PARTNER.replace('"FKBP1A"', '"fkbp1a"')
        + 'acts_on = "mcl1"\notherwise = " direct "\n'
        + EXCLUSION.replace('["FKBP"]', '[" FKBP ", "macrophilin", "FKBP"]')
        + 'unless = ["mTOR"]\ncitation = "why"\n'
    )
    (entry,) = parse_panel(text, source="p.toml").entries
    (partner,) = entry.partners
    assert partner == MechanismPartner("FKBP1A", "MCL1", "v", "rapamycin_site", "c", "direct")
    assert entry.assay_exclusions == (
        AssayExclusion("FKBP12", ("FKBP", "macrophilin"), ("mTOR",), "why"),
    )


def test_partner_without_condition_counts_every_record() -> None:
    text = HEAD + ENTRY + PARTNER.replace('requires = "rapamycin_site"\n', "")
    (entry,) = parse_panel(text, source="p.toml").entries
    assert entry.partners[0].requires is None


def test_extending_the_default_with_fkbp1a_as_a_gene_is_refused() -> None:
    text = 'extends = "default"\n\n' + ENTRY.replace("BCL2", "FKBP1A")
    with pytest.raises(PanelError, match="names FKBP1A as a mechanism partner, but it is a gene"):
        parse_panel(text, source="ext.toml")
