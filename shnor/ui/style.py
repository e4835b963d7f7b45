"""The dashboard's global CSS, injected once per page run (by shnor/ui/guard.py: the login form and the shell).

What it does, and why (issue 7, «Streamlit's English leftovers», layout):

- **No English of Streamlit's own.** Streamlit's frontend has no translations. What a user meets is hidden or
  replaced by a Russian text drawn with CSS `content` (the element's own English text is `display: none`, so
  it is not in the page's text either):
  «Press Enter to submit form / to apply» under text inputs (hidden: the «Войти» button is right there);
  the file uploader's «Upload» button («Выбрать файлы» / «Выбрать файл»), its «200MB per file • XLSX…» line
  («Перетащите файлы сюда или нажмите кнопку») and its drag overlay «Drag and drop files here»
  («Отпустите файлы здесь»); the keyboard skip link «Skip to main content» («Перейти к содержимому»);
  the status widget's «Stop» / «Rerun» / «File change.» (hidden; the running animation stays, with
  «Идёт расчёт…») and its «Connecting» («Нет связи с сервером…»), with the dialog «Connection error»
  (a Russian sentence: what to check, whom to call); the ⋮ main menu («Print», «Record
  screen», «Made with Streamlit») and «Deploy» are switched off in .streamlit/config.toml
  (`client.toolbarMode = "minimal"`) and hidden here as well.
- **Nothing cut with an ellipsis.** Metric values and labels and button captions wrap instead of ending in
  «…» («достигн…», «Проверить сн…»); a metric value's type shrinks with its card (container units) so
  that one long word («достигнута») fits a narrow card. Tabs wrap onto a second line instead of scrolling.
- **Small windows.** In a main area narrower than ~760 px (an 800 px window with the sidebar) columns wrap
  (at least 11rem each: four metric cards become two rows of two), the sidebar is narrower, and the
  page's side margins shrink, so nothing runs off the right edge; a chart wider than the page scrolls
  sideways inside its own frame.

The meeting-mode CSS (larger type, tables and selects) is in shnor/ui/meeting.py; it builds on this.
"""
from __future__ import annotations

import streamlit as st

# Texts drawn by CSS in place of Streamlit's English (kept here so that tests can look for them).
UPLOAD_BUTTON_MANY = "Выбрать файлы"
UPLOAD_BUTTON_ONE = "Выбрать файл"
UPLOAD_HINT_MANY = "Перетащите файлы сюда или нажмите «Выбрать файлы»"
UPLOAD_HINT_ONE = "Перетащите файл сюда или нажмите «Выбрать файл»"
UPLOAD_DROP = "Отпустите файлы здесь"
SKIP_LINK = "Перейти к содержимому"
CONNECTION_LOST_TITLE = "Нет связи с сервером панели"
CONNECTION_LOST_TEXT = ("Проверьте подключение к сети. Если сеть есть, сервер панели остановлен — обратитесь к "
                        "администратору. Страница обновится сама, когда связь вернётся.")
RUNNING = "Идёт расчёт…"
DISCONNECTED = "Нет связи с сервером…"

