"""The §21 figures as an XLSX workbook (issue 18): opened with openpyxl and read cell by cell against
the JSON figures; a sheet per figure with a native Excel chart, the period and generation time on the
cover. SQLite and PostgreSQL (conftest)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from .documents import XLSX
from .helpers import Api, KeyFor, problem
from .test_reports import PERIOD, build_february, summary

SHEETS = [
    "Cover",
    "Referrals by type",
    "Referrals by outcome",
    "Referrals by referrer",
    "Referrals by theme",
    "Reviews by type and outcome",
    "Panel disagreements",
    "Timeliness",
    "Delays",
    "Action plans",
]


def table(sheet) -> dict[str, list]:  # type: ignore[no-untyped-def]
    """A sheet's table (header on row 3) as {first cell: the rest of the row}."""
    return {row[0]: list(row[1:]) for row in sheet.iter_rows(min_row=4, values_only=True) if row[0] is not None}


def test_the_workbook_has_a_sheet_and_a_chart_per_figure_matching_the_figures(api: Api, client: TestClient) -> None:
    reviews = build_february(api)
    figures = summary(api)
    response = client.get("/reports/summary", params={**PERIOD, "format": "xlsx"}, headers=api.bu)
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"] == (
        'attachment; filename="practice-review-figures-2026-02-01-2026-02-28.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == SHEETS

    cover = {row[0]: row[1] for row in book["Cover"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert (cover["Period from"], cover["Period to"], cover["Clocks and actions as of"]) == (
        "2026-02-01",
        "2026-02-28",
        "2026-03-02",
    )
    assert abs((datetime.fromisoformat(cover["Generated"]) - datetime.now().astimezone()).total_seconds()) < 300
    assert cover["Referrals received"] == 4 and cover["National Panel disagreed"] == 1

    assert table(book["Referrals by type"]) == {"Good outcome": [1], "Rapid": [3]}
    assert table(book["Referrals by outcome"]) == {"Close no further action": [1], "Pending": [1], "Screen in": [2]}
    assert table(book["Referrals by referrer"]) == {
        "Greater Manchester Police": [1],
        "Salford City Council": [2],
        "Salford Primary School": [1],
    }
    assert table(book["Referrals by theme"]) == {"Domestic abuse": [1], "Neglect": [2]}
    by_type = book["Reviews by type and outcome"]
    assert [c.value for c in by_type[3]] == ["Review type", "Closed", "Concluded"]
    assert table(by_type) == {"Good outcome": [1, 0], "Rapid": [0, 2]}
    assert reviews["r5"]["reference"] in table(book["Panel disagreements"])

    timeliness = table(book["Timeliness"])
    screening = timeliness["Rapid: Screening"]
    header = [c.value for c in book["Timeliness"][3]][1:]
    row = dict(zip(header, screening, strict=True))
    assert (row["Met on time"], row["Running"], row["Original date: met"], row["Extended date: met"]) == (2, 1, 2, 2)
    assert row["Median working days taken"] == 3
    assert len(timeliness) == len(figures["clocks"])
    assert table(book["Action plans"]) == {
        "Done on time": [1],
        "Done late": [1],
        "Overdue": [1],
        "Open": [0],
        "Dropped": [1],
    }
    # native Excel charts, one per figure sheet that has data (the disagreements sheet is a list)
    charted = [name for name in SHEETS if book[name]._charts]
    assert charted == [s for s in SHEETS if s not in ("Cover", "Panel disagreements", "Delays")]
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len([n for n in names if n.startswith("xl/charts/chart")]) == len(charted)


def test_an_extended_clock_counts_met_late_against_its_original_date(api: Api, client: TestClient) -> None:
    """T3 in the workbook: a clock stopped after its original date but within its extension."""
    review = api.new_review_at("submit_to_national_panel")  # rapid_review clock due Fri 27 Feb 2026
    body = {"new_due_on": "2026-03-06", "reason": "Awaiting the police chronology"}
    api.ok(client.post(f"/reviews/{review['id']}/clocks/rapid_review/extend", json=body, headers=api.bu))
    api.ok(api.fire(review["id"], "submit_to_national_panel", "2026-03-02"))
    response = client.get(
        "/reports/summary", params={"from": "2026-02-01", "to": "2026-02-28"}, headers={**api.bu, "Accept": XLSX}
    )
    book = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book["Timeliness"][3]][1:]
    row = dict(zip(header, table(book["Timeliness"])["Rapid: Rapid review"], strict=True))
    assert (row["Met after extension"], row["Original date: breached"], row["Extended date: met"]) == (1, 1, 1)
    delays = table(book["Delays"])
    assert delays["Rapid: Rapid review"][:3] == [review["reference"], "2026-02-27", "2026-03-06"]
    assert delays["Rapid: Rapid review"][-1] == 1  # one working day late against the original date


def test_the_workbook_is_refused_to_whom_the_figures_are(api: Api, client: TestClient, key_for: KeyFor) -> None:
    for key in (key_for("agency", organisation="Salford Primary School"), key_for("admin")):
        problem(client.get("/reports/summary", params={**PERIOD, "format": "xlsx"}, headers=key), 403)
    problem(
        client.get(
            "/reports/summary", params={"from": "2026-03-01", "to": "2026-02-01", "format": "xlsx"}, headers=api.bu
        ),
        422,
    )


def test_the_board_serves_the_workbook_to_the_signed_in_caller(api: Api, client: TestClient) -> None:
    build_february(api)
    secret = api.bu["Authorization"].removeprefix("Bearer ")
    assert client.post("/board/sign-in", data={"key": secret}, follow_redirects=False).status_code == 303
    page = client.get("/board/figures", params={"year": "2025"}).text  # April 2025 to March 2026
    link = "/board/figures.xlsx?from=2025-04-01&amp;to=2026-03-31"
    assert f'href="{link}"' in page
    assert (
        load_workbook(io.BytesIO(client.get(link.replace("&amp;", "&")).content))["Cover"]["B3"].value == "2025-04-01"
    )
    response = client.get("/board/figures.xlsx", params=PERIOD)
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    assert table(load_workbook(io.BytesIO(response.content))["Referrals by type"]) == {
        "Good outcome": [1],
        "Rapid": [3],
    }
