"""Configuration (issue 19): one pydantic-settings model, every variable documented, bad values named."""

from __future__ import annotations

import re
from datetime import date

import pytest

from practice_review.cli import main
from practice_review.config import PROJECT_ROOT, ConfigurationError, Settings


def test_every_setting_is_in_the_example_env_file_and_the_readme() -> None:
    example = (PROJECT_ROOT / "practice-review.env.example").read_text()
    readme = (PROJECT_ROOT / "README.md").read_text()
    listed = set(re.findall(r"^(?:# )?(PRACTICE_REVIEW_[A-Z_]+)=", example, re.MULTILINE))
    expected = {f"PRACTICE_REVIEW_{name.upper()}" for name in Settings.model_fields}
    assert listed == expected
    for name in expected:
        assert f"`{name}`" in readme, name


def test_the_example_env_file_is_a_valid_configuration() -> None:
    lines = (PROJECT_ROOT / "practice-review.env.example").read_text().splitlines()
    env = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert Settings.from_env(env) == Settings.from_env({})


def test_variables_are_parsed_into_typed_settings() -> None:
    settings = Settings.from_env(
        {
            "PRACTICE_REVIEW_THREADS": "8",
            "PRACTICE_REVIEW_REGION": "wls",
            "PRACTICE_REVIEW_CLOSURE_DAYS": "2026-12-29, 2026-12-30",
            "PRACTICE_REVIEW_CORS_ALLOW_ORIGINS": "https://portal.example.org,https://mash.example.org",
            "PRACTICE_REVIEW_POOL_SIZE": "3",
            "PRACTICE_REVIEW_PUBLIC_BASE_URL": "https://reviews.example.org/",
        }
    )
    assert settings.threads == 8 and settings.region == "WLS" and settings.pool_size == 3
    assert settings.closure_days == (date(2026, 12, 29), date(2026, 12, 30))
    assert settings.cors_allow_origins == ("https://portal.example.org", "https://mash.example.org")
    assert settings.public_base_url == "https://reviews.example.org"


def test_arguments_alone_build_settings_without_reading_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRACTICE_REVIEW_THREADS", "7")
    assert Settings(database_url="sqlite:///x.db").threads == 4
    assert Settings.from_env().threads == 7


def test_each_bad_variable_is_one_line_naming_it() -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env(
            {
                "PRACTICE_REVIEW_REGION": "XXX",
                "PRACTICE_REVIEW_THREADS": "0",
                "PRACTICE_REVIEW_DATABASE_URL": "postgresql//nonsense",
                "PRACTICE_REVIEW_CLOSURE_DAYS": "2026-13-01",
                "PRACTICE_REVIEW_CORS_ALLOW_ORIGINS": "portal.example.org",
            }
        )
    named = sorted(problem.split(":")[0] for problem in refused.value.problems)
    assert named == [
        "PRACTICE_REVIEW_CLOSURE_DAYS",
        "PRACTICE_REVIEW_CORS_ALLOW_ORIGINS",
        "PRACTICE_REVIEW_DATABASE_URL",
        "PRACTICE_REVIEW_REGION",
        "PRACTICE_REVIEW_THREADS",
    ]


def test_a_bad_region_stops_any_command_with_exit_2_and_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRACTICE_REVIEW_REGION", "XXX")
    assert main(["keys", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("configuration error: PRACTICE_REVIEW_REGION")


def test_a_password_in_a_bad_url_is_never_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", "mysql://u:hunter2@db/x")
    assert main(["keys", "list"]) == 2
    assert "hunter2" not in capsys.readouterr().err