CSS = f"""
<style>
/* ---- Streamlit's own English: hidden, or replaced by Russian ---------------------------------------- */
[data-testid="InputInstructions"],
[data-testid="stAppDeployButton"], [data-testid="stMainMenu"], [data-testid="stMainMenuPopover"] {{
  display: none !important;
}}
a[data-testid="stSkipToContent"] {{ font-size: 0 !important; }}
a[data-testid="stSkipToContent"]::after {{ content: "{SKIP_LINK}"; font-size: 1rem; }}

/* the status widget (top right while the page computes): keep the animation, say it in Russian */
[data-testid="stStatusWidget"] button,
[data-testid="stStatusWidget"]:not(:has([data-testid="stStatusWidgetRunningIcon"])):not(:has([data-testid="stConnectionStatus"])) {{
  display: none !important;
}}
[data-testid="stStatusWidget"]:has([data-testid="stStatusWidgetRunningIcon"]) > * {{ display: flex; align-items: center; }}
[data-testid="stStatusWidget"]:has([data-testid="stStatusWidgetRunningIcon"]) > *::after {{
  content: "{RUNNING}"; margin-left: 0.4rem; font-size: 0.9rem; opacity: 0.7; white-space: nowrap;
}}
/* the server is gone: Streamlit's dialog «Connection error / Streamlit server is not responding…» (a dialog with
   no Streamlit element in it, shown while the connection status is) says it in Russian */
body:has([data-testid="stConnectionStatus"]) [role="dialog"]:not(:has([data-testid])) > :not(button) {{
  display: none !important; }}
body:has([data-testid="stConnectionStatus"]) [role="dialog"]:not(:has([data-testid]))::before {{
  content: "{CONNECTION_LOST_TITLE}"; display: block; font-size: 1.5rem; font-weight: 600; padding: 1rem 1.5rem 0.25rem; }}
body:has([data-testid="stConnectionStatus"]) [role="dialog"]:not(:has([data-testid]))::after {{
  content: "{CONNECTION_LOST_TEXT}"; display: block; padding: 0.5rem 1.5rem 1.5rem; }}
[data-testid="stConnectionStatus"] > :not(:first-child) {{ display: none !important; }}
[data-testid="stConnectionStatus"]::after {{ content: "{DISCONNECTED}"; margin-left: 0.4rem; white-space: nowrap; }}

/* the file uploader */
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] > * {{ display: none !important; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{ content: "{UPLOAD_BUTTON_ONE}"; }}
[data-testid="stFileUploaderDropzone"]:has(input[multiple]) button [data-testid="stMarkdownContainer"]::after {{
  content: "{UPLOAD_BUTTON_MANY}";
}}
[data-testid="stFileUploaderDropzoneInstructions"] > * {{ display: none !important; }}
[data-testid="stFileUploaderDropzoneInstructions"]::after {{ content: "{UPLOAD_HINT_ONE}"; opacity: 0.75; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzone"]:has(input[multiple]) [data-testid="stFileUploaderDropzoneInstructions"]::after {{
  content: "{UPLOAD_HINT_MANY}";
}}
/* the overlay while a file is dragged over the zone: the one child without a test id anywhere in it (the list
   of chosen files has test ids); its text is English */
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]):not(:has([data-testid])) * {{
  display: none !important; }}
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]):not(:has([data-testid]))::after {{
  content: "{UPLOAD_DROP}"; }}
/* a chosen file's size is written «79.0B», «1.2MB» (English units, a decimal point): not shown */
[data-testid="stFileChipName"] + * {{ display: none !important; }}

/* ---- Nothing cut with an ellipsis --------------------------------------------------------------------- */
[data-testid="stMetric"] {{ container-type: inline-size; }}
[data-testid="stMetricLabel"], [data-testid="stMetricValue"] {{ height: auto !important; }}
[data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricValue"] .stMarkdownEllipsis,
[data-testid="stMetricLabel"] .stMarkdownEllipsis p, [data-testid="stMetricValue"] .stMarkdownEllipsis p {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}}
/* the card (stMetric) is the container; 2.2rem of it are its padding and border; a 10-letter word such as
   «достигнута» is about 4.7 em wide: so one such word always fits its card on one line */
[data-testid="stMetricValue"] {{ font-size: min(2.25rem, calc((100cqi - 2.2rem) / 5.2)); line-height: 1.2; }}
[data-testid="stMetricValue"] .stMarkdownEllipsis, [data-testid="stMetricValue"] .stMarkdownEllipsis p {{
  font-size: inherit !important; line-height: inherit !important;
}}
[data-testid^="stBaseButton"] .stMarkdownEllipsis, [data-testid^="stBaseButton"] .stMarkdownEllipsis p {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}}
[data-testid^="stBaseButton"] {{ height: auto !important; }}
/* a chart wider than the page (small multiples with a fixed width) scrolls inside its frame, not off the page */
[data-testid="stVegaLiteChart"] {{ max-width: 100%; overflow-x: auto; overflow-y: hidden; }}
.stTabs [role="tablist"] {{ flex-wrap: wrap; row-gap: 0.25rem; overflow-x: visible; }}

/* ---- Small windows -------------------------------------------------------------------------------------- */
[data-testid="stMainBlockContainer"] {{ container-type: inline-size; container-name: shnor-main; }}
@media (min-width: 1000px) {{
  [data-testid="stMainBlockContainer"] {{ padding-left: 3rem; padding-right: 3rem; }}
}}
@media (max-width: 1000px) {{
  [data-testid="stSidebar"][data-collapsed="false"] {{ width: 15rem !important; min-width: 15rem !important; }}
}}
@container shnor-main (max-width: 760px) {{
  [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap !important; }}
  [data-testid="stColumn"] {{ min-width: min(100%, 11rem) !important; }}
}}
/* a static table (st.table) never runs past the page: it takes the width it has and long words wrap */
[data-testid="stTableStyledTable"] {{ max-width: 100% !important; }}
@media (max-width: 1000px) {{
  [data-testid="stTableStyledTable"] {{ width: 100% !important; table-layout: fixed !important; }}
}}
[data-testid="stTableStyledTable"] td *, [data-testid="stTableStyledTable"] th *,
[data-testid="stTableStyledTable"] td, [data-testid="stTableStyledTable"] th {{
  white-space: normal !important; overflow-wrap: anywhere !important; min-width: 0 !important; }}
</style>
"""


