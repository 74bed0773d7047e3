"""The evidence map on the index: outcomes (grouped by domain) by initiatives, one finding per cell.

Each cell says the direction of the difference in a word and an arrow (never colour alone), its
size relative to the pilots' level before the start with the interval, the strength of evidence as
padlocks with the number in text, and links to the brief. The same question answered another way
(another comparison group, one pilot alone) is a mark inside its cell, not a row of its own. Every
map has a text equivalent: the same findings as sentences in a list. The filter is a few lines of
inline JavaScript; without it every finding shows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.analysis.report import DESIGN_NAMES
from workbench.briefs.html import esc, scroll_wrap

DOMAINS = ("Poverty", "Social exclusion", "Chronic illness and health", "Community safety", "Economic regeneration")
OTHER = "Other"
_ALIASES = {**{d.casefold(): d for d in DOMAINS}, "chronic illness": "Chronic illness and health",
            "health": "Chronic illness and health", "crime": "Community safety"}
# parameters that name the cell, not a variant of its analysis
_IDENTITY = {"initiative", "indicator", "dataset", "family"}
_LABEL_ORDER = {"comparison_method": 0, "compare_within": 1, "last_period": 2}
PILOTS_SHOWN_OPEN = 3                 # more pilots' briefs than this go in a collapsed list
ARROWS = {"higher": "\u2191", "lower": "\u2193", "no clear difference": "\u2248"}
MINUS = "\u2212"


Entry = dict[str, Any]


def domain_of(entry: Entry) -> str:
    """The entry's outcome domain as one of the five (case and spacing normalised), else 'Other'."""
    raw = " ".join(str(entry.get("domain") or "").split()).casefold()
    return _ALIASES.get(raw, OTHER)


def direction(entry: Entry) -> str:
    """'higher', 'lower', or 'no clear difference' when the interval spans zero (or is missing)."""
    low, high = _number(entry.get("ci_low")), _number(entry.get("ci_high"))
    if low is None or high is None or low <= 0 <= high:
        return "no clear difference"
    return "higher" if low > 0 else "lower"


def relative(entry: Entry) -> tuple[float, float, float] | None:
    """Estimate and interval as percentages of the pilots' level before the start, or None
    when the record has no positive baseline (or no estimate and interval)."""
    base = _number(entry.get("baseline"))
    values = [_number(entry.get(k)) for k in ("estimate", "ci_low", "ci_high")]
    if base is None or base <= 0 or any(v is None for v in values):
        return None
    return tuple(100 * v / base for v in values)  # type: ignore[return-value]


def size_text(entry: Entry) -> str:
    """The size as shown in a cell: '-9.1% (-14% to -4.0%)' of the level before, or in the unit."""
    shares = relative(entry)
    if shares is not None:
        est, low, high = (_signed(v) + "%" for v in shares)
        return f"{est} ({low} to {high})"
    est, low, high = (_number(entry.get(k)) for k in ("estimate", "ci_low", "ci_high"))
    if est is None:
        return "no estimate"
    unit = f" {entry['unit']}" if entry.get("unit") else ""
    interval = f" ({_signed(low)} to {_signed(high)})" if low is not None and high is not None else ""
    return f"{_signed(est)}{interval}{unit}"


def size_sentence(entry: Entry) -> str:
    """The size in words for the text equivalent: relative to the level before, and in the unit."""
    est, low, high = (_number(entry.get(k)) for k in ("estimate", "ci_low", "ci_high"))
    unit = f" {entry['unit']}" if entry.get("unit") else ""
    absolute = "no estimate" if est is None else (
        f"{_signed(est)}{unit}" + (f", 95% interval {_signed(low)} to {_signed(high)}"
                                    if low is not None and high is not None else ", no interval"))
    shares = relative(entry)
    if shares is None:
        return absolute
    est_pct, low_pct, high_pct = (_signed(v) + "%" for v in shares)
    return (f"{est_pct} of the pilots' level before the start (95% interval {low_pct} to {high_pct}); "
            f"{absolute}")


