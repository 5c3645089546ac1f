"""The Clients tab through its real widgets over a real vault: create, edit, validate, discharge,
search, sort, the attention filter, the selection signal and the unsaved-edits prompt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from tests.ui.test_billing_tab import open_threaded_vault
from therapist_desk.domain.client import Client, Insurance
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import ClientStatus, Instrument, NoteFormat, ServiceType
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.plan import Goal, Objective, Problem, TreatmentPlan
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import clients, measures, notes, plans
from therapist_desk.ui.client_table_model import COL_BALANCE, COL_NAME, COL_WHY, ReasonsRole
from therapist_desk.ui.clients_tab import ClientsTab
from therapist_desk.ui.context import AppContext

NOW = datetime(2026, 11, 20, 17, 30)
Answer = QMessageBox.StandardButton


@pytest.fixture
def make_tab(qtbot, ctx: AppContext, vault: object) -> Callable[[], ClientsTab]:  # type: ignore[no-untyped-def]
    ctx.clock = lambda: NOW

    def make() -> ClientsTab:
        tab = ClientsTab(ctx)
        qtbot.addWidget(tab)
        tab.resize(1300, 800)
        tab.show()
        qtbot.waitExposed(tab)
        return tab

    return make


def save_client(ctx: AppContext, at: datetime = datetime(2026, 9, 1, 9), **fields: object) -> int:
    base: dict[str, object] = {"legal_first_name": "Robin", "legal_last_name": "Fictionalson",
                               "date_of_birth": date(1988, 3, 14), "intake_date": at.date()}
    base.update(fields)
    with ctx.unit_of_work() as s:
        saved = clients.create_client(s, Client(**base), at)  # type: ignore[arg-type]
    assert saved.id is not None
    return saved.id


def stored(ctx: AppContext, client_id: int) -> Client:
    with ctx.reader() as s:
        return clients.get_client(s, client_id)


def all_clients(ctx: AppContext) -> list[str]:
    with ctx.reader() as s:
        return [c.display_name for c in clients.list_clients(s)]


def click_row(qtbot, tab: ClientsTab, client_id: int) -> None:  # type: ignore[no-untyped-def]
    row = tab.model.row_of(client_id)
    assert row is not None
    rect = tab.table.visualRect(tab.model.index(row, COL_NAME))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def replace_text(qtbot, widget: QWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    widget.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


# --- create, edit, validate -----------------------------------------------------------------

def test_create_a_client_through_the_form(qtbot, make_tab, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab()
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    fields = tab.form.fields
    qtbot.keyClicks(fields["legal_first_name"], "Harriet")
    qtbot.keyClicks(fields["legal_last_name"], "Testcase")
    qtbot.keyClicks(fields["preferred_name"], "Hattie")
    qtbot.keyClicks(fields["date_of_birth"], "03/04/1990")
    qtbot.keyClicks(fields["phone"], "503 555 0134")
    qtbot.keyClicks(fields["address.state"], "or")
    assert tab.has_unsaved_changes()
    changed: list[int] = []
    ctx.signals.client_changed.connect(changed.append)
    with qtbot.waitSignal(ctx.signals.client_selected) as selected:
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    new_id = selected.args[0]
    assert changed == [new_id]
    saved = stored(ctx, new_id)
    assert (saved.legal_first_name, saved.preferred_name, saved.date_of_birth) == ("Harriet", "Hattie", date(1990, 3, 4))
    assert saved.phone == "(503) 555-0134" and saved.address.state == "OR"
    assert saved.intake_date == NOW.date() and saved.status is ClientStatus.ACTIVE
    assert tab.model.row_of(new_id) is not None
    assert tab.model.data(tab.model.index(tab.model.row_of(new_id), COL_NAME)) == "Hattie Testcase"
    assert tab.table.selectionModel().selectedRows()[0].row() == tab.model.row_of(new_id)
    assert not tab.has_unsaved_changes()
    assert tab.form.title.text() == "Hattie Testcase"


def test_edit_a_client_updates_the_row_and_emits_changed(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    cid = save_client(ctx, preferred_name="Rob")
    tab = make_tab()
    with qtbot.waitSignal(ctx.signals.client_selected, check_params_cb=lambda i: i == cid):
        click_row(qtbot, tab, cid)
    replace_text(qtbot, tab.form.fields["preferred_name"], "Robbie")
    qtbot.keyClicks(tab.form.fields["email"], "robbie@example.org")
    with qtbot.waitSignal(ctx.signals.client_changed, check_params_cb=lambda i: i == cid):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert stored(ctx, cid).preferred_name == "Robbie" and stored(ctx, cid).email == "robbie@example.org"
    assert tab.model.data(tab.model.index(tab.model.row_of(cid), COL_NAME)) == "Robbie Fictionalson"


@pytest.mark.parametrize(
    ("key", "typed", "message"),
    [("date_of_birth", "2099-01-01", "Date of birth is in the future"),
     ("date_of_birth", "31/31/1990", "Date of birth is not a date"),
     ("email", "robin-at-example", "Email"),
     ("phone", "12", "Phone"),
     ("guardian.phone", "555", "Guardian phone")],
)
def test_an_invalid_field_is_shown_under_it_and_nothing_is_saved(  # type: ignore[no-untyped-def]
    qtbot, make_tab, ctx, key: str, typed: str, message: str,
) -> None:
    cid = save_client(ctx)
    tab = make_tab()
    click_row(qtbot, tab, cid)
    before = stored(ctx, cid)
    replace_text(qtbot, tab.form.fields[key], typed)
    if key.startswith("guardian"):
        qtbot.keyClicks(tab.form.fields["guardian.name"], "Pat Fictionalson")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.form.error_text(key).startswith(message)
    assert tab.form.errors[key].isVisible()
    assert "Nothing was saved" in tab.form.banner.text()
    assert stored(ctx, cid) == before
    assert tab.has_unsaved_changes()  # the typing is kept so it can be corrected


def test_a_new_client_with_errors_is_not_created(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab()
    tab.new_client()
    qtbot.keyClicks(tab.form.fields["legal_last_name"], "Nofirstname")
    qtbot.keyClicks(tab.form.fields["date_of_birth"], "2015-06-01")  # a minor without a guardian
    assert not tab.save()
    assert tab.form.error_text("legal_first_name") == "Legal first name is required"
    assert tab.form.error_text("guardian.name") == "Guardian name is required for a client under 18"
    assert all_clients(ctx) == []


def test_icd_heading_and_unknown_code_are_refused_next_to_the_picker(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    cid = save_client(ctx)
    tab = make_tab()
    click_row(qtbot, tab, cid)
    picker = tab.form.diagnoses
    for typed, expected in (("F43.8", "F43.8 is a category heading, not a billable code; choose a more specific"),
                            ("XYZ", "XYZ is not in ICD-10-CM")):
        replace_text(qtbot, picker.search_box, typed)
        qtbot.keyClick(picker.search_box, Qt.Key.Key_Return)
        assert expected in picker.error.text() and picker.error.isVisible()
        assert picker.diagnoses() == ()
    assert stored(ctx, cid).diagnoses == ()


def test_a_stored_code_that_is_no_longer_billable_shows_under_the_picker(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    from therapist_desk.domain.client import Diagnosis

    cid = save_client(ctx)
    tab = make_tab()
    click_row(qtbot, tab, cid)
    tab.form.diagnoses.set_diagnoses((Diagnosis("F41.1", "Generalized anxiety disorder"), Diagnosis("F43.8")))
    assert not tab.save()
    assert "Diagnosis 2 F43.8 is a category heading" in tab.form.diagnoses.error.text()
    assert stored(ctx, cid).diagnoses == ()


def test_diagnoses_are_searched_added_reordered_and_saved(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    cid = save_client(ctx)
    tab = make_tab()
    click_row(qtbot, tab, cid)
    picker = tab.form.diagnoses
    qtbot.keyClicks(picker.search_box, "panic")
    qtbot.waitUntil(lambda: picker.results.count() > 0)
    shown = [picker.results.item(i).text() for i in range(picker.results.count())]
    assert shown[0].startswith("F41.0") and not any("tympanic" in t for t in shown)
    qtbot.keyClick(picker.search_box, Qt.Key.Key_Return)  # words: the focus moves to the matches
    qtbot.keyClick(picker.results, Qt.Key.Key_Return)
    replace_text(qtbot, picker.search_box, "z630")
    qtbot.keyClick(picker.search_box, Qt.Key.Key_Return)  # a full code is added directly
    assert [d.code for d in picker.diagnoses()] == ["F41.0", "Z63.0"]
    assert not picker.z_warning.isVisibleTo(tab)
    picker.list.setCurrentRow(1)
    qtbot.mouseClick(picker.up_button, Qt.MouseButton.LeftButton)
    assert [d.code for d in picker.diagnoses()] == ["Z63.0", "F41.0"]
    assert picker.z_warning.isVisibleTo(tab) and "Z63.0 is a Z code" in picker.z_warning.text()
    assert picker.list.item(0).text().startswith("A.  Z63.0") and "(primary)" in picker.list.item(0).text()
    assert tab.save()  # a warning, never a block
    assert [d.code for d in stored(ctx, cid).diagnoses] == ["Z63.0", "F41.0"]
    assert stored(ctx, cid).diagnoses[0].code_set_release.startswith("ICD-10-CM")


# --- discharge and reactivation ------------------------------------------------------------

def fill_and_accept(qtbot, date_text: str, reason: str | None = None) -> Callable[[QDialog], int]:  # type: ignore[no-untyped-def]
    def run(dialog: QDialog) -> int:
        replace_text(qtbot, dialog.date_field, date_text)  # type: ignore[attr-defined]
        if reason is not None:
            qtbot.keyClicks(dialog.reason_field, reason)  # type: ignore[attr-defined]
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
        return dialog.result()

    return run


def test_discharge_with_date_and_reason_then_reactivate(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    cid = save_client(ctx)
    tab = make_tab()
    click_row(qtbot, tab, cid)
    assert tab.discharge_button.isEnabled() and not tab.reactivate_button.isEnabled()
    tab.run_dialog = fill_and_accept(qtbot, "2026-11-15", "Goals met; moved away (fictional)")
    with qtbot.waitSignal(ctx.signals.client_changed):
        qtbot.mouseClick(tab.discharge_button, Qt.MouseButton.LeftButton)
    client = stored(ctx, cid)
    assert client.status is ClientStatus.DISCHARGED and client.status_since == date(2026, 11, 15)
    assert client.discharge_reason == "Goals met; moved away (fictional)"
    assert tab.model.row_of(cid) is None  # the default filter hides discharged clients
    assert "Discharged on 2026-11-15 (Goals met" in tab.form.subtitle.text()
    assert tab.reactivate_button.isEnabled() and not tab.discharge_button.isEnabled()
    tab.run_dialog = fill_and_accept(qtbot, "2026-11-19")
    qtbot.mouseClick(tab.reactivate_button, Qt.MouseButton.LeftButton)
    client = stored(ctx, cid)
    assert client.status is ClientStatus.ACTIVE and client.status_since == date(2026, 11, 19)
    assert client.discharge_reason == "" and tab.model.row_of(cid) is not None


def test_discharge_needs_a_reason_and_a_date_not_before_intake(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    cid = save_client(ctx)
    tab = make_tab()
    click_row(qtbot, tab, cid)
    seen: list[str] = []

    def run(dialog: QDialog) -> int:
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)  # type: ignore[attr-defined]
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        seen.append(dialog.reason_error.text())  # type: ignore[attr-defined]
        replace_text(qtbot, dialog.date_field, "2026-08-01")  # type: ignore[attr-defined]
        qtbot.keyClicks(dialog.reason_field, "Fictional")  # type: ignore[attr-defined]
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        seen.append(dialog.date_error.text())  # type: ignore[attr-defined]
        dialog.reject()
        return dialog.result()

    tab.run_dialog = run
    tab.on_discharge_button_clicked()
    assert seen == ["Reason is required", "Discharge date is before the intake date"]
    assert stored(ctx, cid).status is ClientStatus.ACTIVE


# --- search and sort ----------------------------------------------------------------------

def test_search_as_you_type_folds_accents(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    zoe = save_client(ctx, legal_first_name="Zoë", legal_last_name="Lindqvist")
    save_client(ctx, legal_first_name="Zachary", legal_last_name="Oakes")
    save_client(ctx, legal_first_name="Amira", legal_last_name="Zoellner")
    tab = make_tab()
    assert tab.model.rowCount() == 3
    qtbot.keyClicks(tab.search_box, "zoe")
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=2000)  # Zoë Lindqvist, Amira Zoellner
    qtbot.keyClicks(tab.search_box, " lind")
    qtbot.waitUntil(lambda: tab.model.client_ids() == (zoe,), timeout=2000)
    assert tab.count_label.text() == "1 clients"
    tab.search_box.clear()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=2000)


def test_status_filter_defaults_to_active_and_inactive(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    save_client(ctx, legal_last_name="Active")
    save_client(ctx, legal_last_name="Resting", status=ClientStatus.INACTIVE)
    gone = save_client(ctx, legal_last_name="Gone")
    with ctx.unit_of_work() as s:
        clients.discharge_client(s, gone, date(2026, 10, 1), "Fictional", NOW)
    tab = make_tab()
    names = lambda: sorted(tab.model.summary_at(r).display_name for r in range(tab.model.rowCount()))
    assert names() == ["Robin Active", "Robin Resting"]
    tab.status_filter.setCurrentIndex(tab.status_filter.findText("Discharged"))
    assert names() == ["Robin Gone"]
    tab.status_filter.setCurrentIndex(tab.status_filter.findText("All clients"))
    assert len(names()) == 3


def test_clicking_a_header_sorts(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    ids = [save_client(ctx, legal_last_name=name) for name in ("Avery", "Blake", "Casey")]
    for cid, days_ago in zip(ids, (30, 2, 9)):  # different last sessions
        add_session(ctx, cid, NOW.date() - timedelta(days=days_ago), sign=True)
    tab = make_tab()
    assert tab.model.client_ids() == tuple(ids)  # by name
    header = tab.table.horizontalHeader()

    def click(col: int) -> None:
        x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))

    from therapist_desk.ui.client_table_model import COL_LAST_SESSION, COL_PHQ9

    click(COL_LAST_SESSION)
    assert tab._sort == ("last_session", False)
    assert tab.model.client_ids() == (ids[0], ids[2], ids[1])
    click(COL_LAST_SESSION)
    assert tab.model.client_ids() == (ids[1], ids[2], ids[0])
    click(COL_PHQ9)  # not sortable: the order and the indicator stay
    assert header.sortIndicatorSection() == COL_LAST_SESSION
    assert tab.model.client_ids() == (ids[1], ids[2], ids[0])


# --- the attention filter: one client per reason ------------------------------------------

def add_session(ctx: AppContext, client_id: int, day: date, *, sign: bool = False, intake: bool = False,
                written: datetime | None = None) -> None:
    at = written or datetime.combine(day, time(18))
    note = SessionNote(client_id=client_id, session_date=day, start_time=time(10), stop_time=time(10, 50),
                       service_type=ServiceType.INTAKE if intake else ServiceType.INDIVIDUAL,
                       lines=(ServiceLine("90791" if intake else "90834"),), diagnosis_codes=("F41.1",),
                       note_format=NoteFormat.SOAP, sections=(("Subjective", "Fictional."),),
                       interventions=("Psychoeducation",))
    with ctx.unit_of_work() as s:
        saved = notes.save_note(s, note, at)
        if sign:
            notes.sign_note(s, saved.id, at)  # type: ignore[arg-type]


def pay_all(ctx: AppContext, client_id: int) -> None:
    from therapist_desk.domain.enums import PaymentMethod
    from therapist_desk.services import ledger

    with ctx.unit_of_work() as s:
        owed = ledger.client_balance(s, client_id)
        if owed > 0:
            ledger.record_payment(s, client_id, NOW.date(), owed, PaymentMethod.CARD, NOW)


def add_phq9(ctx: AppContext, client_id: int, day: date, total: int, item9: int = 0) -> None:
    rest = total - item9
    answers = (*[min(3, max(0, rest - 3 * i)) for i in range(8)], item9)
    with ctx.unit_of_work() as s:
        measures.record_measure(s, MeasureResult(Instrument.PHQ9, day, answers, client_id=client_id), NOW)


def seen_recently(ctx: AppContext, client_id: int) -> None:
    """An intake and a recent signed, paid session: no reason of its own."""
    add_session(ctx, client_id, date(2026, 9, 1), sign=True, intake=True)
    add_session(ctx, client_id, NOW.date() - timedelta(days=3), sign=True)
    pay_all(ctx, client_id)


def build_one_client_per_reason(ctx: AppContext) -> dict[str, int]:
    ids: dict[str, int] = {}
    ids["calm"] = save_client(ctx, legal_last_name="Calm")
    seen_recently(ctx, ids["calm"])
    ids["unsigned"] = save_client(ctx, legal_last_name="Unsigned")
    seen_recently(ctx, ids["unsigned"])
    add_session(ctx, ids["unsigned"], date(2026, 11, 17), written=datetime(2026, 11, 17, 19))
    ids["review"] = save_client(ctx, legal_last_name="Review")
    seen_recently(ctx, ids["review"])
    plan = TreatmentPlan(client_id=ids["review"], effective_on=date(2026, 9, 1), review_due=date(2026, 12, 1),
                         problems=(Problem("Worry", (Goal("Worry less", (Objective("Fictional"),)),)),))
    with ctx.unit_of_work() as s:
        plans.save_plan(s, plan, datetime(2026, 9, 1, 12))
    ids["balance"] = save_client(ctx, legal_last_name="Balance")
    add_session(ctx, ids["balance"], date(2026, 9, 1), sign=True, intake=True)
    add_session(ctx, ids["balance"], NOW.date() - timedelta(days=3), sign=True)
    ids["quiet"] = save_client(ctx, legal_last_name="Quiet")
    add_session(ctx, ids["quiet"], date(2026, 9, 1), sign=True, intake=True)
    add_session(ctx, ids["quiet"], date(2026, 10, 1), sign=True)
    pay_all(ctx, ids["quiet"])
    ids["dropout"] = save_client(ctx, legal_last_name="Dropout", status=ClientStatus.INACTIVE)
    add_session(ctx, ids["dropout"], date(2026, 9, 1), sign=True, intake=True)
    pay_all(ctx, ids["dropout"])
    ids["insurance"] = save_client(ctx, legal_last_name="Insured",
                                   insurance=Insurance(payer="Fictional Health", member_id="M1", sessions_per_year=5))
    for week in range(4):
        add_session(ctx, ids["insurance"], NOW.date() - timedelta(days=3 + 7 * week), sign=True)
    pay_all(ctx, ids["insurance"])
    ids["item9"] = save_client(ctx, legal_last_name="Itemnine")
    seen_recently(ctx, ids["item9"])
    add_phq9(ctx, ids["item9"], NOW.date() - timedelta(days=3), 12, item9=1)
    ids["worse"] = save_client(ctx, legal_last_name="Worse")
    seen_recently(ctx, ids["worse"])
    add_phq9(ctx, ids["worse"], date(2026, 9, 1), 7)
    add_phq9(ctx, ids["worse"], NOW.date() - timedelta(days=3), 13)
    return ids


EXPECTED_REASON = {
    "unsigned": "1 unsigned note older than 48 hours",
    "review": "plan review due 2026-12-01",
    "balance": "owes $340.00",  # the intake (90791) and one 90834
    "quiet": "no session in 50 days (last on 2026-10-01)",
    "dropout": "possible early drop-out: no session since the intake on 2026-09-01",
    "insurance": "insurance: 4 of 5 sessions for 2026 used",
    "item9": "PHQ-9 item 9 positive on 2026-11-17",
    "worse": "PHQ-9 reliably worse: up 6 since baseline (7 to 13)",
}


def test_attention_filter_shows_a_client_for_each_reason_and_says_why(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    ids = build_one_client_per_reason(ctx)
    tab = make_tab()
    assert tab.attention_button.text() == "Needs attention (8)"
    assert tab.table.isColumnHidden(COL_WHY)  # the reasons column shows with the filter only
    qtbot.mouseClick(tab.attention_button, Qt.MouseButton.LeftButton)
    assert tab.attention_button.isChecked() and not tab.table.isColumnHidden(COL_WHY)
    assert set(tab.model.client_ids()) == {cid for key, cid in ids.items() if key != "calm"}
    for key, expected in EXPECTED_REASON.items():
        row = tab.model.row_of(ids[key])
        assert row is not None, key
        why = tab.model.data(tab.model.index(row, COL_WHY))
        assert why.startswith(expected), (key, why)
        assert tab.model.data(tab.model.index(row, COL_NAME), ReasonsRole)
    assert tab.count_label.text() == "8 clients need attention"
    click_row(qtbot, tab, ids["item9"])
    assert tab.reasons_label.isVisible() and "PHQ-9 item 9 positive" in tab.reasons_label.text()
    qtbot.mouseClick(tab.attention_button, Qt.MouseButton.LeftButton)
    assert tab.table.isColumnHidden(COL_WHY) and tab.model.rowCount() == 9


def test_the_badge_follows_changes(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    cid = save_client(ctx)
    add_session(ctx, cid, NOW.date() - timedelta(days=2), sign=True)
    tab = make_tab()
    assert tab.attention_button.text() == "Needs attention (1)"  # owes $140.00
    row = tab.model.row_of(cid)
    assert tab.model.data(tab.model.index(row, COL_BALANCE)) == "$140.00"  # type: ignore[arg-type]
    pay_all(ctx, cid)
    ctx.signals.client_changed.emit(cid)  # as the ledger screen would
    assert tab.attention_button.text() == "Needs attention (0)"
    assert tab.model.data(tab.model.index(row, COL_BALANCE)) == ""  # type: ignore[arg-type]


# --- selection, unsaved edits, contracts ---------------------------------------------------

def test_switching_clients_asks_about_unsaved_edits(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    first = save_client(ctx, legal_last_name="First")
    second = save_client(ctx, legal_last_name="Second")
    tab = make_tab()
    click_row(qtbot, tab, first)
    qtbot.keyClicks(tab.form.fields["pronouns"], "they/them")
    asked: list[int] = []
    answers = iter([Answer.Cancel, Answer.Discard, Answer.Save])

    def ask() -> Answer:
        asked.append(1)
        return next(answers)

    tab.ask = ask
    click_row(qtbot, tab, second)  # Cancel: stay, edits kept, selection back on the first
    assert tab.form.client_id == first and tab.form.fields["pronouns"].text() == "they/them"  # type: ignore[attr-defined]
    assert tab.table.selectionModel().selectedRows()[0].row() == tab.model.row_of(first)
    click_row(qtbot, tab, second)  # Discard
    assert tab.form.client_id == second and stored(ctx, first).pronouns == ""
    qtbot.keyClicks(tab.form.fields["pronouns"], "she/her")
    with qtbot.waitSignal(ctx.signals.client_selected, check_params_cb=lambda i: i == first):
        click_row(qtbot, tab, first)  # Save, then switch
    assert stored(ctx, second).pronouns == "she/her" and tab.form.client_id == first
    assert len(asked) == 3
    click_row(qtbot, tab, second)  # nothing unsaved: no question
    assert len(asked) == 3


def test_the_main_window_contract_for_close_and_lock(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    cid = save_client(ctx)
    tab = make_tab()
    assert tab.select_client(cid) and not tab.has_unsaved_changes() and tab.discard_or_save()
    qtbot.keyClicks(tab.form.fields["referral_source"], "Fictional clinic")
    assert tab.has_unsaved_changes()
    tab.ask = lambda: Answer.Cancel
    assert tab.discard_or_save() is False and tab.has_unsaved_changes()
    tab.ask = lambda: Answer.Save
    assert tab.discard_or_save() is True and stored(ctx, cid).referral_source == "Fictional clinic"
    replace_text(qtbot, tab.form.fields["date_of_birth"], "nonsense")
    assert tab.discard_or_save() is False  # Save was chosen but refused: stay and show why
    assert tab.form.error_text("date_of_birth")
    tab.ask = lambda: Answer.Discard
    assert tab.discard_or_save() is True and not tab.has_unsaved_changes()
    ctx.signals.about_to_lock.emit()
    assert tab.model.rowCount() == 0 and tab.form.client_id is None


def test_a_selection_made_elsewhere_selects_the_row(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    save_client(ctx, legal_last_name="Alpha")
    beta = save_client(ctx, legal_last_name="Beta")
    gone = save_client(ctx, legal_last_name="Gamma")
    with ctx.unit_of_work() as s:
        clients.discharge_client(s, gone, date(2026, 10, 1), "Fictional", NOW)
    tab = make_tab()
    ctx.signals.client_selected.emit(beta)
    assert tab.form.client_id == beta
    assert tab.table.selectionModel().selectedRows()[0].row() == tab.model.row_of(beta)
    assert tab.select_client(gone) and tab.form.client_id == gone  # shown even when filtered out
    assert not tab.select_client(987654)


def test_names_accessibility_and_splitter(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    save_client(ctx)
    tab = make_tab()
    assert tab.splitter.objectName() == "clientsSplitter"
    assert tab.search_box.objectName() == "clientSearch"
    for name in ("clientTable", "clientStatusFilter", "clientAttentionFilter", "clientNew", "clientSave",
                 "clientRevert", "clientDischarge", "clientReactivate", "clientCount", "clientAttentionReasons",
                 "clientForm", "diagnosisPicker", "diagnosisSearch", "diagnosisList", "releasesTable",
                 "medicationsTable", "client_date_of_birth", "client_date_of_birthError", "client_status"):
        assert tab.findChild(QWidget, name) is not None, name
    controls = (QAbstractButton, QLineEdit, QComboBox, QPlainTextEdit, QSpinBox, QAbstractItemView)
    unnamed = [w.objectName() or type(w).__name__ for w in tab.findChildren(QWidget)
               if isinstance(w, controls) and w.isVisibleTo(tab) and not w.accessibleName()
               and not isinstance(w.parent(), (QLineEdit, QSpinBox))]  # their own inner parts
    unnamed = [n for n in unnamed if n not in ("qt_scrollarea_viewport", "QHeaderView")]
    assert unnamed == []
    assert tab.search_box.nextInFocusChain() is not None
    tab.search_box.setFocus()
    qtbot.keyClick(tab.search_box, Qt.Key.Key_Tab)
    assert tab.focusWidget() is tab.status_filter


def test_the_first_queries_run_on_a_worker_thread(qtbot, threaded_ctx, make_profile) -> None:  # type: ignore[no-untyped-def]
    ctx = threaded_ctx
    open_threaded_vault(ctx, make_profile)
    zoe = save_client(ctx, NOW, legal_first_name="Zoë", legal_last_name="Worker")
    other = save_client(ctx, NOW, legal_last_name="Other")
    add_session(ctx, other, NOW.date() - timedelta(days=2), sign=True)
    tab = ClientsTab(ctx)
    qtbot.addWidget(tab)
    assert tab.model.rowCount() == 0  # the constructor does not wait for the rows
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=5000)
    qtbot.waitUntil(lambda: tab.attention_button.text() == "Needs attention (1)", timeout=5000)  # owes $140
    qtbot.keyClicks(tab.search_box, "zoe")
    qtbot.waitUntil(lambda: tab.model.client_ids() == (zoe,), timeout=5000)
    assert tab.select_client(zoe) and tab.form.title.text() == "Zoë Worker"



def test_icd_table_loads_when_editing_starts_and_memory_is_given_back_after_the_first_load(
        qtbot, threaded_ctx, make_profile, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Unlocking and reading load no ICD-10-CM table (15 MiB); editing a client starts it on a
    worker. After the first list and attention, the page cache they filled is given back."""
    from therapist_desk.domain.icd10 import Icd10Catalog
    from therapist_desk.ui import diagnosis_picker

    ctx = threaded_ctx
    open_threaded_vault(ctx, make_profile)
    robin = save_client(ctx, NOW, legal_first_name="Robin", legal_last_name="Fictionalson")
    monkeypatch.setattr(Icd10Catalog, "_default", None)  # as in a fresh process (the save loaded it)
    monkeypatch.setattr(diagnosis_picker, "_catalog_asked", False)
    released: list[bool] = []
    release = ctx.vault.release_memory
    monkeypatch.setattr(ctx.vault, "release_memory", lambda: released.append(True) or release())
    tab = ClientsTab(ctx)
    qtbot.addWidget(tab)
    qtbot.waitUntil(lambda: released == [True], timeout=5000)  # after the list and attention
    assert tab.model.client_ids() == (robin,)
    assert tab.select_client(robin)
    ctx.tasks.wait()
    assert Icd10Catalog._default is None, "reading a client needs no ICD table"
    qtbot.keyClicks(tab.form.fields["pronouns"], "they")
    qtbot.waitUntil(lambda: Icd10Catalog._default is not None, timeout=10_000)
    assert released == [True], "given back once, after the first load only"

