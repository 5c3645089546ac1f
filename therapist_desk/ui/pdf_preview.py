"""Show a rendered PDF from memory and save it (optionally AES-256 protected) where the user picks.

The PDF is handed to QPdfDocument through a QBuffer: the plain bytes never touch the disk.
What reaches the disk goes through ``services.pdf_output.save_pdf`` (atomic, 0600, optionally
encrypted) or a caller's saver that also records the disclosure (superbills, letters).

objectNames: pdfPreviewPanel, pdfView, pdfEmptyState, pdfPageCount, pdfZoom, pdfProtection,
pdfProtect, pdfPassword, pdfPasswordConfirm, pdfPasswordError, pdfSave, pdfSaving, pdfSaveStatus,
pdfSaveError; the dialog: pdfPreviewDialog, pdfClose.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QStandardPaths,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from therapist_desk.domain.errors import ValidationError
from therapist_desk.services.common import ActionRefused
from therapist_desk.services.pdf_output import check_password, save_pdf
from therapist_desk.services.vault_access import VaultError
from therapist_desk.ui.context import AppContext
from therapist_desk.ui.widgets import (
    ErrorLabel,
    PasswordField,
    busy_bar,
    hint_label,
    log_unexpected,
)

log = logging.getLogger(__name__)

# Writes the file at the path (with the password, if any) on a worker thread; may also log.
Saver = Callable[[Path, "str | None"], object]
# The last folder saved to, kept for this run only: a folder the user named after a client must
# not reach QSettings, which outlives the vault's lock.
_last_folder: Path | None = None


def export_folder() -> Path:
    """The folder saved to last in this run, else Documents, else home."""
    if _last_folder is not None and _last_folder.is_dir():
        return _last_folder
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


def remember_folder(folder: Path) -> None:
    global _last_folder
    _last_folder = folder


def ask_save_path(parent: QWidget, title: str, suggested_name: str) -> Path | None:
    """A native Save dialog in the last export folder; the answer always ends in .pdf."""
    name, _ = QFileDialog.getSaveFileName(parent, title, str(export_folder() / suggested_name),
                                          parent.tr("PDF documents (*.pdf)"))
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


def failure_text(error: BaseException, widget: QWidget) -> str:
    """Plain words for a failed save; a bug's text is logged scrubbed, never shown raw."""
    if isinstance(error, ActionRefused):
        return error.summary + (": " + "; ".join(error.reasons) if error.reasons else ".")
    if isinstance(error, ValidationError):
        return f"{error.field} {error.message}"
    if isinstance(error, VaultError):
        return error.message
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
        return widget.tr("The file could not be written ({0}). Nothing was recorded.").format(reason)
    log_unexpected(log, "saving a PDF failed", error)
    return widget.tr("Something unexpected went wrong; the log file has the details.")


