"""The audit log: viewer filters, chain check and CSV export; failed unlocks reach the log."""

from __future__ import annotations

import csv
import stat
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import text

from therapist_desk.domain.audit import AuditEvent
from therapist_desk.services import audit_export, security
from therapist_desk.services.audit_export import AuditFilter
from therapist_desk.services.common import audit
from therapist_desk.services.vault_access import NotAVault, WrongPassphrase
from therapist_desk.ui.audit_viewer import (
    COL_ACTION,
    COL_CLIENT,
    COL_RECORD,
    AuditTableModel,
    AuditViewerDialog,
    EventRole,
    display_row,
)
from therapist_desk.ui.context import AppContext

from .conftest import PASSPHRASE

MARKER_NAME = "Zebulonmarker"
DAY1 = datetime(2026, 3, 1, 9, 0)
DAY2 = datetime(2026, 3, 2, 23, 59, 59)
DAY3 = datetime(2026, 3, 3, 0, 0)


@pytest.fixture
def history(vault: object, ctx: AppContext, add_client: Callable[..., int]) -> dict[str, int]:
    """Two clients and entries on three days (the fixture's own entries are older or newer)."""
    first = add_client(legal_last_name=MARKER_NAME)
    second = add_client(legal_first_name="Sam")
    with ctx.unit_of_work() as session:
        audit(session, DAY1, "client.view", "client", first, client_id=first)
        audit(session, DAY2, "note.sign", "session", 7, client_id=second)
        audit(session, DAY3, "export.data", detail="=HYPERLINK(\"x\")")
    return {"first": first, "second": second}


def _rows(dialog: AuditViewerDialog) -> list[AuditEvent]:
    return [dialog.model.event_at(row) for row in range(dialog.model.rowCount())]


@pytest.fixture
def dialog(history: dict[str, int], ctx: AppContext, qtbot: object) -> AuditViewerDialog:
    viewer = AuditViewerDialog(ctx)
    qtbot.addWidget(viewer)  # type: ignore[attr-defined]
    viewer.show()
    return viewer


# --- the model, without widgets ---------------------------------------------------------------


def test_model_rows_are_precomputed_display_tuples(qapp: object) -> None:
    event = AuditEvent(DAY1, "note.sign", "session", 12, 3, "", id=40)
    model = AuditTableModel()
    model.set_events([event, AuditEvent(DAY2, "vault.rekey", id=41)])
    assert model.rowCount() == 2 and model.columnCount() == 5
    assert display_row(event) == ("2026-03-01 09:00:00", "note.sign", "session #12", "3", "")
    assert model.index(1, COL_RECORD).data() == ""
    assert model.index(1, COL_CLIENT).data() == ""
    assert model.index(0, 0).data(EventRole) is event
    assert model.headerData(COL_ACTION, Qt.Orientation.Horizontal) == "Action"


# --- the dialog -------------------------------------------------------------------------------


def test_shows_every_entry_newest_first(dialog: AuditViewerDialog) -> None:
    rows = _rows(dialog)
    ids = [event.id for event in rows]
    assert ids == sorted(ids, reverse=True)
    actions = {event.action for event in rows}
    assert {"client.create", "client.view", "note.sign", "export.data", "practice.update"} <= actions
    assert dialog.count_label.text() == f"{len(rows)} entries."


def test_filters_by_action_client_and_dates(
    dialog: AuditViewerDialog, history: dict[str, int], qtbot: object,
) -> None:
    combo = dialog.action_combo
    combo.setCurrentIndex(combo.findData("client.create"))
    assert [e.action for e in _rows(dialog)] == ["client.create", "client.create"]
    combo.setCurrentIndex(0)  # all actions

    qtbot.keyClicks(dialog.client_edit, str(history["first"]))  # type: ignore[attr-defined]
    rows = _rows(dialog)
    assert rows and all(e.client_id == history["first"] for e in rows)
    assert {e.action for e in rows} == {"client.create", "client.view"}
    dialog.client_edit.clear()

    # Both days included: DAY2 ends at 23:59:59, DAY3 begins at midnight.
    dialog.since_date.setDate(QDate(2026, 3, 1))
    dialog.until_date.setDate(QDate(2026, 3, 2))
    dialog.since_check.setChecked(True)
    dialog.until_check.setChecked(True)
    assert [e.at for e in _rows(dialog)] == [DAY2, DAY1]
    dialog.until_check.setChecked(False)
    since_day1 = {e.at for e in _rows(dialog)}
    assert {DAY1, DAY2, DAY3} <= since_day1 and min(since_day1) == DAY1


def test_verify_chain_reports_intact_then_the_tampered_entry(
    dialog: AuditViewerDialog, ctx: AppContext, qtbot: object,
) -> None:
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert "intact" in dialog.verify_label.text()
    target = next(e for e in _rows(dialog) if e.action == "client.view")
    assert ctx.vault is not None
    with ctx.vault.engine.begin() as conn:
        # Someone with the passphrase edits the log behind the app's back: the append-only
        # triggers stop an ordinary UPDATE, so they are dropped first; the chain still shows it.
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET action = 'client.create' WHERE id = :id"),
                     {"id": target.id})
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    label = dialog.verify_label.text()
    assert "tampered" in label and str(target.id) in label
    assert "intact" not in label


