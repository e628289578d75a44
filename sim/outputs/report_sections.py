"""The parts every report shares: numbers and inputs in words, the uncertain effects with
their sources, what the model leaves out, and how to reproduce the results."""

from __future__ import annotations

import platform
from collections.abc import Iterable
from typing import Any

import pandas as pd

from sim import __version__
from sim.data.sources import effect_ranges, studies
from sim.outputs import labels, narrative
from sim.outputs.report_html import Cell, Section
from sim.scenario import Scenario

LIMITS = [
    "Each referral is one child: brothers and sisters, and families, are not followed "
    "together.",
    "Social workers are one pool: teams, managers and the distance between offices are not "
    "modelled, so any case holder can take any case. Cases waiting for a worker stand for "
    "cases held by managers.",
    "A child's time in care is one length of stay: court proceedings, placement moves, "
    "adoption and leaving care are not separate steps, and placements cost a weekly average "
    "per child (the scenario's unit costs), with no market for places.",
    "Early help acts only through referrals, after a lag; its own families and staff are not "
    "modelled.",
    "The quality of practice, Ofsted's judgements, and what happens to children (harm, "
    "education, health) are not modelled: the measures are the service's own.",
    "Uncertain effects are drawn from ranges set from published evidence (docs/evidence.md); "
    "effects outside those ranges, and shocks such as a pandemic, are not represented.",
    "Budgets do not respond to overspending, and pay and prices follow the scenario's "
    "inflation.",
]


# ------------------------------------------------------------------------- formatting
def fmt(metric: str, x: float, signed: bool = False, extra: int = 0) -> str:
    if pd.isna(x):
        return "–"
    m = labels.measure(metric)
    d = m.decimals + extra
    body = f"{abs(x):,.{d}f}"
    if float(body.replace(",", "")) == 0:  # never "−0.00"
        return "0"
    if signed:
        return ("−" if x < 0 else "+" if x > 0 else "") + body
    return ("−" if x < 0 else "") + body


def diff_cell(metric: str, r: pd.Series) -> Cell:
    if pd.isna(r.diff_mean):
        return Cell("–")
    small = max(abs(r.diff_mean), abs(r.diff_ci_high - r.diff_mean)) < 10 ** -labels.measure(
        metric).decimals * 10
    extra = 1 if small else 0
    clear = bool(r.diff_ci_low > 0 or r.diff_ci_high < 0)
    text = fmt(metric, r.diff_mean, True, extra) if r.diff_mean != 0 else "0"
    sub = (f"{fmt(metric, r.diff_ci_low, True, extra)} to "
           f"{fmt(metric, r.diff_ci_high, True, extra)}\nruns "
           f"{fmt(metric, r.diff_p05, True, extra)} to {fmt(metric, r.diff_p95, True, extra)}")
    return Cell(text, sub, "clear" if clear else "")


def value_words(x: Any, key: str = "") -> str:
    """An input's value for a reader; lists of changes one by one."""
    if isinstance(x, list):
        return "; ".join(value_words(v, key) for v in x) if x else "none"
    if isinstance(x, dict):
        if "dist" in x:
            return distribution_words(x)
        return ", ".join(f"{k.replace('_', ' ')} {value_words(v, k)}" for k, v in x.items())
    return labels.value(x, key)


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, dict) and d and "dist" not in d:
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: d}


def path_words(path: str) -> str:
    """'interventions.retention.annual_spend' -> 'Interventions › retention › annual spend'."""
    words = " › ".join(p.replace("_", " ") for p in path.split("."))
    return words[:1].upper() + words[1:]


