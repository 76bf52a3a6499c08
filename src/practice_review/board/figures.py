"""The §21 figures page: the partnership's year (services/reports.py) as tables and bar charts drawn on
the server as SVG (no chart library, nothing from the internet). Each chart is an image with a title and
a description for screen readers, and its numbers are in the table beside it; colour is never the only
signal (every bar has its number and its label in words)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup

from ..errors import InvalidData
from ..roles import Caller
from ..services import reports
from ..services.common import Services
from .words import human

WIDTH, ROW, BAR, LABEL = 400, 40, 14, 16  # viewBox width; per bar: row height, bar height, label size
COLOURS = {"red": "#d4351c", "amber": "#f47738", "green": "#00703c", "blue": "#1d70b8", "grey": "#505a5f"}


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    bars: list[tuple[str, int, str]]  # (label, value, colour)

    @property
    def total(self) -> int:
        return sum(v for _, v, _ in self.bars)

    def svg(self) -> Markup:
        """A horizontal bar chart: each bar's label above it, its number after it, scaled to the largest."""
        most = max((v for _, v, _ in self.bars), default=0) or 1
        height = ROW * max(len(self.bars), 1) + 8
        parts = [
            Markup(
                '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img"'
                ' aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
                '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
            ).format(w=WIDTH, h=height, id=self.id, title=self.title, desc=self.description())
        ]
        room = WIDTH - 60
        for n, (label, value, colour) in enumerate(self.bars):
            top = n * ROW
            length = round(room * value / most) if value else 0
            parts.append(
                Markup(
                    '<text x="0" y="{ly}" font-size="{size}" fill="#0b0c0c">{label}</text>'
                    '<rect x="0" y="{by}" width="{length}" height="{bar}" fill="{fill}"></rect>'
                    '<text x="{vx}" y="{vy}" font-size="{size}" font-weight="bold" fill="#0b0c0c">{value}</text>'
                ).format(
                    ly=top + LABEL,
                    size=LABEL,
                    label=label,
                    by=top + LABEL + 4,
                    length=length,
                    bar=BAR,
                    fill=COLOURS[colour],
                    vx=length + 6,
                    vy=top + LABEL + 4 + BAR - 2,
                    value=value,
                )
            )
        parts.append(Markup("</svg>"))
        return Markup("").join(parts)

    def description(self) -> str:
        if not self.bars:
            return "No figures."
        return "; ".join(f"{label}: {value}" for label, value, _ in self.bars) + "."


@dataclass(frozen=True)
class Figures:
    year_start: date
    year_end: date
    figures: dict[str, Any]
    charts: list[Chart]
    years: list[int]


def year_of(text: str, today: date) -> int:
    """The reporting year asked for (April to March, as the partnership's annual report runs), or this one."""
    if not text:
        return today.year if today.month >= 4 else today.year - 1
    if not text.isdigit() or not 2000 <= int(text) <= today.year:
        raise InvalidData([{"field": "year", "message": f"must be a year from 2000 to {today.year}"}])
    return int(text)


OUTCOME_COLOUR = {"met": "green", "breached": "red", "running": "blue", "cancelled": "grey"}
ACTION_COLOUR = {"done_on_time": "green", "done_late": "amber", "overdue": "red", "open": "blue", "dropped": "grey"}


def figures_page(services: Services, caller: Caller, text: str, titles: dict[str, str]) -> Figures:
    today = services.today()
    year = year_of(text, today)
    start, end = date(year, 4, 1), date(year + 1, 3, 31)
    figures = reports.summary(services, caller, start, end)  # read_reports: 403 for other roles
    referrals = figures["referrals"]
    reviews = figures["reviews"]
    clocks: dict[str, int] = dict.fromkeys(OUTCOME_COLOUR, 0)
    for clock in figures["clocks"]:
        for outcome in clocks:
            clocks[outcome] += clock[outcome]
    charts = [
        Chart(
            "referrals-by-type",
            "Referrals by review type",
            [(titles.get(k, human(k)), n, "blue") for k, n in referrals["by_type"].items()],
        ),
        Chart(
            "referrals-by-outcome",
            "Referrals by what happened first",
            [(human(k), n, "blue") for k, n in referrals["by_outcome"].items()],
        ),
        Chart(
            "reviews-ended",
            "Reviews ended, by type",
            [(titles.get(k, human(k)), sum(v.values()), "grey") for k, v in reviews["by_type_and_outcome"].items()],
        ),
        Chart(
            "deadlines",
            "Deadlines started in the year: met, breached, still running",
            [(human(k), n, OUTCOME_COLOUR[k]) for k, n in clocks.items()],
        ),
        Chart(
            "actions",
            "Actions due in the year",
            [(human(k), n, ACTION_COLOUR[k]) for k, n in figures["actions"].items()],
        ),
    ]
    first = 2020
    return Figures(
        start, end, figures, charts, list(range(today.year if today.month >= 4 else today.year - 1, first - 1, -1))
    )
