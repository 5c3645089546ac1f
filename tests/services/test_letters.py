"""Progress letters through the services on a real vault: contents, release check, templates."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import event

from tests.export import pdf_text
from tests.services.conftest import NOW, valid_client
from therapist_desk.domain.client import Diagnosis, ReleaseOfInformation
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import (
    Approach,
    ClientParticipation,
    Instrument,
    ObjectiveStatus,
    ProgressRating,
    ReleaseKind,
)
from therapist_desk.domain.errors import ValidationErrors
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.plan import Goal, Objective, PlanIntervention, Problem, TreatmentPlan
from therapist_desk.domain.session import ObjectiveProgress, SessionNote
from therapist_desk.export.data import LetterBullets, LetterHeading, LetterParagraph
from therapist_desk.services import clients, letters, measures, notes, plans
from therapist_desk.services.audit_log import list_events
from therapist_desk.services.common import ActionRefused
from therapist_desk.services.vault_access import Vault
from therapist_desk.store.repositories.records import list_disclosures

PSYCHOTHERAPY_MARKER = "PSYNOTE-91c3-kestrel-private"
NOTE_MARKER = "NOTETEXT-5a0f-marmot"
TODAY = NOW.date()

RELEASES = (
    ReleaseOfInformation("Dr. Pat Example, Example Family Medicine", ReleaseKind.TREATING_PROVIDER,
                         recipient_address="200 Example Ave\nPortland, OR 97205"),
    ReleaseOfInformation("Example Health Plan", ReleaseKind.INSURER),
    ReleaseOfInformation("Example Middle School (no signature)", ReleaseKind.SCHOOL),
    ReleaseOfInformation("Example Middle School (expired)", ReleaseKind.SCHOOL, signed_on=date(2025, 9, 1),
                         expires_on=date(2026, 9, 1)),
    ReleaseOfInformation("Example Middle School (revoked)", ReleaseKind.SCHOOL, signed_on=date(2026, 9, 1),
                         revoked_on=date(2026, 11, 1)),
    ReleaseOfInformation("Example Middle School", ReleaseKind.SCHOOL, purpose="Classroom accommodations",
                         scope="Attendance and progress", signed_on=date(2026, 9, 1),
                         expires_on=date(2027, 9, 1)),
    ReleaseOfInformation("Example High School", ReleaseKind.SCHOOL, purpose="504 plan",
                         scope="Attendance, progress and diagnosis", signed_on=date(2026, 9, 1)),
    ReleaseOfInformation("Dr. Revoked Provider", ReleaseKind.TREATING_PROVIDER, revoked_on=date(2026, 10, 1)),
)


def release_id(vault: Vault, client_id: int, name: str) -> int:
    with vault.reader() as s:
        found = [r.id for r in clients.get_client(s, client_id).releases if r.recipient_name == name]
    assert found and found[0] is not None
    return found[0]


@pytest.fixture
def client_id(vault: Vault) -> int:
    """A client with releases, a signed plan, three signed sessions, PHQ-9 scores and private notes."""
    with vault.unit_of_work() as s:
        client = clients.create_client(s, valid_client(
            legal_first_name="Zoë", legal_last_name="Núñez-Løvik", preferred_name="Zo",
            presenting_problem="Worry and low mood after a job loss.",
            diagnoses=(Diagnosis("F41.1"), Diagnosis("F33.1")), releases=RELEASES), NOW)
        cid = client.id
        assert cid is not None
        objective = Objective("PHQ-9 below 10 for two sessions", target_date=date(2027, 2, 1),
                              status=ObjectiveStatus.IN_PROGRESS,
                              interventions=(PlanIntervention("Thought records", Approach.CBT),
                                             PlanIntervention("Values work", Approach.ACT)))
        second = Objective("Back at work three days a week", target_date=date(2027, 3, 1))
        plan = plans.save_plan(s, TreatmentPlan(client_id=cid, problems=(
            Problem("Depressed mood", (Goal("Return to usual activities", (objective, second)),)),),
            discharge_criteria="PHQ-9 under 5 for a month"), NOW)
        plans.sign_plan(s, plan.id, ClientParticipation.SIGNED, NOW)  # type: ignore[arg-type]
        key = plan.objectives()[0].key
        for day, rating in ((date(2026, 9, 2), ProgressRating.NO_CHANGE),
                            (date(2026, 10, 7), ProgressRating.SOME_PROGRESS),
                            (date(2026, 11, 18), ProgressRating.GOOD_PROGRESS)):
            saved = notes.save_note(s, SessionNote(
                client_id=cid, session_date=day, start_time=time(10), stop_time=time(10, 50),
                lines=(ServiceLine("90834"),), diagnosis_codes=("F41.1",),
                sections=(("Subjective", NOTE_MARKER),), interventions=("Behavioral activation",),
                objective_progress=(ObjectiveProgress(key, rating, f"{NOTE_MARKER} comment"),)), NOW)
            notes.sign_note(s, saved.id, NOW)  # type: ignore[arg-type]
            notes.save_psychotherapy_note(s, saved.id, PSYCHOTHERAPY_MARKER, NOW)  # type: ignore[arg-type]
        for day, answers in ((date(2026, 9, 2), (2, 2, 2, 2, 2, 2, 2, 2, 2)),
                             (date(2026, 11, 18), (1, 1, 1, 1, 1, 1, 1, 1, 0))):
            measures.record_measure(s, MeasureResult(Instrument.PHQ9, day, answers, client_id=cid), NOW)
        # A draft session is not counted.
        notes.save_note(s, SessionNote(client_id=cid, session_date=date(2026, 11, 19)), NOW)
    return cid


def test_progress_letter_to_a_treating_provider(vault: Vault, client_id: int, tmp_path: Path) -> None:
    rid = release_id(vault, client_id, RELEASES[0].recipient_name)
    request = letters.LetterRequest(client_id, rid, recommendations="- Continue weekly sessions\n- Review sleep")
    statements: list[str] = []

    def spy(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(vault.engine, "before_cursor_execute", spy)
    try:
        with vault.unit_of_work() as s:
            made = letters.export_letter(s, request, tmp_path / "letter.pdf", NOW)
    finally:
        event.remove(vault.engine, "before_cursor_execute", spy)
    assert statements and not any("psychotherapy_notes" in st for st in statements)
    text = pdf_text(made.path.read_bytes())
    for expected in (
        "Testwood Counseling (fictional)", "November 20, 2026", "Dr. Pat Example, Example Family Medicine",
        "200 Example Ave", "Re: Zoë Núñez-Løvik, date of birth 03/14/1988", "Dear Dr. Pat Example",
        "as a treating provider, for coordination of care",
        "Zo has attended 3 sessions between September 2, 2026 and November 18, 2026",
        "Worry and low mood after a job loss.",
        ("cognitive behavioral therapy (CBT) and acceptance and commitment therapy (ACT), including "
         "behavioral activation"),
        "PHQ-9 below 10 for two sessions", "In progress", "Good progress (11/18/2026)",
        "Back at work three days a week", "Not yet rated",
        ("PHQ-9 went from 18 (moderately severe) on 09/02/2026 to 8 (mild) on 11/18/2026: a 10-point "
         "decrease, a reliable improvement"),
        "PHQ-9 (0–27)", "Continue weekly sessions", "Review sleep",
        "Sincerely,", "Avery Testwood, LCSW", "Confidential: this letter contains protected health information",
        "Page 1 of",
    ):
        assert expected in text, expected
    for absent in ("F41.1", "Generalized anxiety", "Diagnosis", PSYCHOTHERAPY_MARKER, NOTE_MARKER):
        assert absent not in text, absent
    with vault.reader() as s:
        (disclosure,) = list_disclosures(s, client_id)
        (audit_event,) = list_events(s, action="export.letter")
    assert disclosure.release_id == rid and disclosure.recipient == RELEASES[0].recipient_name
    assert disclosure.disclosed_on == TODAY and "diagnosis not included" in disclosure.what
    assert "plan progress" in disclosure.what and "measure scores" in disclosure.what
    assert audit_event.record_id == disclosure.id and audit_event.client_id == client_id
    assert "diagnosis=0" in audit_event.detail and "recipient_kind=treating_provider" in audit_event.detail


REFUSED = (
    ("Example Middle School (no signature)", "the release has no signature date"),
    ("Example Middle School (expired)", "the release expired on 2026-09-01"),
    ("Example Middle School (revoked)", "the release was revoked on 2026-11-01"),
    ("Dr. Revoked Provider", "the release was revoked on 2026-10-01"),
)
ALLOWED = ("Example Middle School", "Example Health Plan", "Dr. Pat Example, Example Family Medicine")


def test_recipients_without_a_valid_release_are_refused(vault: Vault, client_id: int, tmp_path: Path) -> None:
    """A school with no signed release, an expired or a revoked one; a provider the client revoked."""
    for name, reason in REFUSED:
        request = letters.LetterRequest(client_id, release_id(vault, client_id, name), "school-accommodation")
        with pytest.raises(ActionRefused) as refused, vault.unit_of_work() as s:
            letters.export_letter(s, request, tmp_path / "x.pdf", NOW)
        assert any(reason in r for r in refused.value.reasons), (name, refused.value.reasons)
        assert name in refused.value.summary
        with pytest.raises(ActionRefused), vault.reader() as s:
            letters.preview_letter(s, request, NOW)  # no preview either
    assert not (tmp_path / "x.pdf").exists()
    with vault.reader() as s:
        assert list_disclosures(s, client_id) == []
        assert list_events(s, action="export.letter") == []


def test_valid_school_release_insurer_and_treating_provider_are_allowed(
    vault: Vault, client_id: int, tmp_path: Path
) -> None:
    for count, name in enumerate(ALLOWED, 1):
        request = letters.LetterRequest(client_id, release_id(vault, client_id, name), "school-accommodation",
                                        recommendations="Extra time on tests.")
        with vault.unit_of_work() as s:
            made = letters.export_letter(s, request, tmp_path / f"{count}.pdf", NOW)
        text = pdf_text(made.path.read_bytes())
        assert name in text and "Extra time on tests." in text and "F41.1" not in text
        if name == "Example Middle School":
            assert ("written authorization signed September 1, 2026 (valid until September 1, 2027), for "
                    "this purpose: Classroom accommodations.") in text
        with vault.reader() as s:
            assert len(list_disclosures(s, client_id)) == count
            assert list_disclosures(s, client_id)[-1].recipient == name


def test_diagnosis_only_when_asked_and_the_release_scope_allows(vault: Vault, client_id: int, tmp_path: Path) -> None:
    narrow = release_id(vault, client_id, "Example Middle School")
    with pytest.raises(ActionRefused) as refused, vault.reader() as s:
        letters.prepare_letter(s, letters.LetterRequest(client_id, narrow, include_diagnosis=True), NOW)
    assert any("scope does not include the diagnosis" in r for r in refused.value.reasons)
    wide = release_id(vault, client_id, "Example High School")
    insurer = release_id(vault, client_id, "Example Health Plan")
    for rid in (wide, insurer):
        with vault.unit_of_work() as s:
            made = letters.export_letter(s, letters.LetterRequest(client_id, rid, include_diagnosis=True),
                                         tmp_path / f"{rid}.pdf", NOW)
        text = pdf_text(made.path.read_bytes())
        assert "Diagnosis" in text and "F41.1 Generalized anxiety disorder" in text
    with vault.reader() as s:
        assert all("diagnosis=1" in e.detail for e in list_events(s, action="export.letter"))


def test_letter_recipients_say_who_is_allowed(vault: Vault, client_id: int) -> None:
    with vault.reader() as s:
        options = {o.name: o for o in letters.letter_recipients(s, client_id, TODAY)}
    assert options["Example Health Plan"].allowed
    assert options["Example Middle School"].allowed
    assert not options["Example Middle School (expired)"].allowed
    assert "expired" in options["Example Middle School (expired)"].reasons[0]


def test_no_signed_session_no_letter(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        client = clients.create_client(s, valid_client(releases=(RELEASES[1],)), NOW)
    assert client.id is not None and client.releases[0].id is not None
    with pytest.raises(ActionRefused, match="signed session"), vault.reader() as s:
        letters.prepare_letter(s, letters.LetterRequest(client.id, client.releases[0].id), NOW)


def test_templates_ship_and_the_clinician_can_edit_add_and_reset(vault: Vault, client_id: int) -> None:
    with vault.reader() as s:
        shipped = {t.slug: t for t in letters.list_templates(s)}
    assert {"progress-summary", "coordination-of-care", "school-accommodation"} <= shipped.keys()
    assert all(t.shipped and not t.customized for t in shipped.values())
    for template in shipped.values():
        assert letters.template_problems(template.body) == ()
    rid = release_id(vault, client_id, "Example Health Plan")
    with vault.unit_of_work() as s:
        letters.save_template(s, "progress-summary", "Progress summary (mine)",
                              "To {{recipient_name}}:\n\nSeen {{session_count}} times. Custom line.\n", NOW)
        letters.save_template(s, "work-return", "Return to work", "{{client_first_name}} may return to work.", NOW)
    with vault.reader() as s:
        edited = letters.get_template(s, "progress-summary")
        own = letters.get_template(s, "work-return")
        text = pdf_text(letters.preview_letter(s, letters.LetterRequest(client_id, rid), NOW))
        work = pdf_text(letters.preview_letter(s, letters.LetterRequest(client_id, rid, "work-return"), NOW))
    assert edited.customized and edited.shipped and edited.title == "Progress summary (mine)"
    assert own.customized and not own.shipped
    assert "Seen 3 times. Custom line." in text and "Zo may return to work." in work
    with vault.unit_of_work() as s:
        letters.reset_template(s, "progress-summary", NOW)
        letters.reset_template(s, "work-return", NOW)
    with vault.reader() as s:
        assert not letters.get_template(s, "progress-summary").customized
        with pytest.raises(Exception, match="no template named work-return"):
            letters.get_template(s, "work-return")
        assert [e.detail for e in list_events(s, action="letter_template.save")] == [
            "slug=progress-summary", "slug=work-return"]
        assert list_events(s, action="export.letter") == [], "previews disclose nothing"


def test_bad_templates_are_refused_with_every_problem(vault: Vault) -> None:
    with pytest.raises(ValidationErrors) as raised, vault.unit_of_work() as s:
        letters.save_template(s, "Bad Name!", "", "Hello {{psychotherapy_note}}.\n\nSee {{objectives}} here.", NOW)
    messages = " | ".join(str(e) for e in raised.value.errors)
    assert "Template name" in messages and "Template title" in messages
    assert "{{psychotherapy_note}} is not a placeholder" in messages
    assert "{{objectives}} must be a paragraph of its own" in messages


def test_fill_template_drops_what_has_no_value() -> None:
    body = ("Dear {{recipient_name}},\n\n## Diagnosis\n\n{{diagnosis}}\n\nClosing words.\n\n"
            "## Plan\n{{objectives}}\n\n## Next\n\n{{recommendations}}\n")
    blocks, used = letters.fill_template(
        body, {"recipient_name": "Dr. X", "diagnosis": None, "recommendations": "Intro\n- one\n- two"},
        {"objectives": None})
    assert blocks == (
        LetterParagraph("Dear Dr. X,"),
        LetterParagraph("Closing words."),
        LetterHeading("Next"),
        LetterParagraph("Intro"),
        LetterBullets(("one", "two")),
    )
    assert used == {"recipient_name", "recommendations"}


def test_letter_templates_table_matches_the_model(vault: Vault) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from therapist_desk.store.models import Base

    with vault.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert not [d for d in diffs if "letter_templates" in repr(d)]
