"""The Billing tab through real widgets on a real vault: ledger, balances, payments, statement.

The helpers here (NOW, billable, signed_session, open_threaded_vault, read_pdf) are shared with
test_superbill_dialog.py and test_letter_dialog.py.
"""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QWidget,
)

from tests.ui.conftest import PASSPHRASE
from therapist_desk.domain.client import Diagnosis
from therapist_desk.domain.cpt import ServiceLine
from therapist_desk.domain.enums import LedgerKind, PaymentMethod
from therapist_desk.domain.ledger import LedgerEntry
from therapist_desk.domain.practice import Address
from therapist_desk.domain.session import SessionNote
from therapist_desk.services import ledger, notes
from therapist_desk.services.audit_log import list_events
from therapist_desk.services.clients import create_client
from therapist_desk.ui.billing_tab import BillingTab
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.ledger_model import (
    COL_AMOUNT,
    COL_BALANCE,
    COL_DETAIL,
    COL_KIND,
    LedgerTableModel,
)
from therapist_desk.ui.payment_dialog import LedgerEntryDialog

NOW = datetime(2026, 11, 20, 17, 30)
PSYCHOTHERAPY_MARKER = "PSYNOTE-b1ll-heron-private"
NOTE_MARKER = "NOTETEXT-b1ll-otter"
LEFT = Qt.MouseButton.LeftButton


# --- shared helpers ---------------------------------------------------------------------------


def billable(**overrides: object) -> dict[str, object]:
    """Client fields a superbill accepts (address and a diagnosis), overridable."""
    fields: dict[str, object] = {
        "address": Address("12 Example Street", "Apt 4", "Portland", "OR", "97202"),
        "diagnoses": (Diagnosis("F41.1"),),
    }
    fields.update(overrides)
    return fields


def signed_session(ctx: AppContext, client_id: int, day: date, *, cpt: str = "90834",
                   codes: tuple[str, ...] = ("F41.1",)) -> int:
    """A signed session (its charge is posted) with a psychotherapy note beside it."""
    note = SessionNote(client_id=client_id, session_date=day, start_time=time(10), stop_time=time(10, 50),
                       lines=(ServiceLine(cpt),), diagnosis_codes=codes,
                       sections=(("Subjective", NOTE_MARKER),), interventions=("Cognitive restructuring",))
    with ctx.unit_of_work() as session:
        saved = notes.save_note(session, note, NOW)
        assert saved.id is not None
        notes.sign_note(session, saved.id, NOW)
        notes.save_psychotherapy_note(session, saved.id, PSYCHOTHERAPY_MARKER, NOW)
    return saved.id


def open_threaded_vault(ctx: AppContext, make_profile: Callable[..., object]) -> None:
    """The conftest ``vault`` fixture, for ``threaded_ctx``."""
    from therapist_desk.services.practice import save_profile
    from therapist_desk.services.vault_access import create_and_open

    ctx.vault = create_and_open(ctx.paths.vault, PASSPHRASE)
    ctx.clock = lambda: NOW
    with ctx.unit_of_work() as session:
        save_profile(session, make_profile(), NOW)  # type: ignore[arg-type]


def read_pdf(path: Path, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    if password is not None:
        reader.decrypt(password)
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def owner_only(path: Path) -> bool:
    return os.name != "posix" or stat.S_IMODE(path.stat().st_mode) == 0o600


def accessible_gaps(root: QWidget) -> list[str]:
    """Controls with no objectName or no accessible name (the inner parts Qt builds inside a
    line edit, combo box, spin box or list aside)."""
    kinds = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QPlainTextEdit, QAbstractSpinBox,
             QProgressBar)
    inner = (QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView)

    def part_of_another(widget: QWidget) -> bool:
        parent = widget.parentWidget()
        while parent is not None and parent is not root:
            if isinstance(parent, inner):
                return True
            parent = parent.parentWidget()
        return False

    controls = [w for w in root.findChildren(QWidget)
                if isinstance(w, kinds) and not part_of_another(w) and not w.objectName().startswith("qt_")]
    return [f"{type(w).__name__}:{w.objectName()}" for w in controls
            if not w.objectName() or not w.accessibleName()]


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def bctx(ctx: AppContext, vault: object) -> AppContext:
    ctx.clock = lambda: NOW
    return ctx


@pytest.fixture
def client_id(bctx: AppContext, add_client: Callable[..., int]) -> int:
    cid = add_client(**billable())
    signed_session(bctx, cid, date(2026, 11, 3))
    return cid


