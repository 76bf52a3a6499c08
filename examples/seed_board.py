"""Seed reviews dated back from today, so the board (/board) has something to show: a referral past its
screening deadline (red), one due within 3 working days (amber), one just received (green), and an
LCSPR opened by a rapid review with its completion clock paused.

    .venv/bin/python examples/seed_board.py        # on the configured database (default ./practice_review.db)

Every step goes through the HTTP API (in-process), so every rule applies. Run it more than once and it
adds another set.
"""

from __future__ import annotations

from datetime import date, timedelta

from seed_year import Seeder, with_seeder  # this folder is on the path when the script runs

from practice_review.calendar import WorkingCalendar


def working_days_ago(calendar: WorkingCalendar, today: date, days: int) -> str:
    """The working day `days` working days before `today` (0: today, or the working day before it)."""
    day = today
    for step in range(days + 1):
        if step:
            day -= timedelta(days=1)
        while not calendar.is_working_day(day):
            day -= timedelta(days=1)
    return day.isoformat()


def seed(s: Seeder, calendar: WorkingCalendar, today: date) -> None:
    def ago(days: int) -> str:
        return working_days_ago(calendar, today, days)

    s.referral(ago(8), "Salford City Council", ["neglect"])  # not screened: screening (5 days) breached
    s.referral(ago(3), "Greater Manchester Police", ["exploitation"])  # screening due in 2 working days
    s.referral(ago(0), "NHS Greater Manchester ICB", ["mental health"])  # received today
    walked = s.referral(ago(30), "Salford City Council", ["domestic abuse"])
    answered = s.rapid_review(walked, [ago(n) for n in (28, 27, 26, 19, 17, 13, 2)], "lcspr", "agrees")
    lcspr = answered["links"][0]["review_id"]
    s.call("POST", f"/reviews/{lcspr}/clocks/completion/pause", {"reason": "Criminal trial under way"})


def main() -> None:
    with_seeder(lambda seeder, services: seed(seeder, services.calendar, services.today()))
    print("seeded: open http://127.0.0.1:8000/board")


if __name__ == "__main__":
    main()
