"""Every write the API has, as a board form: what it asks, who is shown it, and the service call it makes.

Who may use a form is what services/access.py, permissions.py and the workflow YAML say the API allows;
the services check again when the form is sent, so hiding a form is a courtesy, never the guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from .. import schemas
from ..permissions import allows
from ..roles import Caller, role_allows
from ..services import actions, clocks, drafts, links, records, reviews, transitions
from ..services.access import readable
from ..services.common import Services
from ..storage import models as m
from ..workflow.context import Attendee
from ..workflow.definitions import EventDef, FieldSpec, WorkflowDefinition
from .forms import Answers, Field, validated
from .words import human, moment, partner

ATTENDEE_ROWS = 4  # blank attendance rows a form offers beyond those recorded (no script needed to add one)


@dataclass
class Act:
    """One form on one review (or none, for a referral), for one caller."""

    services: Services
    caller: Caller
    review: dict[str, Any] | None
    definition: WorkflowDefinition | None
    target: str = ""
    record: Any = None  # what the form acts on: a meeting, declaration, request, action, clock or event
    expected_version: int | None = None  # the review's version when the form was shown

    @property
    def review_id(self) -> str:
        assert self.review is not None
        return str(self.review["id"])

    @property
    def is_open(self) -> bool:
        return bool(self.review and self.review["open"])


@dataclass(frozen=True)
class FormSpec:
    slug: str
    title: Callable[[Act], str]
    button: str
    done: str  # the success banner's words
    fields: Callable[[Act], list[Field]]
    allowed: Callable[[Act], bool]
    submit: Callable[[Act, Answers], Any]  # None when the answers are wrong (answers.errors says why)
    find: Callable[[Act], Any] | None = None  # the record a targeted form acts on, or None: 404
    defaults: Callable[[Act], dict[str, str]] = lambda _: {}
    versioned_by_action: bool = False  # stale when the action changed, not the review


def _options(values: Any, words: Callable[[str], str] = human) -> tuple[tuple[str, str], ...]:
    return tuple((v, words(v)) for v in values)


def _date_raw(name: str, value: str | None) -> dict[str, str]:
    """A date's inputs filled in, for a form shown with what is recorded."""
    if not value:
        return {}
    year, month, day_ = str(value)[:10].split("-")
    return {f"{name}-day": str(int(day_)), f"{name}-month": str(int(month)), f"{name}-year": year}


def _recorded(
    model: type[Any], fields: Callable[[Act], list[Field]], record: Callable[[Act, Any], Any]
) -> Callable[[Act, Answers], Any]:
    """A form's submit: its answers as the API's request model, then the service call `record` makes."""

    def submit(act: Act, answers: Answers) -> Any:
        body = validated(model, fields(act), answers)
        return None if body is None else record(act, body)

    return submit


# ---------------------------------------------------------------- the referral


def _referral_fields(act: Act) -> list[Field]:
    types = [(d.review_type, d.title) for d in act.services.engine.current_definitions]
    return [
        Field("review_type", "Type of review", "radios", options=tuple(types)),
        Field("child_reference", "Child's pseudonym or case reference", hint="Never a name, date of birth or address"),
        Field("received_on", "Date the referral was received", "date", hint="For example, 27 3 2026"),
        Field(
            "became_aware_on",
            "Date the local authority became aware",
            "date",
            optional=True,
            hint="Leave empty if it is the date the referral was received",
        ),
        Field("referrer_organisation", "Organisation that referred"),
        Field(
            "themes", "Themes", optional=True, hint="Separate themes with commas, for example neglect, domestic_abuse"
        ),
        Field("summary", "Summary", "textarea", optional=True),
    ]


def _themes(answers: Answers) -> None:
    if isinstance(answers.values.get("themes"), str):
        answers.values["themes"] = [t.strip() for t in answers.values["themes"].split(",") if t.strip()]


def _submit_referral(act: Act, answers: Answers) -> Any:
    _themes(answers)
    body = validated(schemas.ReviewCreate, _referral_fields(act), answers)
    if body is None:
        return None
    fields = body.model_dump(exclude={"description", "particulars"})
    new = reviews.NewReview(**{**fields, "themes": tuple(body.themes or ())})
    return reviews.create_review(act.services, act.caller, new).body


