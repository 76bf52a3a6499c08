"""Workflow definitions: one YAML file per review type, loaded and validated into frozen data.

A definition's version is a hash of its content, so editing a file yields a new version while
reviews already open stay on the one they started with (their definition is kept in the database).
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..roles import ROLES
from . import guards as guard_registry
from .partnership import (
    PARTNERSHIP_FILE,
    PARTNERSHIP_WIDE,
    SettingsError,
    WorkflowSettings,
    load_partnership,
    parse_settings,
    read_yaml,
    shipped_partnership,
)

ANY_OPEN_STATE = "*"
CREATED = "created"
DATA_TYPES = {"string", "integer", "boolean", "date", "object"}
# L2a: decided_on is the local decision to review: a `decided_on` fact the review was opened with, else received_on
REVIEW_DATE_FIELDS = {"received_on", "became_aware_on", "decided_on"}
PARTY_LISTS = ("statutory_partners", "endorsing_parties")  # settings a guard's `parties` may name
EVENT_KEYS = {"name", "from", "to", "roles", "meeting", "data", "guards", "remember", "opens", "branches"}


class WorkflowError(ValueError):
    """A workflow file that cannot be run; `problems` lists every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str = "string"
    enum: tuple[str, ...] = ()
    required: bool = False
    max_length: int = 4000
    fields: tuple[FieldSpec, ...] = ()  # for type: object


@dataclass(frozen=True)
class GuardSpec:
    rule: str
    check: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class EventDef:
    name: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    guards: tuple[GuardSpec, ...]
    data: tuple[FieldSpec, ...] = ()
    meeting: str | None = None
    remember: dict[str, Any] = field(default_factory=dict, hash=False)  # fact name -> what to keep
    opens: Opens | None = None
    branches: Branches | None = None  # S2: where the event goes depends on a data field's value

    @property
    def destinations(self) -> tuple[str, ...]:
        """Every state the event can lead to: its `to`, and each branch's."""
        cases = self.branches.cases.values() if self.branches else ()
        return tuple(dict.fromkeys([self.dest, *(c.dest for c in cases)]))

    def branch(self, data: dict[str, Any]) -> Branch | None:
        """The branch the event's data selects, if any (None: the event's own `to`, `opens` and `remember`)."""
        if self.branches is None:
            return None
        return self.branches.cases.get(str(data.get(self.branches.field)))


@dataclass(frozen=True)
class Opens:
    """K1: the event opens a linked review of the type that a data field or fact names."""

    source: str  # a data field, else a fact
    types: dict[str, str] = field(hash=False)  # its value -> review type; other values open nothing
    carry: tuple[str, ...] = ()  # facts the opened review starts with (L2a: decided_on)


@dataclass(frozen=True)
class ExternalLinkSpec:
    """K1: the event records a link to an external process, its reference taken from a data field."""

    kind: str
    reference: str  # a data field
    relation: str


@dataclass(frozen=True)
class Branch:
    """One value of a branching field: where the event goes instead, what it opens, keeps and links.

    A branch opens nothing unless it says so."""

    dest: str
    opens: Opens | None = None
    remember: dict[str, Any] = field(default_factory=dict, hash=False)
    link: ExternalLinkSpec | None = None


@dataclass(frozen=True)
class Branches:
    field: str
    cases: dict[str, Branch] = field(hash=False)


@dataclass(frozen=True)
class ClockDef:
    name: str
    rule: str
    starts_on: str
    start_from: str | None
    working_days: int | None
    months: int | None
    stops_on: tuple[str, ...]
    window: bool = False  # a period others are given (L5), never breached: it closes
    pausable: bool = True  # T3: may be paused (C6); one that is not is extended with a reason instead

    @property
    def start(self) -> dict[str, str]:
        """What starts it and which date it counts from."""
        if self.starts_on == CREATED:
            return {"event": CREATED, "date": self.start_from or "received_on"}
        return {"event": self.starts_on, "date": "occurred_on"}

    @property
    def duration_text(self) -> str:
        return f"{self.working_days} working days" if self.working_days is not None else f"{self.months} months"


