"""The page, laid out with Streamlit: the council, its state and outlook, the levers, and a
run's results and downloads. Everything it shows is computed elsewhere (``views``,
``jobs``, ``session``); a session's runs and results live in its own session state.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from sim.app import settings, sources, views
from sim.app.jobs import Job, Service, key_for
from sim.app.levers import MAX_REPLICATIONS, STRAIN_RESPONSES, Levers, levers_from
from sim.app.session import MILLION, Started, read_levers, start_comparison
from sim.app.sources import Source
from sim.scenario import ScenarioError

LEVER_KEYS = ("retention_m", "retention_start", "retention_end", "hr_low", "hr_high",
              "early_help", "posts_change", "posts_date", "cap_experienced",
              "cap_newly_qualified", "cap_agency", "caps_date", "agency_cover",
              "agency_additional", "campaign_on", "campaign_start", "campaign_end",
              "campaign_fill", "campaign_speed", "recruits_on", "recruits_number",
              "recruits_date", "recruits_cost", *[f"strain_{k}" for k in STRAIN_RESPONSES])


@st.cache_resource
def service() -> Service:
    """Shared by every session: the baseline cache and the worker thread."""
    return Service(jobs=settings.jobs())


def _choose_source() -> Source | None:
    """The sidebar: a council for a year, a shipped scenario, or an upload."""
    kinds = ["Any English council", "A shipped scenario", "Upload a scenario file"]
    if not sources.shipped_scenarios():
        kinds.remove("A shipped scenario")
    kind = st.sidebar.radio("Start from", kinds, key="source_kind")
    try:
        if kind == "Any English council":
            names = sources.councils()
            council = st.sidebar.selectbox("Council", names, key="council",
                                           index=names.index("West Sussex")
                                           if "West Sussex" in names else 0)
            year = st.sidebar.selectbox("From 1 April of", list(sources.YEARS), key="year",
                                        index=list(sources.YEARS).index(2019))
            key: tuple[Any, ...] = ("council", council, year)
            make = lambda: sources.from_council(council, int(year))  # noqa: E731
        elif kind == "A shipped scenario":
            files = sources.shipped_scenarios()
            chosen = st.sidebar.selectbox("Scenario", files, key="shipped",
                                          index=files.index("baseline.yaml")
                                          if "baseline.yaml" in files else 0)
            key = ("shipped", chosen)
            make = lambda: sources.from_shipped(chosen)  # noqa: E731
        else:
            up = st.sidebar.file_uploader("Scenario file (YAML)", type=["yaml", "yml"],
                                          key="upload")
            if up is None:
                return None
            data = up.getvalue()
            key = ("upload", up.name, len(data), hash(data))
            make = lambda: sources.from_upload(up.name, data)  # noqa: E731
        if st.session_state.get("source_key") != key:
            src = sources.adjusted(make(), settings.overrides_for_tests())
            st.session_state.update(source_key=key, source=src)
            for k in LEVER_KEYS:  # the levers start again from this baseline's values
                st.session_state.pop(k, None)
            old = st.session_state.pop("started", None)
            if old is not None:
                old.job.cancel()
        return st.session_state["source"]
    except ScenarioError as e:
        st.session_state.pop("source_key", None)
        st.error(str(e))
        return None


def _progress(job: Job, what: str) -> None:
    phase, done, total = job.status()
    st.progress(done / total if total else 0.0,
                text=f"{what}: {phase}" + (f", {done} of {total} replications" if total
                                           else ""))


@st.fragment(run_every=1.0)
def _wait(job: Job, what: str, until: str | None) -> None:
    """Progress, polled every second; the whole page again once ``until`` is there (or,
    with None, once the job is finished)."""
    if job.error is not None or job.finished or (
            until is not None and getattr(job, until) is not None):
        st.rerun()
    _progress(job, what)


def _pictures(job: Job) -> None:
    for p in job.charts:
        st.image(p.png, caption=p.title, width="stretch")
        st.caption(p.alt)


def _outlook(src: Source, replications: int) -> None:
    st.header("The outlook, with no change")
    key = key_for(src, replications, src.scenario.run.seed)
    job = st.session_state.get("outlook")
    if job is None or st.session_state.get("outlook_key") != key:
        if job is not None:
            job.cancel()  # replaced: another council, or another number of replications
        job = service().outlook(src, replications)
        st.session_state.update(outlook=job, outlook_key=key)
    if _ready(job, "The baseline", "baseline") and job.baseline is not None:
        for line in views.outlook_headline(job.baseline, src.scenario.council or src.label):
            st.write(line)
        st.caption("Each cell: the average of the runs (in brackets, the range of single "
                   "runs, 5th to 95th percentile).")
        st.dataframe(views.outlook_table(job.baseline))
        _pictures(job)


def _lever_form(src: Source, base: Levers) -> Levers | None:
    """The levers, in a form: nothing runs until the button is pressed."""
    sc = src.scenario
    with st.form("levers"):
        st.subheader("Retention payments")
        c = st.columns(4)
        c[0].number_input("£m a year", 0.0, 100.0, base.retention_annual / MILLION, 0.1,
                          key="retention_m", format="%.2f")
        c[1].date_input("From", base.retention_start, key="retention_start")
        c[2].date_input("To", base.retention_end, key="retention_end")
        ref = sc.interventions.retention.reference_payment
        c[3].caption(f"Assumed effect: the leaving rate with £{ref:,.0f} a year per worker, "
                     "against none, is from low to high (1 = no effect):")
        e = st.columns(2)
        e[0].number_input("Effect, low", 0.01, 2.0, base.retention_effect[0], 0.05,
                          key="hr_low")
        e[1].number_input("Effect, high", 0.01, 2.0, base.retention_effect[1], 0.05,
                          key="hr_high")
        st.subheader("Early help budget")
        st.caption(f"Changes against the base budget of "
                   f"£{sc.interventions.early_help.base_budget / MILLION:,.1f}m a year "
                   "(a cut is negative), each from its date.")
        edited = st.data_editor(pd.DataFrame({"from": [d for d, _ in base.early_help],
                                     "£m a year": [x / MILLION for _, x in base.early_help]},
                                    ).astype({"from": "datetime64[s]", "£m a year": float}),
                       num_rows="dynamic", key="early_help_table")
        st.subheader("Posts, caseloads and agency cover")
        p = st.columns(4)
        p[0].number_input("Case-holding posts added (or removed, negative)", -1000, 1000, 0,
                          key="posts_change")
        p[1].date_input("Posts change on", base.posts_date, key="posts_date")
        p[2].number_input("Agency cover of vacancies (share)", 0.0, 1.0, base.agency_cover,
                          0.05, key="agency_cover")
        p[3].number_input("Agency staff beyond cover", 0, 10000, base.agency_additional,
                          key="agency_additional")
        k = st.columns(4)
        for col, (label, i) in zip(k, (("Cap: experienced", 0), ("Cap: newly qualified", 1),
                                       ("Cap: agency", 2)), strict=False):
            col.number_input(label, 1, 100, base.caps[i],
                             key=("cap_experienced", "cap_newly_qualified", "cap_agency")[i])
        k[3].date_input("Caps change on", base.caps_date, key="caps_date")
        st.subheader("A recruitment campaign")
        r = st.columns(5)
        r[0].checkbox("Run a campaign", key="campaign_on")
        r[1].date_input("From", base.retention_start, key="campaign_start")
        r[2].date_input("To", base.retention_end, key="campaign_end")
        r[3].number_input("Chance of filling a vacancy", 0.0, 1.0, 0.5, 0.05,
                          key="campaign_fill")
        r[4].number_input("Time to hire (x usual)", 0.1, 5.0, 1.0, 0.1, key="campaign_speed")
        st.subheader("Recruits hired at once (e.g. from abroad)")
        h = st.columns(4)
        h[0].checkbox("Hire recruits", key="recruits_on")
        h[1].number_input("Experienced social workers, each in a new post", 1, 1000, 30,
                          key="recruits_number")
        h[2].date_input("Their first day", base.posts_date, key="recruits_date")
        h[3].number_input("£ each, once (fee, visa, relocation)", 0.0, 100000.0, 8000.0,
                          500.0, key="recruits_cost")
        if base.strain:
            st.subheader("How the service responds to strain")
            for name, on in base.strain.items():
                st.toggle(STRAIN_RESPONSES[name], on, key=f"strain_{name}")
        run = st.form_submit_button("Run with these levers", type="primary")
    if not run:
        return None
    values: dict[str, Any] = {str(k): v for k, v in st.session_state.items()}
    values["early_help"] = edited
    values["replications"] = base.replications
    return read_levers(values, base)


def _ready(job: Job, what: str, until: str | None) -> bool:
    """Whether ``until`` is there (None: the job is finished); else its error in one line,
    or its progress."""
    if job.error is not None:
        st.error(job.error)
        return False
    if job.finished if until is None else getattr(job, until) is not None:
        return True
    _wait(job, what, until)
    return False


def _results(src: Source) -> None:
    started = st.session_state.get("started")
    if started is None:
        return
    job: Job = started.job
    st.header("Your changes against the baseline")
    st.download_button("Download the scenario (YAML)", started.yaml,
                       file_name=f"{started.name}.yaml", mime="text/yaml")
    if not src.shipped:
        st.download_button(f"Download the baseline it extends ({src.file_name})", src.yaml,
                           file_name=src.file_name, mime="text/yaml")
    comp = job.comparison if _ready(job, "Your run", "comparison") else None
    if comp is None:
        return
    for line in job.headline:
        st.markdown(line)
    st.subheader("What changes")
    st.dataframe(views.differences_table(comp, started.name), hide_index=True)
    st.subheader("Money")
    st.dataframe(views.money_table(comp, started.name), hide_index=True)
    if _ready(job, "The charts", None):
        _pictures(job)
        _downloads(src, started)


def _downloads(src: Source, started: Started) -> None:
    """The results, report and workbook: written when asked (they take some seconds)."""
    st.subheader("Downloads")
    comp = started.job.comparison
    files: Job | None = st.session_state.get("files")
    if comp is None:
        return
    if files is None or files.comparison is not comp:
        if not st.button("Prepare the results, report and workbook", key="prepare"):
            return
        files = service().files(comp, src, started.yaml, started.name)
        st.session_state["files"] = files
    if not _ready(files, "The files", "downloads") or files.downloads is None:
        return
    d = files.downloads
    c = st.columns(3)
    c[0].download_button("Results (zip)", d.results_zip, file_name="results.zip",
                         mime="application/zip")
    c[1].download_button("Report (HTML)", d.report_html, file_name="report.html",
                         mime="text/html")
    c[2].download_button("Workbook (Excel)", d.workbook, file_name="comparison.xlsx",
                         mime="application/vnd.openxmlformats-officedocument."
                              "spreadsheetml.sheet")


def main() -> None:
    st.set_page_config(page_title="sim: try a lever", layout="wide")
    st.title("Children's social care: try a lever")
    src = _choose_source()
    reps = int(st.sidebar.number_input(
        "Replications", 2, MAX_REPLICATIONS, settings.DEFAULT_REPLICATIONS, key="replications",
        help="runs of each scenario on the same simulated children; more give firmer "
             "intervals and take longer"))
    if settings.overrides_for_tests():
        st.sidebar.warning(f"test settings: {settings.overrides_for_tests()}")
    if src is None:
        st.info("Choose a council, a shipped scenario or a scenario file in the sidebar.")
        return
    st.caption(src.label)
    st.header("Published state")
    st.dataframe(views.published_state(src.scenario), hide_index=True)
    _outlook(src, reps)
    st.header("The levers")
    lv = _lever_form(src, levers_from(src.scenario, reps))
    if lv is not None:
        old = st.session_state.get("started")
        if old is not None:
            old.job.cancel()
        try:
            st.session_state["started"] = start_comparison(service(), src, lv)
        except ScenarioError as e:
            st.session_state.pop("started", None)
            st.error(str(e))
    _results(src)
