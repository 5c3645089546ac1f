"""Letter templates: list the shipped ones and the clinician's own, edit, add, reset to the original.

Edits are stored in the vault (``services.letters.save_template``): an edited shipped template
keeps its name, and "Reset to original" drops the copy; a template of the clinician's own can be
deleted the same way. The placeholders a template may use are listed beside the text; a
double-click inserts one at the cursor.

objectNames: letterTemplatesDialog, templateList, templateNew, templateSlug, templateTitle,
templateDescription, templateBody, templateSlugError, templateTitleError, templateDescriptionError,
templateBodyError, templatePlaceholders, templateInsertPlaceholder, templateSave, templateRevert,
templateReset, templateStatus, templateClose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.errors import ValidationError, ValidationErrors
from therapist_desk.services import letters
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.widgets import add_form_row, heading_label

log = logging.getLogger(__name__)
SlugRole = int(Qt.ItemDataRole.UserRole) + 1
PlaceholderRole = int(Qt.ItemDataRole.UserRole) + 2
STARTER = ("Dear {{recipient_name}},\n\n"
           "I am writing about {{client_name}} (date of birth {{client_dob}}), who has attended "
           "{{sessions_attended}} between {{first_session_date}} and {{last_session_date}}.\n\n"
           "{{disclosure_basis}}\n\n## Recommendations\n\n{{recommendations}}\n\n"
           "Please call {{practice_phone}} with any questions.\n\nSincerely,\n")
_FIELDS = {"Template name": "slug", "Template title": "title", "Template text": "body"}


class LetterTemplatesDialog(QDialog):
    """The template list on the left, the editor and the placeholders on the right."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.current: letters.LetterTemplate | None = None  # None: a new template
        self._loaded = ("", "", "", "")
        # Replaceable in tests: ask(text) -> Save / Discard / Cancel; confirm(text) -> bool.
        self.ask: Callable[[str], QMessageBox.StandardButton] = self._ask
        self.confirm: Callable[[str], bool] = self._confirm
        self.setObjectName("letterTemplatesDialog")
        self.setWindowTitle(self.tr("Letter Templates"))
        self.setAccessibleName(self.windowTitle())
        self._build()
        self.reload()
        ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)
        self.resize(1100, 720)

    def _build(self) -> None:
        tr = self.tr
        self.list = QListWidget(self, objectName="templateList")
        self.list.setAccessibleName(tr("Letter templates"))
        self.new_button = QPushButton(tr("&New template"), self, objectName="templateNew")
        self.new_button.setAccessibleName(tr("New template"))
        self.slug = QLineEdit(self, objectName="templateSlug")
        self.slug.setPlaceholderText(tr("for example work-return"))
        self.title_field = QLineEdit(self, objectName="templateTitle")
        self.description = QLineEdit(self, objectName="templateDescription")
        self.body = QPlainTextEdit(self, objectName="templateBody")
        self.body.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.body.setTabChangesFocus(True)
        form = QFormLayout()
        self.errors = {
            "slug": add_form_row(form, tr("&Name:"), self.slug, tr("Lower-case letters, digits and hyphens.")),
            "title": add_form_row(form, tr("&Title:"), self.title_field),
            "description": add_form_row(form, tr("&Description:"), self.description),
            "body": add_form_row(form, tr("Te&xt:"), self.body, tr(
                "Blank lines separate paragraphs; \"## \" starts a heading, \"- \" a list item. A "
                "paragraph whose placeholder has no value is left out.")),
        }
        self.placeholders = QListWidget(self, objectName="templatePlaceholders")
        self.placeholders.setAccessibleName(tr("Placeholders you can use"))
        self.placeholders.setWordWrap(True)
        for name, text in (*letters.INLINE_PLACEHOLDERS.items(), *letters.BLOCK_PLACEHOLDERS.items()):
            block = name in letters.BLOCK_PLACEHOLDERS
            item = QListWidgetItem(f"{{{{{name}}}}}\n    {text}" + (tr(" (a paragraph of its own)") if block else ""))
            item.setData(PlaceholderRole, name)
            self.placeholders.addItem(item)
        self.insert_button = QPushButton(tr("&Insert at the cursor"), self, objectName="templateInsertPlaceholder")
        self.insert_button.setAccessibleName(tr("Insert the placeholder at the cursor"))
        self.save_button = QPushButton(tr("&Save"), self, objectName="templateSave", default=True)
        self.revert_button = QPushButton(tr("Re&vert"), self, objectName="templateRevert")
        self.reset_button = QPushButton(tr("&Reset to original"), self, objectName="templateReset")
        for button, name in ((self.save_button, tr("Save template")), (self.revert_button, tr("Revert changes")),
                             (self.reset_button, tr("Reset to original"))):
            button.setAccessibleName(name)
        self.status = QLabel(self, objectName="templateStatus", wordWrap=True)
        self.status.setAccessibleName(tr("Template status"))

        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.list, 1)
        column.addWidget(self.new_button)
        editor = QWidget(self)
        column = QVBoxLayout(editor)
        column.setContentsMargins(6, 0, 6, 0)
        column.addLayout(form, 1)
        row = QHBoxLayout()
        for widget in (self.save_button, self.revert_button):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.reset_button)
        column.addLayout(row)
        column.addWidget(self.status)
        helper = QWidget(self)
        column = QVBoxLayout(helper)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(heading_label(tr("Placeholders"), scale=1.1))
        column.addWidget(self.placeholders, 1)
        column.addWidget(self.insert_button)
        splitter = QSplitter(Qt.Orientation.Horizontal, self, objectName="templatesSplitter")
        splitter.setChildrenCollapsible(False)
        for widget in (left, editor, helper):
            splitter.addWidget(widget)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 580, 290])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("templateClose")
        close.setAccessibleName(tr("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.list.currentItemChanged.connect(self.on_list_current_item_changed)
        self.new_button.clicked.connect(self.on_new_button_clicked)
        self.placeholders.itemDoubleClicked.connect(self.on_placeholders_item_double_clicked)
        self.insert_button.clicked.connect(self.on_insert_button_clicked)
        self.save_button.clicked.connect(self.on_save_button_clicked)
        self.revert_button.clicked.connect(self.on_revert_button_clicked)
        self.reset_button.clicked.connect(self.on_reset_button_clicked)

    # --- loading ------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        with self._ctx.reader() as session:
            templates = letters.list_templates(session)
        select = select or (self.current.slug if self.current else letters.DEFAULT_TEMPLATE)
        self.list.blockSignals(True)
        self.list.clear()
        for template in templates:
            kind = (self.tr("shipped, edited") if template.customized else self.tr("shipped")) \
                if template.shipped else self.tr("yours")
            item = QListWidgetItem(f"{template.title}\n    {kind}")
            item.setData(SlugRole, template.slug)
            item.setToolTip(template.description)
            self.list.addItem(item)
        row = next((i for i, t in enumerate(templates) if t.slug == select), 0)
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        self._show(templates[row] if templates else None)

    def _show(self, template: letters.LetterTemplate | None) -> None:
        self.current = template
        values = (template.slug, template.title, template.description, template.body) if template \
            else ("", "", "", STARTER)
        self.slug.setText(values[0])
        self.title_field.setText(values[1])
        self.description.setText(values[2])
        self.body.setPlainText(values[3])
        self._loaded = values
        self.slug.setReadOnly(template is not None)
        for label in self.errors.values():
            label.clear_message()
        self._update_buttons()

    def _values(self) -> tuple[str, str, str, str]:
        return (self.slug.text().strip(), self.title_field.text(), self.description.text(),
                self.body.toPlainText())

    def has_unsaved_changes(self) -> bool:
        return self._values() != self._loaded

    def _update_buttons(self) -> None:
        template = self.current
        self.reset_button.setEnabled(template is not None and template.customized)
        self.reset_button.setText(self.tr("&Delete template") if template is not None and not template.shipped
                                  else self.tr("&Reset to original"))
        self.reset_button.setAccessibleName(self.reset_button.text().replace("&", ""))
        self.status.setText("" if template is None else self.tr(
            "Your own template, stored in the vault.") if not template.shipped else self.tr(
            "Your edited copy, stored in the vault.") if template.customized else self.tr(
            "Shipped with the app. Saving keeps your edited copy in the vault."))

    # --- actions ------------------------------------------------------------------------------

    def save(self) -> bool:
        slug, title, description, body = self._values()
        for label in self.errors.values():
            label.clear_message()
        try:
            with self._ctx.unit_of_work() as session:
                letters.save_template(session, slug, title, body, self._ctx.now(), description=description)
        except (ValidationErrors, ValidationError) as problem:
            errors = problem.errors if isinstance(problem, ValidationErrors) else (problem,)
            shown: dict[str, list[str]] = {}
            for error in errors:
                shown.setdefault(_FIELDS.get(error.field, "body"), []).append(f"{error.field} {error.message}")
            for key, messages in shown.items():
                self.errors[key].show_message("\n".join(messages))
            return False
        self.reload(select=slug)
        self.status.setText(self.tr("Saved."))
        return True

    def leave_current(self) -> bool:
        """Ask about unsaved edits; True when saved or discarded, False to stay."""
        if not self.has_unsaved_changes():
            return True
        answer = self.ask(self.tr("This template has changes that are not saved yet."))
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _ask(self, text: str) -> QMessageBox.StandardButton:
        buttons = QMessageBox.StandardButton
        return buttons(QMessageBox.question(self, self.tr("Unsaved Changes"), text,
                                            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save))

    def _confirm(self, text: str) -> bool:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(self, self.tr("Letter Templates"), text, buttons.Yes | buttons.No, buttons.No)
        return answer == buttons.Yes

    # --- slots --------------------------------------------------------------------------------

    @Slot(QListWidgetItem, QListWidgetItem)
    def on_list_current_item_changed(self, item: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if item is None or (self.current is not None and item.data(SlugRole) == self.current.slug):
            return
        if not self.leave_current():
            self.list.blockSignals(True)
            self.list.setCurrentItem(previous)
            self.list.blockSignals(False)
            return
        with self._ctx.reader() as session:
            self._show(letters.get_template(session, item.data(SlugRole)))

    @Slot()
    def on_new_button_clicked(self) -> None:
        if not self.leave_current():
            return
        self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        self._show(None)
        self.slug.setFocus()

    @Slot(QListWidgetItem)
    def on_placeholders_item_double_clicked(self, item: QListWidgetItem) -> None:
        name = item.data(PlaceholderRole)
        block = name in letters.BLOCK_PLACEHOLDERS
        self.body.insertPlainText(f"\n\n{{{{{name}}}}}\n\n" if block else f"{{{{{name}}}}}")
        self.body.setFocus()

    @Slot()
    def on_insert_button_clicked(self) -> None:
        item = self.placeholders.currentItem()
        if item is not None:
            self.on_placeholders_item_double_clicked(item)

    @Slot()
    def on_save_button_clicked(self) -> None:
        self.save()

    @Slot()
    def on_revert_button_clicked(self) -> None:
        self._show(self.current)

    @Slot()
    def on_reset_button_clicked(self) -> None:
        template = self.current
        if template is None or not template.customized:
            return
        question = (self.tr("Go back to the template as shipped? Your edits are removed.") if template.shipped
                    else self.tr("Delete this template of yours? This cannot be undone."))
        if not self.confirm(question):
            return
        with self._ctx.unit_of_work() as session:
            letters.reset_template(session, template.slug, self._ctx.now())
        self.current = None
        self.reload(select=template.slug if template.shipped else letters.DEFAULT_TEMPLATE)

    def reject(self) -> None:
        if self.isVisible() and not self.leave_current():
            return
        super().reject()

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        """Locking does not wait for an answer: unsaved template edits are dropped."""
        self._loaded = self._values()
        super().reject()