@dataclass(frozen=True)
class WorkflowDefinition:
    review_type: str
    title: str
    reference_prefix: str
    version: str
    initial_states: tuple[str, ...]
    states: tuple[str, ...]
    final_states: frozenset[str]
    events: tuple[EventDef, ...]
    clocks: tuple[ClockDef, ...]
    every_event_guards: tuple[GuardSpec, ...]
    settings: WorkflowSettings
    source: dict[str, Any] = field(hash=False, compare=False)
    tasks: tuple[GuardSpec, ...] = ()  # S5, N1, X1: checks that block nothing but show what is left to do

    def events_from(self, state: str) -> list[EventDef]:
        return [e for e in self.events if state in e.sources]

    def event(self, name: str, state: str) -> EventDef | None:
        return next((e for e in self.events if e.name == name and state in e.sources), None)

    def has_event(self, name: str) -> bool:
        return any(e.name == name for e in self.events)

    def is_open(self, state: str) -> bool:
        return state not in self.final_states

    def meeting_rules(self, kind: str) -> tuple[tuple[str, ...], int]:
        """Q1–Q4 for a meeting of `kind`: the partners its quorum needs and the papers hours, as the guards of
        the events decided at it say, else as the settings say (T1)."""
        partners, hours = self.settings.statutory_partners, self.settings.papers_hours
        for guard in (g for e in self.events if e.meeting == kind for g in e.guards):
            named = guard.params.get("partners")
            if guard.check == "meeting_quorate" and named is not None:
                partners = self.settings.party_list(named) if isinstance(named, str) else tuple(named)
            if guard.check == "documents_shared_in_time" and guard.params.get("hours") is not None:
                hours = int(guard.params["hours"])
        return partners, hours


