"""Request and response bodies (api.md). Unknown fields are refused; every string has a length limit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from .calendar import LONDON
from .rules.text import MESSAGE, hidden_character

NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # line breaks and tabs allowed


def _one_line(value: str) -> str:
    """The one validator every free-text field shares: no control or format characters (rules/text.py)."""
    if hidden_character(value):
        raise ValueError(MESSAGE)
    return value


def _lines(value: str) -> str:
    if hidden_character(value, lines=True):
        raise ValueError(MESSAGE)
    return value


OneLine, Lines = AfterValidator(_one_line), AfterValidator(_lines)
Short = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS), OneLine]
Identifier = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS), OneLine]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARACTERS), OneLine]
LongText = Annotated[str, Field(max_length=4000, pattern=TEXT), Lines]

# T1: codes whose allowed values are the partnership's settings, not Python's. The service refuses any
# other value with a 422 naming the allowed ones; the OpenAPI spec lists them as an enum, from the
# workflows the app loads (api/app.py fills every schema marked `x-settings` with the list it names).
SETTINGS_LIST = "x-settings"


def settings_code(settings_list: str, description: str) -> Any:
    return Annotated[
        str,
        Field(
            min_length=1,
            max_length=64,
            pattern=r"^[a-z0-9_]+$",
            description=description,
            json_schema_extra={SETTINGS_LIST: settings_list},
        ),
    ]


Partner = settings_code("statutory_partners", "A statutory partner's code (workflows/partnership.yaml)")
EndorsingParty = settings_code("endorsing_parties", "A party that endorses (workflows/partnership.yaml)")
RequestKind = settings_code("information_requests", "A request kind its workflow settings give a deadline (T2)")


Pseudonym = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARACTERS), OneLine]
EARLIEST, LATEST = datetime(1900, 1, 2, tzinfo=UTC), datetime(2999, 12, 31, tzinfo=UTC)


def _in_range(value: datetime) -> datetime:
    """A timestamp from 1900 to 2999 (one at the ends of time would overflow when moved to UTC)."""
    if not EARLIEST.replace(tzinfo=None) <= value.replace(tzinfo=None) <= LATEST.replace(tzinfo=None):
        raise ValueError("must be between 1900-01-02 and 2999-12-31")
    return value if value.tzinfo else value.replace(tzinfo=LONDON)


Timestamp = Annotated[datetime, AfterValidator(_in_range)]


class Strict(BaseModel):
    """Unknown fields are refused; `null` for an optional field means its default, as if left out."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _null_is_the_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {
            k: v
            for k, v in data.items()
            if not (v is None and k in fields and not fields[k].is_required() and fields[k].default is not None)
        }


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------- requests


class ReferralDescription(Strict):
    """What a good outcome referral describes (policy §5.4)."""

    lived_experience: LongText | None = Field(None, description="The child's lived experience and outcomes")
    steps_taken: LongText | None = Field(None, description="The steps taken to improve care")
    objectives: LongText | None = Field(None, description="What was happening before, why it was needed, how")
    barriers: LongText | None = Field(None, description="Barriers faced and how they were overcome")
    evaluation: LongText | None = Field(None, description="The effect on services and outcomes, as evaluated")


class ReviewParticulars(Strict):
    """N1: the child's circumstances and the local authority's notifications; X1: where it happened."""

    circumstances: Literal["care_leaver_death", "looked_after_child"] | None = Field(
        None, description="N1: the death of a care leaver under 25 (§5.6), or an incident for a looked-after child"
    )
    secretary_of_state_notified_on: date | None = Field(None, description="N1: the local authority told the SoS")
    ofsted_notified_on: date | None = Field(None, description="N1: the local authority told Ofsted")
    incident_area: Short | None = Field(None, description="X1: the area where the incident took place")
    home_area: Short | None = Field(None, description="X1: the child's home area")
    lead_partnership: Short | None = Field(None, description="X1: which area's partnership leads (§20.4)")


class ReviewCreate(Strict):
    review_type: Name
    child_reference: Annotated[
        Pseudonym, Field(description="A pseudonym or case reference: never a name, date of birth or address")
    ]
    received_on: date
    referrer_organisation: Short
    became_aware_on: date | None = None
    themes: Annotated[list[Identifier], Field(max_length=20)] | None = []  # null: the default
    summary: LongText | None = ""  # null: the default
    description: ReferralDescription | None = None
    particulars: ReviewParticulars | None = None


