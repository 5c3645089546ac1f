"""The Progress Letter and Letter Templates dialogs through real widgets on a real vault.

A recipient that needs an authorization and has none is refused with the reason; a treating
provider is allowed; the diagnosis is off by default and locked where the release does not
cover it; the saved letter never holds psychotherapy-note or note text; templates are edited,
checked and reset in the vault.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.ui.test_billing_tab import (
    LEFT,
    NOTE_MARKER,
    NOW,
    PSYCHOTHERAPY_MARKER,
    accessible_gaps,
    billable,
    owner_only,
    read_pdf,
    signed_session,
)
from therapist_desk.domain.client import ReleaseOfInformation
from therapist_desk.domain.enums import ReleaseKind
from therapist_desk.services import letters
from therapist_desk.store.repositories.records import list_disclosures
from therapist_desk.ui.billing_tab import BillingTab
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.letter_dialog import LetterDialog
from therapist_desk.ui.letter_templates_dialog import LetterTemplatesDialog, SlugRole

PROVIDER = "Dr. Pat Example, Example Family Medicine"
SCHOOL_NO_RELEASE = "Example Middle School (no signature)"
SCHOOL_SIGNED = "Example Middle School"
SCHOOL_WITH_DX = "Example High School"
RELEASES = (
    ReleaseOfInformation(PROVIDER, ReleaseKind.TREATING_PROVIDER, recipient_address="200 Example Ave\nPortland, OR"),
    ReleaseOfInformation(SCHOOL_NO_RELEASE, ReleaseKind.SCHOOL),
    ReleaseOfInformation(SCHOOL_SIGNED, ReleaseKind.SCHOOL, purpose="Classroom accommodations",
                         scope="Attendance and progress", signed_on=date(2026, 9, 1), expires_on=date(2027, 9, 1)),
    ReleaseOfInformation(SCHOOL_WITH_DX, ReleaseKind.SCHOOL, purpose="504 plan",
                         scope="Attendance, progress and diagnosis", signed_on=date(2026, 9, 1)),
)


@pytest.fixture
def bctx(ctx: AppContext, vault: object) -> AppContext:
    ctx.clock = lambda: NOW
    return ctx


@pytest.fixture
def client_id(bctx: AppContext, add_client: Callable[..., int]) -> int:
    cid = add_client(**billable(releases=RELEASES, presenting_problem="Worry after a move (fictional)."))
    for day in (date(2026, 10, 6), date(2026, 11, 3)):
        signed_session(bctx, cid, day)
    return cid


@pytest.fixture
def dialog(qtbot: Any, bctx: AppContext, client_id: int) -> LetterDialog:
    made = LetterDialog(bctx, client_id)
    qtbot.addWidget(made)
    return made


def test_a_school_without_a_release_is_refused_with_the_reason(qtbot: Any, dialog: LetterDialog) -> None:
    dialog.select_recipient(SCHOOL_NO_RELEASE)
    assert "not allowed" in dialog.recipient.currentText()
    message = dialog.refusal.message()
    assert message.startswith(f"No letter can go to {SCHOOL_NO_RELEASE}:")
    assert "needs the client's written authorization on file" in message
    assert "the release has no signature date" in message
    assert not dialog.preview_button.isEnabled() and not dialog.include_diagnosis.isEnabled()
    assert not dialog.recommendations.isEnabled()
    assert dialog.preview_letter() is False and not dialog.preview.has_pdf()


def test_a_treating_provider_is_allowed_and_the_letter_is_saved(qtbot: Any, dialog: LetterDialog,
                                                                 bctx: AppContext, client_id: int,
                                                                 tmp_path: Path) -> None:
    assert dialog.windowTitle() == "Progress Letter" and "Robin Fictionalson" in dialog.client_label.text()
    dialog.select_recipient(PROVIDER)
    assert dialog.refusal.message() == "" and dialog.preview_button.isEnabled()
    assert dialog.include_diagnosis.isEnabled() and not dialog.include_diagnosis.isChecked()  # off by default
    assert dialog.template.currentData() == letters.DEFAULT_TEMPLATE
    qtbot.keyClicks(dialog.recommendations, "- Continue weekly sessions")
    qtbot.mouseClick(dialog.preview_button, LEFT)
    assert dialog.error.message() == "" and dialog.preview.page_count() >= 1
    with bctx.reader() as session:
        assert list_disclosures(session, client_id) == []  # a preview discloses nothing
    target = tmp_path / "letter.pdf"
    dialog.preview.choose_path = lambda _name: target
    with qtbot.waitSignal(dialog.preview.saved):
        qtbot.mouseClick(dialog.preview.save_button, LEFT)
    text = read_pdf(target)
    for expected in (PROVIDER.split(",")[0], "Robin Fictionalson", "03/14/1988", "Continue weekly sessions",
                     "coordination of care"):
        assert expected in text, expected
    for absent in (PSYCHOTHERAPY_MARKER, NOTE_MARKER, "F41.1"):  # the diagnosis was left out
        assert absent not in text, absent
    assert owner_only(target)
    with bctx.reader() as session:
        (disclosure,) = list_disclosures(session, client_id)
    assert disclosure.recipient == PROVIDER and "diagnosis not included" in disclosure.what


def test_the_diagnosis_follows_the_release(qtbot: Any, dialog: LetterDialog, tmp_path: Path) -> None:
    dialog.select_recipient(SCHOOL_SIGNED)
    assert dialog.refusal.message() == "" and dialog.preview_button.isEnabled()
    assert not dialog.include_diagnosis.isEnabled() and "scope does not include" in dialog.include_diagnosis.toolTip()
    dialog.select_recipient(SCHOOL_WITH_DX)
    assert dialog.include_diagnosis.isEnabled() and not dialog.include_diagnosis.isChecked()
    qtbot.mouseClick(dialog.include_diagnosis, LEFT)
    qtbot.mouseClick(dialog.preview_button, LEFT)
    target = tmp_path / "school.pdf"
    dialog.preview.choose_path = lambda _name: target
    qtbot.mouseClick(dialog.preview.save_button, LEFT)
    text = read_pdf(target)
    assert "F41.1" in text and PSYCHOTHERAPY_MARKER not in text and NOTE_MARKER not in text
    dialog.select_recipient(PROVIDER)
    assert not dialog.include_diagnosis.isChecked()  # back off for the next recipient
    assert accessible_gaps(dialog) == []


def test_a_client_without_releases_is_told_where_to_add_one(qtbot: Any, bctx: AppContext,
                                                            add_client: Callable[..., int]) -> None:
    cid = add_client(**billable(legal_first_name="Nora"))
    made = LetterDialog(bctx, cid)
    qtbot.addWidget(made)
    assert not made.no_recipients.isHidden() and "Releases in the Clients tab" in made.no_recipients.text()
    assert not made.preview_button.isEnabled() and not made.recipient.isEnabled()


def test_the_tab_opens_the_letter_and_template_dialogs(qtbot: Any, bctx: AppContext, client_id: int) -> None:
    tab = BillingTab(bctx)
    qtbot.addWidget(tab)
    seen: list[str] = []
    tab.run_dialog = lambda d: seen.append(d.objectName()) or 0  # type: ignore[func-returns-value]
    bctx.signals.client_selected.emit(client_id)
    qtbot.mouseClick(tab.letter_button, LEFT)
    qtbot.mouseClick(tab.templates_button, LEFT)
    assert seen == ["letterDialog", "letterTemplatesDialog"]


# --- templates ----------------------------------------------------------------------------------


@pytest.fixture
def templates(qtbot: Any, bctx: AppContext) -> LetterTemplatesDialog:
    made = LetterTemplatesDialog(bctx)
    qtbot.addWidget(made)
    return made


def stored(ctx: AppContext, slug: str) -> letters.LetterTemplate:
    with ctx.reader() as session:
        return letters.get_template(session, slug)


def test_templates_are_listed_with_their_placeholders(templates: LetterTemplatesDialog) -> None:
    slugs = {templates.list.item(i).data(SlugRole) for i in range(templates.list.count())}
    assert {"progress-summary", "coordination-of-care", "school-accommodation"} <= slugs  # shipped
    assert templates.current is not None and templates.current.slug == letters.DEFAULT_TEMPLATE
    assert templates.slug.isReadOnly() and not templates.reset_button.isEnabled()
    names = [templates.placeholders.item(i).text() for i in range(templates.placeholders.count())]
    for placeholder in (*letters.INLINE_PLACEHOLDERS, *letters.BLOCK_PLACEHOLDERS):
        assert any(n.startswith(f"{{{{{placeholder}}}}}") for n in names), placeholder
    assert accessible_gaps(templates) == []


def test_edit_a_shipped_template_then_reset_it(qtbot: Any, templates: LetterTemplatesDialog,
                                               bctx: AppContext) -> None:
    original = stored(bctx, letters.DEFAULT_TEMPLATE)
    templates.body.setPlainText(original.body + "\nWith thanks, {{nonsense}}\n")
    qtbot.mouseClick(templates.save_button, LEFT)
    assert "{{nonsense}} is not a placeholder this app knows" in templates.errors["body"].message()
    assert not stored(bctx, letters.DEFAULT_TEMPLATE).customized  # nothing saved
    templates.body.setPlainText(original.body + "\nWith thanks.\n")
    templates.title_field.setText("Progress summary (mine)")
    qtbot.mouseClick(templates.save_button, LEFT)
    edited = stored(bctx, letters.DEFAULT_TEMPLATE)
    assert edited.customized and edited.title == "Progress summary (mine)" and "With thanks." in edited.body
    assert "shipped, edited" in templates.list.currentItem().text() and templates.reset_button.isEnabled()
    templates.confirm = lambda _text: True
    qtbot.mouseClick(templates.reset_button, LEFT)
    assert not stored(bctx, letters.DEFAULT_TEMPLATE).customized
    assert templates.title_field.text() == original.title


def test_add_a_template_of_ones_own_and_use_it(qtbot: Any, templates: LetterTemplatesDialog, bctx: AppContext,
                                               client_id: int) -> None:
    qtbot.mouseClick(templates.new_button, LEFT)
    assert not templates.slug.isReadOnly() and "{{recipient_name}}" in templates.body.toPlainText()
    qtbot.keyClicks(templates.slug, "Bad Name")
    qtbot.mouseClick(templates.save_button, LEFT)
    assert "lower-case letters" in templates.errors["slug"].message()
    assert templates.errors["title"].message() == "Template title is required"
    templates.slug.setText("work-return")
    qtbot.keyClicks(templates.title_field, "Return to work")
    templates.placeholders.setCurrentRow(0)
    qtbot.mouseClick(templates.insert_button, LEFT)
    qtbot.mouseClick(templates.save_button, LEFT)
    assert stored(bctx, "work-return").title == "Return to work"
    assert "yours" in templates.list.currentItem().text() and templates.reset_button.text() == "&Delete template"
    letter = LetterDialog(bctx, client_id)
    qtbot.addWidget(letter)
    assert letter.template.findData("work-return") >= 0
    templates.confirm = lambda _text: True
    qtbot.mouseClick(templates.reset_button, LEFT)
    with bctx.reader() as session:
        assert "work-return" not in [t.slug for t in letters.list_templates(session)]


def test_switching_with_unsaved_edits_asks(qtbot: Any, templates: LetterTemplatesDialog) -> None:
    templates.body.insertPlainText("Unsaved words. ")
    assert templates.has_unsaved_changes()
    asked: list[str] = []
    templates.ask = lambda text: asked.append(text) or QMessageBox.StandardButton.Cancel  # type: ignore[func-returns-value]
    first = templates.list.currentRow()
    templates.list.setCurrentRow((first + 1) % templates.list.count())
    assert asked and templates.list.currentRow() == first and templates.has_unsaved_changes()
    templates.ask = lambda _text: QMessageBox.StandardButton.Discard
    templates.list.setCurrentRow((first + 1) % templates.list.count())
    assert not templates.has_unsaved_changes() and templates.list.currentRow() != first