def content_version(source: dict[str, Any]) -> str:
    canonical = json.dumps(source, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


class _Parser:
    """Turns one parsed YAML document into a WorkflowDefinition, collecting every problem."""

    def __init__(self, source: dict[str, Any], origin: str, partnership: WorkflowSettings | None, stored: bool) -> None:
        self.source = source
        self.origin = origin
        self.partnership = partnership
        self.stored = stored
        self.problems: list[str] = []
        self.settings = shipped_partnership() if partnership is None else partnership

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        """`value` as a mapping (None: empty), or a recorded problem and an empty mapping."""
        if value is None:
            return {}
        if isinstance(value, dict):
            return value
        self.fail(f"{where} must be a mapping, not {type(value).__name__}")
        return {}

    def names(self, value: Any, where: str) -> list[str]:
        """A name or a list of names; anything else is a recorded problem."""
        items = _as_list(value)
        if not all(_is_scalar(i) for i in items):
            self.fail(f"{where} must be a name or a list of names")
            return []
        return [str(i) for i in items]

    def parse(self) -> WorkflowDefinition:
        try:
            return self._parse()
        except WorkflowError:
            raise
        except (TypeError, ValueError, AttributeError) as exc:  # a shape the checks below did not foresee
            raise WorkflowError(self.origin, [*self.problems, f"malformed workflow: {exc}"]) from exc

    def _parse(self) -> WorkflowDefinition:
        src = self.source
        if not isinstance(src, dict):
            raise WorkflowError(self.origin, ["the file is not a YAML mapping"])
        for key in ("review_type", "states", "events"):
            if key not in src:
                self.fail(f"missing top-level key '{key}'")
        if self.problems:
            raise WorkflowError(self.origin, self.problems)
        known = {
            "review_type",
            "title",
            "reference_prefix",
            "states",
            "events",
            "clocks",
            "every_event",
            "settings",
            "tasks",
        }
        unknown = set(src) - known
        if unknown:
            self.fail(f"unknown top-level keys: {sorted(unknown)}")
        self._settings(src.get("settings"))

        states, initial, final = self._states(src["states"])
        events = tuple(self._event(i, e, states, final) for i, e in enumerate(_as_list(src["events"])))
        self._check_unique(events)
        clocks = tuple(self._clock(name, c, events) for name, c in self.mapping(src.get("clocks"), "'clocks'").items())
        every = self._guards(self.mapping(src.get("every_event"), "'every_event'").get("guards"), "every_event")
        tasks = self._guards(src.get("tasks"), "tasks")
        self._check_reachable(states, initial, final, events)
        self._check_carried(events)
        if self.problems:
            raise WorkflowError(self.origin, self.problems)
        resolved = {**src, "settings": self.settings.as_source()}  # T1: hashed and stored with the version
        return WorkflowDefinition(
            review_type=str(src["review_type"]),
            title=str(src.get("title") or src["review_type"]),
            reference_prefix=str(src.get("reference_prefix") or str(src["review_type"])[:3].upper()),
            version=content_version(resolved),
            initial_states=tuple(initial),
            states=tuple(states),
            final_states=frozenset(final),
            events=events,
            clocks=clocks,
            every_event_guards=every,
            settings=self.settings,
            source=resolved,
            tasks=tasks,
        )

    def _settings(self, raw: Any) -> None:
        """T1: the partnership's settings overlaid by this file's own `settings:` block. A stored version
        keeps its own; a file may not change the partnership-wide ones (they live in partnership.yaml)."""
        if raw is not None and not self.stored and self.partnership is not None and isinstance(raw, dict):
            current = self.partnership.as_source()
            for key in PARTNERSHIP_WIDE:
                if key in raw and raw[key] != current[key]:
                    self.fail(f"settings: '{key}' is the partnership's: set it in {PARTNERSHIP_FILE}")
        try:
            self.settings = parse_settings(raw, "settings", self.settings)
        except SettingsError as exc:
            self.problems.extend(exc.problems)

    def _states(self, raw: Any) -> tuple[list[str], list[str], set[str]]:
        if not isinstance(raw, dict) or not raw:
            self.fail("'states' must be a non-empty mapping of state name to options")
            return [], [], set()
        options = {str(s): self.mapping(o, f"state '{s}'") for s, o in raw.items()}
        states = list(options)
        initial = [s for s, o in options.items() if o.get("initial")]
        final = {s for s, o in options.items() if o.get("final")}
        for name, option in options.items():
            extra = set(option) - {"initial", "final"}
            if extra:
                self.fail(f"state '{name}': unknown options {sorted(extra)}")
        if not initial:
            self.fail("no state is marked initial: true")
        return states, initial, final

    def _event(self, index: int, raw: Any, states: list[str], final: set[str]) -> EventDef:
        raw = self.mapping(raw, f"event #{index}")
        name = str(raw.get("name") or f"#{index}")
        where = f"event '{name}'"
        unknown = set(raw) - EVENT_KEYS
        if unknown:
            self.fail(f"{where}: unknown keys {sorted(unknown)}")
        sources = self.names(raw.get("from"), f"{where}: 'from'")
        if sources == [ANY_OPEN_STATE]:
            sources = [s for s in states if s not in final]
        for state in [*sources, raw.get("to")]:
            if state not in states:
                self.fail(f"{where}: unknown state '{state}'")
        if not sources:
            self.fail(f"{where}: no 'from' state")
        for state in sources:
            if state in final:
                self.fail(f"{where}: leaves final state '{state}'")
        roles = tuple(self.names(raw.get("roles"), f"{where}: 'roles'"))
        if not roles:
            self.fail(f"{where}: no roles may fire it")
        for role in roles:
            self._check_role(role, where)
        meeting = raw.get("meeting")
        if meeting is not None and meeting not in MEETING_KINDS:
            self.fail(f"{where}: unknown meeting kind '{meeting}' (one of {sorted(MEETING_KINDS)})")
        data = tuple(
            self._field(where, f, spec) for f, spec in self.mapping(raw.get("data"), f"{where}: 'data'").items()
        )
        return EventDef(
            name=name,
            sources=tuple(str(s) for s in sources),
            dest=str(raw.get("to")),
            roles=roles,
            guards=self._guards(raw.get("guards"), where),
            data=data,
            meeting=meeting,
            remember=self._remember(raw.get("remember"), where),
            opens=self._opens(raw.get("opens"), where),
            branches=self._branches(raw.get("branches"), where, states, data),
        )

    def _branches(self, raw: Any, where: str, states: list[str], data: tuple[FieldSpec, ...]) -> Branches | None:
        """`branches: {field: <enum data field>, cases: {value: {to, opens, remember, link}}}` (S2)."""
        if raw is None:
            return None
        raw = self.mapping(raw, f"{where}: 'branches'")
        name = str(raw.get("field"))
        spec = next((f for f in data if f.name == name), None)
        if spec is None or not spec.enum:
            self.fail(f"{where}: 'branches' field '{name}' must be one of the event's enum data fields")
        cases = {}
        for value, case in self.mapping(raw.get("cases"), f"{where}: 'branches' cases").items():
            at = f"{where}: branch '{value}'"
            case = self.mapping(case, at)
            if set(case) - {"to", "opens", "remember", "link"}:
                self.fail(f"{at}: unknown keys {sorted(set(case) - {'to', 'opens', 'remember', 'link'})}")
            if spec is not None and spec.enum and str(value) not in spec.enum:
                self.fail(f"{at}: '{value}' is not a value of data field '{name}'")
            if case.get("to") not in states:
                self.fail(f"{at}: unknown state '{case.get('to')}'")
            cases[str(value)] = Branch(
                dest=str(case.get("to")),
                opens=self._opens(case.get("opens"), at),
                remember=self._remember(case.get("remember"), at),
                link=self._link(case.get("link"), at, data),
            )
        return Branches(field=name, cases=cases)

    def _link(self, raw: Any, where: str, data: tuple[FieldSpec, ...]) -> ExternalLinkSpec | None:
        if raw is None:
            return None
        raw = self.mapping(raw, f"{where}: 'link'")
        reference = str(raw.get("reference", "")).removeprefix("data.")
        if not raw.get("kind") or reference not in {f.name for f in data}:
            self.fail(f"{where}: 'link' needs 'kind' and 'reference' (one of the event's data fields)")
        return ExternalLinkSpec(
            kind=str(raw.get("kind")), reference=reference, relation=str(raw.get("relation") or raw.get("kind"))
        )

    def _check_role(self, role: str, where: str) -> None:
        base, _, partner = role.partition(":")
        if base not in ROLES:
            self.fail(f"{where}: unknown role '{role}'")
        elif partner and (base != "partner" or partner not in self.settings.statutory_partners):
            codes = ", ".join(self.settings.statutory_partners)
            self.fail(f"{where}: unknown role '{role}' (partner codes: {codes})")

    def _field(self, where: str, name: str, raw: Any) -> FieldSpec:
        raw = self.mapping(raw, f"{where}: data field '{name}'")
        enum = tuple(self.names(raw.get("enum"), f"{where}: data field '{name}' enum"))
        kind = "enum" if enum else str(raw.get("type", "string"))
        if kind != "enum" and kind not in DATA_TYPES:
            self.fail(f"{where}: data field '{name}' has unknown type '{kind}'")
        max_length = raw.get("max_length", 4000)
        if not isinstance(max_length, int) or max_length < 1:
            self.fail(f"{where}: data field '{name}' max_length must be a positive whole number")
            max_length = 4000
        fields = self.mapping(raw.get("fields"), f"{where}: data field '{name}' fields")
        if (kind == "object") != bool(fields):
            self.fail(f"{where}: data field '{name}': give 'fields' for, and only for, type object")
        return FieldSpec(
            name=name,
            type=kind,
            enum=enum,
            required=bool(raw.get("required", False)),
            max_length=max_length,
            fields=tuple(self._field(f"{where}: {name}", sub, spec) for sub, spec in fields.items()),
        )

    def _remember(self, raw: Any, where: str) -> dict[str, Any]:
        """`remember: {fact: occurred_on | data.<field> | {months: N}}`: facts the review keeps."""
        remember = self.mapping(raw, f"{where}: 'remember'")
        for fact, source in remember.items():
            ok = source == "occurred_on" or (isinstance(source, str) and source.startswith("data."))
            ok = ok or (isinstance(source, dict) and set(source) == {"months"} and isinstance(source["months"], int))
            if not ok:
                self.fail(f"{where}: remember '{fact}' must be occurred_on, data.<field> or {{months: N}}")
        return remember

    def _opens(self, raw: Any, where: str) -> Opens | None:
        if raw is None:
            return None
        opens = self.mapping(raw, f"{where}: 'opens'")
        types = self.mapping(opens.get("types"), f"{where}: 'opens' types")
        if not opens.get("from") or not types:
            self.fail(f"{where}: 'opens' needs 'from' (a data field or fact) and 'types' (value: review type)")
        carry = tuple(self.names(opens.get("carry"), f"{where}: 'opens' carry"))
        extra = set(opens) - {"from", "types", "carry"}
        if extra:
            self.fail(f"{where}: 'opens' has unknown keys {sorted(extra)}")
        return Opens(source=str(opens.get("from")), types={str(k): str(v) for k, v in types.items()}, carry=carry)

    def _check_carried(self, events: tuple[EventDef, ...]) -> None:
        """A fact carried to an opened review must be one some event remembers."""
        remembered = {fact for e in events for fact in e.remember}
        for event in events:
            for fact in event.opens.carry if event.opens else ():
                if fact not in remembered:
                    self.fail(f"event '{event.name}': 'opens' carries '{fact}', which no event remembers")

    def _guards(self, raw: Any, where: str) -> tuple[GuardSpec, ...]:
        specs = []
        for item in _as_list(raw):
            item = self.mapping(item, f"{where}: a guard")
            rule, check = item.get("rule"), item.get("check")
            params = self.mapping(item.get("with"), f"{where}: guard '{check}' 'with'")
            if not rule:
                self.fail(f"{where}: a guard has no rule id")
            registered = guard_registry.REGISTRY.get(str(check))
            if registered is None:
                self.fail(
                    f"{where}: unknown guard '{check}' (registered: {', '.join(sorted(guard_registry.REGISTRY))})"
                )
            else:
                accepted = set(inspect.signature(registered).parameters) - {"ctx", "attempt"}
                if set(params) - accepted:
                    self.fail(f"{where}: guard '{check}' takes no parameter(s) {sorted(set(params) - accepted)}")
                self._check_parties(params.get("parties"), f"{where}: guard '{check}'")
            specs.append(GuardSpec(rule=str(rule), check=str(check), params=dict(params)))
        return tuple(specs)

    def _check_parties(self, parties: Any, where: str) -> None:
        """T1: `parties` is a settings list by name, or parties each of whom may endorse."""
        if parties is None:
            return
        if isinstance(parties, str):
            if parties not in PARTY_LISTS:
                self.fail(f"{where}: parties '{parties}' is not a settings list ({', '.join(PARTY_LISTS)})")
            return
        unknown = [p for p in self.names(parties, f"{where}: parties") if p not in self.settings.endorsing_parties]
        if unknown:
            allowed = ", ".join(self.settings.endorsing_parties)
            self.fail(f"{where}: {', '.join(unknown)} may not endorse (endorsing parties: {allowed})")

    def _clock(self, name: str, raw: Any, events: tuple[EventDef, ...]) -> ClockDef:
        where = f"clock '{name}'"
        raw = self.mapping(raw, where)
        event_names = {e.name for e in events}
        if not raw.get("rule"):
            self.fail(f"{where}: has no rule id")
        starts_on = str(raw.get("starts_on", ""))
        if starts_on != CREATED and starts_on not in event_names:
            self.fail(f"{where}: starts on unknown event '{starts_on}'")
        start_from = raw.get("from")
        if start_from is not None and (starts_on != CREATED or start_from not in REVIEW_DATE_FIELDS):
            self.fail(f"{where}: 'from' must be one of {sorted(REVIEW_DATE_FIELDS)} and only with starts_on: created")
        stops_on = tuple(self.names(raw.get("stops_on"), f"{where}: 'stops_on'"))
        for event in stops_on:
            if event not in event_names:
                self.fail(f"{where}: stops on unknown event '{event}'")
        working_days, months = raw.get("working_days"), raw.get("months")
        if (working_days is None) == (months is None):
            self.fail(f"{where}: give exactly one of working_days or months")
        elif not isinstance(working_days if months is None else months, int):
            self.fail(f"{where}: the duration must be a whole number")
        pausable = raw.get("pausable", True)
        if not isinstance(pausable, bool):
            self.fail(f"{where}: 'pausable' must be true or false")
        return ClockDef(
            window=bool(raw.get("window", False)),
            pausable=pausable is not False,
            name=name,
            rule=str(raw.get("rule", "")),
            starts_on=starts_on,
            start_from=start_from,
            working_days=working_days,
            months=months,
            stops_on=stops_on,
        )

    def _check_unique(self, events: tuple[EventDef, ...]) -> None:
        seen: set[tuple[str, str]] = set()
        for event in events:
            for source in event.sources:
                if (event.name, source) in seen:
                    self.fail(f"event '{event.name}' is declared twice from state '{source}'")
                seen.add((event.name, source))

    def _check_reachable(
        self, states: list[str], initial: list[str], final: set[str], events: tuple[EventDef, ...]
    ) -> None:
        reached, queue = set(initial), deque(initial)
        while queue:
            state = queue.popleft()
            for event in events:
                for dest in event.destinations if state in event.sources else ():
                    if dest not in reached:
                        reached.add(dest)
                        queue.append(dest)
        for state in states:
            if state not in reached:
                self.fail(f"state '{state}' is unreachable from the initial state(s)")
            elif state not in final and not any(state in e.sources for e in events):
                self.fail(f"state '{state}' is not final but no event leaves it")


# P1 adds practitioner_event; review_group is the review group of an LCSPR or other review (§20.2).
MEETING_KINDS = frozenset(
    {"screening", "rapid_review", "panel", "learning_event", "review_group", "practitioner_event"}
)


def parse_definition(
    source: dict[str, Any],
    origin: str = "<workflow>",
    partnership: WorkflowSettings | None = None,
    stored: bool = False,
) -> WorkflowDefinition:
    """One workflow under `partnership`'s settings (default: the shipped partnership.yaml). A `stored`
    version (from the database) keeps the settings it was stored with, whatever the partnership says now."""
    return _Parser(source, origin, partnership, stored).parse()


def load_file(path: Path, partnership: WorkflowSettings | None = None) -> WorkflowDefinition:
    try:
        source = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise WorkflowError(str(path), [f"not valid YAML: {exc}"]) from exc
    return parse_definition(source, str(path), partnership or load_partnership(path.parent))


def workflow_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.name != PARTNERSHIP_FILE)