def test_export_writes_the_filtered_entries_as_owner_only_csv(
    dialog: AuditViewerDialog, ctx: AppContext, tmp_path: Path, qtbot: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dest = tmp_path / "exports" / "audit"
    dest.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(dest), ""))
    dialog.since_date.setDate(QDate(2026, 3, 1))
    dialog.until_date.setDate(QDate(2026, 3, 3))
    dialog.since_check.setChecked(True)
    dialog.until_check.setChecked(True)
    shown = list(reversed(_rows(dialog)))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]

    written = dest.with_suffix(".csv")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    with open(written, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["id"]) for r in rows] == [e.id for e in shown]  # oldest first: chain order
    assert list(rows[0]) == list(audit_export.CSV_COLUMNS)
    # A cell a spreadsheet would run as a formula is neutralized.
    assert rows[-1]["detail"] == "'=HYPERLINK(\"x\")"
    raw = written.read_text(encoding="utf-8")
    assert MARKER_NAME not in raw and "Robin" not in raw and "Fictionalson" not in raw
    assert not [p for p in dest.parent.iterdir() if p.name.endswith(".partial")]
    with ctx.reader() as session:
        last = audit_export.find_events(session, limit=1)[0]
    assert last.action == audit_export.EXPORT_ACTION
    assert last.detail == "rows=3 since=2026-03-01 until=2026-03-03"
    assert "Exported 3 entries" in dialog.verify_label.text()


def test_export_to_an_unwritable_place_says_so_and_audits_nothing(
    dialog: AuditViewerDialog, ctx: AppContext, tmp_path: Path, qtbot: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "missing-folder" / "audit.csv"), ""))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, message: warnings.append(message))
    with ctx.reader() as session:
        before = audit_export.count_events(session)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert warnings == ["The folder chosen for the export does not exist."]
    with ctx.reader() as session:
        assert audit_export.count_events(session) == before
    assert dialog.export_button.isEnabled()


def test_lock_empties_and_closes_the_viewer(dialog: AuditViewerDialog, ctx: AppContext) -> None:
    assert dialog.model.rowCount() > 0
    ctx.signals.about_to_lock.emit()
    assert dialog.model.rowCount() == 0
    assert not dialog.isVisible()


# --- the export service -------------------------------------------------------------------------


def test_date_filter_includes_both_whole_days(history: dict[str, int], ctx: AppContext) -> None:
    with ctx.reader() as session:
        found = audit_export.find_events(
            session, AuditFilter(since=date(2026, 3, 2), until=date(2026, 3, 2)))
        assert [e.at for e in found] == [DAY2]
        assert audit_export.count_events(session, AuditFilter(until=date(2026, 3, 3))) >= 3
        assert "note.sign" in audit_export.action_names(session)


# --- failed unlocks reach the log at the next unlock ---------------------------------------------


def test_failed_unlocks_are_written_at_the_next_unlock(
    closed_vault: Path, ctx: AppContext, tmp_path: Path,
) -> None:
    state = tmp_path / security.FAILED_UNLOCKS_FILENAME
    counter = security.FailedUnlockCounter(state)
    t1, t2, t3 = datetime(2026, 3, 5, 8, 0), datetime(2026, 3, 5, 8, 1), datetime(2026, 3, 5, 9, 0)
    for moment in (t1, t2):
        with pytest.raises(WrongPassphrase):
            security.open_vault_recorded(closed_vault, "not the passphrase", moment, counter)
    assert counter.pending is not None and counter.pending.count == 2
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    # The app was closed and started again before anyone got in: the count survives.
    counter = security.FailedUnlockCounter(state)
    assert counter.pending == security.FailedUnlocks(2, t1, t2)

    ctx.vault = security.open_vault_recorded(closed_vault, PASSPHRASE, t3, counter)
    assert counter.pending is None and not state.exists()
    with ctx.reader() as session:
        newest = audit_export.find_events(session, limit=2)
    assert [(e.action, e.detail) for e in newest] == [
        (security.UNLOCK_ACTION, ""),
        (security.FAILED_UNLOCKS_ACTION,
         "count=2 first=2026-03-05T08:00:00 last=2026-03-05T08:01:00"),
    ]
    security.record_lock(ctx.vault, t3, "idle")
    with ctx.reader() as session:
        assert audit_export.find_events(session, limit=1)[0].detail == "reason=idle"
    with pytest.raises(ValueError):
        security.record_lock(ctx.vault, t3, "because")


def test_only_a_wrong_passphrase_counts(tmp_path: Path) -> None:
    counter = security.FailedUnlockCounter()
    not_a_vault = tmp_path / "notes.txt"
    not_a_vault.write_bytes(b"plain text\n" * 10)
    with pytest.raises(NotAVault):
        security.open_vault_recorded(not_a_vault, "anything", DAY1, counter)
    assert counter.pending is None


def test_attempts_during_the_unlock_write_are_kept(tmp_path: Path) -> None:
    counter = security.FailedUnlockCounter(tmp_path / "state.json")
    counter.record(DAY1)
    snapshot = counter.pending
    counter.record(DAY2)  # arrives while the unlock's audit entry is being written
    counter.clear(snapshot)
    assert counter.pending == security.FailedUnlocks(1, DAY1, DAY2)


def test_an_unreadable_state_file_starts_a_new_count(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json", encoding="utf-8")
    counter = security.FailedUnlockCounter(state)
    assert counter.pending is None
    assert counter.record(DAY1) == 1