def _description_fields(act: Act) -> list[Field]:
    described = schemas.ReferralDescription.model_fields
    return [
        Field("summary", "Summary", "textarea", optional=True),
        Field("themes", "Themes", optional=True, hint="Separate themes with commas"),
        *(
            Field(f"description.{name}", spec.description or human(name), "textarea", optional=True)
            for name, spec in described.items()
        ),
        *_particulars_fields(),
    ]


def _particulars_fields() -> list[Field]:
    """N1 (the child's circumstances, the local authority's notifications) and X1 (where it happened)."""
    circumstances = (("", "Neither"), ("care_leaver_death", "The death of a care leaver under 25 (§5.6)"))
    circumstances += (("looked_after_child", "An incident for a looked-after child"),)
    return [
        Field(
            "particulars.circumstances",
            "The child's circumstances (N1)",
            "radios",
            options=circumstances,
            optional=True,
        ),
        Field(
            "particulars.secretary_of_state_notified_on", "Date the Secretary of State was told", "date", optional=True
        ),
        Field("particulars.ofsted_notified_on", "Date Ofsted was told", "date", optional=True),
        Field("particulars.incident_area", "Area where the incident took place (X1)", optional=True),
        Field("particulars.home_area", "The child's home area", optional=True),
        Field(
            "particulars.lead_partnership",
            "The area whose partnership leads",
            optional=True,
            hint="§20.4: the incident's area; one of the two areas above",
        ),
    ]


def _referral_defaults(act: Act) -> dict[str, str]:
    assert act.review is not None
    raw = {"summary": act.review.get("summary") or "", "themes": ", ".join(act.review.get("themes") or [])}
    raw |= {f"description.{k}": v for k, v in (act.review.get("description") or {}).items()}
    for name, value in (act.review.get("particulars") or {}).items():
        if name.endswith("_on"):
            raw |= _date_raw(f"particulars.{name}", value)
        elif value is not None:
            raw[f"particulars.{name}"] = str(value)
    return raw


def _submit_description(act: Act, answers: Answers) -> Any:
    _themes(answers)
    answers.values.setdefault("themes", [])
    body = validated(schemas.ReviewUpdate, _description_fields(act), answers)
    if body is None:
        return None
    changes = body.model_dump(exclude_none=True, exclude={"expected_version", "description", "particulars"})
    if body.description is not None:
        changes["description"] = body.description.model_dump(exclude_none=True)
    if body.particulars is not None:
        changes["particulars"] = body.particulars.model_dump(exclude_unset=True)
    return reviews.update_review(act.services, act.caller, act.review_id, act.expected_version, changes)


# ---------------------------------------------------------------- meetings and attendance


MEETING_KINDS = ("screening", "rapid_review", "panel", "learning_event", "review_group", "practitioner_event")


def _meeting_fields(act: Act) -> list[Field]:
    return [
        Field("kind", "Kind of meeting", "radios", options=_options(MEETING_KINDS)),
        Field(
            "scheduled_for",
            "Date and time of the meeting",
            "datetime",
            hint="London time, for example 5 11 2026 and 10:00",
        ),
        Field(
            "documents_shared_at",
            "When the papers were shared",
            "datetime",
            optional=True,
            hint="Q4: at least 24 hours before the meeting, or the meeting record says reading time was allowed",
        ),
    ]


_submit_meeting = _recorded(
    schemas.MeetingCreate,
    _meeting_fields,
    lambda act, body: records.record_meeting(
        act.services,
        act.caller,
        act.review_id,
        body.kind,
        body.scheduled_for,
        body.documents_shared_at,
        expected_version=act.expected_version,
    ),
)


def _find_meeting(act: Act) -> Any:
    meetings = records.list_meetings(act.services, act.caller, act.review_id)
    return next((m for m in meetings if str(m["id"]) == act.target), None)


def _partners(act: Act) -> tuple[tuple[str, str], ...]:
    codes = act.services.engine.partnership.statutory_partners
    if act.caller.role == "partner":  # a partner records only its own partner's attendees
        return _options([c for c in codes if c == act.caller.partner], partner)
    return (("", "Not a statutory partner"), *_options(codes, partner))