def load_directory(directory: Path) -> list[WorkflowDefinition]:
    """Every `*.yaml` in `directory` under its partnership.yaml, validated; raises WorkflowError naming
    every problem found."""
    files = workflow_files(directory)
    if not files:
        raise WorkflowError(str(directory), ["no workflow files (*.yaml) found"])
    try:
        partnership = load_partnership(directory)
    except SettingsError as exc:
        raise WorkflowError(str(directory), exc.problems) from None
    definitions, problems = [], []
    for path in files:
        try:
            definitions.append(load_file(path, partnership))
        except WorkflowError as exc:
            problems.extend(f"{path.name}: {p}" for p in exc.problems)
    seen: dict[str, str] = {}
    for definition in definitions:
        if definition.review_type in seen:
            problems.append(f"review type '{definition.review_type}' is declared twice")
        seen[definition.review_type] = definition.version
    for definition in definitions:
        for event in definition.events:
            branches = event.branches.cases.values() if event.branches else ()
            opened = [o for o in (event.opens, *(b.opens for b in branches)) if o is not None]
            for review_type in (t for o in opened for t in o.types.values()):
                if review_type not in seen:
                    where = f"{definition.review_type}: event '{event.name}'"
                    problems.append(f"{where} opens unknown review type '{review_type}'")
    if problems:
        raise WorkflowError(str(directory), problems)
    return definitions


