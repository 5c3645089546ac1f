"""The Clients table model on its own: rows, every column's text, the object roles, updates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from therapist_desk.domain.enums import ClientStatus
from therapist_desk.domain.summaries import ClientSummary
from therapist_desk.ui.client_table_model import (
    COL_BALANCE,
    COL_GAD7,
    COL_LAST_SESSION,
    COL_NAME,
    COL_NEXT_REVIEW,
    COL_PHQ9,
    COL_STATUS,
    COL_UNSIGNED,
    COL_WHY,
    COLUMN_COUNT,
    SORT_KEYS,
    ClientIdRole,
    ClientRole,
    ClientTableModel,
    ReasonsRole,
)

ZOE = ClientSummary(
    id=7, display_name="Zoë Lindqvist", status=ClientStatus.ACTIVE, date_of_birth=date(1991, 4, 2),
    last_session=date(2026, 11, 18), next_review=date(2026, 12, 1), unsigned_notes=2,
    balance=Decimal("1240.00"), phq9_band="moderately severe", gad7_band="mild",
)
SAM = ClientSummary(id=9, display_name="Sam Okafor", status=ClientStatus.DISCHARGED, date_of_birth=date(1970, 1, 1))
CREDIT = ClientSummary(id=11, display_name="Ana Paid-Ahead", status=ClientStatus.INACTIVE,
                       date_of_birth=date(1980, 5, 5), balance=Decimal("-20.00"))
REASONS = {7: ("2 unsigned notes older than 48 hours", "owes $1,240.00")}


def _text(model: ClientTableModel, row: int, col: int) -> str:
    return model.data(model.index(row, col), Qt.ItemDataRole.DisplayRole)  # type: ignore[no-any-return]


def test_rows_and_columns() -> None:
    model = ClientTableModel()
    assert model.rowCount() == 0
    model.set_rows([ZOE, SAM, CREDIT], REASONS)
    assert model.rowCount() == 3
    assert model.columnCount() == COLUMN_COUNT == 9
    assert model.rowCount(model.index(0, 0)) == 0  # a table: no children


def test_every_column_of_a_full_row() -> None:
    model = ClientTableModel()
    model.set_rows([ZOE], REASONS)
    assert _text(model, 0, COL_NAME) == "Zoë Lindqvist"
    assert _text(model, 0, COL_STATUS) == "Active"
    assert _text(model, 0, COL_LAST_SESSION) == "2026-11-18"
    assert _text(model, 0, COL_NEXT_REVIEW) == "2026-12-01"
    assert _text(model, 0, COL_UNSIGNED) == "2"
    assert _text(model, 0, COL_BALANCE) == "$1,240.00"
    assert _text(model, 0, COL_PHQ9) == "Moderately severe"
    assert _text(model, 0, COL_GAD7) == "Mild"
    assert _text(model, 0, COL_WHY) == "2 unsigned notes older than 48 hours\nowes $1,240.00"


def test_empty_values_show_blank_and_a_credit_says_so() -> None:
    model = ClientTableModel()
    model.set_rows([SAM, CREDIT])
    assert [_text(model, 0, c) for c in range(COLUMN_COUNT)] == ["Sam Okafor", "Discharged", "", "", "", "", "", "", ""]
    assert _text(model, 1, COL_BALANCE) == "credit $20.00"
    assert _text(model, 1, COL_STATUS) == "Inactive"


def test_roles_expose_the_object_the_id_and_the_reasons() -> None:
    model = ClientTableModel()
    model.set_rows([ZOE, SAM], REASONS)
    assert model.data(model.index(0, COL_BALANCE), ClientRole) is ZOE
    assert model.data(model.index(1, COL_NAME), ClientIdRole) == 9
    assert model.data(model.index(0, COL_NAME), ReasonsRole) == REASONS[7]
    assert model.data(model.index(1, COL_NAME), ReasonsRole) == ()
    assert model.data(model.index(0, COL_STATUS), Qt.ItemDataRole.ToolTipRole) == _text(model, 0, COL_WHY)
    assert model.data(model.index(1, COL_STATUS), Qt.ItemDataRole.ToolTipRole) is None
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.data(model.index(0, COL_BALANCE), Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.data(model.index(0, COL_NAME), Qt.ItemDataRole.EditRole) is None
    assert model.row_of(9) == 1 and model.row_of(12345) is None
    assert model.client_ids() == (7, 9)


def test_headers_and_sortable_columns() -> None:
    model = ClientTableModel()
    names = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(COLUMN_COUNT)]
    assert names == ["Name", "Status", "Last session", "Plan review", "Unsigned", "Balance", "PHQ-9", "GAD-7",
                     "Why it needs attention"]
    assert set(SORT_KEYS.values()) == {"name", "status", "last_session", "next_review", "unsigned", "balance"}
    assert COL_PHQ9 not in SORT_KEYS and COL_WHY not in SORT_KEYS


def test_update_row_emits_data_changed_and_reset_replaces(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = ClientTableModel()
    model.set_rows([ZOE, SAM])
    paid = ClientSummary(**{**{f: getattr(ZOE, f) for f in ZOE.__dataclass_fields__}, "balance": Decimal("0.00")})
    with qtbot.waitSignal(model.dataChanged):
        assert model.update_row(paid, ())
    assert _text(model, 0, COL_BALANCE) == ""
    assert not model.update_row(CREDIT)  # not listed: the caller re-queries
    with qtbot.waitSignal(model.modelReset):
        model.set_rows([CREDIT])
    assert model.rowCount() == 1 and _text(model, 0, COL_NAME) == "Ana Paid-Ahead"


def test_new_reasons_update_the_why_column_in_place(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = ClientTableModel()
    model.set_rows([ZOE, SAM])
    with qtbot.waitSignal(model.dataChanged):
        model.set_reasons({9: ("owes $5.00",)})
    assert _text(model, 1, COL_WHY) == "owes $5.00"
    assert _text(model, 0, COL_WHY) == ""


def test_passes_qt_model_checks(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = ClientTableModel()
    tester = ModelTester(qtbot)
    tester.check(model, force_py=True)
    model.set_rows([ZOE, SAM, CREDIT], REASONS)
    model.set_rows([SAM])
    model.clear()


def test_with_reasons_and_pick_rows_take_rows_of_a_prepared_list_without_formatting() -> None:
    from therapist_desk.ui.client_table_model import pick_rows, prepare_rows, with_reasons

    full = prepare_rows([ZOE, SAM, CREDIT])
    shown = with_reasons(full, REASONS)
    assert shown[1] == [REASONS[7], (), ()]
    assert shown[2][0][COL_WHY] == "2 unsigned notes older than 48 hours\nowes $1,240.00"
    assert shown[2][0][:COL_WHY] == full[2][0][:COL_WHY] and shown[2][1:] == full[2][1:]
    assert full[2][0][COL_WHY] == "" and full[1] == [(), (), ()]  # the prepared list is left as it was
    rows, why, display = pick_rows(shown, [2, 0])
    assert rows == [CREDIT, ZOE] and why == [(), REASONS[7]] and display == [shown[2][2], shown[2][0]]
    model = ClientTableModel()
    model.attention_icon = icon = object()
    model.set_prepared(pick_rows(shown, [1, 0]))
    assert [_text(model, r, COL_NAME) for r in range(2)] == ["Sam Okafor", "Zoë Lindqvist"]
    assert _text(model, 1, COL_WHY) == "2 unsigned notes older than 48 hours\nowes $1,240.00"
    assert model.data(model.index(1, COL_NAME), Qt.ItemDataRole.DecorationRole) is icon
    assert model.data(model.index(0, COL_NAME), Qt.ItemDataRole.DecorationRole) is None


def test_extend_prepared_adds_the_rest_below_the_first_rows_without_a_reset(qtbot) -> None:  # type: ignore[no-untyped-def]
    from therapist_desk.ui.client_table_model import prepare_rows

    model = ClientTableModel()
    model.set_prepared(prepare_rows([ZOE]))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        assert model.extend_prepared(prepare_rows([ZOE, SAM, CREDIT]))
    assert inserted.args[1:] == [1, 2] and resets == []
    assert model.client_ids() == (7, 9, 11) and model.row_of(11) == 2
    assert model.extend_prepared(prepare_rows([ZOE, SAM, CREDIT]))  # nothing new: nothing done
    assert not model.extend_prepared(prepare_rows([SAM, ZOE, CREDIT]))  # not the same first rows
    assert not model.extend_prepared(prepare_rows([ZOE, SAM, CREDIT], REASONS))  # other reasons
    assert not model.extend_prepared(prepare_rows([ZOE]))  # fewer rows
    assert model.client_ids() == (7, 9, 11) and resets == []
