"""Summarise a mutmut run: killed / survived by file, and the surviving mutants by function.

    python tools/mutants_report.py                  # table by file, then survivors by function
    python tools/mutants_report.py --diffs          # ... and each survivor's diff
    python tools/mutants_report.py --markdown       # the same as Markdown (for docs/mutants.md)
    python tools/mutants_report.py --json out.json  # every mutant's status, for comparing runs
    python tools/mutants_report.py --names          # only the names of the mutants not killed
    python tools/mutants_report.py --sample 200     # names of a seeded random sample of mutants

Run it where `mutmut run` ran (the project root: it reads mutants/**/*.meta and, for --diffs
and --sample, the [tool.mutmut] section of pyproject.toml). `make mutants` calls it at the end.

The score is (killed + timeout) / mutants tested; "no tests" (no selected test reaches the
mutated function) counts as tested and not killed; "not checked" (outside a sample, or an
interrupted run) is left out. `mutmut run` keeps a verdict once given, so after adding tests
re-test the survivors: make mutants MUTANTS="$(python tools/mutants_report.py --names)".
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

# mutmut's exit codes (status_by_exit_code in mutmut/stats.py, mutmut 3.x); any other code is
# "suspicious"
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 2: "interrupted",
          None: "not checked", 33: "no tests", 34: "skipped", 35: "suspicious", 36: "timeout",
          37: "type check", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout",
          -11: "segfault", -9: "segfault"}
COLUMNS = ("killed", "timeout", "survived", "no tests", "suspicious", "not checked")
SEP = "ǁ"  # mutmut's separator between class and method in a mutant's name
NOT_KILLED_SKIP = {"killed", "timeout", "not checked"}


def status(code: int | None) -> str:
    return STATUS.get(code, "suspicious")


def load(root: Path) -> dict[str, dict[str, str]]:
    """{source file: {mutant name: status}} from mutmut's .meta files under root/mutants."""
    out: dict[str, dict[str, str]] = {}
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if codes:
            src = str(meta.relative_to(root / "mutants"))[: -len(".meta")]
            out[src] = {k: status(v) for k, v in codes.items()}
    return out


def function_of(mutant: str) -> str:
    """'sim.model.workforce.xǁWorkforceǁhire__mutmut_3' -> 'Workforce.hire'."""
    name = mutant.partition("__mutmut_")[0].rpartition(".")[2]
    if name.startswith("x" + SEP):
        cls, _, meth = name[2:].partition(SEP)
        return f"{cls}.{meth}"
    return name.removeprefix("x_")


def score(c: Counter[str]) -> tuple[int, float]:
    """(mutants tested, share killed in %)."""
    tested = sum(c.values()) - c["not checked"]
    return tested, (100.0 * (c["killed"] + c["timeout"]) / tested if tested else math.nan)


def table(results: dict[str, dict[str, str]], markdown: bool) -> list[str]:
    rows = []
    grand: Counter[str] = Counter()
    for src, by_mutant in results.items():
        c = Counter(by_mutant.values())
        grand += c
        rows.append((src, c))
    rows.append(("total", grand))
    head = ("file", "mutants", *COLUMNS, "score")
    lines = []
    if markdown:
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "|".join(["---"] + ["--:"] * (len(head) - 1)) + "|")
    else:
        lines.append(f"{head[0]:<34}" + "".join(f"{h:>12}" for h in head[1:]))
    for src, c in rows:
        cells = [str(sum(c.values())), *(str(c[k]) for k in COLUMNS), f"{score(c)[1]:.1f}%"]
        if markdown:
            name = f"**{src}**" if src == "total" else f"`{src}`"
            lines.append("| " + " | ".join([name, *cells]) + " |")
        else:
            lines.append(f"{src:<34}" + "".join(f"{x:>12}" for x in cells))
    tested, pct = score(grand)
    if tested < sum(grand.values()):  # a sample: say how sure the score is
        half = 196 * math.sqrt(pct / 100 * (1 - pct / 100) / tested) if tested else math.nan
        lines.append("")
        lines.append(f"score of the {tested} mutants tested: {pct:.1f}% "
                     f"(95% interval for all mutants about ±{half:.1f} points)")
    return lines


def not_killed(results: dict[str, dict[str, str]]) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """{file: {function: [(mutant, status)]}} for every mutant tested and not killed."""
    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for src, by_mutant in results.items():
        by_func: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for m, st in by_mutant.items():
            if st not in NOT_KILLED_SKIP:
                by_func[function_of(m)].append((m, st))
        if by_func:
            out[src] = dict(by_func)
    return out


def all_mutant_names() -> list[str]:
    """Every mutant `mutmut run` would make under the project's [tool.mutmut] configuration
    (made the way mutmut makes them, so the names are the same)."""
    from mutmut.mutation.file_mutation import mutate_file_contents
    from mutmut.utils.file_utils import walk_mutatable_files
    from mutmut.utils.format_utils import get_mutant_name

    names = []
    for path in sorted(walk_mutatable_files()):
        made = mutate_file_contents(str(path), path.read_text())
        names += [get_mutant_name(path, n) for n in made.mutant_names]
    return names


def diff(mutant: str) -> str:
    try:  # mutmut is an optional dependency (the `mutants` extra)
        from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant
    except ImportError:
        return "(install mutmut to see the diff: pip install -e '.[mutants]')"
    try:
        return get_diff_for_mutant(mutant, path=find_mutant(mutant).path).rstrip()
    except Exception as e:  # a stale mutants/ folder, say: the report still comes out
        return f"(no diff: {type(e).__name__}: {e})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--root", type=Path, default=Path("."), help="where mutmut ran")
    p.add_argument("--markdown", action="store_true", help="Markdown tables and lists")
    p.add_argument("--diffs", action="store_true", help="print each survivor's diff")
    p.add_argument("--json", type=Path, help="write {file: {mutant: status}} here")
    p.add_argument("--names", action="store_true", help="print only the names not killed")
    p.add_argument("--sample", type=int, metavar="N", help="print N mutant names at random")
    p.add_argument("--seed", type=int, default=11, help="seed of --sample (default 11)")
    a = p.parse_args(argv)

    if a.sample:
        names = all_mutant_names()
        print(" ".join(sorted(random.Random(a.seed).sample(names, min(a.sample, len(names))))))
        return 0
    results = load(a.root)
    if not results:
        print("no results under mutants/: run `make mutants` (or `mutmut run`) first",
              file=sys.stderr)
        return 1
    if a.json:
        a.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    left = not_killed(results)
    if a.names:
        print(" ".join(m for by_func in left.values() for ms in by_func.values() for m, _ in ms))
        return 0

    print("\n".join(table(results, a.markdown)))
    print()
    n = sum(len(v) for f in left.values() for v in f.values())
    print(f"{'### ' if a.markdown else ''}Not killed: {n}")
    for src, by_func in left.items():
        print()
        print(f"#### `{src}`" if a.markdown else src)
        for func, mutants in sorted(by_func.items()):
            what = ", ".join(m.rpartition("__mutmut_")[2]
                             + ("" if st == "survived" else f" ({st})") for m, st in mutants)
            print(f"- `{func}`: {what}" if a.markdown else f"  {func}: {what}")
            if a.diffs:
                for m, _ in mutants:
                    print(f"    {m}")
                    print("\n".join("      " + x for x in diff(m).splitlines()[2:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
