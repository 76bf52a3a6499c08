"""The partnership's settings (rule T1): who the statutory partners are, who endorses, and the timescales
that are not clocks of one review type. Read from `workflows/partnership.yaml`; a workflow file's own
`settings:` block may set its review type's timescales (information requests, the papers hours).

Every workflow definition carries its effective settings (the partnership's, overlaid by its own) in
the source that is hashed into its version and stored, so a review keeps the settings it started with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PARTNERSHIP_FILE = "partnership.yaml"
# Keys only partnership.yaml sets: the API, keys and board read them for the whole partnership.
PARTNERSHIP_WIDE = ("statutory_partners", "endorsing_parties", "due_soon_working_days")
PER_WORKFLOW = ("papers_hours", "information_requests")
KEYS = (*PARTNERSHIP_WIDE, *PER_WORKFLOW)
CODE_PATTERN = "abcdefghijklmnopqrstuvwxyz0123456789_"
# libyaml's parser where PyYAML was built with it (same documents, ~25x faster): every process and every test
# that builds the services reads the workflow files.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> Any:
    """`yaml.safe_load`, on libyaml when it is there; raises yaml.YAMLError."""
    return yaml.load(text, Loader=_LOADER)


@dataclass(frozen=True)
class WorkflowSettings:
    statutory_partners: tuple[str, ...]  # Q1, Q2, L6: partner codes
    endorsing_parties: tuple[str, ...]  # §19: who may record an endorsement
    due_soon_working_days: int  # the board's amber
    papers_hours: int  # Q4
    information_requests: Mapping[str, int] = field(hash=False)  # T2: kind -> working days to answer

    def as_source(self) -> dict[str, Any]:
        return {
            "statutory_partners": list(self.statutory_partners),
            "endorsing_parties": list(self.endorsing_parties),
            "due_soon_working_days": self.due_soon_working_days,
            "papers_hours": self.papers_hours,
            "information_requests": dict(self.information_requests),
        }

    def party_list(self, name: str) -> tuple[str, ...]:
        """A list of parties a workflow names by its settings key (`parties: statutory_partners`)."""
        return self.statutory_partners if name == "statutory_partners" else self.endorsing_parties


class SettingsError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _codes(value: Any, where: str, problems: list[str]) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        problems.append(f"{where} must be a non-empty list of codes")
        return None
    bad = [v for v in value if set(v) - set(CODE_PATTERN) or len(v) > 64]
    if bad or len(set(value)) != len(value):
        problems.append(f"{where}: codes are lower-case letters, digits and _, at most 64, each once (not {bad})")
        return None
    return tuple(value)


def _whole(value: Any, where: str, problems: list[str], least: int = 0) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least or value > 1000:
        problems.append(f"{where} must be a whole number from {least} to 1000")
        return None
    return value


def _days_by_kind(value: Any, where: str, problems: list[str]) -> dict[str, int] | None:
    if not isinstance(value, dict) or not value:
        problems.append(f"{where} must map each request kind to its working days")
        return None
    kinds = _codes(list(value), f"{where} kinds", problems)
    days = {str(k): _whole(v, f"{where}.{k}", problems, least=1) for k, v in value.items()}
    return {k: d for k, d in days.items() if d is not None} if kinds and None not in days.values() else None


PARSERS = {
    "statutory_partners": _codes,
    "endorsing_parties": _codes,
    "due_soon_working_days": _whole,
    "papers_hours": _whole,
    "information_requests": _days_by_kind,
}


def parse_settings(raw: Any, where: str, base: WorkflowSettings | None = None) -> WorkflowSettings:
    """`raw` over `base`: every key given is checked; without a base every key must be given."""
    problems: list[str] = []
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SettingsError([f"{where} must be a mapping"])
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        problems.append(f"{where}: unknown settings {unknown} (known: {', '.join(KEYS)})")
    values = base.as_source() if base else {}
    for key in KEYS:
        if key in raw:
            parsed = PARSERS[key](raw[key], f"{where}.{key}", problems)  # type: ignore[operator]
            if parsed is not None:
                values[key] = parsed
        elif key not in values:
            problems.append(f"{where}: '{key}' is not given")
    if problems:
        raise SettingsError(problems)
    return WorkflowSettings(
        statutory_partners=tuple(values["statutory_partners"]),
        endorsing_parties=tuple(values["endorsing_parties"]),
        due_soon_working_days=int(values["due_soon_working_days"]),
        papers_hours=int(values["papers_hours"]),
        information_requests=dict(values["information_requests"]),
    )


def load_partnership(directory: Path) -> WorkflowSettings:
    """`partnership.yaml` in `directory`; a folder without one uses the shipped partnership's file."""
    path = directory / PARTNERSHIP_FILE
    if not path.is_file():
        return shipped_partnership()
    return _load(path)


def _load(path: Path) -> WorkflowSettings:
    try:
        source = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SettingsError([f"{path.name}: not valid YAML: {exc}"]) from exc
    if not isinstance(source, dict) or set(source) != {"partnership"}:
        raise SettingsError([f"{path.name}: the file is one mapping, 'partnership:', holding the settings"])
    try:
        return parse_settings(source["partnership"], f"{path.name}: partnership")
    except SettingsError as exc:
        raise SettingsError(exc.problems) from None


@cache
def shipped_partnership() -> WorkflowSettings:
    """The partnership file shipped with the service (Salford's), for a definition given without one."""
    from ..config import default_workflows_dir

    return _load(default_workflows_dir() / PARTNERSHIP_FILE)