def strength(entry: Entry) -> int | None:
    """The 0-5 strength of evidence, or None when the brief is not rated."""
    rating = entry.get("rating") or {}
    value = _number(rating.get("strength"))
    return None if value is None else max(0, min(5, int(value)))


def strength_text(entry: Entry) -> str:
    """'3 of 5 (moderate)', or 'not rated'."""
    level = strength(entry)
    if level is None:
        return "not rated"
    label = (entry.get("rating") or {}).get("label")
    return f"{level} of 5" + (f" ({label})" if label else "")


def variant_label(entry: Entry, main: Entry | None) -> str:
    """How a robustness brief differs from its cell's main brief, in words ('against nearest neighbours')."""
    mine, theirs = entry.get("parameters") or {}, (main or {}).get("parameters") or {}
    words = []
    for key in sorted(set(mine) | set(theirs), key=lambda k: (_LABEL_ORDER.get(k, len(_LABEL_ORDER)), k)):
        if key in _IDENTITY or key in ("pilot", "design") or mine.get(key) == theirs.get(key):
            continue
        value = mine.get(key)
        if key == "comparison_method":
            words.append("against all eligible areas" if value in (None, "all") else f"against {value} neighbours")
        elif key == "compare_within":
            words.append("compared across England" if value is None else f"compared within {_words(value)}")
        elif key == "last_period":
            words.append("to the latest period" if value is None else f"to {value}")
        else:
            words.append(f"{_words(key)} {value}")
    if main is not None and entry.get("design") and entry.get("design") != main.get("design"):
        design = entry["design"]
        name = DESIGN_NAMES.get(design, _words(design))
        words.append(f"by {name[0].lower()}{name[1:]}")
    return "; ".join(words) or "another analysis"


@dataclass
class Cell:
    """One initiative x outcome: its main brief, the robustness variants, and the per-pilot briefs."""

    main: Entry | None = None
    variants: list[Entry] = field(default_factory=list)
    pilots: list[Entry] = field(default_factory=list)


@dataclass
class EvidenceMap:
    """The cells of one map (real or synthetic), with its outcomes grouped by domain in the fixed order."""

    synthetic: bool
    initiatives: list[tuple[str, str]]                        # (key, name), by name
    rows: list[tuple[str, list[tuple[str, str]]]]              # (domain, [(outcome key, name)])
    cells: dict[tuple[str, str], Cell]                        # (outcome key, initiative key) -> cell

    @classmethod
    def build(cls, entries: Iterable[Entry], synthetic: bool) -> "EvidenceMap":
        """Arrange entries: one cell per initiative and outcome; variants and pilots as marks in it."""
        entries = list(entries)
        initiatives = sorted({(_key(e, "initiative"), str(e.get("initiative_name", ""))) for e in entries},
                             key=lambda k: (k[1].casefold(), k[0]))
        outcomes: dict[str, dict[str, str]] = {}
        for e in entries:
            outcomes.setdefault(domain_of(e), {})[_key(e, "indicator")] = str(e.get("indicator_name", ""))
        rows = [(d, sorted(outcomes[d].items(), key=lambda k: (k[1].casefold(), k[0])))
                for d in (*DOMAINS, OTHER) if d in outcomes]
        grouped: dict[tuple[str, str], list[Entry]] = {}
        for e in entries:
            grouped.setdefault((_key(e, "indicator"), _key(e, "initiative")), []).append(e)
        return cls(synthetic, initiatives, rows, {k: _cell(v) for k, v in grouped.items()})


def _cell(entries: list[Entry]) -> Cell:
    """Split one cell's entries: the plainest whole-initiative brief is the main one."""
    ordered = sorted(entries, key=lambda e: (_variation(e), str(e.get("href", ""))))
    whole = [e for e in ordered if not (e.get("parameters") or {}).get("pilot")]
    cell = Cell(main=whole[0] if whole else None, variants=whole[1:],
                pilots=[e for e in ordered if (e.get("parameters") or {}).get("pilot")])
    cell.variants.sort(key=lambda e: (variant_label(e, cell.main), str(e.get("href", ""))))
    cell.pilots.sort(key=lambda e: (str(e["parameters"]["pilot"]), str(e.get("href", ""))))
    return cell


