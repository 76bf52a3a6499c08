"""The README's worked example stays true: examples/seed_year.py prints the figures the README shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from practice_review.bootstrap import build_services
from practice_review.config import PROJECT_ROOT, Settings
from practice_review.roles import Caller
from practice_review.services.deadlines import list_deadlines
from practice_review.services.reviews import list_reviews


def test_seeded_year_gives_the_figures_in_the_readme(tmp_path: Path) -> None:
    env = {**os.environ, "PRACTICE_REVIEW_DATABASE_URL": f"sqlite:///{tmp_path / 'example.db'}"}
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "examples" / "seed_year.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["referrals"]["total"] == 6
    assert figures["referrals"]["by_outcome"] == {"close_no_further_action": 1, "screen_in": 4, "screen_out": 1}
    assert figures["reviews"]["by_type_and_outcome"] == {"rapid": {"closed": 1, "concluded": 3, "redirected": 1}}
    assert figures["reviews"]["national_panel_disagreed"] == {"count": 1, "references": ["RR-2025-0002"]}
    clocks = {(c["review_type"], c["clock"]): c for c in figures["clocks"]}
    assert (clocks[("rapid", "screening")]["met"], clocks[("rapid", "screening")]["breached"]) == (5, 1)
    assert clocks[("rapid", "rapid_review")]["median_working_days_taken"] == 15
    assert figures["actions"] == {"done_on_time": 1, "done_late": 1, "overdue": 1, "open": 0, "dropped": 1}


def test_seeded_board_shows_red_amber_green_and_a_paused_clock(tmp_path: Path) -> None:
    """examples/seed_board.py dates its reviews back from today, so the board has each mark to show."""
    url = f"sqlite:///{tmp_path / 'board.db'}"
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "examples" / "seed_board.py")],
        env={**os.environ, "PRACTICE_REVIEW_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    services = build_services(Settings(database_url=url))
    try:
        caller = Caller(key_id=0, key_name="test", role="business_unit")
        screening = [d for d in list_deadlines(services, caller)["items"] if d["clock"] == "screening"]
        clocks = list_reviews(services, caller, review_type="lcspr")["items"][0]["clocks"]
    finally:
        services.db.dispose()
    assert [d["status"] for d in screening] == ["breached", "running", "running"]
    assert [d["working_days_remaining"] for d in screening[1:]] == [2, 5]  # amber (within 3), then green
    assert next(c for c in clocks if c["name"] == "completion")["status"] == "paused"