@pytest.fixture
def tab(qtbot: Any, bctx: AppContext) -> BillingTab:
    widget = BillingTab(bctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    return widget


def balance_of(ctx: AppContext, client_id: int) -> Decimal:
    with ctx.reader() as session:
        return ledger.client_balance(session, client_id)


def entries_of(ctx: AppContext, client_id: int) -> list[LedgerEntry]:
    with ctx.reader() as session:
        return ledger.client_ledger(session, client_id)


def replace_text(qtbot: Any, widget: QLineEdit, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


# --- the model, without widgets -----------------------------------------------------------------


def test_model_keeps_a_running_balance_and_precomputed_text() -> None:
    model = LedgerTableModel()
    model.set_entries([
        LedgerEntry(1, LedgerKind.PAYMENT, date(2026, 11, 4), Decimal("100.00"), PaymentMethod.CHECK, "1042", id=2),
        LedgerEntry(1, LedgerKind.CHARGE, date(2026, 11, 3), Decimal("140.00"), cpt="90834", id=1),
        LedgerEntry(1, LedgerKind.WRITE_OFF, date(2026, 11, 5), Decimal("40.00"), memo="hardship", id=3),
    ])
    texts = [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(3)]
    assert texts == [
        ["2026-11-03", "Charge", "90834 · Psychotherapy, 45 min", "", "$140.00", "$140.00"],
        ["2026-11-04", "Payment", "Check", "1042", "-$100.00", "$40.00"],
        ["2026-11-05", "Write-off", "", "", "-$40.00", "$0.00"],
    ]
    assert model.balance() == Decimal("0.00")
    assert model.data(model.index(2, COL_KIND), Qt.ItemDataRole.ToolTipRole) == "hardship"
    assert model.headerData(COL_BALANCE, Qt.Orientation.Horizontal) == "Balance"
    model.clear()
    assert model.rowCount() == 0 and model.balance() == Decimal("0.00")


# --- the tab --------------------------------------------------------------------------------------


def test_tab_follows_the_selected_client(qtbot: Any, tab: BillingTab, bctx: AppContext, client_id: int,
                                         add_client: Callable[..., int]) -> None:
    assert tab.objectName() == "billingTab" and tab.stack.currentWidget() is tab.empty
    assert not tab.payment_button.isEnabled() and tab.batch_button.isEnabled()
    other = add_client(**billable(legal_first_name="Quinn"))
    signed_session(bctx, other, date(2026, 11, 4), cpt="90837")
    bctx.signals.client_changed.emit(other)  # what the Session Notes tab says when it signs
    bctx.signals.client_selected.emit(client_id)
    assert tab.client_label.text() == "Robin Fictionalson"
    assert tab.model.rowCount() == 1
    assert tab.model.text(0, COL_DETAIL) == "90834 · Psychotherapy, 45 min"
    assert tab.client_balance.text() == "Balance: $140.00 owed"
    assert tab.practice_balance.text() == "Practice: $320.00 owed"  # $140 + $180
    assert all(button.isEnabled() for button in tab.client_buttons)
    bctx.signals.client_selected.emit(other)
    assert tab.client_label.text() == "Quinn Fictionalson" and tab.client_balance.text() == "Balance: $180.00 owed"
    bctx.signals.client_selected.emit(-1)
    assert tab.stack.currentWidget() is tab.empty and not tab.superbill_button.isEnabled()


def test_record_a_payment_through_the_dialog(qtbot: Any, tab: BillingTab, bctx: AppContext,
                                             client_id: int) -> None:
    bctx.signals.client_selected.emit(client_id)
    changed: list[int] = []
    bctx.signals.client_changed.connect(changed.append)

    def pay(dialog: QDialog) -> int:
        assert isinstance(dialog, LedgerEntryDialog) and dialog.objectName() == "paymentDialog"
        assert "Robin Fictionalson" not in dialog.windowTitle()
        assert "Robin Fictionalson" in dialog.client_label.text() and "$140.00" in dialog.client_label.text()
        qtbot.keyClicks(dialog.amount_field, "$100")
        dialog.method_box.setCurrentIndex(dialog.method_box.findText("Check"))
        qtbot.keyClicks(dialog.reference_field, "1042")
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), LEFT)
        return dialog.result()

    tab.run_dialog = pay
    qtbot.mouseClick(tab.payment_button, LEFT)
    assert changed == [client_id]
    assert balance_of(bctx, client_id) == Decimal("40.00")
    payment = entries_of(bctx, client_id)[-1]
    assert (payment.kind, payment.amount, payment.method, payment.reference, payment.entry_date) == (
        LedgerKind.PAYMENT, Decimal("100.00"), PaymentMethod.CHECK, "1042", NOW.date())
    assert tab.model.rowCount() == 2 and tab.model.text(1, COL_AMOUNT) == "-$100.00"
    assert tab.client_balance.text() == "Balance: $40.00 owed"
    assert tab.practice_balance.text() == "Practice: $40.00 owed"
    with bctx.reader() as session:
        assert [e.client_id for e in list_events(session, action="ledger.payment")] == [client_id]