def _variation(entry: Entry) -> int:
    """How far an entry's analysis is from the default: 0 for all eligible comparison areas and the
    default design (difference-in-differences)."""
    method = (entry.get("parameters") or {}).get("comparison_method")
    return int(method not in (None, "all")) + int(entry.get("design", "did") != "did")


# --- HTML ------------------------------------------------------------------------------------
LOCK_SYMBOL = (
    '<svg class="svg-defs" aria-hidden="true" focusable="false" width="0" height="0">'
    '<symbol id="padlock" viewBox="0 0 12 14"><path d="M3.2 6V4.2a2.8 2.8 0 0 1 5.6 0V6" fill="none" '
    'stroke-width="1.6"/><rect x="1" y="6" width="10" height="7.2" rx="1.2" stroke-width="1.2"/></symbol></svg>')


def padlocks(entry: Entry) -> str:
    """Five padlocks, the earned ones filled (drawn, hidden from screen readers) and the number in text."""
    level = strength(entry)
    if level is None:
        return '<span class="locks">not rated</span>'
    drawn = "".join(f'<use href="#padlock" x="{14 * i}" width="12" height="14" '
                    f'class="{"lock-on" if i < level else "lock-off"}"/>' for i in range(5))
    return (f'<span class="locks"><svg aria-hidden="true" focusable="false" width="68" height="14" '
            f'viewBox="0 0 68 14">{drawn}</svg> <span class="vh">Strength of evidence: </span>'
            f'{level} of 5</span>')


def map_section(evidence: EvidenceMap, anchor: str, heading: str, intro: str, filters: "Filters") -> str:
    """One map under its heading: the key, the table in a scroll wrapper, and its text equivalent."""
    kind = "synthetic" if evidence.synthetic else "real"
    caption = f"Evidence map, {heading.split(':')[0].lower()}: outcomes by initiative"
    head = "".join(f'<th scope="col" data-filter="initiative={filters.initiative(k)}">{esc(name)}</th>'
                   for k, name in evidence.initiatives)
    groups = []
    for domain, outcomes in evidence.rows:
        rows = [f'<tr><th scope="rowgroup" colspan="{len(evidence.initiatives) + 1}" class="domain">{esc(domain)}'
                "</th></tr>"]
        for key, name in outcomes:
            cells = "".join(_cell_html(evidence.cells.get((key, ini)), filters.initiative(ini), ini_name, name)
                            for ini, ini_name in evidence.initiatives)
            rows.append(f'<tr><th scope="row">{esc(name)}</th>{cells}</tr>')
        groups.append(f'<tbody data-filter="domain={filters.domain(domain)}">{"".join(rows)}</tbody>')
    table = (f'<table class="evidence-map"><caption>{esc(caption)}</caption><thead><tr><th scope="col">Outcome'
             f"</th>{head}</tr></thead>{''.join(groups)}</table>")
    return (f'<section aria-labelledby="{anchor}" data-filter="kind={kind}"><h2 id="{anchor}">{esc(heading)}</h2>'
            f"<p>{esc(intro)}</p>{scroll_wrap(table, caption)}{_as_list(evidence, heading, filters)}</section>")


