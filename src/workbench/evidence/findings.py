"""Published findings: what each initiative's own documents and evaluations claimed, and how strongly.

The register (``evidence/registers/findings.csv``, catalogue id ``findings``) holds one row per
claim: the initiative, the claim in plain words, its figure and unit (blank where the reference
sources do not give it), whether it was projected or measured, the design behind it and its
Maryland SMS level (blank where there was no counterfactual), with a full citation. Beyond the
catalogue's column checks, :func:`check_findings` holds the rules that span columns.

    from workbench import evidence
    evidence.findings("troubled_families")      # the claims and evaluations of one initiative
"""

from __future__ import annotations

import pandas as pd

from workbench.errors import DataValidationError, SpecificationError
from workbench.evidence.loading import initiatives, load

FINDINGS = "findings"
# words in a design that name a comparison group (a counterfactual): only these may lift a
# projected claim above SMS 1
COUNTERFACTUAL_DESIGNS = ("matched comparison", "comparison group", "difference-in-differences",
                          "synthetic control", "randomised", "regression discontinuity", "instrumental variable")


def findings(initiative_id: str | None = None, catalog=None) -> pd.DataFrame:
    """The published-findings register, checked; only `initiative_id`'s rows when given.

    Columns: id, initiative, claim, figure, figure_high, unit, kind (projected or measured),
    design, sms_level (1-5, or missing where there is no counterfactual), source, reference, note.
    """
    table = check_findings(load(FINDINGS, catalog))
    if initiative_id is None:
        return table
    known = initiatives(catalog)
    if initiative_id not in known:
        raise SpecificationError(f"unknown initiative '{initiative_id}'; the register has: {', '.join(known)}")
    out = table[table["initiative"] == initiative_id].reset_index(drop=True)
    out.attrs.update(table.attrs)
    return out


def has_counterfactual(design: str) -> bool:
    """True when a design's description names a comparison group (a counterfactual)."""
    text = design.lower()
    return any(word in text for word in COUNTERFACTUAL_DESIGNS)


def check_findings(table: pd.DataFrame) -> pd.DataFrame:
    """Check the rules that span columns; return the table unchanged or raise DataValidationError.

    - a range's top (figure_high) needs its bottom (figure) and is not below it;
    - a row with no figure says so in its note ("not in the reference sources" or "no single figure");
    - a row with no SMS level says why in its note (no counterfactual, or not SMS-scoreable);
    - a projected claim is rated at most SMS 1 unless its design names a comparison group.
    """
    path = table.attrs.get("path", FINDINGS)
    for pos, row in enumerate(table.itertuples(index=False), start=2):
        def fail(problem: str, column: str) -> None:
            raise DataValidationError(path, f"finding '{row.id}': {problem}", row=pos, column=column)
        if pd.notna(row.figure_high) and (pd.isna(row.figure) or row.figure_high < row.figure):
            fail("figure_high needs a figure no larger than it", "figure_high")
        if pd.isna(row.figure) and not any(s in row.note for s in ("not in the reference sources",
                                                                   "no single figure")):
            fail("no figure, and the note does not say why", "note")
        if pd.isna(row.sms_level) and not any(s in row.note for s in ("counterfactual", "SMS-scoreable")):
            fail("no SMS level, and the note does not say why", "note")
        if row.kind == "projected" and pd.notna(row.sms_level) and row.sms_level > 1 \
                and not has_counterfactual(row.design):
            fail(f"a projected claim rated SMS {row.sms_level} with no comparison group in its design", "sms_level")
    return table