def scenario_changes(base: Scenario, other: Scenario) -> list[str]:
    """What ``other`` sets differently from ``base``, one line per input."""
    skip = {"name", "description"}
    a = _flatten(base.model_dump(mode="json", exclude=skip))
    b = _flatten(other.model_dump(mode="json", exclude=skip))
    return [f"{path_words(k)}: {value_words(a.get(k), k)} → {value_words(b.get(k), k)}"
            for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def distribution_words(d: Any) -> str:
    """An uncertain effect's range in words."""
    if not isinstance(d, dict):
        return value_words(d)
    kind = d.get("dist")
    if kind == "triangular":
        low, high, mode = (value_words(d[k]) for k in ("low", "high", "mode"))
        return f"from {low} to {high}, most likely {mode}"
    if kind == "uniform":
        low, high = value_words(d["low"]), value_words(d["high"])
        return f"anywhere from {low} to {high}, all equally likely"
    if kind in ("normal", "lognormal", "gamma"):
        return f"around {value_words(d['mean'])} (standard deviation {value_words(d['sd'])})"
    # any other kind by its parameters (not value_words(d): that would come back here)
    return ", ".join(f"{k.replace('_', ' ')} {value_words(v, k)}" for k, v in d.items()
                     if k != "dist") or "none"


def value_at(scenario: Scenario, path: str) -> Any:
    node: Any = scenario.model_dump(mode="json")
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# ---------------------------------------------------------------------- shared sections
STRAIN_WORDS = {
    "thresholds": "thresholds tighten (more assessments end with no further action)",
    "agency": "agency staff are bought",
    "establishment": "posts are added the next year",
    "manager_holding": "managers hold waiting cases, which move on more slowly",
}


def strain_words(scenario: Scenario) -> str:
    """Which of the service's responses to strain the scenario has, in a sentence."""
    on = [w for name, w in STRAIN_WORDS.items() if scenario.strain.on(name)]
    if not on:
        return ("The service's responses to strain are switched off in this scenario, so "
                "extra work shows as cases waiting for a social worker rather than as "
                "tighter thresholds, agency staff or new posts.")
    return ("When the work per social worker rises, the service responds as councils' "
            "published figures show: " + narrative.join(on) + ".")


def assumptions_section(scenario: Scenario, uncertain: Iterable[str]) -> Section:
    s = Section("assumptions", "The assumptions that matter most")
    s.text("These effects are uncertain, so each run of the model draws its own value from "
           "the range below, and the spread of the results includes them. Each range comes "
           "from published figures for every English council and from the studies cited.")
    ranges, cited = effect_ranges(), studies()
    numbers: dict[str, int] = {}  # study id -> its number in the list of sources
    items = []
    wanted = set(uncertain)
    for p in [p for p in ranges if p in wanted] + sorted(wanted - set(ranges)):
        r = ranges.get(p, {})
        text = "Range: " + distribution_words(value_at(scenario, p)) + "."
        if r.get("reasoning"):
            text += " " + " ".join(str(r["reasoning"]).split())
        refs = [numbers.setdefault(i, len(numbers) + 1) for i in r.get("studies", [])
                if i in cited]
        if refs:
            text += " Sources: " + ", ".join(f"[{n}]" for n in refs) + "."
        items.append((labels.label(p), text))
    if items:
        s.definitions(items)
    s.text(strain_words(scenario))
    if numbers:
        s.heading("Sources")
        s.sources([" ".join(str(cited[i]["citation"]).split()) for i in numbers])
    return s


def limits_section(extra: list[str] | None = None) -> Section:
    s = Section("limits", "What the model does not represent")
    s.bullets(LIMITS + (extra or []))
    return s


def reproduce_section(commands: list[str], seed: int, replications: int,
                      version: str | None, python: str | None,
                      kept: str = "Each scenario as it was run, every input resolved, is in "
                                  "run.json in the results directory.") -> Section:
    s = Section("reproduce", "How to reproduce these results")
    s.text(f"With sim {version or __version__} (Python {python or platform.python_version()}), "
           f"seed {seed} and {replications} replications, these commands give the same "
           "numbers, to the last digit:")
    s.code("\n".join(commands))
    s.note(kept)
    return s


def years_words(fys: list[str]) -> str:
    return f"{fys[0]} to {fys[-1]}" if len(fys) > 1 else fys[0]


