"""The roadmap's measures as a CSV download (the page's filtered table): every text cell through
`cells.csv_cell`, so a measure's text that starts with «=» or «-» is never a formula."""
from __future__ import annotations

import csv
import io

import pandas as pd

from shnor.reports.cells import csv_cell


def measures_csv(table: pd.DataFrame) -> bytes:
    """The table as shown (Russian headers), UTF-8 with a BOM so that Excel opens it with the right letters."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(list(table.columns))
    for row in table.itertuples(index=False):
        w.writerow([csv_cell("" if v is None else v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
