"""Build sim/data/dfe_published.csv.gz and sim/data/dfe_measures.csv from the shared DfE
files (../shared/data/dfe/), keeping only the figures sim uses.

Run from the repository root: python tools/build_data.py [SHARED_DFE_DIR]

The result is one long table: area, area_code, level (la, region, england), region,
measure, period, value. A measure's period is the DfE's time_period (the year to 31 March
for children's figures; 30 September for the workforce) or a financial year for S251
spending. Suppressed values (c, x, z, u, -) are left empty: missing, never zero.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sim.data.dfe import parse_value as number  # noqa: E402 - the one reading of DfE codes

# measure: (file, column, period meaning, unit, kind)
#   kind: count (can be scaled by child population), rate (%), money (£), ratio
EES = {
    # DfE CIN census: referrals (year to 31 March)
    "referrals": ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
                  "referral_count", "year to 31 March", "referrals", "count"),
    "rereferral_pct": ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
                       "rereferral_percent", "year to 31 March", "%", "rate"),
    "nfa_pct": ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
                "no_further_action_percent", "year to 31 March", "%", "rate"),
    "not_in_need_pct": ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
                        "not_in_need_percent", "year to 31 March", "%", "rate"),
    # CIN episodes
    "cin_31mar": ("b1_children_in_need_2013_to_2025.csv", "At31_episodes", "31 March",
                  "episodes", "count"),
    "awaiting_assessment": ("b1_children_in_need_2013_to_2025.csv", "awaiting_assessment",
                            "31 March", "episodes", "count"),
    "cin_starts": ("b1_children_in_need_2013_to_2025.csv", "Started_episodes",
                   "year to 31 March", "episodes", "count"),
    # child protection plans
    "cp_starts": ("d3_cpps_subsequent_plan_2013_to_2025.csv", "CPP_start",
                  "year to 31 March", "plans", "count"),
    "cp_31mar": ("d5_cpps_at31march_by_duration_2013_to_2025.csv", "CPP_At31", "31 March",
                 "plans", "count"),
    "cp_up_to_3m_pct": ("d5_cpps_at31march_by_duration_2013_to_2025.csv",
                        "3_months_or_less_percent", "31 March", "%", "rate"),
    "cp_3_6m_pct": ("d5_cpps_at31march_by_duration_2013_to_2025.csv",
                    "more_than_3_months_6_months_percent", "31 March", "%", "rate"),
    "cp_6_12m_pct": ("d5_cpps_at31march_by_duration_2013_to_2025.csv",
                     "more_than_6_months_less_than_1_year_percent", "31 March", "%", "rate"),
    "cp_1_2y_pct": ("d5_cpps_at31march_by_duration_2013_to_2025.csv",
                    "1_year_less_than_2_years_percent", "31 March", "%", "rate"),
    "cp_over_2y_pct": ("d5_cpps_at31march_by_duration_2013_to_2025.csv",
                       "2_years_or_more_percent", "31 March", "%", "rate"),
    # children's social work workforce (30 September)
    "inpost_fte": ("csww_indicators_2017_to_2025.csv", "inpost_fte", "30 September", "FTE",
                   "count"),
    "starters_fte": ("csww_indicators_2017_to_2025.csv", "starters_fte",
                     "year to 30 September", "FTE", "count"),
    "leavers_fte": ("csww_indicators_2017_to_2025.csv", "leavers_fte",
                    "year to 30 September", "FTE", "count"),
    "turnover_rate": ("csww_indicators_2017_to_2025.csv", "turnover_rate_fte",
                      "year to 30 September", "%", "rate"),
    "agency_fte": ("csww_indicators_2017_to_2025.csv", "agency_fte", "30 September", "FTE",
                   "count"),
    "agency_rate": ("csww_indicators_2017_to_2025.csv", "agency_rate_fte", "30 September",
                    "%", "rate"),
    "vacancy_fte": ("csww_indicators_2017_to_2025.csv", "vacancy_fte", "30 September", "FTE",
                    "count"),
    "vacancy_rate": ("csww_indicators_2017_to_2025.csv", "vacancy_rate_fte", "30 September",
                     "%", "rate"),
    "case_holders_fte": ("csww_indicators_2017_to_2025.csv", "case_holders_fte",
                         "30 September", "FTE", "count"),
    "cases": ("csww_indicators_2017_to_2025.csv", "cases", "30 September", "cases", "count"),
    "caseload_per_fte": ("csww_indicators_2017_to_2025.csv", "caseload_fte", "30 September",
                         "cases per FTE", "ratio"),
    "absence_rate": ("csww_indicators_2017_to_2025.csv", "absence_rate_fte",
                     "year to 30 September", "% of working days lost", "rate"),
    # population aged 0-17 (ONS mid-year, via DfE)
    "population_0_17": ("ons_mid-year_population_estimates_2012_to_2024.csv",
                        "population_estimate", "mid-year", "children", "count"),
}
LAIT = {
    # LAIT (lait_bds_long_0.parquet) Short Desc: (measure, period meaning, unit, kind)
    "LACnum": ("cla_31mar", "31 March", "children", "count"),
    "LACnum_Start": ("cla_starts", "year to 31 March", "children", "count"),
    "LACceased": ("cla_ceases", "year to 31 March", "children", "count"),
    "FosteringFinance": ("fostering_weekly", "financial year", "£ a week", "money"),
    "RescareFinance": ("residential_weekly", "financial year", "£ a week", "money"),
    "LACFinance": ("looked_after_weekly", "financial year", "£ a week", "money"),
    "TotalLACFinance": ("looked_after_spend", "financial year", "£", "count"),
    "FamilySupportFinance": ("family_support_spend", "financial year", "£", "count"),
    "SureStartFinance": ("sure_start_spend", "financial year", "£", "count"),
    "SafeguardingFinance": ("safeguarding_spend", "financial year", "£", "count"),
    "YoungPeopleFinance": ("young_people_spend", "financial year", "£", "count"),
    # share of continuous assessments completed within 45 working days (year to 31 March)
    "Continue_Assess_Comp": ("assessment_timeliness_pct", "year to 31 March", "%", "rate"),
}
# la_cla_swcount.csv: children looked after at 31 March (2024 only) with 3 or more social
# workers in the year. measure: (sw_stability row, column, unit, kind)
SWCOUNT_FILE = "la_cla_swcount.csv"
SWCOUNT = {
    "three_plus_sw_pct": ("3 or more social workers during the year", "percentage", "%",
                          "rate"),
    "three_plus_sw": ("3 or more social workers during the year", "number", "children",
                      "count"),
}
LEVELS = {"Local authority": "la", "Regional": "region", "National": "england"}


def from_ees(src: Path) -> pd.DataFrame:
    parts = []
    for measure, (fname, col, *_) in EES.items():
        d = pd.read_csv(src / fname, dtype=str, encoding="utf-8-sig")
        d = d[d.geographic_level.isin(LEVELS)]
        area = d.la_name.where(d.geographic_level == "Local authority",
                               d.region_name.where(d.geographic_level == "Regional",
                                                   "England"))
        code = d.new_la_code.where(d.geographic_level == "Local authority",
                                   d.region_code.where(d.geographic_level == "Regional",
                                                       d.country_code))
        parts.append(pd.DataFrame({
            "area": area, "area_code": code, "level": d.geographic_level.map(LEVELS),
            "region": d.region_name.fillna(""), "measure": measure,
            "period": d.time_period.astype(str), "value": d[col].map(number),
            "old_la_code": d.old_la_code,
        }))
    return pd.concat(parts, ignore_index=True)


def from_swcount(src: Path) -> pd.DataFrame:
    d = pd.read_csv(src / SWCOUNT_FILE, dtype=str, encoding="utf-8-sig")
    d = d[d.geographic_level.isin(LEVELS) & (d.cla_group == "CLA on 31 March")]
    area = d.la_name.where(d.geographic_level == "Local authority",
                           d.region_name.where(d.geographic_level == "Regional", "England"))
    code = d.new_la_code.where(d.geographic_level == "Local authority",
                               d.region_code.where(d.geographic_level == "Regional",
                                                   d.country_code))
    parts = []
    for measure, (row, col, *_) in SWCOUNT.items():
        keep = d.sw_stability == row
        parts.append(pd.DataFrame({
            "area": area[keep], "area_code": code[keep],
            "level": d.geographic_level[keep].map(LEVELS),
            "region": d.region_name[keep].fillna(""), "measure": measure,
            "period": d.time_period[keep].astype(str), "value": d[col][keep].map(number),
        }))
    return pd.concat(parts, ignore_index=True)


def from_lait(src: Path, names: pd.DataFrame) -> pd.DataFrame:
    d = pd.read_parquet(src / "lait_bds_long_0.parquet")
    d = d[d["Short Desc"].isin(LAIT)]
    codes = names.assign(num=pd.to_numeric(names.old_la_code, errors="coerce"))
    codes = codes.dropna(subset=["num"]).drop_duplicates("num").set_index("num")
    regions = set(names.loc[names.level == "region", "area"])
    # LAIT numbers regions and England too (e.g. 970 England): tell them apart by name
    is_region = d["LA and Regions"].isin(regions)
    is_england = d["LA and Regions"] == "England"
    la = ~(is_region | is_england)
    out = pd.DataFrame({
        "measure": d["Short Desc"].map(lambda m: LAIT[m][0]),
        "period": d.Years.astype(str).str.replace(" (OT)", "", regex=False),
        "value": d.Values.map(number),
        "lait_area": d["LA and Regions"], "la_number": d["LA Number"],
    })
    out["area"] = out.la_number.map(codes.area).where(la, out.lait_area)
    out["area_code"] = out.la_number.map(codes.area_code)
    out["region"] = out.la_number.map(codes.region).where(la, "").fillna("")
    out["level"] = "la"
    out.loc[is_region, "level"] = "region"
    out.loc[is_england, "level"] = "england"
    region_codes = names[names.level != "la"].drop_duplicates("area").set_index("area")
    out.loc[~la, "area_code"] = out.loc[~la, "area"].map(region_codes.area_code)
    return out.dropna(subset=["area"])


def main(src: Path) -> None:
    ees = from_ees(src)
    names = ees[["area", "area_code", "level", "region", "old_la_code"]].drop_duplicates(
        ["area", "level"])
    lait = from_lait(src, names)
    cols = ["area", "area_code", "level", "region", "measure", "period", "value"]
    table = pd.concat([ees[cols], lait[cols], from_swcount(src)[cols]], ignore_index=True)
    table = table.drop_duplicates(["area", "level", "measure", "period"], keep="first")
    table = table.sort_values(["level", "area", "measure", "period"], kind="stable")
    out = ROOT / "sim" / "data"
    table.to_csv(out / "dfe_published.csv.gz", index=False, float_format="%.10g",
                 compression={"method": "gzip", "mtime": 0})
    rows = [(m, f, c, p, u, k) for m, (f, c, p, u, k) in EES.items()]
    rows += [(m, "lait_bds_long_0.parquet", short, p, u, k)
             for short, (m, p, u, k) in LAIT.items()]
    rows += [(m, SWCOUNT_FILE, f"{c} ({r})", "31 March", u, k)
             for m, (r, c, u, k) in SWCOUNT.items()]
    pd.DataFrame(rows, columns=["measure", "file", "column", "period", "unit", "kind"]).to_csv(
        out / "dfe_measures.csv", index=False)
    print(f"{len(table):,} figures, {table.area.nunique()} areas -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "dfe")