def _attendee_rows(act: Act) -> int:
    return len(_own_attendees(act)) + ATTENDEE_ROWS


def _own_attendees(act: Act) -> list[dict[str, Any]]:
    attendees = list(act.record["attendees"]) if act.record else []
    if act.caller.role == "partner":  # a partner records only its own partner's attendees
        attendees = [a for a in attendees if a["partner"] == act.caller.partner]
    return attendees


def _attendance_fields(act: Act) -> list[Field]:
    fields = []
    for i in range(_attendee_rows(act)):
        n = i + 1
        fields += [
            Field(
                f"a{i}.person_id",
                f"Attendee {n}: person id",
                hint="Your organisation's id for them",
                width="govuk-input--width-10",
            ),
            Field(f"a{i}.name", f"Attendee {n}: name", width="govuk-input--width-20"),
            Field(f"a{i}.organisation", f"Attendee {n}: organisation", width="govuk-input--width-20"),
            Field(f"a{i}.partner", f"Attendee {n}: statutory partner represented", "select", options=_partners(act)),
            Field(f"a{i}.substitute", f"Attendee {n} is a substitute of equivalent seniority (Q3)", "checkbox"),
        ]
    return fields


def _attendance_defaults(act: Act) -> dict[str, str]:
    raw: dict[str, str] = {}
    for i, a in enumerate(_own_attendees(act)):
        raw |= {f"a{i}.{k}": str(a[k] or "") for k in ("person_id", "name", "organisation", "partner")}
        raw[f"a{i}.substitute"] = "yes" if a["substitute"] else ""
    return raw


def _submit_attendance(act: Act, answers: Answers) -> Any:
    rows = [
        {k: v for k, v in row.items() if k != "substitute" or v}
        for key, row in sorted(answers.values.items())
        if key.startswith("a") and isinstance(row, dict) and set(row) & {"person_id", "name", "organisation"}
    ]
    listed = []
    for i, row in enumerate(rows):
        one = Answers(answers.raw, row)
        body = validated(schemas.AttendeeIn, [], one)
        for name, message in one.errors.items():
            answers.errors[f"a{i}.{name}"] = f"Attendee {i + 1}: {message}"
        if body is not None:
            listed.append(Attendee(**body.model_dump()))
    if answers.errors:
        return None
    return records.record_attendance(
        act.services, act.caller, act.review_id, int(act.target), listed, expected_version=act.expected_version
    )


# ---------------------------------------------------------------- declarations and the chair's ruling


def _declaration_fields(act: Act) -> list[Field]:
    return [
        Field("person_id", "Person id", width="govuk-input--width-10", hint="The id used for them in the attendance"),
        Field("name", "Name"),
        Field("organisation", "Organisation"),
        Field("role", "Role in the review", hint="For example, panel member, chair, lead reviewer"),
        Field(
            "has_interest",
            "Do they declare an interest?",
            "yesno",
            hint="D2: managing services under review, or past involvement with the child or family",
        ),
        Field("details", "The interest, in words", "textarea", optional=True),
        Field("declared_on", "Date declared", "date", optional=True, hint="Leave empty for today"),
    ]


_submit_declaration = _recorded(
    schemas.DeclarationCreate,
    _declaration_fields,
    lambda act, body: records.record_declaration(
        act.services, act.caller, act.review_id, **body.model_dump(), expected_version=act.expected_version
    ),
)


def _find_declaration(act: Act) -> Any:
    declarations = records.list_declarations(act.services, act.caller, act.review_id)
    return next((d for d in declarations if str(d["id"]) == act.target and d["has_interest"]), None)


def _ruling_fields(act: Act) -> list[Field]:
    options = (
        ("noted", "Noted: they may take part"),
        ("excluding", "Excluding: they may not count for quorum or sign off"),
    )
    return [Field("ruling", "Your ruling", "radios", options=options)]