class ReviewUpdate(Strict):
    expected_version: Annotated[int, Field(ge=0)] | None = None
    summary: LongText | None = None
    themes: Annotated[list[Identifier], Field(max_length=20)] | None = None
    description: ReferralDescription | None = None
    particulars: ReviewParticulars | None = Field(None, description="Merged into what is recorded (N1, X1)")


class ExternalProcess(Strict):
    kind: Literal["sar", "dardr", "iopc", "coroner", "criminal_proceedings", "national_review", "other"]
    reference: Short


class LinkCreate(Strict):
    review_id: Name | None = None
    external: ExternalProcess | None = None
    relation: Identifier | None = "related"  # null: the default


# issue 18: whom e-mail reminders go to (an address, bounded; no display names)
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")]


class ActionCreate(Strict):
    recommendation: Annotated[LongText, Field(min_length=1)]
    action: Annotated[LongText, Field(min_length=1)]
    owner_organisation: Short
    due_on: date
    intended_outcome: Annotated[LongText, Field(min_length=1)]
    owner_email: Email | None = Field(None, description="Whom the due-date and breach reminders go to (issue 18)")


class ActionUpdate(Strict):
    status: Literal["open", "done", "dropped"]
    evidence: LongText | None = Field(None, description="Evidence of impact: needed when done")
    reason: LongText | None = Field(None, description="Why: needed when dropped")
    completed_on: date | None = Field(None, description="When it was done or dropped (default today)")
    expected_version: Annotated[int, Field(ge=0)] | None = None


class ActionOut(BaseModel):
    id: int
    recommendation: str
    action: str
    owner_organisation: str
    due_on: date
    intended_outcome: str
    status: Literal["open", "done", "dropped"]
    evidence: str | None
    reason: str | None
    completed_on: date | None
    overdue: bool
    version: int
    created_at: datetime
    updated_at: datetime
    owner_email: str | None = None


class KeyCreate(Strict):
    name: Short
    role: Literal[
        "business_unit", "chair", "independent_scrutineer", "partner", "agency", "reviewer", "read_only", "admin"
    ]
    partner: Partner | None = None
    organisation: Short | None = None
    expires_at: Timestamp | None = None
    person_id: Identifier | None = Field(
        None,
        description="The person the key is issued to: a reviewer key reads the reviews that person is appointed to",
    )


class KeyOut(BaseModel):
    id: int
    name: str
    role: str
    partner: str | None
    organisation: str | None
    person_id: str | None = None
    prefix: str = Field(description="The key's first characters, to recognise it by; the secret is never shown again")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool


class KeyCreated(KeyOut):
    key: str = Field(description="The secret: shown this once")


class ClockPause(Strict):
    occurred_on: date | None = None
    reason: Annotated[LongText, Field(min_length=1)]


class ClockResume(Strict):
    occurred_on: date | None = None
    reason: LongText | None = ""  # null: the default


class ClockExtend(Strict):
    new_due_on: date
    reason: Annotated[LongText, Field(min_length=1)]


class DraftsDeleted(Strict):
    deleted_on: date | None = Field(None, description="S5: when the drafts were deleted (default today)")


class DelayReported(Strict):
    reported_on: date | None = None
    note: LongText | None = ""  # null: the default


class TransitionRequest(Strict):
    event: Name
    occurred_on: date | None = Field(None, description="The business date it happened (C7); defaults to today")
    expected_version: Annotated[int, Field(ge=0)] | None = None
    data: dict[str, Any] | None = Field(None, description="The event's facts (null or absent: none)")
    note: LongText | None = None


class MeetingCreate(Strict):
    kind: Literal["screening", "rapid_review", "panel", "learning_event", "review_group", "practitioner_event"]
    scheduled_for: Timestamp = Field(description="Date and time; without an offset it is London time")
    documents_shared_at: Timestamp | None = None


class AttendeeIn(Strict):
    person_id: Identifier
    name: Short
    organisation: Short
    partner: Partner | None = None
    substitute: bool | None = False  # null: the default


class DeclarationCreate(Strict):
    person_id: Identifier
    name: Short
    organisation: Short
    role: Identifier
    has_interest: bool
    details: LongText | None = ""  # null: the default
    declared_on: date | None = None


class RulingCreate(Strict):
    ruling: Literal["noted", "excluding"]


