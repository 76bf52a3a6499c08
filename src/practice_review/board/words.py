"""The words the board puts on values: names, dates and times, recorded data, rule ids and blockers.
The templates' filters. Nothing raw reaches a person: no JSON, no `{}`, no field names, no bare rule ids."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from markupsafe import Markup, escape

from ..calendar import LONDON
from ..rules.catalogue import rule, rules

# Names whose words are not simply the name with spaces (acronyms, the policy's own terms).
SPECIAL = {
    "icb": "ICB",
    "lcspr": "LCSPR",
    "lcsprs": "LCSPRs",
    "ofsted": "Ofsted",
    "gp": "GP",
    "url": "URL",
    "occurred_on": "the date it happened",
    "person_id": "person",
    "meeting_id": "meeting",
    "not_in_childs_interests": "not in the child's interests",
    "childs": "child's",
}


def human(name: str | None) -> str:
    """`gathering_information` as "Gathering information"; `icb` as "ICB"."""
    if not name:
        return ""
    if name in SPECIAL:
        text = SPECIAL[name]
    else:
        text = " ".join(SPECIAL.get(word, word) for word in name.split("_"))
    return text[:1].upper() + text[1:]


PARTNERS = {"local_authority": "Local authority", "icb": "ICB", "police": "Police"}


def partner(code: str | None) -> str:
    """A statutory partner's code as its name: `icb` as "ICB"."""
    return PARTNERS.get(code or "", human(code))


def _date(value: str | date) -> date:
    if isinstance(value, datetime):
        return value.astimezone(LONDON).date()
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def day(value: str | date | None) -> str:
    """A date as "Thu 19 Nov 2026": the one format the board shows dates in."""
    if not value:
        return ""
    when = _date(value)
    return f"{when:%a} {when.day} {when:%b %Y}"


def moment(value: str | datetime | None) -> str:
    """A timestamp in London time, as "Thu 19 Nov 2026 at 10:31"."""
    if not value:
        return ""
    when = (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(LONDON)
    return f"{day(when.date())} at {when:%H:%M}"


ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?\b")


def _words(value: Any) -> str:
    """A recorded value as words: dates in the board's format, names in words, never JSON."""
    if value is None or value == "" or value == {} or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return (
            _person(value)
            if "name" in value
            else "; ".join(f"{human(k).lower()}: {_words(v)}" for k, v in value.items())
        )
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value)
    if isinstance(value, str):
        if ISO_DAY.fullmatch(value):
            return moment(value) if "T" in value else day(value)
        return " ".join(SPECIAL.get(w, w) for w in value.split("_")) if re.fullmatch(r"[a-z_]+", value) else value
    return str(value)


def _person(value: dict[str, Any]) -> str:
    """`{"name": "Morgan Hale", "person_id": "rev-9", "contract_signed": true}` as
    "Morgan Hale (rev-9); contract signed: yes"."""
    who = str(value["name"]) + (f" ({value['person_id']})" if value.get("person_id") else "")
    rest = [f"{human(k).lower()}: {_words(v)}" for k, v in value.items() if k not in ("name", "person_id")]
    return "; ".join([who, *rest])


UNSHOWN = ("id", "working_days_remaining", "version", "status")  # the system's bookkeeping, not what was recorded


def recorded(data: dict[str, Any]) -> list[tuple[str, str]]:
    """What an event recorded, as (label, words): the empty and the bookkeeping left out."""
    return [(human(k), _words(v)) for k, v in data.items() if k not in UNSHOWN and v not in (None, "", {}, [])]


def shown(value: Any) -> str:
    """A value recorded with an event, as text: `{"name": "Ann", "contract_signed": true}` as
    "name: Ann; contract signed: yes"; an empty value as a dash."""
    return _words(value)


DECLARATION = re.compile(r"\s*\(declaration \d+\)")
ICB = re.compile(r"\bicb\b")  # a partner's code in a guard's message ("no endorsement from icb")
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # an answer's code ("is not_in_childs_interests")
FIELD = re.compile(r"\bdata\.(\w+)(?::\s*(true|false))?|\boccurred_on\b")


def blocker(message: str) -> str:
    """A guard's message with the API's field names as the form's labels: `(data.reading_time_allowed:
    true)` as `("Reading time allowed" answered yes)`, `occurred_on` as "the date it happened", ISO dates
    in the board's format."""

    def label(found: re.Match[str]) -> str:
        if found.group(1) is None:
            return "the date it happened"
        name = f"“{human(found.group(1))}”"
        answer = found.group(2)
        return f"{name} answered {'yes' if answer == 'true' else 'no'}" if answer else name

    named = ICB.sub("ICB", DECLARATION.sub("", message))  # "Sam Patel (declaration 4)": the name says who
    worded = CODE.sub(lambda c: human(c.group(0)).lower(), FIELD.sub(label, named))
    return ISO_DAY.sub(lambda d: day(d.group(1)), worded)


def rule_title(rule_id: str) -> str:
    """A rule id's plain-English title ("Q2" → "Screening meeting is quorate"), or the id itself."""
    found = rule(rule_id)
    return found.title if found else rule_id


def rule_ref(rule_id: str) -> Markup:
    """A rule id shown with its meaning: the title in words, the id as an abbreviation linking to the
    glossary (its full title on hover)."""
    found = rule(rule_id)
    if found is None:
        return Markup("<strong>{}</strong>").format(rule_id)
    return Markup('<a class="rule" href="/board/rules#rule-{id}"><abbr title="{title}">{id}</abbr></a> {title}').format(
        id=found.id, title=found.title
    )


RULE_ID = re.compile(r"\b([A-Z]\d{1,2}[a-z]?)\b")


def with_rules(text: str) -> Markup:
    """Text citing rule ids ("refused: D2, Q4"), each id explained on hover and linked to the glossary."""

    def explain(found: re.Match[str]) -> str:
        known = rule(found.group(1))
        if known is None:
            return str(escape(found.group(0)))
        return str(
            Markup('<a class="rule" href="/board/rules#rule-{id}"><abbr title="{title}">{id}</abbr></a>').format(
                id=known.id, title=known.title
            )
        )

    return Markup(RULE_ID.sub(explain, str(escape(text))))


def glossary() -> list[Any]:
    return list(rules().values())


FILTERS = {
    "human": human,
    "partner": partner,
    "day": day,
    "moment": moment,
    "shown": shown,
    "recorded": recorded,
    "blocker": blocker,
    "rule_title": rule_title,
    "rule_ref": rule_ref,
    "with_rules": with_rules,
}