_submit_ruling = _recorded(
    schemas.RulingCreate,
    _ruling_fields,
    lambda act, body: records.rule_on_declaration(
        act.services, act.caller, act.review_id, int(act.target), body.ruling, expected_version=act.expected_version
    ),
)


# ---------------------------------------------------------------- endorsements and sign-offs (S1)


def own_party(caller: Caller) -> str | None:
    """The party a caller endorses for itself: its partner code, or the scrutineer; None for the Business Unit."""
    return caller.partner if caller.role == "partner" else caller.role if caller.role != "business_unit" else None


def _endorsement_fields(act: Act) -> list[Field]:
    parties = act.services.engine.partnership.endorsing_parties
    fields = []
    if act.caller.role == "business_unit":
        fields.append(Field("party", "Party endorsing", "radios", options=_options(parties, partner)))
    fields += [
        Field("person_id", "Person id", width="govuk-input--width-10"),
        Field("name", "Name of the person endorsing"),
        Field("agrees", "Does the party agree with the outcome?", "yesno"),
        Field(
            "endorsed_on",
            "Date given",
            "date",
            optional=act.caller.role != "business_unit",
            hint="Leave empty for today" if act.caller.role != "business_unit" else "The date the party gave it",
        ),
    ]
    decisions = [
        e.name
        for e in (act.definition.events if act.definition else ())
        if e.name in ("publish", "decide_not_to_publish")
    ]
    if decisions:
        options = (
            ("", "The current outcome"),
            ("publish", "To publish the report"),
            ("not_to_publish", "Not to publish the report"),
        )
        fields.append(
            Field(
                "decision",
                "What is endorsed",
                "radios",
                options=options,
                optional=True,
                hint="S4: the Lead Safeguarding Partners decide whether to publish",
            )
        )
    if act.caller.role == "business_unit":
        fields.append(
            Field(
                "proxy.evidence",
                "Evidence of the party's endorsement",
                "textarea",
                hint="S1: recorded for the party as a proxy; for example, the e-mail it was given in",
            )
        )
    return fields


def _endorsement_title(act: Act) -> str:
    """S1: a party records its own endorsement, and the title says whose."""
    party = own_party(act.caller)
    return f"Record an endorsement for {partner(party)}" if party else "Record an endorsement"


def _endorsement_defaults(act: Act) -> dict[str, str]:
    return {"person_id": act.caller.person_id or "", "name": act.caller.person_name or ""}


def _submit_endorsement(act: Act, answers: Answers) -> Any:
    party = own_party(act.caller)
    if party is not None:
        answers.values["party"] = party
    body = validated(schemas.EndorsementCreate, _endorsement_fields(act), answers)
    if body is None:
        return None
    fields = body.model_dump(exclude={"proxy"})
    evidence = body.proxy.evidence if body.proxy else None
    return records.record_endorsement(
        act.services,
        act.caller,
        act.review_id,
        **fields,
        proxy_evidence=evidence,
        expected_version=act.expected_version,
    )


def may_endorse(act: Act) -> bool:
    party = own_party(act.caller)
    parties = act.services.engine.partnership.endorsing_parties
    return act.is_open and allows(act.caller, "record_endorsement") and (party is None or party in parties)


# ---------------------------------------------------------------- information requests and returns


ASKED_FOR = {"factual_accuracy": "factual-accuracy comments"}  # L5: what the agencies return


def asked_for(kind: str) -> str:
    """What an information request asks for, in words: "chronology", "factual-accuracy comments"."""
    return ASKED_FOR.get(kind, human(kind).lower())


def _request_fields(act: Act) -> list[Field]:
    kinds = act.definition.settings.information_requests if act.definition else {}
    options = tuple((k, f"{human(asked_for(k))} (due in {d} working days)") for k, d in kinds.items())
    return [
        Field("organisation", "Organisation asked"),
        Field("kind", "What is asked for", "radios", options=options),
        Field("requested_on", "Date requested", "date", optional=True, hint="Leave empty for today"),
        Field("area", "Area asked", optional=True, hint="X1: the other area of a cross-boundary review"),
    ]


_submit_request = _recorded(
    schemas.InformationRequestCreate,
    _request_fields,
    lambda act, body: records.request_information(
        act.services, act.caller, act.review_id, **body.model_dump(), expected_version=act.expected_version
    ),
)


