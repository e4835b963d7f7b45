"""The demo region: a deterministic generator of a realistic region in the spirit of the seeds.

Кемеровская область — Кузбасс: Таштагольский район, Мариинский округ, Новокузнецк with its six
districts and a few more territories; about 320 schools with realistic names, types, logins, ИНН and exam
codes; school years 2019/2020–2024/2025. Results are generated per pupil (ВПР) and per school (ОГЭ, ЕГЭ)
from a latent level of every school with a trend, so that some ШНОР stay (stubborn), some improve, small
rural schools flicker, the autumn 2020 round is weaker, and the calendar traps hold (no ОГЭ in 2019/2020,
ЕГЭ only for applicants in 2019/2020 and 2020/2021, no ЕГЭ base math then, ОГЭ only Russian and math in
2020/2021).

`generate_region(seed)` is pure: the same seed gives the same data. `write_files(region, out_dir)` writes
files in the real layouts (registry, ВПР protocols, a ФИС ОКО report, РЦОИ exam tables) and
`build_demo(db_path)` loads them through the same importers that users use, so the demo exercises the
real path. `demo_figures(store)` prints the figures the demo is tuned to.
"""
from shnor.demo.build import build_demo, demo_figures, format_figures, load_files  # noqa: F401
from shnor.demo.files import REPORT_INSTEAD_OF_PROTOCOL, _MUNICIPAL_EXCEL, write_files  # noqa: F401
from shnor.demo.generate import (REGION_NAME, VPR_WORKS, YEARS, DemoRegion, exam_calendar,  # noqa: F401
                                 generate_region, mark_scale)