class EndorsementProxy(Strict):
    """S1: the Business Unit records a party's endorsement only as a proxy, saying what it rests on."""

    evidence: Annotated[
        str, Field(min_length=1, max_length=1000, pattern=TEXT, description="e.g. 'e-mail of 3 Dec from ...'")
    ]


class EndorsementCreate(Strict):
    party: EndorsingParty
    person_id: Identifier
    name: Short
    agrees: bool
    endorsed_on: date | None = None
    proxy: EndorsementProxy | None = Field(
        None, description="S1: only when the Business Unit records it for the party (then endorsed_on is needed)"
    )
    decision: Name | None = Field(None, description="S4: the decision endorsed, e.g. publish or not_to_publish")


class InformationRequestCreate(Strict):
    organisation: Short
    kind: RequestKind
    requested_on: date | None = None
    area: Short | None = Field(None, description="X1: the area asked; the other area of a cross-boundary review")
    contact_email: Email | None = Field(None, description="Whom the due-date and breach reminders go to (issue 18)")


class InformationReturn(Strict):
    returned_on: date | None = None


# ---------------------------------------------------------------- responses


class ClockOut(BaseModel):
    name: str
    status: Literal["not_started", "running", "paused", "met", "breached", "cancelled"]
    started_on: date | None
    due_on: date | None
    original_due_on: date | None
    stopped_on: date | None
    working_days_remaining: int | None
    paused_on: date | None = None
    paused_working_days: int = 0
    window: bool = False
    pausable: bool = True
    delayed: bool = False
    delay_reported_on: date | None = None


class DelayOut(BaseModel):
    clock: str
    original_due_on: date | None
    due_on: date | None
    status: str


class LinkOut(BaseModel):
    id: int
    relation: str
    direction: Literal["outgoing", "incoming"]
    review_id: str | None = None
    reference: str | None = None
    review_type: str | None = None
    state: str | None = None
    external: dict[str, str] | None = None


class BlockedOut(BaseModel):
    rule: str
    message: str


class AvailableEventOut(BaseModel):
    event: str
    to: str
    allowed: bool
    roles: list[str]
    blocked_by: list[BlockedOut]


class ReviewSummaryOut(BaseModel):
    id: str
    reference: str
    review_type: str
    workflow_version: str
    state: str
    version: int
    open: bool
    child_reference: str
    received_on: date
    became_aware_on: date
    referrer_organisation: str
    themes: list[str]
    summary: str
    description: dict[str, str]
    facts: dict[str, Any]
    particulars: dict[str, Any] = {}
    clocks: list[ClockOut]
    created_at: datetime
    updated_at: datetime


class ReviewOut(ReviewSummaryOut):
    delays_to_report: list[DelayOut]
    available_events: list[AvailableEventOut]
    links: list[LinkOut]
    outstanding_tasks: list[BlockedOut] = Field(
        [], description="S5, N1, X1: what is still to be done (rule and message); blocks nothing"
    )


class ReviewPage(BaseModel):
    items: list[ReviewSummaryOut]
    next_cursor: str | None


class HistoryItem(BaseModel):
    seq: int
    recorded_at: datetime
    occurred_on: date
    actor: dict[str, Any]
    kind: str
    event: str | None
    from_state: str | None
    to_state: str | None
    data: dict[str, Any]
    effects: dict[str, Any]
    note: str | None
    redacted: bool = Field(False, description="Data withheld from this key: another organisation's (need to know)")


class HistoryOut(BaseModel):
    items: list[HistoryItem]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the events after these (None: no more)")


class AttendeeOut(BaseModel):
    person_id: str
    name: str
    organisation: str
    partner: str | None
    substitute: bool


class MeetingOut(BaseModel):
    id: int
    kind: str
    scheduled_for: datetime
    documents_shared_at: datetime | None
    documents_shared_in_time: bool
    papers_hours: int | None = Field(None, description="Q4: the hours before the meeting papers are due (T1)")
    attendees: list[AttendeeOut]
    quorate: bool
    missing_partners: list[str]
    excluded_attendees: list[str]
    undeclared_attendees: list[str]
    interests_awaiting_ruling: list[int]


class DeclarationOut(BaseModel):
    id: int
    person_id: str
    name: str
    organisation: str
    role: str
    has_interest: bool
    details: str
    declared_on: date
    ruling: Literal["noted", "excluding"] | None
    superseded: bool = False


