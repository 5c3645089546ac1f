"""Autosaved note drafts: exact round trips through JSON and the drafts table, and conversions."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, datetime, time

import pytest

from tests.services.conftest import NOW, valid_client
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import (
    Modality,
    NoteFormat,
    NoteStatus,
    ProgressRating,
    ServiceType,
)
from therapist_desk.domain.errors import ValidationError
from therapist_desk.domain.session import ObjectiveProgress, SessionNote
from therapist_desk.services import clients, notes
from therapist_desk.services.note_drafts import (
    DraftLine,
    NoteDraft,
    copy_for_new_note,
    discard_note_draft,
    draft_key,
    dumps,
    find_note_draft,
    from_saved_note,
    from_session_note,
    keep_note_draft,
    loads,
    note_drafts,
    parse_clock,
    to_session_note,
)
from therapist_desk.services.vault_access import Vault

# Every kind of character a clinician may type, including ones JSON and SQL must not touch.
TRICKY = 'Said "I\'m fine" \\ then cried; 50% better — Zoë 😶 <b>not html</b>\n\tsecond line  '


def _full_draft(client_id: int = 7, session_id: int | None = None) -> NoteDraft:
    return NoteDraft(
        client_id=client_id, session_id=session_id, session_date="2026-11-18",
        start_text="10:00", stop_text="10:5", service_type=ServiceType.CRISIS.value,
        modality=Modality.VIDEO.value, client_location="home", telehealth_platform="Vidyo (fictional)",
        participants="Client and mother", codes_overridden=True,
        lines=(DraftLine("90839", 1, "95"), DraftLine("90840", 2, "9")), pos_overridden=True,
        place_of_service="02", interactive_complexity=True, interactive_complexity_factor="x",
        diagnosis_codes=("F41.1", "F32.1"), note_format=NoteFormat.BIRP.value,
        sections=(("Behavior", TRICKY), ("Intervention", ""), ("Response", "ok"), ("Plan", "p")),
        risk_assessment="Denies SI.", interventions=("Exposure", "Mindfulness"),
        interventions_detail="d", client_response="r", homework_given="hw", homework_review="rev",
        objective_progress=(("k1", "met", "c"),), plan_text="plan", psychotherapy_text=TRICKY,
    )


def test_json_round_trip_keeps_every_field_exactly() -> None:
    draft = _full_draft(session_id=42)
    assert loads(dumps(draft)) == draft
    for f in fields(NoteDraft):  # the fixture sets every field away from its default
        if f.name not in ("client_id", "session_id"):
            assert getattr(draft, f.name) != getattr(NoteDraft(client_id=7), f.name), f.name


def test_loads_ignores_unknown_keys_and_defaults_missing_ones() -> None:
    payload = '{"client_id": 3, "sections": [["Note", "x"]], "from_the_future": 1}'
    draft = loads(payload)
    assert draft.client_id == 3 and draft.sections == (("Note", "x"),) and draft.lines == ()


def test_keys() -> None:
    assert draft_key(12, None) == "note:12:new"
    assert draft_key(12, 345) == "note:12:345"
    assert _full_draft(3, 9).key == "note:3:9"


@pytest.mark.parametrize(("typed", "expected"), [
    ("10:05", time(10, 5)), ("1005", time(10, 5)), ("9.30", time(9, 30)), ("9", time(9, 0)),
    (" 2:30 pm ", time(14, 30)), ("12:10 am", time(0, 10)), ("12:10pm", time(12, 10)), ("", None),
])
def test_parse_clock(typed: str, expected: time | None) -> None:
    assert parse_clock(typed) == expected


@pytest.mark.parametrize("typed", ["25:00", "10:61", "abc", "13:00 pm", "10:5", "12345"])
def test_parse_clock_refuses_what_is_not_a_time(typed: str) -> None:
    with pytest.raises(ValidationError):
        parse_clock(typed)


def test_to_session_note_converts_and_names_bad_fields() -> None:
    good = replace(_full_draft(), stop_text="11:20", lines=(DraftLine("90839", 1, "95"), DraftLine("90840", 1, "")))
    note = to_session_note(good)
    assert note.minutes == 80
    assert note.lines == (ServiceLine("90839", 1, ("95",)), ServiceLine("90840", 1, ()))
    assert note.interactive_complexity_factor == "x"
    assert note.status is NoteStatus.DRAFT
    assert note.objective_progress == (ObjectiveProgress("k1", ProgressRating.MET, "c"),)
    with pytest.raises(ValidationError) as bad_time:
        to_session_note(_full_draft())  # stop "10:5"
    assert bad_time.value.field == "Stop time"
    with pytest.raises(ValidationError):
        to_session_note(replace(good, lines=(DraftLine("90834", 1, "9"),)))  # modifier "9"
    unchecked = to_session_note(replace(good, interactive_complexity=False, modality="in_person"))
    assert unchecked.interactive_complexity_factor == "" and unchecked.telehealth_platform == ""


def _saved_note(client_id: int, **overrides: object) -> SessionNote:
    fields_: dict[str, object] = {
        "client_id": client_id, "session_date": date(2026, 11, 18), "start_time": time(10, 0),
        "stop_time": time(10, 50), "lines": (ServiceLine("90834"),), "diagnosis_codes": ("F41.1",),
        "note_format": NoteFormat.SOAP, "sections": (("Subjective", "S"), ("Plan", "P")),
        "interventions": ("Exposure",), "risk_assessment": "Denies SI.",
        "homework_given": "Thought log",
        "objective_progress": (ObjectiveProgress("k1", ProgressRating.GOOD_PROGRESS, "better"),),
    }
    fields_.update(overrides)
    return SessionNote(**fields_)  # type: ignore[arg-type]


def test_from_session_note_then_back_is_the_same_note() -> None:
    note = replace(_saved_note(5), id=9, telehealth_platform="", place_of_service="11")
    assert to_session_note(from_session_note(note)) == note


def test_from_saved_note_codes_follow_the_proposal_only_when_they_match_it() -> None:
    note = replace(_saved_note(5), id=9)
    assert not from_saved_note(note, "", 0).codes_overridden
    assert from_saved_note(note, "", 1).codes_overridden  # the proposal would add 96127
    chosen = replace(note, lines=(ServiceLine("90837"),))
    assert from_saved_note(chosen, "private", 0).codes_overridden
    assert from_saved_note(chosen, "private", 0).psychotherapy_text == "private"


def test_copy_for_new_note_takes_the_body_never_the_session_facts() -> None:
    signed = replace(_saved_note(5), id=9, status=NoteStatus.SIGNED, signed_by="Avery Testwood, LCSW",
                     signed_at=NOW)
    copied = copy_for_new_note(signed, 5, date(2026, 11, 25))
    assert copied.session_id is None and copied.session_date == "2026-11-25"
    assert copied.sections == signed.sections and copied.interventions == ("Exposure",)
    assert copied.note_format == "soap" and copied.diagnosis_codes == ("F41.1",)
    assert copied.objective_progress == (("k1", "no_change", ""),)
    assert (copied.start_text, copied.stop_text, copied.lines) == ("", "", ())
    assert copied.risk_assessment == "" and copied.homework_given == "" and copied.psychotherapy_text == ""
    assert "Avery" not in dumps(copied)


def _client(vault: Vault) -> int:
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(), NOW).id
    assert cid is not None
    return cid


def test_drafts_table_keeps_the_exact_text_and_lists_newest_first(vault: Vault) -> None:
    cid = _client(vault)
    older, newer = _full_draft(cid), _full_draft(cid, session_id=77)
    with vault.unit_of_work() as s:
        keep_note_draft(s, older, datetime(2026, 11, 20, 9, 0))
    with vault.unit_of_work() as s:
        keep_note_draft(s, newer, datetime(2026, 11, 20, 10, 0))
        keep_note_draft(s, _full_draft(cid + 1), datetime(2026, 11, 20, 11, 0))
    with vault.reader() as s:
        found = find_note_draft(s, cid, None)
        mine = note_drafts(s, cid)
        everyone = note_drafts(s)
    assert found is not None and found.draft == older
    assert found.draft.psychotherapy_text == TRICKY and found.saved_at == datetime(2026, 11, 20, 9, 0)
    assert [f.draft.key for f in mine] == [newer.key, older.key]
    assert len(everyone) == 3
    with vault.unit_of_work() as s:
        discard_note_draft(s, cid, None)
    with vault.reader() as s:
        assert find_note_draft(s, cid, None) is None


def test_a_draft_overwrites_the_previous_one_of_the_same_note(vault: Vault) -> None:
    cid = _client(vault)
    with vault.unit_of_work() as s:
        keep_note_draft(s, _full_draft(cid), NOW)
    with vault.unit_of_work() as s:
        keep_note_draft(s, replace(_full_draft(cid), risk_assessment="second"), NOW)
    with vault.reader() as s:
        assert [f.draft.risk_assessment for f in note_drafts(s, cid)] == ["second"]


def test_drafts_never_reach_the_note_or_its_search_index(vault: Vault) -> None:
    cid = _client(vault)
    with vault.unit_of_work() as s:
        saved = notes.save_note(s, _saved_note(cid), NOW)
        keep_note_draft(s, replace(_full_draft(cid, saved.id), psychotherapy_text="zebraword"), NOW)
    with vault.reader() as s:
        assert notes.search_notes(s, "zebraword") == []
        assert "zebraword" not in notes.get_note(s, saved.id).body_text()  # type: ignore[arg-type]