# ---- Printing (Ctrl+P, «Сохранить как PDF») ----------------------------------------------------------------
# Streamlit scrolls inside its own containers (a fixed-height app), which a browser prints as one screenful: on
# paper they grow to their content. The sidebar, the toolbar, buttons, downloads, links to other pages and the
# print view's own line are not printed; charts, metric cards, alerts and tables are never cut across a sheet;
# a heading (and a chart: its caption) stays with what follows it, and each section after the first (a
# subheader) starts a new sheet. A4 portrait with 15 mm margins: the print view (shnor/ui/meeting.py, ?print=1)
# fits its page to the 180 mm between them.
PRINT_CSS = """
<style>
@page { size: A4 portrait; margin: 14mm 15mm; }
@media print {
  html, body, #root, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stMainBlockContainer"] {
    height: auto !important; min-height: 0 !important; overflow: visible !important; position: static !important;
  }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  .st-key-shnor_meeting_bar, .st-key-shnor_print_bar, [data-testid="stSkipToContent"],
  [data-testid="stElementToolbar"] { display: none !important; }
  /* what only works on a screen: buttons, downloads and links to other pages (a school's name drawn as a
     borderless button is content and stays) */
  [data-testid="stElementContainer"]:has([data-testid="stBaseButton-secondary"]),
  [data-testid="stElementContainer"]:has([data-testid="stBaseButton-primary"]),
  [data-testid="stElementContainer"]:has([data-testid="stDownloadButton"]),
  [data-testid="stElementContainer"]:has([data-testid="stPageLink"]) { display: none !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  [data-testid="stVerticalBlock"] { height: auto !important; overflow: visible !important; }
  [data-testid="stElementContainer"]:has([data-testid="stVegaLiteChart"]),
  [data-testid="stElementContainer"]:has([data-testid="stAlert"]),
  [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]),
  [data-testid="stElementContainer"]:has([data-testid="stTable"]),
  [data-testid="stHorizontalBlock"], [data-testid="stMetric"] { break-inside: avoid; page-break-inside: avoid; }
  [data-testid="stElementContainer"]:has([data-testid="stHeading"]),
  [data-testid="stElementContainer"]:has([data-testid="stVegaLiteChart"]) { break-after: avoid; page-break-after: avoid; }
  [data-testid="stElementContainer"]:has(h3) ~ [data-testid="stElementContainer"]:has(h3) {
    break-before: page; page-break-before: always; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
"""


def apply() -> None:
    """Inject the global CSS (once per page run; the element takes no space)."""
    st.html(CSS + PRINT_CSS)