def _cell_html(cell: Cell | None, initiative: str, initiative_name: str, outcome: str) -> str:
    """A cell: the main finding linked to its brief, its padlocks, then marks for the other analyses."""
    if cell is None:
        return f'<td data-filter="initiative={initiative}" class="empty">No brief</td>'
    parts = []
    if cell.main is not None:
        word = direction(cell.main)
        parts.append(
            f'<a class="finding" href="{esc(cell.main.get("href", ""))}"><span aria-hidden="true">{ARROWS[word]}'
            f"</span> {esc(word.capitalize())}<span class=\"vh\">: {esc(initiative_name)}, {esc(outcome)}</span></a>"
            f'<span class="size">{esc(size_text(cell.main))}</span>{padlocks(cell.main)}')
    else:
        parts.append('<span class="size">No brief on all pilots together</span>')
    marks = [(variant_label(v, cell.main), v) for v in cell.variants]
    pilots = [(f"{_pilot_label(p)} alone", p) for p in cell.pilots]
    if len(pilots) <= PILOTS_SHOWN_OPEN:
        marks += pilots
    if marks:
        parts.append('<ul class="marks">' + "".join(_mark(label, e) for label, e in marks) + "</ul>")
    if len(pilots) > PILOTS_SHOWN_OPEN:
        parts.append(f"<details><summary>{len(pilots)} pilots alone</summary><ul class=\"marks\">"
                     + "".join(_mark(label, e) for label, e in pilots) + "</ul></details>")
    return f'<td data-filter="initiative={initiative}">{"".join(parts)}</td>'


def _mark(label: str, entry: Entry) -> str:
    """A robustness or per-pilot mark: what differs, and its own direction and strength, linking to it."""
    word = direction(entry)
    level = strength(entry)
    return (f'<li><a href="{esc(entry.get("href", ""))}"><span aria-hidden="true">\u25c7 </span>{esc(label)}: '
            f'<span aria-hidden="true">{ARROWS[word]}'
            f"</span> {esc(word)}, {'not rated' if level is None else f'{level} of 5'}</a></li>")


def _as_list(evidence: EvidenceMap, heading: str, filters: "Filters") -> str:
    """The text equivalent of a map: every finding as a sentence, grouped by domain, in a collapsed list."""
    kind = "synthetic" if evidence.synthetic else "real"
    items, count = [], 0
    for domain, outcomes in evidence.rows:
        for key, outcome in outcomes:
            for ini, ini_name in evidence.initiatives:
                cell = evidence.cells.get((key, ini))
                if cell is None:
                    continue
                count += 1
                items.append(f'<li data-filter="kind={kind} domain={filters.domain(domain)} '
                             f'initiative={filters.initiative(ini)}">{_sentence(cell, ini_name, outcome, domain)}</li>')
    return (f'<details class="map-list"><summary>The map as a list ({count} finding{"s" * (count != 1)}, '
            f"{esc(heading.split(':')[0].lower())})</summary><ul>{''.join(items)}</ul></details>")


def _sentence(cell: Cell, initiative_name: str, outcome: str, domain: str) -> str:
    """One finding in words: what, where, which way, how much, how secure, and the other analyses."""
    lead = cell.main or (cell.pilots[0] if cell.pilots else {})
    flag = "[synthetic data] " if lead.get("synthetic") else ""
    text = f"{esc(flag)}{esc(initiative_name)}, {esc(outcome)} ({esc(domain)}): "
    if cell.main is not None:
        word = direction(cell.main)
        found = "no clear difference from what" if word == "no clear difference" else f"{word} than"
        text += (f"{found} the comparison areas' trend suggests; {esc(size_sentence(cell.main))}. Strength of "
                 f"evidence {esc(strength_text(cell.main))}. <a href=\"{esc(cell.main.get('href', ''))}\">"
                 f"Read the brief<span class=\"vh\"> on {esc(initiative_name)}, {esc(outcome)}</span></a>.")
    else:
        text += "no brief on all pilots together."
    others = [(variant_label(v, cell.main), v) for v in cell.variants]
    others += [(f"{_pilot_label(p)} alone", p) for p in cell.pilots]
    if others:
        text += " The same question answered another way: " + "; ".join(
            f'<a href="{esc(e.get("href", ""))}">{esc(label)}</a>: {esc(direction(e))}, '
            f"{esc(strength_text(e))}" for label, e in others) + "."
    return text