def _find_request(act: Act) -> Any:
    found = records.list_information_requests(act.services, act.caller, act.review_id)  # an agency's own only
    return next((r for r in found if str(r["id"]) == act.target and not r["returned_on"]), None)


def _return_fields(act: Act) -> list[Field]:
    return [Field("returned_on", "Date returned", "date", optional=True, hint="Leave empty for today")]


_submit_return = _recorded(
    schemas.InformationReturn,
    _return_fields,
    lambda act, body: records.record_information_return(
        act.services,
        act.caller,
        act.review_id,
        int(act.target),
        body.returned_on,
        expected_version=act.expected_version,
    ),
)


# ---------------------------------------------------------------- clocks (C6)


def _find_clock(act: Act) -> Any:
    assert act.review is not None
    return next((c for c in act.review["clocks"] if c["name"] == act.target), None)


def clock_changes(clock: dict[str, Any]) -> list[str]:
    """What may be done to a clock now: pause a running pausable one, resume a paused one, extend either."""
    offered = []
    if clock["status"] in ("running", "breached") and clock.get("pausable", True):
        offered.append("pause")
    if clock["status"] == "paused":
        offered.append("resume")
    if clock["status"] in ("running", "paused", "breached"):
        offered.append("extend")
    if clock.get("delayed") and not clock.get("delay_reported_on"):
        offered.append("report-delay")
    return offered


def _clock_fields(kind: str) -> Callable[[Act], list[Field]]:
    def fields(act: Act) -> list[Field]:
        reason = Field(
            "reason",
            "Reason",
            "textarea",
            optional=kind == "resume",
            hint="For example, parallel criminal proceedings (§8)" if kind == "pause" else "",
        )
        if kind == "extend":
            return [Field("new_due_on", "New due date", "date"), reason]
        if kind == "report-delay":
            return [
                Field(
                    "reported_on",
                    "Date the National Panel was told",
                    "date",
                    optional=True,
                    hint="Leave empty for today",
                ),
                Field("note", "Note", "textarea", optional=True),
            ]
        return [Field("occurred_on", "Date", "date", optional=True, hint="Leave empty for today"), reason]

    return fields


CLOCK_MODELS = {
    "pause": schemas.ClockPause,
    "resume": schemas.ClockResume,
    "extend": schemas.ClockExtend,
    "report-delay": schemas.DelayReported,
}


def _submit_clock(kind: str) -> Callable[[Act, Answers], Any]:
    def submit(act: Act, answers: Answers) -> Any:
        body = validated(CLOCK_MODELS[kind], _clock_fields(kind)(act), answers)
        if body is None:
            return None
        s, c, r, name, v = act.services, act.caller, act.review_id, act.target, act.expected_version
        if kind == "pause":
            return clocks.pause(s, c, r, name, body.occurred_on, body.reason, v)
        if kind == "resume":
            return clocks.resume(s, c, r, name, body.occurred_on, body.reason or "", v)
        if kind == "extend":
            return clocks.extend(s, c, r, name, body.new_due_on, body.reason, v)
        return clocks.delay_reported(s, c, r, name, body.reported_on, body.note or "", v)

    return submit


def _may_change_clock(kind: str) -> Callable[[Act], bool]:
    return lambda act: (
        act.is_open
        and allows(act.caller, "manage_clocks")
        and (act.record is None or kind in clock_changes(act.record))
    )


# ---------------------------------------------------------------- action plans (K2)


def _action_fields(act: Act) -> list[Field]:
    return [
        Field("recommendation", "Recommendation", "textarea"),
        Field("action", "Action", "textarea", hint="Specific, measurable, achievable, relevant and time-bound"),
        Field("owner_organisation", "Organisation that owns it"),
        Field("due_on", "Due date", "date"),
        Field("intended_outcome", "Intended outcome", "textarea"),
    ]


_submit_action = _recorded(
    schemas.ActionCreate,
    _action_fields,
    lambda act, body: actions.add_action(
        act.services, act.caller, act.review_id, **body.model_dump(), expected_version=act.expected_version
    ),
)


