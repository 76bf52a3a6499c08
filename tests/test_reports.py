"""The partnership's figures (policy §21) for February 2026, checked against a hand-built set of reviews."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, insert, select

from practice_review.bootstrap import build_services
from practice_review.config import Settings
from practice_review.roles import Caller
from practice_review.services import reports
from practice_review.services.common import Services
from practice_review.storage.migrations import upgrade
from practice_review.storage.models import Base

from .helpers import Api, problem

BUSINESS_UNIT = Caller(key_id=0, key_name="test", role="business_unit")

PERIOD = {"from": "2026-02-01", "to": "2026-02-28"}


def summary(api: Api, **params: str) -> dict:
    return api.ok(api.client.get("/reports/summary", params={**PERIOD, **params}, headers=api.bu))


def build_february(api: Api) -> dict[str, dict]:
    """Five referrals around February 2026; the comments say what each contributes."""
    r1 = api.new_review_at(themes=["neglect"])  # received 2 Feb, concluded 27 Feb (lcspr, panel agrees)
    r2 = api.create_review(
        received_on="2026-02-28",
        referrer_organisation="Greater Manchester Police",
        themes=["neglect", "domestic abuse"],
    )  # received on the period's last day: pending
    r3 = api.create_review(received_on="2026-01-30")  # received before the period, withdrawn the day after it
    api.ok(api.fire(r3["id"], "withdraw", "2026-03-01", {"reason": "Duplicate referral"}))
    r4 = api.create_review(
        review_type="good_outcome", received_on="2026-02-10", referrer_organisation="Salford Primary School"
    )
    api.prepare(r4["id"], "screen_in")  # a quorate screening meeting with declarations
    api.ok(api.fire(r4["id"], "close_no_further_action", "2026-02-12", {"reason": "Learning already shared"}))
    r5 = api.new_review_at("record_panel_response")
    # The Panel disagrees; the partners confirm the LCSPR (S2), endorse and resubmit; the Panel agrees.
    disagrees = {"panel_view": "disagrees", "notes": "The Panel would not have an LCSPR"}
    api.ok(api.fire(r5["id"], "record_panel_response", "2026-02-23", disagrees))
    api.ok(api.fire(r5["id"], "reconsider_decision", "2026-02-24", {"recommendation": "lcspr"}))
    api.prepare(r5["id"], "endorse")
    api.ok(api.fire(r5["id"], "endorse", "2026-02-25"))
    api.ok(api.fire(r5["id"], "submit_to_national_panel", "2026-02-26"))
    api.ok(api.fire(r5["id"], "record_panel_response", "2026-02-27", {"panel_view": "agrees"}))

    for due_on, status, completed_on in [
        ("2026-02-10", "done", "2026-02-09"),
        ("2026-02-20", "done", "2026-02-25"),
        ("2026-02-25", None, None),
        ("2026-02-28", "dropped", "2026-02-27"),
        ("2026-03-31", None, None),
    ]:
        action = api.ok(
            api.client.post(
                f"/reviews/{r1['id']}/actions",
                headers=api.bu,
                json={
                    "recommendation": "R1",
                    "action": f"Action due {due_on}",
                    "owner_organisation": "Salford City Council",
                    "due_on": due_on,
                    "intended_outcome": "Safer practice",
                },
            ),
            201,
        )
        if status:
            api.ok(
                api.client.patch(
                    f"/reviews/{r1['id']}/actions/{action['id']}",
                    headers=api.bu,
                    json={"status": status, "evidence": "Audit", "reason": "Superseded", "completed_on": completed_on},
                )
            )
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r5": r5}


def test_summary_for_a_hand_built_february(api: Api) -> None:
    reviews = build_february(api)
    figures = summary(api)
    assert (figures["from"], figures["to"], figures["as_of"]) == ("2026-02-01", "2026-02-28", "2026-03-02")

    # Referrals received 1–28 Feb: r1, r2 (on the 28th), r4, r5; not r3 (30 Jan), nor the LCSPRs r1 and r5 opened.
    assert figures["referrals"] == {
        "total": 4,
        "by_type": {"good_outcome": 1, "rapid": 3},
        "by_outcome": {"close_no_further_action": 1, "pending": 1, "screen_in": 2},
        "by_referrer": {"Greater Manchester Police": 1, "Salford City Council": 2, "Salford Primary School": 1},
        "by_theme": {"domestic abuse": 1, "neglect": 2},
    }
    # Ended in February: r1 and r5 concluded on the 27th, r4 closed on the 12th; r3 was withdrawn on 1 March.
    assert figures["reviews"] == {
        "ended": 3,
        "by_type_and_outcome": {"good_outcome": {"closed": 1}, "rapid": {"concluded": 2}},
        "rapid_recommendations": {"lcspr": 2},
        "national_panel_disagreed": {"count": 1, "references": [reviews["r5"]["reference"]]},
    }
    clocks = {(c["review_type"], c["clock"]): c for c in figures["clocks"]}
    assert set(clocks) == {
        ("rapid", "screening"),
        ("rapid", "notification"),
        ("rapid", "rapid_review"),
        ("good_outcome", "screening"),
        ("lcspr", "reviewer_appointment"),
        ("lcspr", "completion"),
    }
    # Screened in on the 5th, 3 working days after receipt; r2's is still running (due 6 March).
    assert clocks[("rapid", "screening")] == {
        "review_type": "rapid",
        "clock": "screening",
        "met": 2,
        "breached": 0,
        "running": 1,
        "cancelled": 0,
        "median_working_days_taken": 3,
        # T3: nothing was extended, so against either deadline the figures are the same.
        "timeliness": {"met_on_time": 2, "met_after_extension": 0, "breached": 0, "running": 1, "cancelled": 0},
        "against_original_deadline": {"met": 2, "breached": 0, "running": 1, "cancelled": 0},
        "against_extended_deadline": {"met": 2, "breached": 0, "running": 1, "cancelled": 0},
        "delays": [],
    }
    assert (
        clocks[("rapid", "notification")]["met"],
        clocks[("rapid", "notification")]["median_working_days_taken"],
    ) == (2, 4)
    assert (
        clocks[("rapid", "rapid_review")]["met"],
        clocks[("rapid", "rapid_review")]["median_working_days_taken"],
    ) == (2, 10)
    assert (
        clocks[("good_outcome", "screening")]["met"],
        clocks[("good_outcome", "screening")]["median_working_days_taken"],
    ) == (1, 2)
    assert clocks[("lcspr", "reviewer_appointment")]["running"] == 2
    # Actions due in February: one done on time, one late, one overdue, one dropped; the March one is not counted.
    assert figures["actions"] == {"done_on_time": 1, "done_late": 1, "overdue": 1, "open": 0, "dropped": 1}


def test_the_period_boundaries_move_what_is_counted(api: Api) -> None:
    build_february(api)
    to_the_27th = summary(api, to="2026-02-27")
    assert to_the_27th["referrals"]["total"] == 3  # r2 arrived on the 28th
    march_1st = api.ok(
        api.client.get("/reports/summary", params={"from": "2026-03-01", "to": "2026-03-01"}, headers=api.bu)
    )
    assert march_1st["reviews"]["by_type_and_outcome"] == {"rapid": {"withdrawn": 1}}  # r3, the day after February
    assert march_1st["referrals"]["total"] == 0


def test_the_summary_as_csv_for_the_annual_report(api: Api) -> None:
    build_february(api)
    for response in (
        api.client.get("/reports/summary", params={**PERIOD, "format": "csv"}, headers=api.bu),
        api.client.get("/reports/summary", params=PERIOD, headers={**api.bu, "Accept": "text/csv"}),
    ):
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        values = {(r["section"], r["group"], r["measure"]): r["value"] for r in rows}
        assert values[("referrals", "", "total")] == "4"
        assert values[("referrals", "theme", "neglect")] == "2"
        assert values[("reviews", "", "national_panel_disagreed")] == "1"
        assert values[("clocks", "rapid/screening", "median_working_days_taken")] == "3"
        assert values[("actions", "", "done_late")] == "1"


def test_a_period_that_ends_before_it_starts_is_refused(api: Api, key_for) -> None:  # type: ignore[no-untyped-def]
    assert problem(
        api.client.get("/reports/summary", params={"from": "2026-03-01", "to": "2026-02-01"}, headers=api.bu), 422
    )
    assert problem(api.client.get("/reports/summary", params=PERIOD, headers=key_for("agency", organisation="X")), 403)


def test_figures_come_from_the_reports_replica_when_one_is_configured(
    api: Api, services: Services, settings: Settings, tmp_path: Path
) -> None:
    """PRACTICE_REVIEW_REPORTS_DATABASE_URL: the figures read the replica (here a copy taken before the
    second referral), so heavy reporting stays off the primary that takes the writes."""
    api.create_review(received_on="2026-02-02")
    replica = f"sqlite:///{tmp_path}/replica.db"
    upgrade(replica)
    with services.db.engine.connect() as primary, create_engine(replica).begin() as copy:
        for table in Base.metadata.sorted_tables:
            rows = [dict(row._mapping) for row in primary.execute(select(table))]
            if rows:
                copy.execute(insert(table), rows)
    api.create_review(received_on="2026-02-03")
    reporting = build_services(settings.model_copy(update={"reports_database_url": replica}))
    reporting.today = services.today
    try:
        figures = reports.summary(reporting, BUSINESS_UNIT, date(2026, 2, 1), date(2026, 2, 28))
    finally:
        reporting.db.dispose()
    assert figures["referrals"]["total"] == 1
    assert summary(api)["referrals"]["total"] == 2  # the primary, read by the service without a replica
