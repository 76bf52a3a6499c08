"""The rule catalogue covers every rule a workflow cites, so a refusal's rule id can always be looked up."""

from __future__ import annotations

from typing import Any

import yaml

from practice_review.config import PROJECT_ROOT
from practice_review.rules.catalogue import rules


def cited_rules(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {str(node["rule"])} if "rule" in node else set()
        return found.union(*(cited_rules(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(cited_rules(v) for v in node))
    return set()


def test_every_rule_a_workflow_cites_is_in_the_catalogue() -> None:
    cited = set().union(
        *(cited_rules(yaml.safe_load(p.read_text())) for p in (PROJECT_ROOT / "workflows").glob("*.yaml"))
    )
    assert cited, "the workflows cite rules"
    assert cited - set(rules()) == set()


def test_catalogue_entries_have_a_title_text_and_source() -> None:
    for rule in rules().values():
        assert rule.title and rule.text and rule.source, rule.id
