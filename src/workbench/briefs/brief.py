"""An outcome brief: the sections a policy-maker reads, built from a panel and a result.

Each section is a method returning displayable HTML, so a template notebook shows them in order
and a researcher can show any one of them. `record()` emits the machine-readable summary that
the batch reads to build the index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

import workbench
from workbench.display import shorten
from workbench.analysis.multiplicity import adjust_headlines
from workbench.analysis.rating import EvidenceRating, rate
from workbench.analysis.results import ESTIMATE_COLUMNS, Result
from workbench.briefs import disclosure, text
from workbench.briefs.figures import Chart, trend_chart
from workbench.briefs.html import Html, bullet_list, definition_list, esc, table
from workbench.evidence import OutcomePanel, concurrent_programmes, initiatives, load, overlaps
from workbench.evidence.catalog import Catalog, default_catalog

RECORD_MIME = "application/vnd.workbench.brief+json"
REGISTERS = ("areas", "indicators", "initiatives")


@dataclass(frozen=True, eq=False, repr=False)
class OutcomeBrief:
    """Everything one brief says, derived from one panel and one fitted result."""

    panel: OutcomePanel
    result: Result
    parameters: dict[str, Any]
    catalog: Catalog
    outcomes: Mapping[str, Result] = field(default_factory=dict)
    not_analysed: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, panel: OutcomePanel, result: Result, parameters: dict[str, Any] | None = None,
              catalog: Catalog | None = None, outcomes: Mapping[str, Result] | None = None,
              not_analysed: Mapping[str, str] | None = None) -> "OutcomeBrief":
        """Assemble a brief; `parameters` are the notebook's parameters, shown in the footer.

        `outcomes` maps every indicator analysed for this initiative (this one included) to its
        result, so the brief can show them together with p-values adjusted for testing them all;
        `not_analysed` maps indicators of the family that could not be analysed to the reason.
        """
        params = parameters or {"initiative": panel.initiative.id, "indicator": panel.indicator.id}
        return cls(panel, result, dict(params), catalog if catalog is not None else default_catalog(),
                   dict(outcomes or {}), dict(not_analysed or {}))

    @cached_property
    def overlaps(self):
        """Other initiatives covering some of this brief's pilot or comparison areas."""
        return overlaps(self.panel, self.catalog)

    @cached_property
    def rating(self) -> EvidenceRating:
        """How strong the evidence is: Maryland SMS level and 0-5 strength, with the reasons."""
        comparison = self.result.sample.get("n_comparison_units") or 0
        pilots = self.result.sample.get("n_treated_units") or 0
        contaminated = len({a for o in self.overlaps for a in o.comparison_areas})
        start, end = self.result.sample.get("first_post_period"), self.result.sample.get("last_period")
        during = len({a for o in self.overlaps if _within(o.first_post_period, start, end) for a in o.pilot_areas})
        return rate(self.result, contamination=contaminated / comparison if comparison else None,
                    pilot_contamination=during / pilots if pilots else None)

    @cached_property
    def outcome_table(self) -> pd.DataFrame:
        """Every outcome's headline estimate with raw and Benjamini-Hochberg adjusted p-values."""
        return adjust_headlines(self.outcomes) if self.outcomes else pd.DataFrame()

    # --- the words -------------------------------------------------------------------------
    @property
    def headline(self) -> str:
        """The finding as a title."""
        return text.headline(self.result, self.panel.indicator, self.panel.initiative.name)

    @property
    def title(self) -> str:
        """The page title: headline, marked synthetic where the data are."""
        return f"{'[SYNTHETIC DATA] ' if self.panel.synthetic else ''}{self.headline}"

    def key_points(self) -> list[str]:
        """Three to five sentences: the estimate, its certainty, the trend check, the caveat."""
        points = [text.estimate_sentence(self.result, self.panel.indicator),
                  text.p_value_sentence(self.result),
                  text.rating_sentence(self.rating),
                  text.pre_trend_sentence(self.result, self.panel.indicator)]
        shared = [o for o in self.overlaps if o.pilot_areas]
        if shared:
            areas = {a for o in shared for a in o.pilot_areas}
            which = "; ".join(f"{o.initiative} from {o.first_post_period} ({len(o.pilot_areas)}"
                              + (", as neighbourhood pilots much smaller than the authority" if o.smaller_than_member
                                 else "") + ")" for o in shared)
            n = len(self.panel.pilot_areas)
            who = ("The pilot area was" if n == 1 else "All the pilot areas were" if len(areas) == n
                   else f"{len(areas)} of the {n} pilot areas were")
            points.append(f"{who} also in other initiatives ({which}), so the initiatives' effects on "
                          f"{'it' if n == 1 else 'them'} cannot be told apart.")
        if self.panel.synthetic:
            points.append("The data are synthetic: this brief demonstrates the method and says nothing "
                          f"about what {self.panel.initiative.name} achieved.")
        else:
            points.append(text.real_data_sentence(self.panel))
        return points

    # --- the sections ----------------------------------------------------------------------
    def banner(self) -> Html:
        """A banner saying whether the data are synthetic or real published statistics, and whose."""
        if not self.panel.synthetic:
            entry = self.panel.dataset
            publisher = entry.extra.get("publisher") or entry.source
            return Html(
                '<div class="real-data-banner" role="note" aria-label="Real published data">'
                f"<strong>Real published data.</strong> {esc(entry.title)}, published by {esc(publisher)}. "
                f"{esc(entry.extra.get('attribution') or entry.licence)}. How the series was prepared for "
                "this comparison, and the publisher's caveats, are under &ldquo;About the data&rdquo;.</div>")
        return Html(
            '<div class="synthetic-banner" role="note" aria-label="Synthetic data">'
            "<strong>Synthetic data.</strong> Every number in this brief was generated by the "
            "workbench's demo generator, with effects planted on purpose. The areas and initiatives are "
            f"real; the outcomes are not. Do not cite these results as evidence about "
            f"{esc(self.panel.initiative.name)}.</div>")

    def about_the_data(self) -> Html:
        """The data: real or synthetic, publisher, geography, periods, every preparation choice, caveats."""
        entry, prep = self.panel.dataset, self.panel.preparation
        facts = [("Data", f"{entry.title} ({'SYNTHETIC: generated, not evidence' if entry.synthetic else 'real, published'})"),
                 ("Publisher", entry.extra.get("publisher") or entry.source),
                 ("Licence", entry.licence), ("Geography", self.panel.footprint)]
        if prep is not None:
            facts += [("Periods", prep.period_words), ("Window", f"{prep.window[0]} to {prep.window[1]}")]
            facts += [("Break in the series", b.describe()) for b in prep.breaks]
        out = (f'<section aria-labelledby="about-data"><h2 id="about-data">About the data</h2>'
               + definition_list(facts))
        if prep is not None and prep.notes:
            out += (f"<details><summary>How the published series was prepared ({len(prep.notes)} "
                    f"choice{'s' * (len(prep.notes) != 1)})</summary>" + bullet_list(list(prep.notes)) + "</details>")
        caveats = entry.extra.get("caveats")
        if caveats:
            out += ("<details><summary>The publisher&rsquo;s caveats</summary>"
                    + "".join(f"<p>{esc(' '.join(p.split()))}</p>" for p in str(caveats).split("\n\n") if p.strip())
                    + "</details>")
        return Html(out + "</section>")

    def header(self) -> Html:
        """Title stated as the finding, what the brief is about, and the key points."""
        ind, ini = self.panel.indicator, self.panel.initiative
        return Html(
            f'<header class="brief-header"><p class="kicker">Evidence brief &middot; {esc(ini.name)} &middot; '
            f"{esc(ind.domain)}</p><h1>{esc(self.headline)}</h1></header>"
            f'<section class="key-points" aria-labelledby="key-points"><h2 id="key-points">Key points</h2>'
            f"{bullet_list(self.key_points())}</section>")

    def chart(self) -> Chart:
        """Pilot against comparison trends, with alt text and the data as a table."""
        ind, ini = self.panel.indicator, self.panel.initiative
        plot = self.result.plot_data()
        # disclosure control: a group mean resting on too few people (numerators) is not shown, in the
        # chart, its table, its CSV or this alt text (real series publish rates only: nothing to hide)
        bases = disclosure.mean_bases(self.panel.data, {
            "pilot": self.panel.pilot_areas,
            "comparison": self.result.sample.get("comparison_units") or self.panel.comparison_areas})
        shown = disclosure.hide_small_base_means(plot, bases)
        post = shown[shown["post"]]
        synthetic = " (synthetic data)" if self.panel.synthetic else ""
        last = (f" In {int(post['period'].iloc[-1])} pilot areas averaged {text.number(post['pilot'].iloc[-1])} "
                f"against {text.number(post['counterfactual'].iloc[-1])} had they followed the comparison trend."
                if len(post) and post[["pilot", "counterfactual"]].iloc[-1].notna().all() else "")
        alt = (f"Line chart{synthetic} of mean {ind.name.lower()} ({ind.unit}) in {ini.name} pilot areas and "
               f"comparison areas, {int(plot['period'].min())} to {int(plot['period'].max())}.{last} "
               f"{text.headline(self.result, ind, ini.name)}.")
        return trend_chart(
            plot, title=f"{ind.name}: pilot and comparison areas{synthetic}",
            subtitle=(f"Mean {ind.unit}, {self.panel.footprint}, England, "
                      f"{int(plot['period'].min())}-{int(plot['period'].max())}"
                      + ("" if self.panel.preparation is None else f" ({self.panel.preparation.period_words})")),
            alt=alt, value_label=ind.unit, first_post_period=self.result.sample["first_post_period"],
            csv_name=f"{ini.id}_{ind.id}.csv", synthetic=self.panel.synthetic,
            comparison_label=("Comparison areas in the pilots' regions" if self.result.spec.get("strata")
                              else "Comparison areas"),
            time_label=self.panel.time_label, period_labels=self.panel.period_labels, bases=bases)

    def findings(self) -> Html:
        """What we found: the estimate table and the chart."""
        tidy = self.result.tidy()[ESTIMATE_COLUMNS]
        tidy["term"] = "Difference after the initiative began (pilot minus expected)"
        level = round(self.result.confidence * 100)
        tidy["p_value"] = tidy["p_value"].map(text.p_value_text)
        tidy.columns = ["Estimate", "Value", "Standard error", f"{level}% CI low", f"{level}% CI high", "p-value"]
        shown = table(tidy, f"Difference-in-differences estimate, {self.panel.indicator.unit}",
                      formats={c: ".3f" for c in tidy.columns[1:5]}, row_header="Estimate")
        return Html(f'<section aria-labelledby="findings"><h2 id="findings">What we found</h2>'
                    f"<p>{esc(text.estimate_sentence(self.result, self.panel.indicator))}</p>"
                    f"{self.chart().html()}{shown}{self.other_outcomes().markup}</section>")

    def other_outcomes(self) -> Html:
        """All outcomes analysed for this initiative, raw p-values beside the adjusted ones."""
        if len(self.outcome_table) < 2 and not self.not_analysed:
            return Html("")                  # one outcome: nothing to adjust, and its table is above
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
            f"<h3>All outcomes analysed for {esc(self.panel.initiative.name)}</h3>"
            f"<p>{esc(text.multiplicity_sentence(self.outcome_table))}</p>"
            + table(shown, f"Estimates for every outcome, with p-values adjusted for testing {len(shown)} outcomes "
                    "(Benjamini-Hochberg)", formats={c: ".3f" for c in shown.columns[1:4]}, row_header="Outcome")
            + skipped)

    def what_was_done(self) -> Html:
        """The initiative, its pilots and member authorities, and the comparison group."""
        ini = self.panel.initiative
        names = self._area_names()
        pilots = pd.DataFrame([(p.name, ", ".join(names.get(c, c) for c in p.members), "; ".join(p.themes))
                               for p in ini.pilots], columns=["Pilot", "Member authorities", "Themes"])
        return Html(
            f'<section aria-labelledby="what-was-done"><h2 id="what-was-done">What was done, where and when</h2>'
            f"<p>{esc(ini.description)}</p>"
            f"<p>{esc(ini.name)} {_ran(ini)}. The analysis treats "
            f"{self.result.sample['first_post_period']} onwards as the period after it began, and compares "
            f"{self.result.sample['n_treated_units']} pilot authorities with {esc(self._comparison_text())}.</p>"
            f"<details><summary>The {len(ini.pilots)} pilot{'s' * (len(ini.pilots) != 1)} and their member "
            f"authorities</summary>{table(pilots, f'{ini.name} pilots and their member authorities', row_header='Pilot')}"
            "</details>"
            f"{self._comparison_list(names)}</section>")

    def _area_names(self) -> pd.Series:
        """Area code -> name: the area register's names, and the panel's own (its footprint's) on top."""
        names = load("areas", self.catalog).set_index("area_code")["name"]
        own = self.panel.data.drop_duplicates("area_code").set_index("area_code")["area_name"].dropna()
        return pd.concat([names[~names.index.isin(own.index)], own])

    def _comparison_text(self) -> str:
        strata = self.result.spec.get("strata")
        within = (f"; each pilot authority is compared only with authorities of its own "
                  f"{'region' if strata == 'region_code' else strata}, so that shocks shared within a "
                  "region do not count as effects" if strata else "")
        return self._comparison_group_text() + within

    def _comparison_group_text(self) -> str:
        sample = self.result.sample
        if "comparison_method" not in sample:
            return self.panel.comparison_rule
        chosen = sample["comparison_method"]
        text_ = (self.panel.comparison_rule if chosen == "all eligible areas"
                 else f"{sample['n_comparison_units']} comparison authorities chosen as {chosen}")
        excluded = sample.get("excluded_units") or {}
        return text_ + (f", leaving out {len(excluded)} authorities (listed below)" if excluded else "")

    def _comparison_list(self, names: pd.Series) -> str:
        units = self.result.sample.get("comparison_units") or []
        excluded = self.result.sample.get("excluded_units") or {}
        listed = ", ".join(sorted(names.get(c, c) for c in units))
        out = (f"<details><summary>The {len(units)} comparison authorities</summary><p>{esc(listed)}</p></details>"
               if units else "")
        if excluded:
            out += "<h3>Authorities left out of the comparison</h3>" + bullet_list(
                [f"{names.get(c, c)}: {reason}" for c, reason in sorted(excluded.items())])
        return out

    def how_secure(self) -> Html:
        """Design, the trend check, and the threats the reader should weigh."""
        ini = self.panel.initiative
        threats = [text.pre_trend_sentence(self.result, self.panel.indicator),
                   text.inference_sentence(self.result)]
        for o in self.overlaps:
            threats.append(
                f"{o.initiative} (from {o.first_post_period}) includes {len(o.pilot_areas)} of the pilot areas "
                f"and {len(o.comparison_areas)} of the comparison areas"
                + (" (as neighbourhood pilots, much smaller than the authorities they sit in, so an "
                   "authority-wide outcome dilutes their effect)." if o.smaller_than_member else "."))
        threats += [c.sentence() for c in concurrent_programmes(self.panel, self.catalog)]
        threats.append("Pilot areas chose, or were chosen, to take part; differences that were not "
                       "there before could still come from something else that changed in those places.")
        if ini.evaluation_note:
            threats.append(ini.evaluation_note)
        threats += [c.sentence() for c in ini.conflicts]
        rating = self.rating.to_dict()
        return Html(
            f'<section aria-labelledby="how-secure"><h2 id="how-secure">How secure is this?</h2>'
            f'<p class="rating"><strong>Strength of evidence: {rating["strength"]} out of 5 '
            f'({esc(rating["label"])}).</strong> {esc(rating["sms_label"])}.</p>'
            f"<p>Why this rating:</p>{bullet_list(rating['reasons'])}"
            f"<p>Design: {esc(self.result.method)}.</p>"
            f"<p>Threats to weigh:</p>{bullet_list(threats)}</section>")

    def footer(self) -> Html:
        """Where every number came from: parameters, input data digests, package version, sources."""
        entry = self.panel.dataset
        inputs = [(f"{entry.id} ({'synthetic' if entry.synthetic else 'real'})",
                   f"{entry.title}; sha256 {self.panel.digest}"
                   + (f"; {entry.extra['source_url']}" if entry.extra.get("source_url") else ""))]
        inputs += [(rid, f"{self.catalog[rid].title}; sha256 {self.catalog[rid].digest()}") for rid in REGISTERS]
        params = ", ".join(f"{k} = {v}" for k, v in self.parameters.items())
        sources = [f"{entry.id}: {entry.source}"] + [f"{self.panel.initiative.name}: {s}"
                                                     for s in self.panel.initiative.sources]
        kind = "synthetic demo data" if entry.synthetic else "real published data"
        return Html(
            '<footer class="provenance" aria-labelledby="provenance"><h2 id="provenance">Where these numbers come from</h2>'
            f"<p>{esc(entry.title)} ({kind}), sha256 {esc(self.panel.digest[:12])}&hellip;; workbench "
            f"{esc(workbench.__version__)}. The technical annex below (left out of print) lists the parameters, every "
            "input with its full digest, and the sources.</p>"
            "<details><summary>Technical annex: parameters, inputs and sources</summary>"
            + definition_list([("Parameters", params), ("Design", self.result.design),
                               ("Disclosure control", disclosure.rule_sentence()),
                               ("Workbench version", workbench.__version__)])
            + "<h3>Input data</h3>" + definition_list(inputs)
            + "<h3>Sources</h3>" + bullet_list(sources) + "</details></footer>")

    def record(self) -> dict[str, Any]:
        """The machine-readable summary of this brief (for the index and the manifest)."""
        e = self.result.main
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
            "unit": text.unit_phrase(self.panel.indicator),
            **self._baseline(),
            "design": self.result.design,
            "rating": self.rating.to_dict(),
            "p_adjusted": self._adjusted_p(),
            "parameters": self.parameters,
            "input_digest": self.panel.digest,
            "version": workbench.__version__,
        }

    def _baseline(self) -> dict[str, Any]:
        """The pilots' mean in the last period before the start (what the index sizes the estimate against),
        or None where the design's chart data have no pre-period pilot mean."""
        try:
            plot = self.result.plot_data()
            before = plot[~plot["post"].astype(bool)].sort_values("period")
            value, period = float(before["pilot"].iloc[-1]), before["period"].iloc[-1]
        except (KeyError, IndexError, TypeError, ValueError):
            return {"baseline": None, "baseline_period": None}
        if value != value:
            return {"baseline": None, "baseline_period": None}
        return {"baseline": value, "baseline_period": period.item() if hasattr(period, "item") else period}

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
        return [self.banner(), self.header(), self.findings(), self.how_secure(), self.what_was_done(),
                self.about_the_data(), self.footer()]

    def _repr_html_(self) -> str:
        return "".join(s.markup for s in self.sections())

    def __repr__(self) -> str:
        r = self.rating
        return (f"<OutcomeBrief {self.panel.initiative.id} x {self.panel.indicator.id}: "
                f"{shorten(self.title, 90)}; strength {r.strength} of 5, SMS {r.sms}>")


def _ran(ini) -> str:
    """'ran from June 2009 to February 2010', or 'began in July 2012' where no end date is recorded."""
    return f"ran from {ini.start:%B %Y} to {ini.end:%B %Y}" if ini.end else f"began in {ini.start:%B %Y}"


def _within(period, start, end) -> bool:
    """True when `period` falls in start..end (False when any of them is unknown)."""
    try:
        return start <= period <= end
    except TypeError:
        return False
