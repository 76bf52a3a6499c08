"""The words the board puts on values: names, dates and times, recorded data. The templates' filters."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from ..calendar import LONDON


def human(name: str | None) -> str:
    """`gathering_information` as "Gathering information"."""
    if not name:
        return ""
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


PARTNERS = {"local_authority": "Local authority", "icb": "ICB", "police": "Police"}


def partner(code: str | None) -> str:
    """A statutory partner's code as its name: `icb` as "ICB"."""
    return PARTNERS.get(code or "", human(code))


def day(value: str | date | None) -> str:
    """A date as "Mon 2 Mar 2026"."""
    if not value:
        return ""
    when = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{when:%a} {when.day} {when:%b %Y}"


def moment(value: str | None) -> str:
    """A timestamp in London time, as "2 Mar 2026, 10:31"."""
    if not value:
        return ""
    when = datetime.fromisoformat(value).astimezone(LONDON)
    return f"{when.day} {when:%b %Y, %H:%M}"


def shown(value: Any) -> str:
    """A value recorded with an event, as text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


FILTERS = {"human": human, "partner": partner, "day": day, "moment": moment, "shown": shown}
