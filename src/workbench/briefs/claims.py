"""Cost and what was claimed: the published-findings register as a brief section, and partners by sector.

Three public functions, each a building block the brief wires in:

- :func:`cost_and_claims` -- the section "Cost and what was claimed": what the initiative cost, what
  its own documents claimed, and any measured impact estimates, each figure with its unit, marked
  Projected or Measured in words, with its source and how strong the claim's own evidence is;
- :func:`claims_record` -- the same rows as JSON-safe dicts, for the brief's machine-readable record;
- :func:`partners_sentence` -- who took part by sector across an initiative's pilots, in plain words.

Which rows the table shows (the brief fits four printed A4 pages, so at most ``SHOWN`` rows):

  R1  costs first: rows whose design is an input (``programme funding ...``, "an input, not an outcome");
  R2  then measured impact estimates: measured rows with a Maryland SMS level (a comparison group);
  R3  then other measured rows (counts of spending, of families...);
  R4  then projected rows (forecasts, business cases, modelled savings);
  R5  within each group, rows with a figure before rows without one; then register order.

The first ``SHOWN`` rows in that order go in the table; the rest go in a ``<details>`` list
("N more claims"), in the same order, which the print stylesheet leaves out when it is closed.

    from workbench.briefs.claims import cost_and_claims, partners_sentence
    cost_and_claims("total_place")                  # Html: the section
    partners_sentence(evidence.initiatives()["total_place"])
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from workbench.briefs.html import Html, esc, scroll_wrap
from workbench.evidence import findings, initiatives
from workbench.evidence.findings import has_counterfactual
from workbench.evidence.registers import Initiative

SHOWN = 5                    # rows in the table on the page; the rest go in <details>
SOURCE_LIMIT = 110           # characters of the first citation shown in the table
INPUT_DESIGN = "an input, not an outcome"
GROUPS = ("cost", "impact", "measured", "projected")         # R1-R4, in the order shown
RECORD_FIELDS = ("id", "claim", "figure", "figure_high", "unit", "kind", "source")
# Maryland Scientific Methods Scale, in plain words (What Works Centre for Local Economic Growth)
SMS_WORDS = {
    1: "a simple before-and-after or cross-sectional comparison, with no comparison group",
    2: "a comparison with places or people that did not take part, without evidence that they are alike",
    3: "a before-and-after comparison with a similar (matched) comparison group",
    4: "a comparison using chance differences in who took part (as good as random)",
    5: "a randomised trial",
}
SECTOR_WORDS = {"public": "public bodies", "business": "business",
                "social": "the voluntary and community (social) sector"}
# bidi embeddings, overrides and isolates, and C0 controls other than tab and newline: a data string
# must not reorder or hide the text around it
_UNSAFE = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cost_and_claims(initiative_id: str, catalog=None, *, pilot_name: str | None = None) -> Html:
    """The brief section "Cost and what was claimed" for one initiative (rules R1-R5 in the module doc).

    `pilot_name` (a one-pilot brief) adds a sentence that the figures are for the whole initiative.
    """
    rows = ordered_rows(findings(initiative_id, catalog))      # raises SpecificationError if unknown
    name = initiatives(catalog)[initiative_id].name
    head = '<section aria-labelledby="cost-and-claims"><h2 id="cost-and-claims">Cost and what was claimed</h2>'
    if rows.empty:
        return Html(f"{head}<p>The findings register holds no published cost or claims for {_text(name)}."
                    "</p></section>")
    intro = ("<p>The costs and claims below were published by others, not found by this brief; "
             "projected figures are forecasts, not measurements.")
    if pilot_name:
        intro += f" The figures are for {_text(name)} as a whole, not for {_text(pilot_name)} alone."
    shown, rest = rows.iloc[:SHOWN], rows.iloc[SHOWN:]
    return Html(f"{head}{intro}</p>{_table(shown, name, len(rows))}{_more(rest)}</section>")


def claims_record(initiative_id: str, catalog=None) -> list[dict[str, Any]]:
    """The initiative's rows (in the order the section shows them), JSON-safe, for the machine-readable record.

    Keys: id, claim, figure, figure_high, unit, kind, source; a missing figure or unit is None.
    """
    rows = ordered_rows(findings(initiative_id, catalog))
    return [{key: _json(row[key]) for key in RECORD_FIELDS} for _, row in rows.iterrows()]


def ordered_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows in the order shown (R1-R5): group, then with a figure before without, then register order."""
    if table.empty:
        return table
    group = table.apply(_group, axis=1).map(GROUPS.index)
    keys = pd.DataFrame({"group": group, "no_figure": table["figure"].isna(), "order": range(len(table))},
                        index=table.index)
    return table.loc[keys.sort_values(["group", "no_figure", "order"]).index].reset_index(drop=True)


def figure_text(row: pd.Series) -> str:
    """The figure with its unit ("9.4 to 20.6 billion pounds ..."), or a plain sentence that there is none."""
    if pd.isna(row["figure"]):
        if "no single figure" in str(row["note"]):
            return "No single figure: the source reports a pattern of results."
        return "The sources do not give a figure."
    number = _number(row["figure"])
    if pd.notna(row["figure_high"]):
        number += f" to {_number(row['figure_high'])}"
    unit = "" if pd.isna(row["unit"]) else str(row["unit"])
    return f"{number} {unit}".strip()


