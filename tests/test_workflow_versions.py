"""Editing a workflow file makes a new version; open reviews keep theirs and go on working."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from practice_review.api.app import create_app
from practice_review.bootstrap import build_services
from practice_review.config import Settings
from practice_review.services.keys import create_key

from .conftest import TODAY, WORKFLOWS
from .helpers import Api


def _serve(database_url: str, workflows: Path) -> tuple[TestClient, Api, Callable[[], None]]:
    services = build_services(Settings(database_url=database_url, workflows_dir=workflows))
    services.today = lambda: TODAY
    client = TestClient(create_app(services=services))
    client.__enter__()
    bu = {"Authorization": f"Bearer {create_key(services, 'bu', 'business_unit').secret}"}
    chair = {"Authorization": f"Bearer {create_key(services, 'chair', 'chair').secret}"}

    def stop() -> None:
        client.__exit__(None, None, None)
        services.db.dispose()

    return client, Api(client, bu, chair), stop


def test_open_review_keeps_its_workflow_version_after_the_file_changes(database_url: str, tmp_path: Path) -> None:
    workflows = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, workflows)
    _, before, stop = _serve(database_url, workflows)
    old = before.create_review()
    old_version = before.ok(before.client.get("/workflows/rapid", headers=before.bu))["version"]
    stop()

    # The partnership gives screening 10 working days instead of 5, and restarts the service.
    rapid = workflows / "rapid.yaml"
    rapid.write_text(
        rapid.read_text().replace(
            "    from: received_on\n    working_days: 5", "    from: received_on\n    working_days: 10"
        )
    )
    _, after, stop = _serve(database_url, workflows)
    try:
        new_version = after.ok(after.client.get("/workflows/rapid", headers=after.bu))["version"]
        assert new_version != old_version

        new = after.create_review(child_reference="Child C")
        assert new["workflow_version"] == new_version
        assert next(c for c in new["clocks"] if c["name"] == "screening")["due_on"] == "2026-02-16"

        still_old = after.review(old["id"])
        assert still_old["workflow_version"] == old_version
        assert next(c for c in still_old["clocks"] if c["name"] == "screening")["due_on"] == "2026-02-09"
        finished = after.walk(old["id"])  # the old version's machine still runs the whole path
        assert (finished["state"], finished["workflow_version"]) == ("concluded", old_version)
    finally:
        stop()
