"""The board's form fields: what a form asks, how a browser's answers become the API's values, and the
GOV.UK error-summary messages for what is wrong with them.

A form's answers are checked by the same pydantic models the API checks its JSON with (schemas.py)
and then by the same service functions, so a form can record nothing the API would refuse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import InvalidData
from .words import day, human

# kinds: text, textarea, number, date, datetime (a date and a time), radios, yesno (a boolean), checkbox
DATE_PARTS = ("day", "month", "year")


@dataclass(frozen=True)
class Field:
    name: str  # the API's field name; nested fields are dotted (reviewer.person_id)
    label: str
    kind: str = "text"
    hint: str = ""
    options: tuple[tuple[str, str], ...] = ()  # radios: (value, words)
    optional: bool = False  # shown as "(optional)"; what is required is the API's to say
    whole: bool = False  # radios whose values are whole numbers (a meeting's id)
    width: str = "govuk-!-width-two-thirds"

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")

    @property
    def inputs(self) -> tuple[str, ...]:
        """The names of the inputs the browser sends for this field."""
        if self.kind == "date":
            return tuple(f"{self.name}-{p}" for p in DATE_PARTS)
        if self.kind == "datetime":
            return (*(f"{self.name}-{p}" for p in DATE_PARTS), f"{self.name}-time")
        return (self.name,)


@dataclass
class Answers:
    """What the browser sent, as given (`raw`, shown back in the form) and as the API's values."""

    raw: dict[str, str]
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message

    def error_list(self, fields: Iterable[Field]) -> list[tuple[str, str]]:
        """(the field's input id, message) in the form's order, for the error summary."""
        by_name = {f.name: f for f in fields}
        ordered = [n for n in by_name if n in self.errors] + [n for n in self.errors if n not in by_name]
        return [(by_name[n].id if n in by_name else "", self.errors[n]) for n in ordered]


def raw_answers(fields: Iterable[Field], form: Mapping[str, Any]) -> dict[str, str]:
    """Every input of `fields` the browser sent, as text (at most 4,000 characters each)."""
    return {name: str(form.get(name, ""))[:4001] for f in fields for name in f.inputs}


def _date(f: Field, raw: Mapping[str, str], errors: dict[str, str]) -> str | None:
    parts = [raw.get(f"{f.name}-{p}", "").strip() for p in DATE_PARTS]
    if not any(parts):
        return None
    try:
        day_, month, year = (int(p) for p in parts)
        return date(year, month, day_).isoformat()
    except ValueError:
        errors[f.name] = f"{f.label} must be a real date, for example 27 3 2026"
        return None


def _value(f: Field, raw: Mapping[str, str], errors: dict[str, str]) -> Any:
    if f.kind == "date":
        return _date(f, raw, errors)
    if f.kind == "datetime":
        on = _date(f, raw, errors)
        time = raw.get(f"{f.name}-time", "").strip()
        if on is None:
            return None
        if len(time) != 5 or time[2] != ":" or not (time[:2] + time[3:]).isdigit():
            errors[f.name] = f"{f.label} needs a time, for example 14:30"
            return None
        return f"{on}T{time}:00"
    text = raw.get(f.name, "").strip()
    if f.whole and text.isdigit() and len(text) < 19:
        return int(text)
    if f.kind == "checkbox":
        return text == "yes"
    if f.kind == "yesno":
        return {"yes": True, "no": False}.get(text)
    if f.kind == "number":
        if not text:
            return None
        if not text.isdigit():
            errors[f.name] = f"{f.label} must be a whole number"
            return None
        return int(text)
    return text or None


def parse(fields: Iterable[Field], raw: Mapping[str, str]) -> Answers:
    """The answers as API values: dates as YYYY-MM-DD, nested fields as objects, empty answers left out."""
    answers = Answers(dict(raw), {})
    for f in fields:
        value = _value(f, raw, answers.errors)
        if value is None:
            continue
        *path, last = f.name.split(".")
        target = answers.values
        for part in path:
            target = target.setdefault(part, {})
        target[last] = value
    return answers


def _missing(f: Field | None, label: str) -> str:
    """GOV.UK's words for an answer not given: "Enter reason", "Select family involvement"."""
    return f"Select {label.lower()}" if f and f.kind in ("radios", "yesno") else f"Enter {label.lower()}"


def _message(f: Field | None, name: str, error: Mapping[str, Any]) -> str:
    label = f.label if f else human(name)
    kind = error["type"]
    if kind in ("missing", "string_too_short") or (kind == "string_type" and error.get("input") is None):
        return _missing(f, label)
    if kind == "string_too_long":
        return f"{label} must be {error['ctx']['max_length']:,} characters or fewer"
    if kind.startswith(("date", "datetime")):
        return f"{label} must be a real date"
    if kind == "literal_error":
        return f"Select {label.lower()}"
    if kind == "extra_forbidden":
        return f"{label} is not asked for here"
    return f"{label}: {error['msg'].removeprefix('Value error, ')}"


def _by_name(fields: Iterable[Field]) -> dict[str, Field]:
    return {f.name: f for f in fields}


def validated(model: type[BaseModel], fields: Iterable[Field], answers: Answers) -> BaseModel | None:
    """The answers as the API's request model, or None with `answers.errors` saying what to put right."""
    if answers.errors:
        return None
    try:
        return model.model_validate(answers.values)
    except ValidationError as exc:
        known = _by_name(fields)
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
            answers.errors.setdefault(name, _message(known.get(name), name, error))
        return None


def refused(exc: InvalidData, fields: Iterable[Field], answers: Answers) -> None:
    """A service's InvalidData as the form's errors, each on its field where the form has it."""
    known = _by_name(fields)
    for error in exc.errors:
        name = error["field"]
        label = known[name].label if name in known else human(name)
        missing = error["message"] == "is required"  # the workflow's data check (engine): the GOV.UK words
        answers.errors.setdefault(name, _missing(known.get(name), label) if missing else f"{label}: {error['message']}")


def answer_rows(fields: Iterable[Field], answers: Answers) -> list[tuple[str, str]]:
    """(label, the answer in words) for each field answered: the check-answers summary list."""
    rows = []
    for f in fields:
        given = [answers.raw.get(name, "").strip() for name in f.inputs]
        if not any(given):
            continue
        if f.kind in ("date", "datetime"):
            text = "/".join(given[:3]) + (f" at {given[3]}" if f.kind == "datetime" else "")
            if f.kind == "date" and (value := _date(f, answers.raw, {})):
                text = day(value)
        elif f.kind == "radios":
            text = dict(f.options).get(given[0], given[0])
        elif f.kind in ("yesno", "checkbox"):
            text = "Yes" if given[0] == "yes" else "No"
        else:
            text = given[0]
        rows.append((f.label, text))
    return rows