class EndorsementOut(BaseModel):
    id: int
    party: str
    person_id: str
    name: str
    agrees: bool
    endorsed_on: date
    current: bool = True
    decision: str | None = None
    proxy: bool = Field(False, description="S1: recorded by the Business Unit on the party's behalf")
    proxy_evidence: str | None = None
    recorded_by: str | None = None


class InformationRequestOut(BaseModel):
    id: int
    organisation: str
    kind: str
    requested_on: date
    due_on: date
    returned_on: date | None
    status: Literal["outstanding", "overdue", "returned", "returned_late"]
    working_days_remaining: int | None
    area: str | None = None
    priority: bool = Field(False, description="X1: asked of the other area in a cross-boundary review (§20.4)")
    contact_email: str | None = None


class DeadlineOut(BaseModel):
    review_id: str
    reference: str
    review_type: str
    clock: str = Field(description="The clock's name, or information:<id> for an information request")
    due_on: date
    status: Literal["running", "breached"]
    working_days_remaining: int


class DeadlinePage(BaseModel):
    as_of: date
    items: list[DeadlineOut]
    next_cursor: str | None


class SweepRequest(Strict):
    as_of: date | None = None


class BreachOut(BaseModel):
    review_id: str
    reference: str
    clock: str
    due_on: date


class SweepOut(BaseModel):
    as_of: date
    newly_breached: list[BreachOut]
    approaching_notified: int = Field(0, description="Notices of approaching deadlines queued for subscribers")
    reminders_queued: int = Field(0, description="E-mail reminders written to the outbox (issue 18)")


class SubscriptionCreate(Strict):
    url: Annotated[str, Field(min_length=8, max_length=500, pattern=r"^https?://[^\s\x00-\x1f]+$")]
    kinds: Annotated[list[Literal["transition", "breach", "deadline_approaching"]], Field(min_length=1, max_length=3)]
    due_within: (
        Annotated[int, Field(ge=0, le=60, description="Working days ahead, for deadline_approaching")] | None
    ) = None


class SubscriptionOut(BaseModel):
    id: int
    url: str
    kinds: list[str]
    due_within: int | None
    active: bool
    partner: str | None = Field(None, description="The partner it belongs to (None: the Business Unit's)")
    previous_secret_until: datetime | None = Field(None, description="Until then the previous secret signs too")
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="The `whsec_` signing secret (Standard Webhooks): shown this once")


class SecretRotation(Strict):
    keep_previous_for_hours: Annotated[int, Field(ge=0, le=168)] | None = Field(
        None, description="How long the old secret still signs (default 24 hours)"
    )


class DeliveryOut(BaseModel):
    event_id: str
    kind: str
    status: Literal["pending", "delivered", "dead", "dropped"]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


class AddedDays(BaseModel):
    start: date
    days: int
    date: date


class CountedDays(BaseModel):
    start: date
    end: date
    working_days: int


class HolidayOut(BaseModel):
    date: date
    name: str


class RuleOut(BaseModel):
    """A rule a refusal's `blocked_by[].rule` cites (issue 19: published by the service itself)."""

    id: str = Field(examples=["Q1"])
    title: str
    text: str
    source: str = Field(description="Where the rule comes from: the policy's section, or the partnership's guide")
    url: str = Field(description="This rule's own address (a page for a browser)")


class ProblemPage(BaseModel):
    """What a problem `type` means: every error's `type` is the URL of one of these."""

    type: str = Field(description="The absolute URL errors carry as `type`")
    slug: str
    status: int
    title: str
    description: str


class Problem(Open):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


class GuardProblem(Problem):
    blocked_by: list[BlockedOut] | None = None
    current_version: int | None = None


class ValidationProblem(Problem):
    errors: list[dict[str, str]] = []


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI descriptions of the problem responses an operation can give (served as application/problem+json)."""
    described: dict[int, tuple[type[BaseModel], str]] = {
        401: (Problem, "No key, or an unknown, revoked or expired key"),
        403: (Problem, "The key's role may not do this"),
        404: (Problem, "Not found"),
        409: (GuardProblem, "Refused by a rule (`blocked_by`) or a stale `expected_version` (`current_version`)"),
        422: (ValidationProblem, "Invalid input: `errors` names each field"),
        503: (Problem, "A part the answer needs is not available on this server (e.g. the PDF renderer)"),
    }
    return {s: {"model": described[s][0], "description": described[s][1]} for s in statuses}
