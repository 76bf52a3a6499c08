"""The README's rapid review walk-through runs as printed against a real `serve` process (issue 13)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from practice_review.config import PROJECT_ROOT

from .server import CLI, served

WALKTHROUGH = "## A rapid review by API, with curl"


def walkthrough() -> str:
    """The first shell block after the walk-through's heading, exactly as a newcomer would paste it."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme[readme.index(WALKTHROUGH) :]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="the walk-through needs curl and jq")
def test_the_readme_walkthrough_runs_as_printed(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'readme.db'}"
    with served(database_url) as server:
        script = walkthrough().replace("API=http://127.0.0.1:8000", f"API={server.base_url}")
        script = script.replace(".venv/bin/practice-review", CLI)
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env={**os.environ, "PRACTICE_REVIEW_DATABASE_URL": database_url},
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{") and line.endswith("}")]
    fired = [line for line in lines if "version" in line and "blocked_by" in line]
    refused = next(line for line in fired if line["blocked_by"])
    assert sorted(b["rule"] for b in refused["blocked_by"]) == ["D2", "Q4"]
    assert [line["state"] for line in fired if not line["blocked_by"]][-1] == "concluded"
    history = [line for line in lines if "seq" in line]
    assert [h["event"] for h in history if h["kind"] == "transition"][-1] == "record_panel_response"