@pytest.mark.parametrize(("amount", "day", "where", "message"), [
    ("12.345", "", "Amount", "Amount cannot have more than 2 decimal places"),
    ("abc", "", "Amount", "Amount must be an amount such as 150 or $1,234.50"),
    ("0", "", "Amount", "Amount must be more than $0.00"),
    ("", "", "Amount", "Amount is required"),
    ("50", "2026-12-01", "Date", "Date is in the future"),
    ("50", "11/31/2026", "Date", "Date is not a date"),
    ("-5", "2027-01-01", "Date", "Date is in the future"),  # and the amount's message beside it
])
def test_a_bad_payment_shows_the_message_and_saves_nothing(qtbot: Any, tab: BillingTab, bctx: AppContext,
                                                           client_id: int, amount: str, day: str,
                                                           where: str, message: str) -> None:
    bctx.signals.client_selected.emit(client_id)
    seen: list[str] = []

    def pay(dialog: QDialog) -> int:
        assert isinstance(dialog, LedgerEntryDialog)
        qtbot.keyClicks(dialog.amount_field, amount)
        if day:
            replace_text(qtbot, dialog.date_field, day)
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), LEFT)
        assert dialog.isVisible() or dialog.result() != QDialog.DialogCode.Accepted
        seen.append(dialog.errors[where].message())
        if amount == "-5":
            assert dialog.errors["Amount"].message() == "Amount cannot be negative"
        assert dialog.findChild(QWidget, f"ledger{where}Error") is dialog.errors[where]
        dialog.reject()
        return dialog.result()

    tab.run_dialog = pay
    assert not tab.record_payment()
    assert seen and seen[0].startswith(message)
    assert balance_of(bctx, client_id) == Decimal("140.00") and len(entries_of(bctx, client_id)) == 1
    assert tab.model.rowCount() == 1


@pytest.mark.parametrize(("kind", "button", "name"), [
    (LedgerKind.ADJUSTMENT, "adjustment_button", "adjustmentDialog"),
    (LedgerKind.WRITE_OFF, "write_off_button", "writeOffDialog"),
])
def test_adjustment_and_write_off(qtbot: Any, tab: BillingTab, bctx: AppContext, client_id: int,
                                  kind: LedgerKind, button: str, name: str) -> None:
    bctx.signals.client_selected.emit(client_id)

    def credit(dialog: QDialog) -> int:
        assert dialog.objectName() == name and not dialog.method_box.isVisibleTo(dialog)  # type: ignore[attr-defined]
        qtbot.keyClicks(dialog.amount_field, "15.50")  # type: ignore[attr-defined]
        qtbot.keyClicks(dialog.memo_field, "Courtesy (fictional)")  # type: ignore[attr-defined]
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), LEFT)  # type: ignore[attr-defined]
        return dialog.result()

    tab.run_dialog = credit
    qtbot.mouseClick(getattr(tab, button), LEFT)
    entry = entries_of(bctx, client_id)[-1]
    assert (entry.kind, entry.amount, entry.memo, entry.method) == (kind, Decimal("15.50"), "Courtesy (fictional)", None)
    assert tab.client_balance.text() == "Balance: $124.50 owed"