def _find_action(act: Act) -> Any:
    found = actions.list_actions(act.services, act.caller, act.review_id)  # an agency's own only
    return next((a for a in found if str(a["id"]) == act.target), None)


def may_update_action(caller: Caller, action: dict[str, Any] | None) -> bool:
    owners_only = caller.role in ("agency", "partner")
    return allows(caller, "update_actions") and (
        action is None or not owners_only or caller.organisation == action["owner_organisation"]
    )


def _update_fields(act: Act) -> list[Field]:
    statuses = (
        ("open", "Open"),
        ("done", "Done: give the evidence of its impact"),
        ("dropped", "Dropped: give the reason"),
    )
    return [
        Field("status", "Status", "radios", options=statuses),
        Field("evidence", "Evidence of impact", "textarea", optional=True),
        Field("reason", "Reason for dropping it", "textarea", optional=True),
        Field("completed_on", "Date done or dropped", "date", optional=True, hint="Leave empty for today"),
    ]


def _update_defaults(act: Act) -> dict[str, str]:
    a = act.record or {}
    return {"status": a.get("status", ""), "evidence": a.get("evidence") or "", "reason": a.get("reason") or ""}


def _submit_update(act: Act, answers: Answers) -> Any:
    answers.values["expected_version"] = act.record["version"] if act.record else None
    body = validated(schemas.ActionUpdate, _update_fields(act), answers)
    if body is None:
        return None
    return actions.update_action(
        act.services,
        act.caller,
        act.review_id,
        int(act.target),
        body.status,
        body.evidence,
        body.reason,
        answers.values["expected_version"],
        body.completed_on,
    )


# ---------------------------------------------------------------- links (K1) and the drafts' deletion (S5)


EXTERNAL_KINDS = ("sar", "dardr", "iopc", "coroner", "criminal_proceedings", "national_review", "other")


def _link_fields(act: Act) -> list[Field]:
    return [
        Field("review_reference", "Another review's reference", optional=True, hint="For example, RR-2026-0007"),
        Field("external.kind", "Or an external process", "radios", optional=True, options=_options(EXTERNAL_KINDS)),
        Field("external.reference", "The external process's reference", optional=True),
        Field("relation", "How they are related", optional=True, hint="For example, parallel or related (the default)"),
    ]


def _submit_link(act: Act, answers: Answers) -> Any:
    reference = answers.values.pop("review_reference", None)
    if reference:
        found = _review_by_reference(act, reference)
        if found is None:
            answers.errors["review_reference"] = f"There is no review {reference} that you can see"
            return None
        answers.values["review_id"] = found
    body = validated(schemas.LinkCreate, _link_fields(act), answers)
    if body is None:
        return None
    external = body.external.model_dump() if body.external else None
    return links.add_link(
        act.services,
        act.caller,
        act.review_id,
        body.relation or "related",
        body.review_id,
        external,
        act.expected_version,
    )


def _review_by_reference(act: Act, reference: str) -> str | None:
    """The id of the review with this reference, if the caller may read it."""
    with act.services.db.read() as session:
        found = session.scalar(select(m.Review.id).where(m.Review.reference == reference.strip().upper()))
        return found if found and readable(session, act.caller, {found}) else None


def drafts_to_delete(review: dict[str, Any]) -> bool:
    return not review["open"] and any(t["rule"] == "S5" for t in review.get("outstanding_tasks", []))


def _submit_drafts(act: Act, answers: Answers) -> Any:
    fields = [Field("deleted_on", "Date the drafts were deleted", "date", optional=True)]
    body = validated(schemas.DraftsDeleted, fields, answers)
    if body is None:
        return None
    return drafts.confirm_drafts_deleted(act.services, act.caller, act.review_id, body.deleted_on, act.expected_version)


# ---------------------------------------------------------------- workflow events


# What an event's data field is for, where its name alone does not say (the rule it answers).
EVENT_HINTS = {
    "reviewer.person_id": "The id they sign in with: a reviewer reads and acts on the reviews it is appointed to",
    "reviewer.contract_signed": "D3: a reviewer is appointed only with a signed contract",
    "reviewer.policy_confirmed": "D3: and only once they have confirmed they will follow this policy",
    "family_involvement_reason": "L4, F1: needed unless the family is involved",
}