def request_kinds(definitions: Iterable[WorkflowDefinition]) -> tuple[str, ...]:
    """T2: every information-request kind the workflows' settings give a deadline, in the order first given."""
    return tuple({kind: None for d in definitions for kind in d.settings.information_requests})


def mermaid(definition: WorkflowDefinition) -> str:
    lines = ["stateDiagram-v2"]
    lines += [f"    [*] --> {state}" for state in definition.initial_states]
    for event in definition.events:
        lines += [f"    {source} --> {dest} : {event.name}" for source in event.sources for dest in event.destinations]
    lines += [f"    {state} --> [*]" for state in definition.states if state in definition.final_states]
    return "\n".join(lines) + "\n"


def _describe_field(spec: FieldSpec) -> dict[str, Any]:
    described: dict[str, Any] = {"type": spec.type, "required": spec.required}
    if spec.enum:
        described["enum"] = list(spec.enum)
    if spec.fields:
        described["fields"] = {f.name: _describe_field(f) for f in spec.fields}
    return described


def _describe_branches(event: EventDef) -> dict[str, Any] | None:
    if event.branches is None:
        return None
    cases = {
        value: {
            "to": b.dest,
            "opens": {"from": b.opens.source, "types": b.opens.types} if b.opens else None,
            "link": {"kind": b.link.kind, "reference": b.link.reference} if b.link else None,
        }
        for value, b in event.branches.cases.items()
    }
    return {"field": event.branches.field, "cases": cases}