def strength_text(row: pd.Series) -> str:
    """How strong the claim's own evidence is, in plain words (no bare codes)."""
    group = _group(row)
    if pd.notna(row["sms_level"]):
        level = int(row["sms_level"])
        what = "An impact estimate from" if row["kind"] == "measured" else "A forecast built on"
        return f"{what} {SMS_WORDS[level]} (Maryland scale {level} of 5, where 5 is a randomised trial)."
    if group == "cost":
        return "Money put in, not a result."
    if group == "projected" and has_counterfactual(str(row["design"]).replace("-", " ")):
        return "A model built on estimates against a comparison group: not itself a measurement."
    if group == "projected":
        return "A forecast, with no comparison group: not a measurement of what happened."
    if str(row["design"]).startswith("none"):
        return "No evaluation was found: an absence of evidence, not a finding of no effect."
    what = "A count" if "count" in str(row["design"]) else "A measurement"
    return f"{what}, with no comparison group: not an effect of the initiative."


def short_source(source: object, limit: int = SOURCE_LIMIT) -> str:
    """The first citation, cut at a word within `limit` characters, and how many more there are."""
    parts = [p.strip() for p in str(source).split("; ") if p.strip()]
    first = " ".join(parts[0].split()) if parts else ""
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"
    more = len(parts) - 1
    return first + (f" (and {more} more source{'s' * (more != 1)})" if more else "")


def partners_sentence(initiative: Initiative) -> str:
    """Who took part by sector across the initiative's pilots, as the sources name them, in plain words."""
    pilots = initiative.pilots
    noun = "neighbourhood pilot" if pilots and all(p.smaller_than_member for p in pilots) else "pilot"
    recorded = [p for p in pilots if p.partners]
    missing = len(pilots) - len(recorded)
    if not recorded:
        return ("The sources found do not record which sectors took part in "
                f"{_count(len(pilots), noun) if len(pilots) != 1 else 'its ' + noun}.")
    if len(pilots) == 1:
        sectors = pilots[0].partners
        out = f"Partners by sector, as the sources name them: {_join([SECTOR_WORDS[s] for s in sectors])}"
        return out + (" only, which may understate who took part." if sectors == ("public",) else ".")
    public_only = sum(p.partners == ("public",) for p in recorded)
    if public_only == len(recorded):
        out = (f"Partners by sector, as the sources name them: public bodies only, in "
               f"{_share(public_only, len(pilots), noun, first=True)}, which may understate who took part.")
    else:
        counts = [(s, sum(s in p.partners for p in recorded)) for s in SECTOR_WORDS]
        named = [f"{SECTOR_WORDS[s]} in {_share(n, len(pilots), noun, first=not i)}"
                 for i, (s, n) in enumerate([(s, n) for s, n in counts if n])]
        out = f"Partners by sector, as the sources name them: {'; '.join(named)}."
        if public_only:
            out += (f" For {_share(public_only, len(pilots), noun, first=True)} the sources name "
                    "public bodies only, which may understate who took part.")
    if missing:
        out += f" For {_count(missing, noun)} the sources found do not record the partners."
    return out


def _table(rows: pd.DataFrame, name: str, total: int) -> str:
    caption = f"Cost and claims published about {name} ({len(rows)} of {total} shown)"
    head = "".join(f'<th scope="col">{h}</th>' for h in
                   ("What was claimed", "Figure", "Projected or measured, and how strong", "Source"))
    body = "".join(
        f'<tr><th scope="row">{_text(r["claim"])}</th><td>{_text(figure_text(r))}</td>'
        f"<td>{_kind(r)} {_text(strength_text(r))}</td><td>{_text(short_source(r['source']))}</td></tr>"
        for _, r in rows.iterrows())
    return scroll_wrap(f'<table class="data-table claims-table"><caption>{_text(caption)}</caption>'
                       f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>", _clean(caption))


def _more(rows: pd.DataFrame) -> str:
    if rows.empty:
        return ""
    items = "".join(
        f"<li>{_kind(r)} {_text(r['claim'])} Figure: {_text(_stop(figure_text(r)))} {_text(strength_text(r))} "
        f"Source: {_text(short_source(r['source']))}</li>" for _, r in rows.iterrows())
    n = len(rows)
    return f'<details class="more-claims"><summary>{n} more claim{"s" * (n != 1)}</summary><ul>{items}</ul></details>'


def _kind(row: pd.Series) -> str:
    kind = "Projected" if row["kind"] == "projected" else "Measured"
    return f'<strong class="kind kind-{kind.lower()}">{kind}.</strong>'


def _group(row: pd.Series) -> str:
    if INPUT_DESIGN in str(row["design"]):
        return "cost"
    if row["kind"] == "measured":
        return "impact" if pd.notna(row["sms_level"]) else "measured"
    return "projected"


def _number(value: float) -> str:
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _json(value: object) -> Any:
    if pd.isna(value):
        return None
    if hasattr(value, "item"):                       # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _clean(value: object) -> str:
    """Text with bidi overrides and control characters removed (escaping alone leaves them working)."""
    return _UNSAFE.sub("", str(value))


def _text(value: object) -> str:
    return esc(_clean(value))


def _stop(sentence: str) -> str:
    return sentence if sentence.endswith(".") else sentence + "."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _share(n: int, total: int, noun: str, first: bool) -> str:
    """'all 13 pilots' / '12 pilots' on first mention, then a bare '1' ('business in 1')."""
    if not first:
        return str(n)
    return f"all {_count(n, noun)}" if n == total else _count(n, noun)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
