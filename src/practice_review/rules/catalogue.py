"""The rule catalogue: every rule id with a plain-English title, its text and its source (catalogue.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    text: str
    source: str


@cache
def rules() -> dict[str, Rule]:
    loaded = yaml.safe_load((Path(__file__).with_name("catalogue.yaml")).read_text(encoding="utf-8"))
    return {r["id"]: Rule(**r) for r in loaded["rules"]}


def rule(rule_id: str) -> Rule | None:
    return rules().get(rule_id)