def test_statement_pdf_is_written(qtbot: Any, tab: BillingTab, bctx: AppContext, client_id: int,
                                  tmp_path: Path) -> None:
    with bctx.unit_of_work() as session:
        ledger.record_payment(session, client_id, date(2026, 11, 4), "100", PaymentMethod.CARD, NOW,
                              reference="R-77", memo="MEMO-not-on-statement")
    bctx.signals.client_selected.emit(client_id)
    target = tmp_path / "out" / "statement.pdf"
    target.parent.mkdir()
    seen: dict[str, object] = {}

    def run(dialog: QDialog) -> int:
        assert dialog.objectName() == "statementDialog" and dialog.windowTitle() == "Statement"
        assert accessible_gaps(dialog) == []
        qtbot.mouseClick(dialog.preview_button, LEFT)  # type: ignore[attr-defined]
        panel = dialog.preview  # type: ignore[attr-defined]
        seen["pages"] = panel.page_count()
        panel.choose_path = lambda _name: target
        qtbot.mouseClick(panel.save_button, LEFT)
        seen["status"] = panel.status.text()
        dialog.reject()
        return dialog.result()

    tab.run_dialog = run
    qtbot.mouseClick(tab.statement_button, LEFT)
    assert seen["pages"] == 1 and seen["status"] == "Saved as statement.pdf"
    text = read_pdf(target)
    for expected in ("Robin Fictionalson", "$140.00", "R-77", "$40.00"):
        assert expected in text, expected
    assert "MEMO-not-on-statement" not in text and PSYCHOTHERAPY_MARKER not in text
    assert owner_only(target) and [p.name for p in target.parent.iterdir()] == ["statement.pdf"]
    with bctx.reader() as session:
        assert [e.client_id for e in list_events(session, action="export.statement")] == [client_id]



def test_practice_balance_comes_from_a_worker_and_a_late_answer_is_dropped(
        qtbot: Any, threaded_ctx: AppContext, make_profile: Callable[..., object], make_client) -> None:
    """The practice total scans the whole ledger: the GUI thread never waits for it, and an
    answer that arrives after a lock does not put a figure back on the cleared tab."""
    open_threaded_vault(threaded_ctx, make_profile)
    with threaded_ctx.unit_of_work() as session:
        cid = create_client(session, make_client(**billable()), NOW).id
    signed_session(threaded_ctx, cid, date(2026, 11, 3))
    widget = BillingTab(threaded_ctx)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.practice_balance.text() == "Practice: $140.00 owed")
    threaded_ctx.signals.client_changed.emit(cid)  # asks again on the worker...
    threaded_ctx.signals.about_to_lock.emit()  # ...and the lock comes first
    threaded_ctx.tasks.wait()
    qtbot.wait(50)  # the queued answer is delivered and ignored
    assert threaded_ctx.tasks.pending() == 0
    assert widget.practice_balance.text() == ""


def test_showing_another_client_does_not_recount_the_practice_total(
        qtbot: Any, bctx: AppContext, client_id: int, add_client: Callable[..., int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The total reads the whole ledger: asked again when data changes, not on each selection."""
    totals: list[Decimal] = []
    real = ledger.practice_balance
    monkeypatch.setattr(ledger, "practice_balance", lambda session: totals.append(real(session)) or totals[-1])
    widget = BillingTab(bctx)
    qtbot.addWidget(widget)
    other = add_client(**billable(legal_first_name="Quinn"))
    for shown in (client_id, other, client_id):
        bctx.signals.client_selected.emit(shown)
    assert len(totals) == 1 and widget.practice_balance.text() == "Practice: $140.00 owed"
    bctx.signals.client_changed.emit(client_id)
    assert len(totals) == 2

def test_lock_clears_everything(qtbot: Any, tab: BillingTab, bctx: AppContext, client_id: int) -> None:
    bctx.signals.client_selected.emit(client_id)
    assert tab.model.rowCount() == 1
    bctx.signals.about_to_lock.emit()
    assert tab.model.rowCount() == 0 and tab.client_id == -1
    assert tab.client_balance.text() == "" and tab.practice_balance.text() == ""
    assert "Robin" not in tab.client_label.text() and not tab.has_unsaved_changes()
    assert tab.record_payment() is False


def test_names_and_accessibility(qtbot: Any, tab: BillingTab, bctx: AppContext, client_id: int) -> None:
    bctx.signals.client_selected.emit(client_id)
    assert accessible_gaps(tab) == []
    dialog = LedgerEntryDialog(bctx, client_id, LedgerKind.PAYMENT, tab)
    qtbot.addWidget(dialog)
    assert accessible_gaps(dialog) == []
    for name in ("open_superbill", "open_batch_superbills", "open_letter", "open_letter_templates",
                 "record_payment", "clear", "has_unsaved_changes"):
        assert callable(getattr(tab, name)), name
