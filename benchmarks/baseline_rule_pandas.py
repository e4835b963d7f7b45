"""Baseline for `identify`: the rule's criteria applied with plain pandas to results read from a CSV.

    .venv/bin/python benchmarks/baseline_rule_pandas.py RESULTS.csv SCHOOLS.csv YEAR [THRESHOLD]

RESULTS.csv: school_id, procedure, year, participants, low_count (the rule's procedures); SCHOOLS.csv: id (the
schools counted). YEAR is the list year (results of YEAR-1 and YEAR-2). Prints the number of ШНОР and their ids,
one per line — what a plain script does; benchmarks/bench_national.py times it as a whole process beside
`python -m shnor identify` on the same data."""
from __future__ import annotations

import sys

import pandas as pd


def main() -> None:
    results, schools, year = sys.argv[1], sys.argv[2], int(sys.argv[3])
    threshold = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    res = pd.read_csv(results)
    ids = pd.read_csv(schools)["id"]
    r = res[res["year"].isin([year - 1, year - 2]) & (res["participants"] > 0) & res["school_id"].isin(ids)]
    r = r.assign(low=r["low_count"] * 100 >= threshold * r["participants"])
    lows = r.groupby(["school_id", "year"])["low"].sum().unstack(fill_value=0)
    low1 = lows[year - 1] if year - 1 in lows else pd.Series(0, index=lows.index)
    low2 = lows[year - 2] if year - 2 in lows else pd.Series(0, index=lows.index)
    shnor = lows.index[((low1 >= 2) | ((low1 > 0) & (low2 > 0))).to_numpy()]
    out = [str(len(shnor))] + [str(int(i)) for i in shnor]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