# --- the loaded list: sorts and filters without a query, the first rows first -------------

def build_varied_list(ctx: AppContext) -> list[int]:
    """Equal names, accents, missing sessions and plans, credits, every status."""
    from decimal import Decimal

    from therapist_desk.domain.enums import PaymentMethod
    from therapist_desk.services import ledger

    names = [("Zoë", "Lindqvist"), ("Zoe", "Lindqvist"), ("Sam", "Lee"), ("Sam", "Lee"), ("Chloé", "Ødegård"),
             ("Amira", "Zoellner"), ("Ash", "Ashby"), ("Ann", "Able"), ("Bo", "Baker"), ("Cy", "Carter")]
    ids = [save_client(ctx, legal_first_name=first, legal_last_name=last,
                       status=ClientStatus.INACTIVE if n % 3 == 1 else ClientStatus.ACTIVE)
           for n, (first, last) in enumerate(names)]
    for n, cid in enumerate(ids):
        if n % 4 != 3:
            add_session(ctx, cid, NOW.date() - timedelta(days=7 * (n % 3)), sign=n % 5 != 0)
        if n % 4 == 1:
            pay_all(ctx, cid)
        if n == 2:
            with ctx.unit_of_work() as s:
                ledger.record_payment(s, cid, NOW.date(), Decimal("500.00"), PaymentMethod.CARD, NOW)
        if n % 3 == 0:
            plan = TreatmentPlan(client_id=cid, review_due=date(2026, 12, 1),
                                 problems=(Problem("Worry", (Goal("Less", (Objective("Fictional"),)),)),))
            with ctx.unit_of_work() as s:
                plans.save_plan(s, plan, NOW)
    with ctx.unit_of_work() as s:
        clients.discharge_client(s, ids[5], NOW.date(), "Fictional", NOW)
    return ids


