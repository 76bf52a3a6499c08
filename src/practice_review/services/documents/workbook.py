"""The partnership's §21 figures (services/reports.py) as an XLSX workbook for the annual report: a cover
sheet with the period and when it was made, then a sheet per figure, each a table with a native Excel
chart drawn from its cells (so it moves with any edit a partnership makes)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from ...board.words import human

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADING = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="F3F2F1")
TIMELINESS = ("met_on_time", "met_after_extension", "breached", "running", "cancelled")
AGAINST = ("met", "breached", "running", "cancelled")


def _table(sheet: Worksheet, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """A titled table from row 1; the number of data rows."""
    sheet["A1"], sheet["A1"].font = title, HEADING
    sheet.append([])
    sheet.append(list(header))
    for cell in sheet[3]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    count = 0
    for row in rows:
        sheet.append(list(row))
        count += 1
    for column, name in zip("ABCDEFGHIJKLMNOP", header, strict=False):
        sheet.column_dimensions[column].width = max(14, min(48, len(str(name)) + 4))
    sheet.column_dimensions["A"].width = 36
    return count


def _bar(sheet: Worksheet, title: str, rows: int, columns: int, stacked: bool = False, anchor: str = "") -> None:
    if rows == 0:
        return
    chart = BarChart()
    chart.type, chart.title, chart.height, chart.width = "bar", title, max(6, 1.2 * rows + 3), 18
    if stacked:
        chart.grouping, chart.overlap = "stacked", 100
    data = Reference(sheet, min_col=2, max_col=1 + columns, min_row=3, max_row=3 + rows)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=4, max_row=3 + rows))
    sheet.add_chart(chart, anchor or f"{'ABCDEFGHIJKLMNOP'[columns + 2]}3")


def _counts_sheet(book: Workbook, name: str, title: str, counts: dict[str, int], label: str) -> None:
    sheet = book.create_sheet(name)
    rows = _table(
        sheet, title, [label, "Referrals"], ((human(k) if label != "Referrer" else k, n) for k, n in counts.items())
    )
    _bar(sheet, title, rows, 1)


def _cover(book: Workbook, figures: dict[str, Any], generated_at: datetime) -> None:
    sheet = book.active
    sheet.title = "Cover"
    sheet["A1"], sheet["A1"].font = "Practice review figures (policy §21)", Font(bold=True, size=16)
    rows = [
        ("Period from", figures["from"]),
        ("Period to", figures["to"]),
        ("Clocks and actions as of", figures["as_of"]),
        ("Generated", generated_at.isoformat(timespec="seconds")),
        ("Referrals received", figures["referrals"]["total"]),
        ("Reviews ended", figures["reviews"]["ended"]),
        ("National Panel disagreed", figures["reviews"]["national_panel_disagreed"]["count"]),
    ]
    for offset, (label, value) in enumerate(rows, start=3):
        sheet.cell(offset, 1, label).font = Font(bold=True)
        sheet.cell(offset, 2, value)
    sheet.cell(len(rows) + 4, 1, "Definitions: GET /reports/summary; each sheet is one figure, with its chart.")
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 30, 28


def _reviews(book: Workbook, reviews: dict[str, Any]) -> None:
    sheet = book.create_sheet("Reviews by type and outcome")
    outcomes = sorted({o for v in reviews["by_type_and_outcome"].values() for o in v})
    rows = _table(
        sheet,
        "Reviews ended in the period, by type and outcome",
        ["Review type", *(human(o) for o in outcomes)],
        ([human(t), *(v.get(o, 0) for o in outcomes)] for t, v in reviews["by_type_and_outcome"].items()),
    )
    _bar(sheet, "Reviews by type and outcome", rows, len(outcomes), stacked=True)


def _disagreements(book: Workbook, reviews: dict[str, Any]) -> None:
    sheet = book.create_sheet("Panel disagreements")
    disagreed = reviews["national_panel_disagreed"]
    _table(
        sheet,
        "Rapid reviews where the National Panel disagreed (S2)",
        ["Review"],
        ([r] for r in disagreed["references"]),
    )
    sheet.cell(len(disagreed["references"]) + 5, 1, "Count").font = Font(bold=True)
    sheet.cell(len(disagreed["references"]) + 5, 2, disagreed["count"])
    recommendations = reviews["rapid_recommendations"]
    start = len(disagreed["references"]) + 7
    sheet.cell(start, 1, "Rapid review recommendations").font = Font(bold=True)
    for offset, (recommendation, n) in enumerate(recommendations.items(), start=1):
        sheet.cell(start + offset, 1, human(recommendation))
        sheet.cell(start + offset, 2, n)


def _timeliness(book: Workbook, clocks: list[dict[str, Any]]) -> None:
    sheet = book.create_sheet("Timeliness")
    header = [
        "Clock",
        *(human(t) for t in TIMELINESS),
        *(f"Original date: {o}" for o in AGAINST),
        *(f"Extended date: {o}" for o in AGAINST),
        "Median working days taken",
    ]
    rows = _table(
        sheet,
        "Timeliness of each clock against its original and its extended date (T3)",
        header,
        (
            [
                f"{human(c['review_type'])}: {human(c['clock'])}",
                *(c["timeliness"][t] for t in TIMELINESS),
                *(c["against_original_deadline"][o] for o in AGAINST),
                *(c["against_extended_deadline"][o] for o in AGAINST),
                c["median_working_days_taken"],
            ]
            for c in clocks
        ),
    )
    _bar(sheet, "Clocks: met on time, after an extension, breached", rows, 3, stacked=True, anchor=f"A{rows + 6}")
    delays = book.create_sheet("Delays")
    _table(
        delays,
        "Clocks that ran past their original date, and by how many working days (T3, C6)",
        ["Clock", "Review", "Original date", "Due date", "Stopped", "Status", "Working days late"],
        (
            [f"{human(c['review_type'])}: {human(c['clock'])}", *(d[k] for k in DELAY_FIELDS)]
            for c in clocks
            for d in c["delays"]
        ),
    )


DELAY_FIELDS = ("reference", "original_due_on", "due_on", "stopped_on", "status", "working_days_late")


def _actions(book: Workbook, actions: dict[str, int]) -> None:
    sheet = book.create_sheet("Action plans")
    rows = _table(
        sheet, "Actions due in the period (K2)", ["Outcome", "Actions"], ((human(k), n) for k, n in actions.items())
    )
    chart = PieChart()
    chart.title = "Actions due in the period"
    chart.add_data(Reference(sheet, min_col=2, min_row=3, max_row=3 + rows), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=4, max_row=3 + rows))
    sheet.add_chart(chart, "D3")


def workbook(figures: dict[str, Any], generated_at: datetime) -> bytes:
    book = Workbook()
    _cover(book, figures, generated_at)
    referrals = figures["referrals"]
    for part, label in (("type", "Review type"), ("outcome", "Outcome"), ("referrer", "Referrer"), ("theme", "Theme")):
        _counts_sheet(book, f"Referrals by {part}", f"Referrals received, by {part}", referrals[f"by_{part}"], label)
    _reviews(book, figures["reviews"])
    _disagreements(book, figures["reviews"])
    _timeliness(book, figures["clocks"])
    _actions(book, figures["actions"])
    book.properties.title = f"Practice review figures {figures['from']} to {figures['to']}"
    book.properties.creator = "practice-review"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
