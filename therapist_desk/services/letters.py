"""Progress letters: templates (shipped and the clinician's own), the release check, LetterData.

Recipients come from the client's releases of information. A recipient that needs an
authorization (school, employer, attorney, family, other) is refused unless its release is
signed, unexpired and unrevoked on the letter's date; treating providers and insurers need
none, but a release the client revoked is honoured for every recipient. The diagnosis is left
out unless asked for, and for recipients that need an authorization only when the release's
scope mentions it. Letters are built from structured data only (dates, plan objectives and
ratings, scores, the client's presenting problem): no note text, and psychotherapy notes are
never read. Making a letter records a disclosure and an ``export.letter`` audit event.

Template syntax (see docs/exports.md): paragraphs separated by blank lines, ``## Heading``
lines, ``- item`` lists, ``{{placeholder}}`` anywhere. A paragraph that uses a placeholder with
no value (say, the diagnosis when it is left out) is dropped, and so is a heading left with
nothing under it. ``{{objectives}}`` and ``{{measure_chart}}`` stand alone as paragraphs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from therapist_desk.domain.audit import Disclosure
from therapist_desk.domain.client import Client, ReleaseOfInformation
from therapist_desk.domain.enums import (
    Approach,
    Instrument,
    NoteStatus,
    ObjectiveStatus,
    ProgressRating,
    ReleaseKind,
)
from therapist_desk.domain.errors import ErrorCollector, ValidationError
from therapist_desk.domain.measures import INSTRUMENTS, MeasureResult, assess_change
from therapist_desk.domain.plan import TreatmentPlan
from therapist_desk.domain.session import SessionNote
from therapist_desk.export.base import long_date, us_date
from therapist_desk.export.data import (
    BandSpec,
    LetterBlock,
    LetterBullets,
    LetterData,
    LetterHeading,
    LetterMeasures,
    LetterObjectives,
    LetterParagraph,
    MeasureSeries,
    ObjectiveRow,
)
from therapist_desk.export.letter import render_letter
from therapist_desk.resources import resource_path
from therapist_desk.services.common import ActionRefused, audit
from therapist_desk.services.pdf_output import check_password, save_pdf
from therapist_desk.services.practice import require_profile
from therapist_desk.services.statements import letterhead_for
from therapist_desk.store.repositories import letters as template_repo
from therapist_desk.store.repositories import notes as notes_repo
from therapist_desk.store.repositories import records
from therapist_desk.store.repositories.clients import load_client

DEFAULT_TEMPLATE = "progress-summary"

INLINE_PLACEHOLDERS: dict[str, str] = {
    "recipient_name": "the recipient named on the release",
    "client_name": "the client's legal name",
    "client_first_name": "the client's preferred first name (else the legal one)",
    "client_dob": "date of birth, MM/DD/YYYY",
    "letter_date": "the letter's date",
    "practice_name": "the practice name (else the clinician's name)",
    "practice_phone": "the practice phone",
    "clinician_name": "the clinician's name and credentials",
    "sessions_attended": "\"12 sessions\": signed sessions in the period",
    "session_count": "the number of signed sessions in the period",
    "first_session_date": "the first session in the period",
    "last_session_date": "the last session in the period",
    "session_dates": "every date attended, MM/DD/YYYY",
    "presenting_concerns": "the presenting problem from the client's record",
    "diagnosis": "codes and titles; empty unless the diagnosis is included",
    "approach": "treatment approaches from the plan's interventions",
    "measure_summary": "first and latest PHQ-9 / GAD-7 / PCL-5 scores, with the change",
    "recommendations": "what you write in the letter dialog",
    "disclosure_basis": "why this disclosure is allowed (authorization, treatment, payment)",
    "release_purpose": "the purpose written on the release",
}
BLOCK_PLACEHOLDERS: dict[str, str] = {
    "objectives": "a table of the plan's objectives: status and latest progress rating",
    "measure_chart": "a chart of each measure's scores over time on its severity bands",
}

CONFIDENTIALITY_NOTICE = (
    "Confidential: this letter contains protected health information, disclosed under the "
    "HIPAA Privacy Rule (45 CFR Parts 160 and 164) for the purpose stated in it. It is meant "
    "only for the recipient named above; do not disclose it further without the client's "
    "written authorization unless the law requires or permits it. If it reached you in "
    "error, please tell the sender and destroy it."
)
KIND_WORDS: dict[ReleaseKind, str] = {
    ReleaseKind.TREATING_PROVIDER: "a treating provider",
    ReleaseKind.INSURER: "a health plan",
    ReleaseKind.SCHOOL: "a school",
    ReleaseKind.EMPLOYER: "an employer",
    ReleaseKind.ATTORNEY: "an attorney",
    ReleaseKind.FAMILY: "a family member",
    ReleaseKind.OTHER: "this recipient",
}
APPROACH_WORDS: dict[Approach, str] = {
    Approach.CBT: "cognitive behavioral therapy (CBT)",
    Approach.DBT: "dialectical behavior therapy (DBT)",
    Approach.ACT: "acceptance and commitment therapy (ACT)",
    Approach.PSYCHODYNAMIC: "psychodynamic psychotherapy",
    Approach.INTERPERSONAL: "interpersonal psychotherapy",
    Approach.SUPPORTIVE: "supportive psychotherapy",
    Approach.FAMILY_SYSTEMS: "family systems therapy",
}
STATUS_WORDS: dict[ObjectiveStatus, str] = {
    ObjectiveStatus.NOT_STARTED: "Not started",
    ObjectiveStatus.IN_PROGRESS: "In progress",
    ObjectiveStatus.MET: "Met",
    ObjectiveStatus.REVISED: "Revised",
    ObjectiveStatus.DISCONTINUED: "Discontinued",
}
RATING_WORDS: dict[ProgressRating, str] = {
    ProgressRating.WORSE: "Worse",
    ProgressRating.NO_CHANGE: "No change",
    ProgressRating.SOME_PROGRESS: "Some progress",
    ProgressRating.GOOD_PROGRESS: "Good progress",
    ProgressRating.MET: "Met",
}
INSTRUMENT_ORDER = (Instrument.PHQ9, Instrument.GAD7, Instrument.PCL5)

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
_BULLET = re.compile(r"^\s*[-*•]\s+")


# --- templates ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LetterTemplate:
    slug: str
    title: str
    body: str
    description: str = ""
    shipped: bool = False  # a template that comes with the app (resources/letters)
    customized: bool = False  # the clinician's edited copy is in the vault


def _parse_template_file(slug: str, text: str) -> LetterTemplate:
    """``---`` front matter (``title:``, ``description:``) then the body."""
    meta: dict[str, str] = {}
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end < 0:
            raise ValueError(f"letter template {slug}: front matter is not closed")
        for line in text[4:end].splitlines():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
        body = text[end + 5:]
    return LetterTemplate(slug, meta.get("title", slug), body.strip() + "\n",
                          meta.get("description", ""), shipped=True)


_shipped_lock = threading.Lock()
_shipped: dict[str, LetterTemplate] | None = None


def shipped_templates() -> dict[str, LetterTemplate]:
    """The templates in resources/letters, read once (they do not change while running)."""
    global _shipped
    with _shipped_lock:
        if _shipped is None:
            folder = resource_path("letters")
            found = {}
            for path in sorted(folder.glob("*.md")):
                found[path.stem] = _parse_template_file(path.stem, path.read_text(encoding="utf-8"))
            _shipped = found
        return dict(_shipped)


def template_problems(body: str) -> tuple[str, ...]:
    """Why a template body cannot be used (unknown placeholders, misplaced blocks); () if fine."""
    problems: list[str] = []
    if not body.strip():
        problems.append("the template is empty")
    known = INLINE_PLACEHOLDERS.keys() | BLOCK_PLACEHOLDERS.keys()
    for name in dict.fromkeys(_PLACEHOLDER.findall(body)):
        if name not in known:
            problems.append(f"{{{{{name}}}}} is not a placeholder this app knows")
    for chunk in _chunks(body):
        first, _, rest = chunk.partition("\n")
        if first.lstrip().startswith("#"):  # a heading line may sit right above a block
            if any(n in BLOCK_PLACEHOLDERS for n in _PLACEHOLDER.findall(first)):
                problems.append("a heading cannot hold {{objectives}} or {{measure_chart}}")
            chunk = rest
        names = _PLACEHOLDER.findall(chunk)
        blocks = [n for n in names if n in BLOCK_PLACEHOLDERS]
        if blocks and not _PLACEHOLDER.fullmatch(chunk.strip()):
            problems.append(f"{{{{{blocks[0]}}}}} must be a paragraph of its own")
    return tuple(problems)


def list_templates(session: Session) -> list[LetterTemplate]:
    """Shipped templates (with the clinician's edits, if any) and the clinician's own, by title."""
    merged = shipped_templates()
    for stored in template_repo.list_letter_templates(session):
        shipped = stored.slug in merged
        merged[stored.slug] = LetterTemplate(stored.slug, stored.title, stored.body, stored.description,
                                             shipped=shipped, customized=True)
    return sorted(merged.values(), key=lambda t: (t.title.casefold(), t.slug))


def get_template(session: Session, slug: str) -> LetterTemplate:
    stored = template_repo.get_letter_template(session, slug)
    shipped = shipped_templates().get(slug)
    if stored is not None:
        return LetterTemplate(stored.slug, stored.title, stored.body, stored.description,
                              shipped=shipped is not None, customized=True)
    if shipped is None:
        raise ValidationError("Letter template", f"there is no template named {slug}")
    return shipped


def save_template(
    session: Session, slug: str, title: str, body: str, now: datetime, *, description: str = ""
) -> LetterTemplate:
    """Save an edited copy of a shipped template (same slug) or a new one of the clinician's."""
    with ErrorCollector() as c:
        if not _SLUG.match(slug):
            c.add("Template name", "use lower-case letters, digits and hyphens (e.g. work-return)")
        if not title.strip():
            c.add("Template title", "is required")
        for problem in template_problems(body):
            c.add("Template text", problem)
    template_repo.save_letter_template(
        session, template_repo.StoredLetterTemplate(slug, title.strip(), body, description.strip()), now)
    audit(session, now, "letter_template.save", "letter_template", detail=f"slug={slug}")
    return get_template(session, slug)


def reset_template(session: Session, slug: str, now: datetime) -> None:
    """Drop the clinician's copy: a shipped template returns to its original, an own one goes."""
    if template_repo.delete_letter_template(session, slug):
        audit(session, now, "letter_template.reset", "letter_template", detail=f"slug={slug}")


# --- filling a template ---------------------------------------------------------------------


def _chunks(body: str) -> list[str]:
    return [c.strip() for c in re.split(r"\n[ \t]*\n", body.replace("\r\n", "\n")) if c.strip()]


def _text_blocks(text: str) -> list[LetterBlock]:
    """Paragraphs and "- " lists from filled-in text (values may hold their own lists)."""
    blocks: list[LetterBlock] = []
    for chunk in _chunks(text):
        prose: list[str] = []
        items: list[str] = []
        for line in chunk.splitlines():
            if _BULLET.match(line):
                if prose:
                    blocks.append(LetterParagraph(" ".join(prose)))
                    prose = []
                items.append(_BULLET.sub("", line).strip())
            elif line.strip():
                if items:
                    blocks.append(LetterBullets(tuple(items)))
                    items = []
                prose.append(line.strip())
        if prose:
            blocks.append(LetterParagraph(" ".join(prose)))
        if items:
            blocks.append(LetterBullets(tuple(items)))
    return blocks


def fill_template(
    body: str, values: Mapping[str, str | None], blocks: Mapping[str, LetterBlock | None]
) -> tuple[tuple[LetterBlock, ...], frozenset[str]]:
    """The letter's blocks, and the names of the placeholders that made it into them.

    A paragraph using a placeholder whose value is missing or empty is left out, and so is a
    heading whose first paragraph was left out (a closing line after an empty section does not
    keep that section's heading alive).
    """
    problems = template_problems(body)
    if problems:
        raise ActionRefused("The letter template cannot be used", problems)
    out: list[LetterBlock] = []
    used: set[str] = set()
    pending: LetterHeading | None = None

    def substitute(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or "", text)

    def produce(chunk: str) -> list[LetterBlock]:
        whole = _PLACEHOLDER.fullmatch(chunk)
        if whole and whole.group(1) in BLOCK_PLACEHOLDERS:
            block = blocks.get(whole.group(1))
            if block is None:
                return []
            used.add(whole.group(1))
            return [block]
        names = _PLACEHOLDER.findall(chunk)
        if not all(values.get(n) for n in names):
            return []
        used.update(names)
        return _text_blocks(substitute(chunk))

    for chunk in _chunks(body):
        first, _, rest = chunk.partition("\n")
        if first.lstrip().startswith("#"):
            heading = first.lstrip().lstrip("#").strip()
            ok = all(values.get(n) for n in _PLACEHOLDER.findall(heading))
            pending = LetterHeading(substitute(heading)) if ok and heading else None
            chunk = rest.strip()
            if not chunk:
                continue
        produced = produce(chunk)
        if produced and pending is not None:
            out.append(pending)
        pending = None
        out.extend(produced)
    return tuple(out), frozenset(used)


# --- recipients and the release check -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecipientOption:
    """A release of information as a letter recipient, and why it is refused (if it is)."""

    release_id: int
    name: str
    kind: ReleaseKind
    allowed: bool
    reasons: tuple[str, ...] = ()


def release_refusals(release: ReleaseOfInformation, day: date, *, include_diagnosis: bool = False) -> tuple[str, ...]:
    """Every reason a letter to this release's recipient cannot go out on ``day``; () if it can."""
    reasons: list[str] = []
    if release.revoked_on is not None and release.revoked_on <= day:
        reasons.append(f"the release was revoked on {release.revoked_on.isoformat()}")
    elif release.kind.needs_authorization:
        reason = release.refusal_reason(day)
        if reason is not None:
            reasons.append(f"{KIND_WORDS[release.kind].capitalize()} needs the client's written "
                           f"authorization on file, and {reason}")
    if include_diagnosis and release.kind.needs_authorization and "diagnos" not in release.scope.lower():
        reasons.append("the release's scope does not include the diagnosis; leave the diagnosis "
                       "out, or record a release whose scope names it")
    return tuple(reasons)


def letter_recipients(session: Session, client_id: int, day: date) -> list[RecipientOption]:
    """The client's releases as recipients for a letter dated ``day`` (for the letter dialog)."""
    client = load_client(session, client_id)
    options = []
    for release in client.releases:
        assert release.id is not None
        reasons = release_refusals(release, day)
        options.append(RecipientOption(release.id, release.recipient_name, release.kind, not reasons, reasons))
    return options


# --- assembling a letter --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LetterRequest:
    """What the clinician chose in the letter dialog."""

    client_id: int
    release_id: int
    template_slug: str = DEFAULT_TEMPLATE
    letter_date: date | None = None  # default: today
    since: date | None = None  # first session date to cover (default: the first ever)
    until: date | None = None  # last session date to cover (default: the letter date)
    include_diagnosis: bool = False  # minimum necessary: off unless asked for
    include_measures: bool = True
    recommendations: str = ""


@dataclass(frozen=True, slots=True)
class PreparedLetter:
    """The letter's data and what the disclosure log needs about it."""

    data: LetterData
    release: ReleaseOfInformation
    template: LetterTemplate
    session_dates: tuple[date, ...]
    included: frozenset[str]


@dataclass(frozen=True, slots=True)
class LetterExport:
    path: Path
    data: LetterData
    disclosure_id: int


def _find_release(client: Client, release_id: int) -> ReleaseOfInformation:
    for release in client.releases:
        if release.id == release_id:
            return release
    raise ValidationError("Recipient", "is not one of this client's releases of information")


def _signed_notes(session: Session, client_id: int, since: date | None, until: date) -> list[SessionNote]:
    summaries = notes_repo.list_session_summaries(session, client_id, since=since, until=until)
    notes = [notes_repo.load_note(session, s.id) for s in summaries if s.status is NoteStatus.SIGNED]
    return sorted(notes, key=lambda n: (n.session_date, n.id or 0))


def _latest_signed_plan(session: Session, client_id: int) -> TreatmentPlan | None:
    signed = [p for p in records.plan_versions(session, client_id) if p.is_signed]
    return signed[-1] if signed else None


def _objectives_block(plan: TreatmentPlan | None, notes: Sequence[SessionNote]) -> LetterObjectives | None:
    if plan is None or not plan.objectives():
        return None
    latest: dict[str, tuple[date, ProgressRating]] = {}
    for note in notes:  # oldest first, so later ratings win
        for link in note.objective_progress:
            latest[link.objective_key] = (note.session_date, link.rating)
    rows = []
    for objective in plan.objectives():
        rated = latest.get(objective.key)
        rows.append(ObjectiveRow(
            objective=objective.description,
            status=STATUS_WORDS[objective.status],
            target_date=objective.target_date,
            latest_rating=RATING_WORDS[rated[1]] if rated else "",
            rated_on=rated[0] if rated else None,
        ))
    return LetterObjectives(tuple(rows))


def _approach(plan: TreatmentPlan | None, notes: Sequence[SessionNote]) -> str | None:
    named: list[str] = []
    if plan is not None:
        for objective in plan.objectives():
            for intervention in objective.interventions:
                words = APPROACH_WORDS.get(intervention.approach)
                if words and words not in named:
                    named.append(words)
    counts: dict[str, int] = {}
    for note in notes:
        for used in note.interventions:  # names from the app's intervention list, not note text
            counts[used] = counts.get(used, 0) + 1
    common = [name.lower() for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
    if not named and not common:
        return None
    text = _and_list(named) if named else "individual psychotherapy"
    if common:
        text += f", including {_and_list(common)}"
    return text


def _and_list(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def _measures(
    results: Sequence[MeasureResult], since: date | None, until: date
) -> tuple[str | None, LetterMeasures | None]:
    """A summary sentence per instrument and the chart series, from complete scores in range."""
    sentences: list[str] = []
    series: list[MeasureSeries] = []
    for instrument in INSTRUMENT_ORDER:
        spec = INSTRUMENTS[instrument]
        scored = sorted(
            (r for r in results if r.instrument is instrument and r.complete
             and (since is None or r.administered_on >= since) and r.administered_on <= until),
            key=lambda r: r.administered_on,
        )
        if not scored:
            continue
        first, last = scored[0], scored[-1]
        assert first.total is not None and last.total is not None
        if len(scored) == 1:
            sentences.append(f"{spec.name}: {first.total} ({first.band}) on {us_date(first.administered_on)}.")
        else:
            change = assess_change(first, last)
            direction = "decrease" if change.change < 0 else "increase"
            if change.reliable_improvement:
                meaning = "a reliable improvement"
            elif change.reliable_deterioration:
                meaning = "a reliable worsening"
            else:
                meaning = "not a reliable change"
            amount = (f"a {abs(change.change)}-point {direction}, {meaning}" if change.change
                      else "no change")
            sentences.append(
                f"{spec.name} went from {first.total} ({first.band}) on {us_date(first.administered_on)} "
                f"to {last.total} ({last.band}) on {us_date(last.administered_on)}: {amount} "
                f"({len(scored)} administrations).")
        series.append(MeasureSeries(
            name=spec.name,
            max_total=spec.max_total,
            bands=tuple(BandSpec(b.low, b.high, b.label) for b in spec.bands),
            points=tuple((r.administered_on, r.total) for r in scored if r.total is not None),
        ))
    if not series:
        return None, None
    return " ".join(sentences), LetterMeasures(tuple(series))


def _disclosure_basis(release: ReleaseOfInformation) -> str:
    if release.kind is ReleaseKind.TREATING_PROVIDER:
        return ("This information is shared with you as a treating provider, for coordination of "
                "care (45 CFR 164.506), and is limited to what that needs.")
    if release.kind is ReleaseKind.INSURER:
        return ("This information is shared with the client's health plan for payment "
                "(45 CFR 164.506) and is limited to the minimum necessary.")
    assert release.signed_on is not None  # checked by release_refusals
    text = f"This information is shared with the client's written authorization signed {long_date(release.signed_on)}"
    if release.expires_on is not None:
        text += f" (valid until {long_date(release.expires_on)})"
    if release.purpose.strip():
        text += f", for this purpose: {release.purpose.strip().rstrip('.')}"
    return text + "."


def prepare_letter(session: Session, request: LetterRequest, now: datetime) -> PreparedLetter:
    """Check the recipient and build the letter's data; nothing is saved or logged.

    Raises ActionRefused when the release does not allow the letter or no signed session
    falls in the period.
    """
    day = request.letter_date or now.date()
    if day > now.date():
        raise ValidationError("Letter date", "is in the future")
    client = load_client(session, request.client_id)
    release = _find_release(client, request.release_id)
    refusals = release_refusals(release, day, include_diagnosis=request.include_diagnosis)
    if refusals:
        raise ActionRefused(f"No letter can go to {release.recipient_name}", refusals)
    template = get_template(session, request.template_slug)
    profile = require_profile(session)
    until = min(request.until or day, day)
    notes = _signed_notes(session, request.client_id, request.since, until)
    if not notes:
        raise ActionRefused("There is nothing to write about yet",
                            ("at least one signed session in the period — Sessions tab",))
    plan = _latest_signed_plan(session, request.client_id)
    summary, chart = (None, None)
    if request.include_measures:
        summary, chart = _measures(records.list_measures(session, request.client_id), request.since, until)
    dates = tuple(n.session_date for n in notes)
    count = len(dates)
    diagnosis = "; ".join(f"{d.code} {d.title}".strip() for d in client.diagnoses) or None
    values: dict[str, str | None] = {
        "recipient_name": release.recipient_name,
        "client_name": client.legal_name,
        "client_first_name": client.preferred_name or client.legal_first_name,
        "client_dob": us_date(client.date_of_birth),
        "letter_date": long_date(day),
        "practice_name": profile.display_practice_name,
        "practice_phone": profile.phone or profile.email or None,
        "clinician_name": profile.signature_line,
        "sessions_attended": f"{count} session" + ("" if count == 1 else "s"),
        "session_count": str(count),
        "first_session_date": long_date(dates[0]),
        "last_session_date": long_date(dates[-1]),
        "session_dates": ", ".join(us_date(d) for d in dict.fromkeys(dates)),
        "presenting_concerns": client.presenting_problem.strip() or None,
        "diagnosis": diagnosis if request.include_diagnosis else None,
        "approach": _approach(plan, notes),
        "measure_summary": summary,
        "recommendations": request.recommendations.strip() or None,
        "disclosure_basis": _disclosure_basis(release),
        "release_purpose": release.purpose.strip() or None,
    }
    blocks, used = fill_template(template.body, values,
                                 {"objectives": _objectives_block(plan, notes), "measure_chart": chart})
    data = LetterData(
        letterhead=letterhead_for(profile),
        letter_date=day,
        recipient_name=release.recipient_name,
        recipient_address_lines=tuple(line.strip() for line in release.recipient_address.splitlines()
                                      if line.strip()),
        client_name=client.legal_name,
        client_date_of_birth=client.date_of_birth,
        blocks=blocks,
        signer_line=profile.signature_line,
        signer_detail=f"License {profile.license_number} ({profile.license_state}) · NPI {profile.rendering_npi}",
        signature_png=profile.signature_png,
        confidentiality_notice=CONFIDENTIALITY_NOTICE,
        title=f"{template.title} letter",
    )
    return PreparedLetter(data, release, template, dates, used)


def preview_letter(session: Session, request: LetterRequest, now: datetime) -> bytes:
    """The PDF for an on-screen preview; nothing is saved or logged (nothing was disclosed yet)."""
    return render_letter(prepare_letter(session, request, now).data)


_WHAT_PARTS = (
    ("presenting_concerns", "presenting concerns"),
    ("diagnosis", "diagnosis"),
    ("approach", "treatment approach"),
    ("objectives", "plan progress"),
    ("measure_summary", "measure scores"),
    ("measure_chart", "measure scores"),
    ("recommendations", "recommendations"),
)


def record_letter_disclosure(
    session: Session, prepared: PreparedLetter, client_id: int, now: datetime, *, encrypted: bool = False
) -> int:
    """Log what went to whom (the accounting of disclosures) and the ``export.letter`` event."""
    dates = prepared.session_dates
    parts = ["attendance"] + list(dict.fromkeys(words for name, words in _WHAT_PARTS if name in prepared.included))
    what = (f"{prepared.template.title} letter: {len(dates)} sessions, {dates[0].isoformat()} to "
            f"{dates[-1].isoformat()}; included: {', '.join(parts)}")
    if "diagnosis" not in prepared.included:
        what += "; diagnosis not included"
    release = prepared.release
    purpose = release.purpose.strip() or {
        ReleaseKind.TREATING_PROVIDER: "Treatment: coordination of care",
        ReleaseKind.INSURER: "Payment",
    }.get(release.kind, "As authorized by the client")
    disclosure_id = records.add_disclosure(session, Disclosure(
        client_id=client_id, disclosed_on=prepared.data.letter_date, recipient=release.recipient_name,
        what=what, purpose=purpose, release_id=release.id))
    audit(session, now, "export.letter", "disclosure", disclosure_id, client_id=client_id,
          detail=(f"template={prepared.template.slug},recipient_kind={release.kind.value},"
                  f"diagnosis={int('diagnosis' in prepared.included)},encrypted={int(encrypted)}"))
    return disclosure_id


def export_letter(
    session: Session, request: LetterRequest, path: Path, now: datetime, *, password: str | None = None
) -> LetterExport:
    """Check the release again, render, save atomically (0600, optionally AES-256) and log it,
    in the caller's transaction: a failed write leaves no disclosure behind."""
    if password is not None:
        check_password(password)
    prepared = prepare_letter(session, request, now)
    pdf = render_letter(prepared.data)
    disclosure_id = record_letter_disclosure(session, prepared, request.client_id, now,
                                             encrypted=password is not None)
    written = save_pdf(pdf, path, password=password)
    return LetterExport(written, prepared.data, disclosure_id)


__all__ = [
    "BLOCK_PLACEHOLDERS",
    "INLINE_PLACEHOLDERS",
    "LetterExport",
    "LetterRequest",
    "LetterTemplate",
    "PreparedLetter",
    "RecipientOption",
    "export_letter",
    "fill_template",
    "get_template",
    "letter_recipients",
    "list_templates",
    "prepare_letter",
    "preview_letter",
    "release_refusals",
    "reset_template",
    "save_template",
    "shipped_templates",
    "template_problems",
]