def _event_field(spec: FieldSpec, prefix: str, whose: str = "") -> list[Field]:
    """A workflow event's data field as the form's field; an object's fields labelled by whose they are
    ("Reviewer: person id", not "Person")."""
    name = f"{prefix}{spec.name}"
    key = name.removeprefix("data.")
    label = f"{whose}: {spec.name.replace('_', ' ')}" if whose else human(spec.name)
    optional, hint = not spec.required, EVENT_HINTS.get(key, "")
    if spec.type == "object":
        return [f for sub in spec.fields for f in _event_field(sub, f"{name}.", human(spec.name))]
    if spec.type == "enum":
        return [Field(name, label, "radios", hint=hint, options=_options(spec.enum), optional=optional)]
    if spec.type == "boolean":
        return [Field(name, label, "yesno", hint=hint, optional=optional)]
    if spec.type == "date":
        return [Field(name, label, "date", hint=hint, optional=optional)]
    if spec.type == "integer":
        return [Field(name, label, "number", hint=hint, optional=optional, width="govuk-input--width-5")]
    kind = "textarea" if spec.max_length > 200 else "text"
    return [Field(name, label, kind, hint=hint, optional=optional)]


def _meeting_choice(act: Act, event: EventDef) -> Field:
    """`data.meeting_id` as a choice of the review's meetings of the event's kind (none: the latest)."""
    meetings = [m for m in records.list_meetings(act.services, act.caller, act.review_id) if m["kind"] == event.meeting]
    options = (
        ("", "The latest"),
        *((str(m["id"]), f"{human(m['kind'])} meeting, {moment(m['scheduled_for'])}") for m in meetings),
    )
    return Field(
        "data.meeting_id", "The meeting it was decided at", "radios", options=options, optional=True, whole=True
    )


def event_fields(act: Act) -> list[Field]:
    event: EventDef = act.record
    fields = [f for spec in event.data for f in _event_field(spec, "data.")]
    return [
        *(_meeting_choice(act, event) if f.name == "data.meeting_id" and event.meeting else f for f in fields),
        Field(
            "occurred_on",
            "Date it happened",
            "date",
            optional=True,
            hint="C7: the business date, not in the future nor before the review's last event; empty for today",
        ),
        Field("note", "Note", "textarea", optional=True),
    ]


def _find_event(act: Act) -> Any:
    assert act.definition is not None and act.review is not None
    return act.definition.event(act.target, act.review["state"])


def may_fire(caller: Caller, event: EventDef) -> bool:
    return role_allows(event.roles, caller.role, caller.partner)


def transition_request(act: Act, answers: Answers) -> Any:
    answers.values.setdefault("data", {})
    answers.values["event"] = act.target
    answers.values["expected_version"] = act.expected_version
    return validated(schemas.TransitionRequest, event_fields(act), answers)


def _submit_event(act: Act, answers: Answers) -> Any:
    body = transition_request(act, answers)
    if body is None:
        return None
    return transitions.fire_event(
        act.services,
        act.caller,
        act.review_id,
        body.event,
        body.occurred_on,
        body.expected_version,
        body.data or {},
        body.note,
    )


def _review_writer(action: str) -> Callable[[Act], bool]:
    return lambda act: act.is_open and allows(act.caller, action)