@dataclass
class Filters:
    """Short, safe filter values for domains and initiatives (never the names themselves)."""

    domains: list[str]
    initiatives: list[tuple[str, str]]

    @classmethod
    def build(cls, maps: Sequence[EvidenceMap]) -> "Filters":
        """The domains and initiatives present in any of the maps, in the maps' order."""
        domains = [d for d in (*DOMAINS, OTHER) if any(d == row[0] for m in maps for row in m.rows)]
        seen: dict[str, str] = {}
        for m in maps:
            for key, name in m.initiatives:
                seen.setdefault(key, name)
        return cls(domains, sorted(seen.items(), key=lambda k: (k[1].casefold(), k[0])))

    def domain(self, name: str) -> str:
        """The filter value of a domain, by its place in the fixed order: 'd1' (poverty) to 'd6' (other)."""
        return f"d{(*DOMAINS, OTHER).index(name) + 1}"

    def initiative(self, key: str) -> str:
        """The filter value of an initiative: 'i1'..."""
        return f"i{[k for k, _ in self.initiatives].index(key) + 1}"

    def controls(self, kinds: Sequence[str]) -> str:
        """Checkboxes for data kind, domain and initiative, hidden until the script shows them."""
        def group(legend: str, name: str, options: list[tuple[str, str]]) -> str:
            """One fieldset of ticked checkboxes."""
            boxes = "".join(f'<label><input type="checkbox" name="{name}" value="{value}" checked> {esc(text)}'
                            "</label>" for value, text in options)
            return f"<fieldset><legend>{esc(legend)}</legend>{boxes}</fieldset>"

        kind_names = {"real": "Real published data", "synthetic": "Synthetic data (method demonstrations)"}
        return ('<form id="map-filter" class="map-filter" hidden aria-label="Filter the evidence map">'
                + (group("Data", "kind", [(k, kind_names[k]) for k in kinds]) if len(kinds) > 1 else "")
                + group("Outcome domain", "domain", [(self.domain(d), d) for d in self.domains])
                + group("Initiative", "initiative", [(self.initiative(k), n) for k, n in self.initiatives])
                + '<p id="map-count" aria-live="polite"></p></form>')


# Shows the form, then hides every element whose data-filter values are not all ticked.
FILTER_SCRIPT = """<script id="map-filter-script">
(function () {
  var form = document.getElementById('map-filter');
  if (!form) return;
  form.hidden = false;
  form.addEventListener('change', function () {
    var on = {};
    form.querySelectorAll('input:checked').forEach(function (box) { on[box.name + '=' + box.value] = true; });
    document.querySelectorAll('[data-filter]').forEach(function (el) {
      el.hidden = !el.getAttribute('data-filter').split(' ').every(function (pair) {
        return on[pair] || !form.querySelector('input[name="' + pair.split('=')[0] + '"]');
      });
    });
    var shown = document.querySelectorAll('.map-list li:not([hidden])').length;
    document.getElementById('map-count').textContent = 'Showing ' + shown + ' finding' + (shown === 1 ? '' : 's') + '.';
  });
})();
</script>"""


def _key(entry: Entry, field_: str) -> str:
    """The id of an entry's initiative or indicator (its name where the record has no id)."""
    return str(entry.get(field_) or entry.get(f"{field_}_name") or "")


def _number(value: Any) -> float | None:
    """A finite float, or None."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _signed(x: float | None) -> str:
    """A signed number for reading (true minus sign): 2 significant figures under 10, else whole."""
    if x is None:
        return "?"
    digits = 2 if abs(x) < 1 else 1 if abs(x) < 10 else 0
    shown = f"{abs(x):,.{digits}f}"
    if float(shown.replace(",", "")) == 0:
        return shown
    return ("+" if x > 0 else MINUS) + shown


def _words(value: Any) -> str:
    """An id read as words: 'region_code' -> 'region code'."""
    return str(value).replace("_", " ")


def _pilot_label(record: dict) -> str:
    """How a one-pilot brief is named in a mark: its pilot's name, or its id in words."""
    return str(record.get("pilot_name") or f"pilot {_words(record['parameters']['pilot'])}")