def describe(definition: WorkflowDefinition) -> dict[str, Any]:
    """The API's view of a definition (api.md "Workflows")."""
    return {
        "review_type": definition.review_type,
        "title": definition.title,
        "version": definition.version,
        "initial_states": list(definition.initial_states),
        "states": list(definition.states),
        "final_states": sorted(definition.final_states),
        "events": [
            {
                "name": e.name,
                "from": list(e.sources),
                "to": e.dest,
                "roles": list(e.roles),
                "guards": [{"rule": g.rule, "check": g.check} for g in (*definition.every_event_guards, *e.guards)],
                "opens": {"from": e.opens.source, "types": e.opens.types, "carry": list(e.opens.carry)}
                if e.opens
                else None,
                "data": {f.name: _describe_field(f) for f in e.data},
                "branches": _describe_branches(e),
            }
            for e in definition.events
        ],
        "tasks": [{"rule": t.rule, "check": t.check} for t in definition.tasks],
        "clocks": [
            {
                "name": c.name,
                "rule": c.rule,
                "starts_on": c.starts_on,
                "from": c.start_from,
                "duration": c.duration_text,
                "working_days": c.working_days,
                "months": c.months,
                "stops_on": list(c.stops_on),
                "window": c.window,
                "pausable": c.pausable,
                "start": c.start,
            }
            for c in definition.clocks
        ],
        "settings": definition.settings.as_source(),
    }