FORMS: dict[str, FormSpec] = {
    f.slug: f
    for f in [
        FormSpec(
            "description",
            lambda a: "Change the referral's summary, themes and description",
            "Save the changes",
            "The referral was updated.",
            _description_fields,
            _review_writer("create_review"),
            _submit_description,
            defaults=_referral_defaults,
        ),
        FormSpec(
            "meeting",
            lambda a: "Record a meeting",
            "Record the meeting",
            "The meeting was recorded.",
            _meeting_fields,
            _review_writer("record_meeting"),
            _submit_meeting,
        ),
        FormSpec(
            "attendance",
            lambda a: f"Who attended the {human(a.record['kind']).lower()} meeting",
            "Save the attendance",
            "The attendance was recorded.",
            _attendance_fields,
            _review_writer("record_attendance"),
            _submit_attendance,
            find=_find_meeting,
            defaults=_attendance_defaults,
        ),
        FormSpec(
            "declaration",
            lambda a: "Record a declaration of interest",
            "Record the declaration",
            "The declaration was recorded.",
            _declaration_fields,
            _review_writer("record_declaration"),
            _submit_declaration,
        ),
        FormSpec(
            "ruling",
            lambda a: f"Rule on the interest declared by {a.record['name']}",
            "Record the ruling",
            "The ruling was recorded.",
            _ruling_fields,
            lambda a: _review_writer("rule_on_declaration")(a) and (a.record is None or not a.record["superseded"]),
            _submit_ruling,
            find=_find_declaration,
        ),
        FormSpec(
            "endorsement",
            _endorsement_title,
            "Record the endorsement",
            "The endorsement was recorded.",
            _endorsement_fields,
            may_endorse,
            _submit_endorsement,
            defaults=_endorsement_defaults,
        ),
        FormSpec(
            "information-request",
            lambda a: "Ask an organisation for information",
            "Send the request",
            "The information request was recorded.",
            _request_fields,
            _review_writer("request_information"),
            _submit_request,
        ),
        FormSpec(
            "information-return",
            lambda a: f"Record the return of {a.record['organisation']}'s {asked_for(a.record['kind'])}",
            "Record the return",
            "The return was recorded.",
            _return_fields,
            lambda a: allows(a.caller, "record_information_return"),
            _submit_return,
            find=_find_request,
        ),
        *(
            FormSpec(
                f"clock-{kind}",
                lambda a, k=kind: f"{human(k.replace('-', '_'))}: {human(a.target).lower()} clock",
                {
                    "pause": "Pause the clock",
                    "resume": "Resume the clock",
                    "extend": "Extend the clock",
                    "report-delay": "Record that the Panel was told",
                }[kind],
                {
                    "pause": "The clock was paused.",
                    "resume": "The clock was resumed.",
                    "extend": "The clock was extended.",
                    "report-delay": "The delay's report was recorded.",
                }[kind],
                _clock_fields(kind),
                _may_change_clock(kind),
                _submit_clock(kind),
                find=_find_clock,
            )
            for kind in CLOCK_MODELS
        ),
        FormSpec(
            "action",
            lambda a: "Add an action to the plan",
            "Add the action",
            "The action was added.",
            _action_fields,
            lambda a: allows(a.caller, "plan_actions"),
            _submit_action,
        ),
        FormSpec(
            "action-update",
            lambda a: f"Update the action: {a.record['action']}",
            "Save the update",
            "The action was updated.",
            _update_fields,
            lambda a: may_update_action(a.caller, a.record),
            _submit_update,
            find=_find_action,
            defaults=_update_defaults,
            versioned_by_action=True,
        ),
        FormSpec(
            "link",
            lambda a: "Link this review",
            "Record the link",
            "The link was recorded.",
            _link_fields,
            lambda a: allows(a.caller, "record_link"),
            _submit_link,
        ),
        FormSpec(
            "drafts-deleted",
            lambda a: "Confirm the draft reports were deleted",
            "Confirm the deletion",
            "The drafts' deletion was confirmed.",
            lambda a: [
                Field("deleted_on", "Date the drafts were deleted", "date", optional=True, hint="Leave empty for today")
            ],
            lambda a: (
                allows(a.caller, "confirm_drafts_deleted") and a.review is not None and drafts_to_delete(a.review)
            ),
            _submit_drafts,
        ),
        FormSpec(
            "event",
            lambda a: human(a.target),
            "Continue",
            "",
            event_fields,
            lambda a: a.is_open and (a.record is None or may_fire(a.caller, a.record)),
            _submit_event,
            find=_find_event,
        ),
    ]
}
REFERRAL = FormSpec(
    "referral",
    lambda a: "Record a referral",
    "Record the referral",
    "The referral was recorded.",
    _referral_fields,
    lambda a: allows(a.caller, "create_review"),
    _submit_referral,
)
