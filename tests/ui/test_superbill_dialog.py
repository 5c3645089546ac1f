"""The Superbill and monthly batch dialogs through real widgets on a real vault.

Incomplete data lists every missing item and makes no file; a complete superbill previews
(QPdfDocument pages), saves a real 0600 PDF (optionally AES-256) and records the disclosure;
the batch runs on the real worker-thread runner with its progress bar reaching 100%.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.errors import PdfReadError, WrongPasswordError

from tests.ui.test_billing_tab import (
    LEFT,
    NOTE_MARKER,
    NOW,
    PSYCHOTHERAPY_MARKER,
    accessible_gaps,
    billable,
    open_threaded_vault,
    owner_only,
    read_pdf,
    replace_text,
    signed_session,
)
from therapist_desk.domain.practice import Address
from therapist_desk.services import superbills
from therapist_desk.services.audit_log import list_events
from therapist_desk.services.clients import create_client
from therapist_desk.services.practice import get_profile
from therapist_desk.store.repositories.practice import save_practice
from therapist_desk.store.repositories.records import list_disclosures
from therapist_desk.ui.batch_superbills_dialog import BatchSuperbillsDialog
from therapist_desk.ui.billing_tab import BillingTab
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.superbill_dialog import SuperbillDialog

PDF_PASSWORD = "horse-battery-42"


@pytest.fixture
def bctx(ctx: AppContext, vault: object) -> AppContext:
    ctx.clock = lambda: NOW
    return ctx


@pytest.fixture
def make_dialog(qtbot: Any, bctx: AppContext) -> Callable[[int], SuperbillDialog]:
    def make(client_id: int) -> SuperbillDialog:
        dialog = SuperbillDialog(bctx, client_id)
        qtbot.addWidget(dialog)
        dialog.set_period(date(2026, 11, 1), date(2026, 11, 30))
        return dialog

    return make


def disclosures(ctx: AppContext, client_id: int) -> list[Any]:
    with ctx.reader() as session:
        return list_disclosures(session, client_id)


def test_incomplete_data_lists_every_missing_item_and_makes_no_file(
        qtbot: Any, bctx: AppContext, add_client: Callable[..., int], make_client: Callable[..., Any],
        make_dialog: Any, tmp_path: Path) -> None:
    cid = add_client(**billable())
    signed_session(bctx, cid, date(2026, 11, 3))
    with bctx.unit_of_work() as session:  # the repository, not the service (which would refuse)
        profile = get_profile(session)
        assert profile is not None
        save_practice(session, replace(profile, rendering_npi="", phone=""))
        client_row = create_client(session, make_client(**billable(legal_first_name="Ada", address=Address())),
                                   NOW)
    with bctx.reader() as session, pytest.raises(superbills.SuperbillIncomplete) as expected:
        superbills.assemble_superbill(session, cid, NOW.date(), start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert len(expected.value.items) >= 2
    dialog = make_dialog(cid)
    qtbot.mouseClick(dialog.preview_button, LEFT)
    assert not dialog.missing_panel.isHidden()
    texts = dialog.missing_texts()
    for item in expected.value.items:
        assert f"    •  {item.what}" in texts, item
        assert f"Fix in {item.where}:" in texts, item
    assert "Rendering NPI" in " ".join(texts) and "Practice phone" in " ".join(texts)
    assert dialog.missing == expected.value.items
    assert not dialog.preview.has_pdf() and not dialog.preview.save_button.isEnabled()
    assert "these 2 things" in dialog.missing_title.text()
    assert disclosures(bctx, cid) == [] and list(tmp_path.glob("**/*.pdf")) == []

    # A client with no address: the missing items name the Clients tab as the place to fix it.
    assert client_row.id is not None
    signed_session(bctx, client_row.id, date(2026, 11, 5))
    other = make_dialog(client_row.id)
    qtbot.mouseClick(other.preview_button, LEFT)
    assert "Fix in Clients tab:" in other.missing_texts()
    assert "    •  Client address (street, city, state, ZIP)" in other.missing_texts()


def test_complete_superbill_previews_saves_and_records_the_disclosure(
        qtbot: Any, bctx: AppContext, add_client: Callable[..., int], make_dialog: Any, tmp_path: Path,
        caplog: pytest.LogCaptureFixture, qsettings_dir: Path) -> None:
    caplog.set_level(logging.DEBUG)
    cid = add_client(**billable(legal_first_name="Zoë", legal_last_name="Núñez-Løvik"))
    signed_session(bctx, cid, date(2026, 11, 3))
    signed_session(bctx, cid, date(2026, 11, 10), cpt="90837")
    signed_session(bctx, cid, date(2026, 10, 27))  # outside the period
    dialog = make_dialog(cid)
    assert dialog.windowTitle() == "Superbill" and "Zoë Núñez-Løvik" in dialog.client_label.text()
    assert "born 03/14/1988" in dialog.client_label.text()
    qtbot.mouseClick(dialog.preview_button, LEFT)
    assert dialog.missing_panel.isHidden()
    assert dialog.preview.document.pageCount() == 1 and dialog.preview.page_count() == 1
    assert dialog.preview.page_label.text() == "1 page"
    assert disclosures(bctx, cid) == []  # a preview records nothing
    target = tmp_path / "exports" / "superbill.pdf"
    target.parent.mkdir()
    suggested: list[str] = []
    dialog.preview.choose_path = lambda name: suggested.append(name) or target  # type: ignore[func-returns-value]
    with qtbot.waitSignal(dialog.preview.saved):
        qtbot.mouseClick(dialog.preview.save_button, LEFT)
    (name,) = suggested  # the service's ASCII name: sortable, unique per client
    assert name.startswith("superbill_2026-11_Nunez-L") and name.endswith(f"_Zoe_c{cid}.pdf")
    text = read_pdf(target)
    for expected in ("1234567893", "Total charges $320.00", "Zoë Núñez-Løvik", "11/03/2026", "11/10/2026"):
        assert expected in text, expected
    for absent in ("10/27/2026", PSYCHOTHERAPY_MARKER, NOTE_MARKER):
        assert absent not in text, absent
    assert owner_only(target) and [p.name for p in target.parent.iterdir()] == ["superbill.pdf"]
    (disclosure,) = disclosures(bctx, cid)
    assert disclosure.recipient == superbills.DISCLOSURE_RECIPIENT and "total charge 320.00" in disclosure.what
    with bctx.reader() as session:
        (event,) = list_events(session, action="export.superbill")
    assert event.record_id == disclosure.id and "encrypted=0" in event.detail
    assert dialog.last_saved == str(target) and dialog.preview.status.text() == "Saved as superbill.pdf"
    # No client name in a log line, in QSettings or in a window title.
    assert "Núñez" not in caplog.text and "Zoë" not in caplog.text
    settings = [p.read_text(errors="replace") for p in qsettings_dir.rglob("*") if p.is_file()]
    assert not any("Núñez" in text or "Nunez" in text for text in settings)
    assert all("Núñez" not in w.windowTitle() for w in (dialog, dialog.preview))


def test_password_protected_save_opens_only_with_the_password(
        qtbot: Any, bctx: AppContext, client_id_billed: int, make_dialog: Any, tmp_path: Path) -> None:
    dialog = make_dialog(client_id_billed)
    qtbot.mouseClick(dialog.preview_button, LEFT)
    target = tmp_path / "protected.pdf"
    dialog.preview.choose_path = lambda _name: target
    protection = dialog.preview.protection
    qtbot.mouseClick(protection.check, LEFT)
    qtbot.keyClicks(protection.field, "short")
    qtbot.keyClicks(protection.confirm, "short")
    qtbot.mouseClick(dialog.preview.save_button, LEFT)
    assert protection.error.message() == "PDF password needs at least 8 characters" and not target.exists()
    replace_text(qtbot, protection.field, PDF_PASSWORD)
    replace_text(qtbot, protection.confirm, PDF_PASSWORD + "x")
    qtbot.mouseClick(dialog.preview.save_button, LEFT)
    assert protection.error.message() == "PDF password and its repetition differ" and not target.exists()
    replace_text(qtbot, protection.confirm, PDF_PASSWORD)
    qtbot.mouseClick(dialog.preview.save_button, LEFT)
    assert target.exists() and owner_only(target)
    assert dialog.preview.status.text() == "Saved, password-protected, as protected.pdf"
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    assert reader.is_encrypted
    encrypt = reader.trailer["/Encrypt"]
    assert (encrypt["/V"], encrypt["/R"]) == (5, 6)  # AES-256, revision 6 (not RC4)
    with pytest.raises(PdfReadError):
        reader.pages[0].extract_text()
    with pytest.raises(WrongPasswordError):
        PdfReader(io.BytesIO(target.read_bytes()), password="wrong-password-1")
    assert "1234567893" in read_pdf(target, PDF_PASSWORD)
    with bctx.reader() as session:
        (event,) = list_events(session, action="export.superbill")
    assert "encrypted=1" in event.detail


@pytest.fixture
def client_id_billed(bctx: AppContext, add_client: Callable[..., int]) -> int:
    cid = add_client(**billable())
    signed_session(bctx, cid, date(2026, 11, 3))
    return cid


def test_chosen_sessions_and_changed_choices(qtbot: Any, bctx: AppContext, add_client: Callable[..., int],
                                            make_dialog: Any) -> None:
    cid = add_client(**billable())
    signed_session(bctx, cid, date(2026, 9, 8))
    second = signed_session(bctx, cid, date(2026, 11, 3))
    dialog = make_dialog(cid)
    assert dialog.sessions.count() == 2 and not dialog.sessions.isEnabled()
    qtbot.mouseClick(dialog.by_sessions, LEFT)
    qtbot.mouseClick(dialog.preview_button, LEFT)
    assert dialog.sessions_error.message() == "Sessions choose at least one signed session"
    dialog.sessions.item(0).setCheckState(dialog.sessions.item(0).checkState().Checked)  # newest first
    assert dialog.chosen_session_ids() == [second]
    qtbot.mouseClick(dialog.preview_button, LEFT)
    assert dialog.preview.has_pdf()
    dialog.sessions.item(1).setCheckState(dialog.sessions.item(1).checkState().Checked)
    assert not dialog.preview.has_pdf() and "preview again" in dialog.preview.empty.text()
    qtbot.mouseClick(dialog.by_range, LEFT)
    replace_text(qtbot, dialog.to_field, "2026-10-01")
    qtbot.mouseClick(dialog.preview_button, LEFT)
    assert dialog.errors["To"].message() == "To is before From" and dialog.period.currentIndex() == 0
    assert accessible_gaps(dialog) == []


def test_the_tab_opens_the_dialog_for_its_client(qtbot: Any, bctx: AppContext, client_id_billed: int) -> None:
    tab = BillingTab(bctx)
    qtbot.addWidget(tab)
    seen: list[str] = []
    tab.run_dialog = lambda dialog: seen.append(dialog.objectName()) or 0  # type: ignore[func-returns-value]
    messages: list[str] = []
    bctx.signals.status_message.connect(messages.append)
    assert tab.open_superbill() is None and messages == ["Select a client first (Clients tab)."]
    bctx.signals.client_selected.emit(client_id_billed)
    qtbot.mouseClick(tab.superbill_button, LEFT)
    tab.open_batch_superbills()
    assert seen == ["superbillDialog", "batchSuperbillsDialog"]


def test_a_big_superbill_previews_on_the_worker_thread(qtbot: Any, threaded_ctx: AppContext,
                                                       make_profile: Callable[..., object],
                                                       make_client: Callable[..., Any]) -> None:
    open_threaded_vault(threaded_ctx, make_profile)
    with threaded_ctx.unit_of_work() as session:
        cid = create_client(session, make_client(**billable()), NOW).id
    for day in range(1, 32, 2):
        signed_session(threaded_ctx, cid, date(2026, 10, day))
    dialog = SuperbillDialog(threaded_ctx, cid)
    qtbot.addWidget(dialog)
    dialog.set_period(date(2026, 10, 1), date(2026, 10, 31))
    dialog.preview_superbill()
    assert not dialog.busy.isHidden() and not dialog.preview_button.isEnabled()
    qtbot.waitUntil(dialog.preview.has_pdf, timeout=15000)
    assert dialog.preview.page_count() >= 2 and dialog.busy.isHidden()


# --- the monthly batch --------------------------------------------------------------------------


def test_batch_over_a_month_writes_every_pdf_on_the_worker_thread(
        qtbot: Any, threaded_ctx: AppContext, make_profile: Callable[..., object],
        make_client: Callable[..., Any], tmp_path: Path) -> None:
    ctx = threaded_ctx
    open_threaded_vault(ctx, make_profile)
    ids = []
    for first in ("Avery", "Blake", "Casey"):
        with ctx.unit_of_work() as session:
            ids.append(create_client(session, make_client(**billable(legal_first_name=first)), NOW).id)
        signed_session(ctx, ids[-1], date(2026, 10, 14))
    dialog = BatchSuperbillsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.month_text() == "2026-10"  # last month by default
    out = tmp_path / "batch"
    replace_text(qtbot, dialog.folder, str(out))
    steps: list[tuple[int, int]] = []
    dialog._relay.progress.connect(lambda done, total: steps.append((done, total)))
    qtbot.mouseClick(dialog.start_button, LEFT)
    assert dialog.running and dialog.cancel_button.isEnabled() and not dialog.start_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=30000)
    qtbot.waitUntil(lambda: (3, 3) in steps, timeout=5000)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"superbill_2026-10_Fictionalson_{n}_c{i}.pdf" for n, i in zip(("Avery", "Blake", "Casey"), ids))
    assert all(owner_only(p) and "1234567893" in read_pdf(p) for p in out.iterdir())
    assert dialog.bar.maximum() == 3 and dialog.bar.value() == 3  # 100%
    assert dialog.progress_label.text() == "3 of 3 made"
    assert "Made 3 of 3 superbills" in dialog.summary_view.toPlainText()
    assert not dialog.running and dialog.start_button.isEnabled() and dialog.open_button.isEnabled()
    assert steps[0] == (0, 3)


def test_batch_lists_skipped_clients_with_what_they_miss(qtbot: Any, bctx: AppContext,
                                                        add_client: Callable[..., int], tmp_path: Path) -> None:
    good = add_client(**billable())
    bad = add_client(**billable(legal_first_name="Noaddress", address=Address()))
    for cid in (good, bad):
        signed_session(bctx, cid, date(2026, 11, 3))
    dialog = BatchSuperbillsDialog(bctx)
    qtbot.addWidget(dialog)
    dialog.set_month(date(2026, 11, 1))
    replace_text(qtbot, dialog.folder, str(tmp_path / "nov"))
    qtbot.mouseClick(dialog.start_button, LEFT)
    assert dialog.summary is not None and len(dialog.summary.made) == 1
    text = dialog.summary_view.toPlainText()
    assert "Made 1 of 2 superbills" in text and "Noaddress Fictionalson:" in text
    assert "Client address (street, city, state, ZIP) — Clients tab" in text
    assert len(list((tmp_path / "nov").iterdir())) == 1


def test_batch_cancel_keeps_what_was_made(qtbot: Any, bctx: AppContext, add_client: Callable[..., int],
                                          tmp_path: Path) -> None:
    for first in ("Avery", "Blake", "Casey"):
        signed_session(bctx, add_client(**billable(legal_first_name=first)), date(2026, 11, 3))
    dialog = BatchSuperbillsDialog(bctx)
    qtbot.addWidget(dialog)
    dialog.set_month(date(2026, 11, 1))
    replace_text(qtbot, dialog.folder, str(tmp_path / "nov"))
    # Cancel as the second client starts (the relay reaches this lambda directly, same thread).
    dialog._relay.progress.connect(lambda done, _total: done == 1 and dialog.cancel_button.click())
    qtbot.mouseClick(dialog.start_button, LEFT)
    assert dialog.summary is not None and dialog.summary.cancelled
    assert len(dialog.summary.made) == 1 and len(list((tmp_path / "nov").iterdir())) == 1
    assert "Cancelled before the end" in dialog.summary_view.toPlainText()


def test_batch_needs_a_folder(qtbot: Any, bctx: AppContext) -> None:
    dialog = BatchSuperbillsDialog(bctx)
    qtbot.addWidget(dialog)
    dialog.folder.clear()
    assert not dialog.start() and dialog.folder_error.message() == "Output folder is required."
    assert accessible_gaps(dialog) == []
