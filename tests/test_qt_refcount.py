"""Guards against PySide6 6.12.0's lost references to None (fatal on Python 3.11; PITFALLS.md)."""

from __future__ import annotations

import sys

import pytest

CALLS = 3000
# Unrelated code may hold or drop a handful of references to None meanwhile; the bug loses one
# per call, so thousands.
TOLERANCE = 50

pytestmark = pytest.mark.gui


def _lost_references(work) -> int:
    work(10)  # warm caches and lazily created objects first
    before = sys.getrefcount(None)
    work(CALLS)
    return before - sys.getrefcount(None)


def test_widget_setters_keep_references_to_none(qapp) -> None:
    from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit

    label, line, combo = QLabel(), QLineEdit(), QComboBox()

    def label_text(n: int) -> None:
        for i in range(n):
            label.setText(f"label {i}")

    def line_text(n: int) -> None:
        for i in range(n):
            line.setText(f"line {i}")

    def combo_items(n: int) -> None:
        combo.clear()
        for i in range(n):
            combo.addItem(f"item {i}", i)

    for work in (label_text, line_text, combo_items):
        lost = _lost_references(work)
        assert lost <= TOLERANCE, (
            f"{work.__name__} lost {lost} references to None over {CALLS} calls: this PySide6 "
            "build has the refcount bug; pin PySide6 to 6.11.x")


def test_the_pinned_pyside6_is_not_the_broken_release() -> None:
    import PySide6

    assert not PySide6.__version__.startswith("6.12.0"), "6.12.0 corrupts None's refcount on 3.11"