class PasswordOption(QWidget):
    """"Protect with a password" and the password twice; ``password()`` checks them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfProtection")
        tr = self.tr
        self.check = QCheckBox(tr("Protect with a password (AES-256)"), self, objectName="pdfProtect")
        self.check.setAccessibleName(tr("Protect the PDF with a password"))
        self.field = PasswordField("pdfPassword", tr("PDF password"), self)
        self.confirm = PasswordField("pdfPasswordConfirm", tr("Repeat the PDF password"), self)
        self.field.setPlaceholderText(tr("At least 8 characters"))
        self.confirm.setPlaceholderText(tr("Repeat it"))
        self.error = ErrorLabel(self)
        self.error.setObjectName("pdfPasswordError")
        self.error.setAccessibleName(tr("Problem with the PDF password"))
        self.hint = hint_label(tr("Send the password separately (by phone, not with the file). "
                                  "It cannot be recovered."), self)
        self.fields = QWidget(self)
        row = QHBoxLayout(self.fields)
        row.setContentsMargins(20, 0, 0, 0)
        row.addWidget(self.field)
        row.addWidget(self.confirm)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        for widget in (self.check, self.fields, self.field.caps_hint, self.hint, self.error):
            column.addWidget(widget)
        self.check.toggled.connect(self.on_check_toggled)
        self.on_check_toggled(False)

    def password(self) -> str | None:
        """None when not protecting; else the password; raises ValidationError when unusable."""
        self.error.clear_message()
        if not self.check.isChecked():
            return None
        try:
            password = check_password(self.field.text())
            if password != self.confirm.text():
                raise ValidationError("PDF password", "and its repetition differ")
        except ValidationError as error:
            self.error.show_message(f"{error.field} {error.message}")
            raise
        return password

    def reset(self) -> None:
        self.check.setChecked(False)
        self.field.clear()
        self.confirm.clear()
        self.error.clear_message()

    @Slot(bool)
    def on_check_toggled(self, checked: bool) -> None:
        self.fields.setVisible(checked)
        self.hint.setVisible(checked)
        if not checked:
            self.error.clear_message()


class PdfPreviewPanel(QWidget):
    """The pages of one PDF held in memory, and Save…; ``saved(path)`` after a good save."""

    saved = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfPreviewPanel")
        self._ctx = ctx
        self._pdf = b""
        self._saver: Saver | None = None
        self._suggested = "document.pdf"
        self.save_title = self.tr("Save the PDF")
        # Replaceable in tests: asks where to save (None: cancelled).
        self.choose_path: Callable[[str], Path | None] = \
            lambda name: ask_save_path(self, self.save_title, name)
        self._build()

    def _build(self) -> None:
        tr = self.tr
        self._buffer = QBuffer(self)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setAccessibleName(tr("Preview of the PDF"))
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setMinimumSize(380, 300)
        self.empty = hint_label(tr("The preview appears here."), self)
        self.empty.setObjectName("pdfEmptyState")
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName(tr("Preview"))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        self.page_label = QLabel(self, objectName="pdfPageCount")
        self.page_label.setAccessibleName(tr("Number of pages"))
        self.zoom = QComboBox(self, objectName="pdfZoom")
        self.zoom.setAccessibleName(tr("Zoom"))
        for text, mode in ((tr("Fit width"), QPdfView.ZoomMode.FitToWidth),
                           (tr("Whole page"), QPdfView.ZoomMode.FitInView),
                           (tr("Actual size"), QPdfView.ZoomMode.Custom)):
            self.zoom.addItem(text, mode)
        self.zoom.currentIndexChanged.connect(self.on_zoom_current_index_changed)
        self.protection = PasswordOption(self)
        self.save_button = QPushButton(tr("Save…"), self, objectName="pdfSave")
        self.save_button.setAccessibleName(tr("Save the PDF"))
        self.save_button.clicked.connect(self.on_save_button_clicked)
        self.busy = busy_bar("pdfSaving", tr("Saving"))
        self.busy.setMaximumWidth(120)
        self.status = QLabel(self, objectName="pdfSaveStatus", wordWrap=True)
        self.status.setAccessibleName(tr("Save status"))
        self.error = ErrorLabel(self)
        self.error.setObjectName("pdfSaveError")
        self.error.setAccessibleName(tr("Problem saving the PDF"))
        self.top_bar = QWidget(self)
        top = QHBoxLayout(self.top_bar)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.page_label, 1)
        zoom_label = QLabel(tr("&Zoom:"), self)
        zoom_label.setBuddy(self.zoom)
        top.addWidget(zoom_label)
        top.addWidget(self.zoom)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.busy)
        bottom.addWidget(self.save_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.top_bar)
        column.addWidget(self.stack, 1)
        column.addWidget(self.protection)
        column.addLayout(bottom)
        column.addWidget(self.error)
        self.clear()

    # --- showing ------------------------------------------------------------------------------

    def set_pdf(self, pdf: bytes, suggested_name: str, saver: Saver | None = None) -> None:
        """Show ``pdf``; Save… calls ``saver(path, password)`` (default: just write the file)."""
        self._drop_document()
        self._pdf, self._suggested = pdf, suggested_name
        self._saver = saver
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)  # synchronous for a QBuffer
        if self.document.status() is not QPdfDocument.Status.Ready:
            self.clear(self.tr("The preview could not be shown."))
            return
        count = self.document.pageCount()
        self.page_label.setText(self.tr("1 page") if count == 1 else self.tr("{0} pages").format(count))
        self.stack.setCurrentWidget(self.view)
        self.top_bar.show()
        self.protection.show()
        self.status.clear()
        self.error.clear_message()
        self.save_button.setEnabled(True)

    def clear(self, message: str = "") -> None:
        """Drop the document (and its bytes) and show ``message`` or the empty state."""
        self._drop_document()
        self._pdf, self._saver = b"", None
        self.empty.setText(message or self.tr("The preview appears here."))
        self.stack.setCurrentWidget(self.empty)
        self.top_bar.hide()  # nothing to zoom or protect yet
        self.protection.hide()
        self.page_label.setText("")
        self.save_button.setEnabled(False)
        self.busy.hide()

    def _drop_document(self) -> None:
        self.document.close()
        self._buffer.close()
        self._buffer.setData(QByteArray())

    def has_pdf(self) -> bool:
        return bool(self._pdf)

    def page_count(self) -> int:
        return self.document.pageCount() if self._pdf else 0

    # --- saving -------------------------------------------------------------------------------

    def save_to(self, path: Path) -> bool:
        """Check the password, then write ``path`` on a worker; False when it did not start."""
        if not self._pdf:
            return False
        try:
            password = self.protection.password()
        except ValidationError:
            return False
        pdf = self._pdf
        saver = self._saver or (lambda target, secret: save_pdf(pdf, target, password=secret))
        self.error.clear_message()
        self.status.setText(self.tr("Saving…"))
        self.save_button.setEnabled(False)
        self.busy.show()
        self._ctx.tasks.run(lambda: saver(path, password), lambda _result: self._on_saved(path),
                            self._on_save_failed)
        return True

    def _on_saved(self, path: Path) -> None:
        self.busy.hide()
        self.save_button.setEnabled(bool(self._pdf))
        protected = self.protection.check.isChecked()
        self.status.setText((self.tr("Saved, password-protected, as {0}") if protected
                             else self.tr("Saved as {0}")).format(path.name))
        remember_folder(path.parent)
        self.saved.emit(str(path))

    def _on_save_failed(self, error: BaseException) -> None:
        self.busy.hide()
        self.save_button.setEnabled(bool(self._pdf))
        self.status.clear()
        self.error.show_message(failure_text(error, self))

    @Slot()
    def on_save_button_clicked(self) -> None:
        try:
            self.protection.password()
        except ValidationError:
            return  # the message is under the fields; ask for a path once they are right
        path = self.choose_path(self._suggested)
        if path is not None:
            self.save_to(path)

    @Slot(int)
    def on_zoom_current_index_changed(self, _index: int) -> None:
        mode = self.zoom.currentData()
        self.view.setZoomMode(mode)
        if mode is QPdfView.ZoomMode.Custom:
            self.view.setZoomFactor(1.0)


class PdfPreviewDialog(QDialog):
    """A PDF in a window of its own with Save… and Close (statements and other plain exports)."""

    def __init__(self, ctx: AppContext, pdf: bytes, *, title: str, suggested_name: str,
                 saver: Saver | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfPreviewDialog")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.panel = PdfPreviewPanel(ctx, self)
        self.panel.save_title = title
        self.panel.set_pdf(pdf, suggested_name, saver)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("pdfClose")
        close.setAccessibleName(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(self.panel, 1)
        column.addWidget(buttons)
        self.resize(760, 860)
        ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)

    def done(self, result: int) -> None:
        self.panel.clear()  # drop the bytes with the window
        super().done(result)

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        self.reject()



def client_heading(name: str, born: object) -> str:
    """"<b>Robin Fictionalson</b>, born 03/14/1988": shown inside export dialogs, never in titles."""
    text = f"<b>{html.escape(name)}</b>"
    if hasattr(born, "strftime"):
        text += QCoreApplication.translate("PdfPreview", ", born {0}").format(born.strftime("%m/%d/%Y"))
    return text


def lay_out_beside_preview(dialog: QDialog, controls: QWidget, preview: QWidget, name: str,
                           sizes: tuple[int, int]) -> None:
    """The document dialogs' shape (superbill, statement, letter): ``controls`` on the left, the
    PDF ``preview`` on the right in a splitter named ``<name>Splitter`` (so the main window's
    layout store can remember it), and a Close button ``<name>Close`` below both."""
    splitter = QSplitter(Qt.Orientation.Horizontal, dialog, objectName=f"{name}Splitter")
    splitter.setChildrenCollapsible(False)
    splitter.addWidget(controls)
    splitter.addWidget(preview)
    splitter.setStretchFactor(1, 1)
    splitter.setSizes(list(sizes))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    close = buttons.button(QDialogButtonBox.StandardButton.Close)
    close.setObjectName(f"{name}Close")
    close.setAccessibleName(dialog.tr("Close"))
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(splitter, 1)
    layout.addWidget(buttons)