def test_header_clicks_and_filters_use_the_loaded_list_and_equal_the_query(  # type: ignore[no-untyped-def]
    qtbot, make_tab, ctx, monkeypatch,
) -> None:
    from therapist_desk.services import clients as client_service
    from therapist_desk.ui.client_table_model import SORT_KEYS

    build_varied_list(ctx)
    tab = make_tab()
    with ctx.reader() as s:  # what the query answers, asked before the query is taken away
        expected = {(sort, desc, statuses, search): [r.id for r in clients.list_clients(
                        s, sort=sort, descending=desc, statuses=statuses, search=search)]
                    for sort in SORT_KEYS.values() for desc in (False, True)
                    for statuses in ((ClientStatus.ACTIVE, ClientStatus.INACTIVE), ())
                    for search in ("", "zoe", "a")}

    def no_query(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("the loaded list answers this without a query")

    monkeypatch.setattr(client_service, "list_clients", no_query)
    monkeypatch.setattr(client_service, "load_client_list", no_query)
    header = tab.table.horizontalHeader()
    for (sort, desc, statuses, search), ids in expected.items():
        tab.status_filter.setCurrentIndex(tab.status_filter.findText("All clients" if not statuses
                                                                     else "Active and inactive"))
        if tab.search_box.text() != search:
            tab.search_box.setText(search)
            tab.on_search_timer_timeout()
        column = next(c for c, k in SORT_KEYS.items() if k == sort)
        header.setSortIndicator(column, Qt.SortOrder.DescendingOrder if desc else Qt.SortOrder.AscendingOrder)
        assert list(tab.model.client_ids()) == ids, (sort, desc, statuses, search)
        assert tab.count_label.text() == f"{len(ids)} clients"


def test_a_change_reloads_the_list_and_keeps_the_scroll_position(qtbot, make_tab, ctx) -> None:  # type: ignore[no-untyped-def]
    ids = [save_client(ctx, legal_last_name=f"Client{n:02d}") for n in range(60)]
    tab = make_tab()
    tab.resize(1300, 400)
    qtbot.wait(10)
    bar = tab.table.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    top = tab.table.rowAt(0)
    assert top > 5
    add_session(ctx, ids[top + 2], NOW.date() - timedelta(days=1), sign=True)  # a new balance on screen
    ctx.signals.client_changed.emit(ids[top + 2])
    row = tab.model.row_of(ids[top + 2])
    assert tab.model.data(tab.model.index(row, COL_BALANCE)) == "$140.00"  # type: ignore[arg-type]
    assert tab.table.rowAt(0) == top  # nothing moved


def test_the_first_rows_come_first_and_the_rest_fills_in_below(qtbot, threaded_ctx, make_profile, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from therapist_desk.ui import clients_tab

    monkeypatch.setattr(clients_tab, "FIRST_SCREEN_ROWS", 2)
    ctx = threaded_ctx
    open_threaded_vault(ctx, make_profile)
    ids = [save_client(ctx, NOW, legal_last_name=name) for name in ("Avery", "Blake", "Casey", "Drew", "Ellis")]
    gone = save_client(ctx, NOW, legal_last_name="Gone")
    with ctx.unit_of_work() as s:
        clients.discharge_client(s, gone, NOW.date(), "Fictional", NOW)
    seen: list[tuple[str, int, str]] = []
    original = ClientsTab._show_rows

    def show_rows(self: ClientsTab, prepared: object) -> None:
        original(self, prepared)  # type: ignore[arg-type]
        seen.append(("shown", self.model.rowCount(), self.count_label.text()))

    monkeypatch.setattr(ClientsTab, "_show_rows", show_rows)
    tab = ClientsTab(ctx)
    qtbot.addWidget(tab)
    tab.model.modelReset.connect(lambda: seen.append(("reset", tab.model.rowCount(), "")))
    tab.model.rowsInserted.connect(lambda _p, first, last: seen.append(("inserted", first, str(last))))
    tab.show()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 5, timeout=5000)
    qtbot.waitUntil(lambda: "(" in tab.attention_button.text(), timeout=5000)  # the badge came last
    assert seen == [("reset", 2, ""), ("shown", 2, "5 clients"), ("inserted", 2, "4")]
    assert tab.model.client_ids() == tuple(ids) and tab.count_label.text() == "5 clients"
    tab.status_filter.setCurrentIndex(tab.status_filter.findText("All clients"))  # from the loaded list
    assert tab.model.client_ids() == (*ids, gone)
