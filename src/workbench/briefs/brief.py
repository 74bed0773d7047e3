"""An outcome brief: the sections a policy-maker reads, built from a panel and a result.

Each section is a method returning displayable HTML, so a template notebook shows them in order
and a researcher can show any one of them. `record()` emits the machine-readable summary that
the batch reads to build the index.

The brief reads the result through its `DesignReport` (`analysis.report`), so it builds from any
design: did, event_study, staggered_did, synthetic_control or its. The reading order, for at most
four printed A4 pages: the finding (banner, headline, 3-4 key points), what was done, what we found
(outcomes chart and yearly-gap chart), how secure it is, does the answer change, cost and what was
claimed, then a technical annex collapsed on screen and left out of print.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

import workbench
from workbench.display import shorten
from workbench.analysis.multiplicity import adjust_headlines
from workbench.analysis.rating import EvidenceRating, rate
from workbench.analysis.report import DesignReport, report
from workbench.analysis.results import ESTIMATE_COLUMNS, Result
from workbench.briefs import claims, disclosure, text
from workbench.briefs.figures import Chart, gap_chart, trend_chart
from workbench.briefs.html import Html, bullet_list, definition_list, esc, padlocks, table
from workbench.evidence import OutcomePanel, concurrent_programmes, initiatives, load, overlaps
from workbench.evidence.catalog import Catalog, default_catalog

RECORD_MIME = "application/vnd.workbench.brief+json"
REGISTERS = ("areas", "indicators", "initiatives")
KEY_POINTS = 4          # at most this many key points


@dataclass(frozen=True, eq=False, repr=False)
class OutcomeBrief:
    """Everything one brief says, derived from one panel and one fitted result (of any design).

    `alternatives` are the same question answered another way (other comparison groups, other
    designs): objects with `label`, `result` (a Result, or None) and `reason` (why it could not be
    fitted), as `batch.robustness.alternatives` makes them.
    """

    panel: OutcomePanel
    result: Result
    parameters: dict[str, Any]
    catalog: Catalog
    outcomes: Mapping[str, Result] = field(default_factory=dict)
    not_analysed: Mapping[str, str] = field(default_factory=dict)
    alternatives: Sequence[Any] = ()

    @classmethod
    def build(cls, panel: OutcomePanel, result: Result, parameters: dict[str, Any] | None = None,
              catalog: Catalog | None = None, outcomes: Mapping[str, Result] | None = None,
              not_analysed: Mapping[str, str] | None = None, alternatives: Sequence[Any] = ()) -> "OutcomeBrief":
        """Assemble a brief; `parameters` are the notebook's parameters, shown in the annex.

        `outcomes` maps every indicator analysed for this initiative (this one included) to its
        result, so the brief can show them together with p-values adjusted for testing them all;
        `not_analysed` maps indicators of the family that could not be analysed to the reason;
        `alternatives` feed the "does the answer change?" table.
        """
        params = parameters or {"initiative": panel.initiative.id, "indicator": panel.indicator.id}
        return cls(panel, result, dict(params), catalog if catalog is not None else default_catalog(),
                   dict(outcomes or {}), dict(not_analysed or {}), tuple(alternatives))

    @cached_property
    def report(self) -> DesignReport:
        """What the design found, in the brief's terms (`analysis.report`)."""
        return report(self.result, self.panel.data)

    @cached_property
    def alternative_reports(self) -> tuple[DesignReport | None, ...]:
        """Each alternative's `DesignReport` (None where it could not be fitted), made once."""
        return tuple(None if a.result is None else report(a.result, self.panel.data) for a in self.alternatives)

    @cached_property
    def overlaps(self):
        """Other initiatives covering some of this brief's pilot or comparison areas."""
        return overlaps(self.panel, self.catalog)

    @cached_property
    def rating(self) -> EvidenceRating:
        """How strong the evidence is: Maryland SMS level and 0-5 strength, with the reasons."""
        rep = self.report
        comparison_units = set(self.result.sample.get("comparison_units") or ())
        contaminated = len({a for o in self.overlaps for a in o.comparison_areas
                            if not comparison_units or a in comparison_units})
        start, end = rep.first_post_period, rep.last_period
        during = len({a for o in self.overlaps if _within(o.first_post_period, start, end) for a in o.pilot_areas})
        return rate(rep, contamination=contaminated / rep.n_comparison if rep.n_comparison else None,
                    pilot_contamination=during / rep.n_treated if rep.n_treated else None)

    @cached_property
    def outcome_table(self) -> pd.DataFrame:
        """Every outcome's headline estimate with raw and Benjamini-Hochberg adjusted p-values."""
        return adjust_headlines(self.outcomes) if self.outcomes else pd.DataFrame()

    # --- the words -------------------------------------------------------------------------
    @property
    def headline(self) -> str:
        """The finding as a title of at most 20 words, with its size relative to the pilots' baseline."""
        return text.headline(self.report, self.panel.indicator, self.panel.initiative.short,
                             causal=self.rating.comparability_shown)

    @property
    def title(self) -> str:
        """The page title: headline, marked synthetic where the data are."""
        return f"{'[SYNTHETIC DATA] ' if self.panel.synthetic else ''}{self.headline}"

    def key_points(self) -> list[str]:
        """Three or four sentences: the estimate, how secure, what would overturn it, the main caveat."""
        rep, ind = self.report, self.panel.indicator
        first = " ".join(w for w in (text.estimate_sentence(rep, ind), text.rules_out_sentence(rep, ind)) if w)
        overturn = text.overturn_sentence(rep, ind)
        points = [first, text.rating_sentence(self.rating, said=("S6",) if overturn else ()),
                  overturn or text.pre_trend_sentence(rep, ind)]
        if self.panel.synthetic:
            points.append("The data are synthetic: this brief demonstrates the method and says nothing "
                          f"about what {self.panel.initiative.name} achieved.")
        elif self._shared_pilots():
            points.append(self._shared_pilots())
        else:
            points.append(text.real_data_sentence(self.panel))
        return points[:KEY_POINTS]

    def _shared_pilots(self) -> str:
        shared = [o for o in self.overlaps if o.pilot_areas]
        if not shared:
            return ""
        areas = {a for o in shared for a in o.pilot_areas}
        which = "; ".join(f"{o.initiative} from {o.first_post_period} ({len(o.pilot_areas)}"
                          + (", as neighbourhood pilots much smaller than the authority" if o.smaller_than_member
                             else "") + ")" for o in shared)
        n = len(self.panel.pilot_areas)
        who = ("The pilot area was" if n == 1 else "All the pilot areas were" if len(areas) == n
               else f"{len(areas)} of the {n} pilot areas were")
        return (f"{who} also in other initiatives ({which}), so the initiatives' effects on "
                f"{'it' if n == 1 else 'them'} cannot be told apart.")

    # --- the sections ----------------------------------------------------------------------
    def banner(self) -> Html:
        """A banner saying whether the data are synthetic or real published statistics, and whose."""
        if not self.panel.synthetic:
            entry = self.panel.dataset
            publisher = entry.extra.get("publisher") or entry.source
            return Html(
                '<div class="real-data-banner" role="note" aria-label="Real published data">'
                f"<strong>Real published data.</strong> {esc(entry.title)}, published by {esc(publisher)}. "
                f"{esc(entry.extra.get('attribution') or entry.licence)}. How the series was prepared, and the "
                "publisher's caveats, are in the technical annex.</div>")
        return Html(
            '<div class="synthetic-banner" role="note" aria-label="Synthetic data">'
            "<strong>Synthetic data.</strong> Every number in this brief was generated by the "
            "workbench's demo generator, with effects planted on purpose. The areas and initiatives are "
            f"real; the outcomes are not. Do not cite these results as evidence about "
            f"{esc(self.panel.initiative.name)}.</div>")

    def header(self) -> Html:
        """Title stated as the finding, what the brief is about, and the key points."""
        ind, ini = self.panel.indicator, self.panel.initiative
        return Html(
            f'<header class="brief-header"><p class="kicker">Evidence brief &middot; {esc(ini.name)} &middot; '
            f"{esc(ind.domain)}</p><h1>{esc(self.headline)}</h1>"
            f'<p class="rating-line">{padlocks(self.rating.strength)} <span>strength of evidence '
            f"({esc(self.rating.label)})</span></p></header>"
            f'<section class="key-points" aria-labelledby="key-points"><h2 id="key-points">Key points</h2>'
            f"{bullet_list(self.key_points())}</section>")

    def what_was_done(self) -> Html:
        """The initiative, who took part by sector, when, and what the pilots are compared with."""
        ini, rep = self.panel.initiative, self.report
        names = self._area_names()
        pilots = pd.DataFrame([(p.name, ", ".join(names.get(c, c) for c in p.members), "; ".join(p.themes))
                               for p in ini.pilots], columns=["Pilot", "Member authorities", "Themes"])
        return Html(
            f'<section aria-labelledby="what-was-done"><h2 id="what-was-done">What was done, where and by whom</h2>'
            f"<p>{esc(ini.description)} {esc(ini.name)} {_ran(ini)}.</p>"
            f"<p>{esc(claims.partners_sentence(ini))}</p>"
            f"<p>This brief treats {esc(rep.first_post_period)} onwards as the period after it began, and sets "
            f"{rep.n_treated} pilot area{'s' * (rep.n_treated != 1)} against {esc(self._comparison_text())}.</p>"
            f"<details><summary>The {len(ini.pilots)} pilot{'s' * (len(ini.pilots) != 1)} and their member "
            f"authorities</summary>{table(pilots, f'{ini.name} pilots and their member authorities', row_header='Pilot')}"
            "</details></section>")

    def findings(self) -> Html:
        """What we found: what was estimated, how clear it is, the outcomes chart and the yearly gap."""
        rep, ind = self.report, self.panel.indicator
        # the real-data sentence, where the key points gave its place to the shared pilots
        real = text.real_data_sentence(self.panel) if not self.panel.synthetic and self._shared_pilots() else ""
        words = [real, f"The {_lower_first(rep.design_name)} estimates {rep.estimand}.", text.p_value_sentence(rep)]
        gap = self.gap_chart()
        return Html(f'<section aria-labelledby="findings"><h2 id="findings">What we found</h2>'
                    f"<p>{esc(' '.join(w for w in words if w))}</p>"
                    f"{self.chart().html()}"
                    + (gap.html() if gap is not None else
                       "<p>This design gives no yearly estimates with intervals, so no chart of the yearly gap is shown.</p>")
                    + "</section>")

    def chart(self) -> Chart:
        """Pilot against comparison (or counterfactual) means per period, with alt text and the data as a table."""
        ind, ini, rep = self.panel.indicator, self.panel.initiative, self.report
        plot = rep.series
        # disclosure control: a group mean resting on too few people (numerators) is not shown, in the
        # chart, its table, its CSV or this alt text (real series publish rates only: nothing to hide)
        bases = disclosure.mean_bases(self.panel.data, {
            "pilot": self.panel.pilot_areas,
            "comparison": self.result.sample.get("comparison_units") or self.panel.comparison_areas})
        shown = disclosure.hide_small_base_means(plot, bases)
        post = shown[shown["post"].astype(bool)]
        synthetic = " (synthetic data)" if self.panel.synthetic else ""
        path = post["counterfactual"].fillna(post["comparison"])    # a synthetic control's path is its comparison
        last = (f" In {self._label(post['period'].iloc[-1])} pilot areas averaged {text.number(post['pilot'].iloc[-1])} "
                f"against {text.number(path.iloc[-1])} on the path they would otherwise have followed."
                if len(post) and pd.notna(post["pilot"].iloc[-1]) and pd.notna(path.iloc[-1]) else "")
        against = rep.comparison_label.lower() or "their own earlier trend"
        alt = (f"Line chart{synthetic} of mean {ind.name.lower()} ({ind.unit}) in {ini.name} pilot areas and "
               f"{against}, {self._label(plot['period'].min())} to {self._label(plot['period'].max())}.{last} "
               f"{self.headline}.")
        return trend_chart(
            plot, title=f"{ind.name}: pilot areas and {against}{synthetic}",
            subtitle=(f"Mean {ind.unit}, {self.panel.footprint}, England, "
                      f"{int(plot['period'].min())}-{int(plot['period'].max())}"
                      + ("" if self.panel.preparation is None else f" ({self.panel.preparation.period_words})")),
            alt=alt, value_label=ind.unit, first_post_period=rep.first_post_period,
            csv_name=f"{ini.id}_{ind.id}.csv", synthetic=self.panel.synthetic,
            comparison_label=self._comparison_label(), counterfactual_label=rep.counterfactual_label,
            time_label=self.panel.time_label, period_labels=self.panel.period_labels, bases=bases)

    def _comparison_label(self) -> str:
        label = self.report.comparison_label
        if label == "Comparison areas" and self.result.spec.get("strata"):
            return "Comparison areas (weighted to the pilots' regions)"
        return label

    def yearly_effects(self) -> tuple[pd.DataFrame, str] | None:
        """The yearly gap with intervals: this design's own, else an event study of the same question
        among the alternatives; with a note on what it is measured against. None if neither has them."""
        if self.report.yearly_with_intervals:
            return self.report.effects, self.report.effects_note
        for alt, other in zip(self.alternatives, self.alternative_reports):
            if (other is not None and other.design == "event_study" and other.yearly_with_intervals
                    and getattr(alt, "changes", "design") == "design"):
                return other.effects, f"{other.effects_note}, from an event study of the same data"
        return None

    def gap_chart(self) -> Chart | None:
        """The yearly gap between pilot and comparison areas with its 95% band (None where no design has one)."""
        found = self.yearly_effects()
        if found is None:
            return None
        effects, note = found
        frame = effects.dropna(subset=["period"])
        if frame.empty:
            return None
        ind, ini, rep = self.panel.indicator, self.panel.initiative, self.report
        level = round(rep.confidence * 100)
        synthetic = " (synthetic data)" if self.panel.synthetic else ""
        post = frame[frame["post"].astype(bool)]
        clear_years = int(((post["ci_low"] > 0) | (post["ci_high"] < 0)).sum())
        alt = (f"Chart{synthetic} of the gap each period between {ini.name} pilot areas and comparison areas in "
               f"{ind.name.lower()} ({ind.unit}), {note}, with its {level}% confidence band. After the start the band "
               f"excludes zero in {clear_years} of {len(post)} periods.")
        return gap_chart(frame[["period", "estimate", "ci_low", "ci_high"]],
                         title=f"{ind.name}: the gap each year, with its {level}% confidence band{synthetic}",
                         subtitle=f"{ind.unit}; {note}", alt=alt, value_label=ind.unit,
                         first_post_period=rep.first_post_period, csv_name=f"{ini.id}_{ind.id}_yearly_gap.csv",
                         synthetic=self.panel.synthetic, confidence=rep.confidence,
                         time_label=self.panel.time_label, period_labels=self.panel.period_labels)

    def how_secure(self) -> Html:
        """The rating (padlocks and one plain sentence per reason), what would overturn it, the threats."""
        rep, ind = self.report, self.panel.indicator
        threats = [text.pre_trend_sentence(rep, ind, overturn=False), text.inference_sentence(rep)]
        if self.overlaps:
            threats.append("Other initiatives covered some of the same places: " + "; ".join(
                f"{o.initiative} (from {o.first_post_period}) {len(o.pilot_areas)} pilot and "
                f"{len(o.comparison_areas)} comparison areas"
                + (", as neighbourhood pilots much smaller than their authorities (an authority-wide outcome "
                   "dilutes their effect)" if o.smaller_than_member else "") for o in self.overlaps) + ".")
        threats += [c.sentence() for c in concurrent_programmes(self.panel, self.catalog)]
        threats.append("Pilot areas chose, or were chosen, to take part; differences that were not "
                       "there before could still come from something else that changed in those places.")
        ini = self.panel.initiative
        if ini.evaluation_note:
            threats.append(ini.evaluation_note)
        threats += [c.sentence() for c in ini.conflicts]
        r = self.rating
        return Html(
            f'<section aria-labelledby="how-secure"><h2 id="how-secure">How secure is this?</h2>'
            f'<p class="rating">{padlocks(r.strength)} <strong>Strength of evidence: {esc(r.label)}.</strong></p>'
            f"<p>Why:</p>{bullet_list([x.sentence for x in r.reasons])}"
            f"<p>What else to weigh:</p>{bullet_list(threats)}</section>")

    def answer_changes(self) -> Html:
        """"Does the answer change?": the same question under other comparison groups and designs, one table."""
        if not self.alternatives:
            return Html("")
        level = round(self.report.confidence * 100)
        rows = [("This brief: " + _lower_first(self.report.design_name) + ", " + self._comparison_group_text(),
                 self._estimate_cell(self.report), "")]
        same = 0
        fitted = 0
        for alt, other in zip(self.alternatives, self.alternative_reports):
            if other is None:
                rows.append((alt.label, "could not be run", str(alt.reason or "")))
                continue
            verdict, agrees = self._verdict(other)
            same += agrees
            fitted += 1
            rows.append((alt.label, self._estimate_cell(other), verdict))
        frame = pd.DataFrame(rows, columns=["Analysis", f"Estimate ({level}% interval, or placebo p-value)",
                                            "Same answer?"])
        summary = (f"The same question was asked {fitted} other way{'s' * (fitted != 1)}: {same} give the same answer "
                   "(a clear difference in the same direction, or no clear difference). Different methods lean on "
                   "different assumptions; where they disagree the finding depends on which assumption holds.")
        return Html(f'<section aria-labelledby="answer-changes"><h2 id="answer-changes">Does the answer change?</h2>'
                    f"<p>{esc(summary)}</p>"
                    + table(frame, f"{self.panel.indicator.name}: the headline estimate under other comparison "
                            f"groups and designs ({text.unit_phrase(self.panel.indicator)})", row_header="Analysis")
                    + "</section>")

    def _estimate_cell(self, rep: DesignReport) -> str:
        e = rep.headline
        if rep.has_interval:
            return f"{e.estimate:+.2f} ({e.ci_low:+.2f} to {e.ci_high:+.2f})"
        return f"{e.estimate:+.2f} (placebo p = {text.p_value_text(e.p_value)})"

    def _verdict(self, other: DesignReport) -> tuple[str, bool]:
        """How another analysis's answer compares with this brief's, in words; and whether it is the same."""
        main = self.report
        same_sign = (other.headline.estimate < 0) == (main.headline.estimate < 0)
        if main.clear and other.clear:
            return ("Yes: a clear difference, same direction", True) if same_sign else \
                ("No: a clear difference the other way", False)
        if main.clear:
            return "Weaker: no clear difference", False
        if other.clear:
            return f"No: a clear difference ({text.direction(other.headline.estimate)})", False
        return "Yes: no clear difference", True

    def cost_and_claims(self) -> Html:
        """What the initiative cost and what others claimed for it (the published-findings register)."""
        pilot = self.panel.initiative.pilots[0].name if self.parameters.get("pilot") else None
        return claims.cost_and_claims(self.panel.initiative.id, self.catalog, pilot_name=pilot)

    def annex(self) -> Html:
        """The technical annex, collapsed on screen and left out of print: method, inference, estimate
        tables, the rating's rules, the data and how it was prepared, sources with digests, parameters."""
        entry, rep = self.panel.dataset, self.report
        tidy = self.result.tidy()[ESTIMATE_COLUMNS].head(12)
        level = round(self.result.confidence * 100)
        tidy["p_value"] = tidy["p_value"].map(text.p_value_text)
        tidy.columns = ["Term", "Estimate", "Standard error", f"{level}% CI low", f"{level}% CI high", "p-value"]
        estimates = table(tidy, f"{rep.design_name} estimates, {self.panel.indicator.unit}",
                          formats={c: ".3f" for c in tidy.columns[1:5]}, row_header="Term")
        r = self.rating
        rules = bullet_list([x.annex() for x in r.reasons] + [r.to_dict()["sms_label"]])
        inputs = [(f"{entry.id} ({'synthetic' if entry.synthetic else 'real'})",
                   f"{entry.title}; sha256 {self.panel.digest}"
                   + (f"; {entry.extra['source_url']}" if entry.extra.get("source_url") else ""))]
        inputs += [(rid, f"{self.catalog[rid].title}; sha256 {self.catalog[rid].digest()}") for rid in REGISTERS]
        params = ", ".join(f"{k} = {v}" for k, v in self.parameters.items())
        sources = [f"{entry.id}: {entry.source}"] + [f"{self.panel.initiative.name}: {s}"
                                                     for s in self.panel.initiative.sources]
        return Html(
            '<section class="annex" aria-labelledby="annex"><h2 id="annex">Technical annex</h2>'
            "<p>Method, estimates, data preparation and sources; collapsed here and left out of print.</p>"
            "<details><summary>Method and inference</summary>"
            + definition_list([("Design", rep.design_name), ("What it estimates", rep.estimand),
                               ("Method", self.result.method), ("Inference", rep.inference),
                               ("Diagnostics", ", ".join(f"{k.replace('_', ' ')} = {v:.4g}" if isinstance(v, float)
                                                         else f"{k.replace('_', ' ')} = {v}"
                                                         for k, v in rep.diagnostics.to_dict().items()
                                                         if v not in (None, "") and k != "trends"))])
            + estimates + "</details>"
            + "<details><summary>How the rating was reached (rule codes)</summary>" + rules + "</details>"
            + self.other_outcomes().markup
            + self.about_the_data().markup
            + self._comparison_details()
            + "<details><summary>Parameters, inputs with their digests, sources, versions</summary>"
            + definition_list([("Parameters", params), ("Design", self.result.design),
                               ("Disclosure control", disclosure.rule_sentence()),
                               ("Workbench version", workbench.__version__)])
            + "<h3>Input data</h3>" + definition_list(inputs)
            + "<h3>Sources</h3>" + bullet_list(sources) + "</details></section>")

    def other_outcomes(self) -> Html:
        """All outcomes analysed for this initiative, raw p-values beside the adjusted ones."""
        if len(self.outcome_table) < 2 and not self.not_analysed:
            return Html("")                  # one outcome: nothing to adjust
        names = load("indicators", self.catalog).set_index("indicator")["name"]
        shown = self.outcome_table.assign(outcome=lambda t: t["outcome"].map(lambda i: names.get(i, i)))
        shown = shown[["outcome", "estimate", "ci_low", "ci_high", "p_value", "p_adjusted"]]
        for column in ("p_value", "p_adjusted"):
            shown[column] = shown[column].map(text.p_value_text)
        level = round(self.result.confidence * 100)
        shown.columns = ["Outcome", "Estimate", f"{level}% CI low", f"{level}% CI high", "p-value",
                         "p-value adjusted for all outcomes"]
        skipped = ""
        if self.not_analysed:
            skipped = "<p>Not analysed for this initiative:</p>" + bullet_list(
                [f"{names.get(i, i)}: {why}" for i, why in sorted(self.not_analysed.items())])
        return Html(
            f"<details><summary>All outcomes analysed for {esc(self.panel.initiative.name)}</summary>"
            f"<p>{esc(text.multiplicity_sentence(self.outcome_table))}</p>"
            + table(shown, f"Estimates for every outcome, with p-values adjusted for testing {len(shown)} outcomes "
                    "(Benjamini-Hochberg)", formats={c: ".3f" for c in shown.columns[1:4]}, row_header="Outcome")
            + skipped + "</details>")

    def about_the_data(self) -> Html:
        """The data: real or synthetic, publisher, geography, periods, every preparation choice, caveats."""
        entry, prep = self.panel.dataset, self.panel.preparation
        facts = [("Data", f"{entry.title} ({'SYNTHETIC: generated, not evidence' if entry.synthetic else 'real, published'})"),
                 ("Publisher", entry.extra.get("publisher") or entry.source),
                 ("Licence", entry.licence), ("Geography", self.panel.footprint)]
        if prep is not None:
            facts += [("Periods", prep.period_words), ("Window", f"{prep.window[0]} to {prep.window[1]}")]
            facts += [("Break in the series", b.describe()) for b in prep.breaks]
        out = "<details><summary>About the data: geography, periods and harmonisation</summary>" + definition_list(facts)
        if prep is not None and prep.notes:
            out += (f"<h3>How the published series was prepared ({len(prep.notes)} "
                    f"choice{'s' * (len(prep.notes) != 1)})</h3>" + bullet_list(list(prep.notes)))
        caveats = entry.extra.get("caveats")
        if caveats:
            out += ("<h3>The publisher&rsquo;s caveats</h3>"
                    + "".join(f"<p>{esc(' '.join(p.split()))}</p>" for p in str(caveats).split("\n\n") if p.strip()))
        return Html(out + "</details>")

    def footer(self) -> Html:
        """Where the numbers came from, in one paragraph (the full list is in the annex)."""
        entry = self.panel.dataset
        kind = "synthetic demo data" if entry.synthetic else "real published data"
        return Html(
            '<footer class="provenance" aria-labelledby="provenance"><h2 id="provenance">Where these numbers come from</h2>'
            f"<p>{esc(entry.title)} ({kind}), sha256 {esc(self.panel.digest[:12])}&hellip;; workbench "
            f"{esc(workbench.__version__)}. The technical annex lists the parameters, every input with its full "
            "digest, and the sources.</p></footer>")

    def _area_names(self) -> pd.Series:
        """Area code -> name: the area register's names, and the panel's own (its footprint's) on top."""
        names = load("areas", self.catalog).set_index("area_code")["name"]
        own = self.panel.data.drop_duplicates("area_code").set_index("area_code")["area_name"].dropna()
        return pd.concat([names[~names.index.isin(own.index)], own])

    def _comparison_text(self) -> str:
        strata = self.result.spec.get("strata")
        if not strata or not self.report.diagnostics.comparison_group or strata not in self.panel.data:
            return self._comparison_group_text()
        data = self.panel.data.drop_duplicates("area_code").set_index("area_code")[strata]
        pilot_strata = set(data.reindex(list(self.panel.pilot_areas)).dropna())
        units = self.result.sample.get("comparison_units") or []
        sharing = sum(1 for u in units if data.get(u) in pilot_strata)
        kind = "region" if strata == "region_code" else strata
        return (self._comparison_group_text() + f"; changes over time are compared within each {kind}, so in effect "
                f"each pilot is set against the {sharing} of the {len(units)} comparison authorities that share a "
                f"{kind} with a pilot, and shocks shared within a {kind} do not count as effects")

    def _comparison_group_text(self) -> str:
        sample = self.result.sample
        if not self.report.diagnostics.comparison_group:
            return "their own trend before the start (no comparison group)"
        if "comparison_method" not in sample:
            return self.panel.comparison_rule
        chosen = sample["comparison_method"]
        text_ = (self.panel.comparison_rule if chosen == "all eligible areas"
                 else f"{sample['n_comparison_units']} comparison authorities chosen as {chosen}")
        excluded = sample.get("excluded_units") or {}
        return text_ + (f", leaving out {len(excluded)} authorities (listed in the annex)" if excluded else "")

    def _comparison_details(self) -> str:
        names = self._area_names()
        units = self.result.sample.get("comparison_units") or []
        excluded = self.result.sample.get("excluded_units") or {}
        if not units and not excluded:
            return ""
        out = "<details><summary>The comparison authorities</summary>"
        if units:
            out += f"<p>{esc(', '.join(sorted(names.get(c, c) for c in units)))}</p>"
        if excluded:
            out += "<h3>Authorities left out of the comparison</h3>" + bullet_list(
                [f"{names.get(c, c)}: {reason}" for c, reason in sorted(excluded.items())])
        return out + "</details>"

    def _label(self, period) -> str:
        labels = self.panel.period_labels or {}
        return str(labels.get(period, int(period) if float(period).is_integer() else period))

    def record(self) -> dict[str, Any]:
        """The machine-readable summary of this brief (for the index and the manifest)."""
        rep = self.report
        e = rep.headline
        base = rep.baseline
        return {
            "title": self.title,
            "headline": self.headline,
            "initiative": self.panel.initiative.id,
            "initiative_name": self._initiative_name(),
            "pilot": self.parameters.get("pilot"),
            "pilot_name": self.panel.initiative.pilots[0].name if self.parameters.get("pilot") else None,
            "indicator": self.panel.indicator.id,
            "indicator_name": self.panel.indicator.name,
            "domain": self.panel.indicator.domain,
            "synthetic": self.panel.synthetic,
            "dataset": self.panel.dataset.id,
            "publisher": self.panel.dataset.extra.get("publisher"),
            "geography": self.panel.footprint,
            "window": list(self.panel.preparation.window) if self.panel.preparation is not None else None,
            "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high, "p_value": e.p_value,
            "clear": rep.clear,
            "unit": text.unit_phrase(self.panel.indicator),
            "baseline": base[0] if base else None, "baseline_period": base[1] if base else None,
            "design": self.result.design,
            "rating": self.rating.to_dict(),
            "p_adjusted": self._adjusted_p(),
            "alternatives": [{"label": a.label, "design": None if r is None else r.design,
                              "estimate": None if r is None else r.headline.estimate, "reason": a.reason}
                             for a, r in zip(self.alternatives, self.alternative_reports)],
            "parameters": self.parameters,
            "input_digest": self.panel.digest,
            "version": workbench.__version__,
        }

    def _initiative_name(self) -> str:
        """The initiative's own name (a one-pilot panel's initiative is named "Initiative: Pilot")."""
        registry = initiatives(self.catalog)
        return registry[self.panel.initiative.id].name if self.panel.initiative.id in registry else self.panel.initiative.name

    def _adjusted_p(self) -> float | None:
        if self.outcome_table.empty:
            return None
        row = self.outcome_table[self.outcome_table["outcome"] == self.panel.indicator.id]
        return float(row["p_adjusted"].iloc[0]) if len(row) else None

    def emit_record(self) -> None:
        """Display the record under its own MIME type; the HTML export skips it, the batch reads it."""
        from IPython.display import display

        display({RECORD_MIME: self.record(), "text/plain": f"brief record: {self.title}"}, raw=True)

    def sections(self) -> list[Html]:
        """Every section in reading order."""
        return [self.banner(), self.header(), self.what_was_done(), self.findings(), self.how_secure(),
                self.answer_changes(), self.cost_and_claims(), self.annex(), self.footer()]

    def _repr_html_(self) -> str:
        return "".join(s.markup for s in self.sections())

    def __repr__(self) -> str:
        r = self.rating
        return (f"<OutcomeBrief {self.panel.initiative.id} x {self.panel.indicator.id}: "
                f"{shorten(self.title, 90)}; strength {r.strength} of 5, SMS {r.sms}>")


def _ran(ini) -> str:
    """'ran from June 2009 to February 2010', or 'began in July 2012' where no end date is recorded."""
    return f"ran from {ini.start:%B %Y} to {ini.end:%B %Y}" if ini.end else f"began in {ini.start:%B %Y}"


def _lower_first(name: str) -> str:
    """'event study' from 'Event study', keeping the capitals of names inside ('Callaway and Sant'Anna')."""
    return name[:1].lower() + name[1:]


def _within(period, start, end) -> bool:
    """True when `period` falls in start..end (False when any of them is unknown)."""
    try:
        return start <= period <= end
    except TypeError:
        return False
