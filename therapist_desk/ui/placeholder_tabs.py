"""Stand-ins for the Session Notes and Treatment Plans tabs; they follow the selected client.

objectNames: the caller names the tab (sessionNotesTab, treatmentPlansTab); inside it,
placeholderMessage and selectedClientLabel.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from therapist_desk.ui.context import AppContext
from therapist_desk.ui.widgets import heading_label, hint_label

log = logging.getLogger(__name__)


class PlaceholderTab(QWidget):
    """A calm "arrives in the next release" page showing which client is selected."""

    def __init__(self, ctx: AppContext, object_name: str, title: str, message: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.client_id = -1
        self.setObjectName(object_name)
        self.setAccessibleName(title)
        heading = heading_label(title, scale=1.2)
        self.message = hint_label(message)
        self.message.setObjectName("placeholderMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.client_label = QLabel()
        self.client_label.setObjectName("selectedClientLabel")
        self.client_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.client_label.setTextFormat(Qt.TextFormat.PlainText)
        self.client_label.setAccessibleName(self.tr("Selected client"))
        heading.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(heading)
        layout.addWidget(self.client_label)
        layout.addWidget(self.message)
        layout.addStretch(2)
        ctx.signals.client_selected.connect(self.on_signals_client_selected)
        ctx.signals.client_changed.connect(self.on_signals_client_changed)
        ctx.signals.about_to_lock.connect(self.on_signals_about_to_lock)
        self.on_signals_client_selected(-1)

    @Slot(int)
    def on_signals_client_selected(self, client_id: int) -> None:
        self.client_id = client_id
        if client_id < 0 or self._ctx.vault is None:
            self.client_label.setText(self.tr("No client selected."))
            return
        name = self._display_name(client_id)
        self.client_label.setText(self.tr("Selected client: {0}").format(name) if name else "")

    @Slot(int)
    def on_signals_client_changed(self, client_id: int) -> None:
        if client_id == self.client_id:
            self.on_signals_client_selected(client_id)

    @Slot()
    def on_signals_about_to_lock(self) -> None:
        self.client_id = -1
        self.client_label.clear()

    def _display_name(self, client_id: int) -> str:
        from therapist_desk.services.clients import RecordNotFound, get_client
        from therapist_desk.services.vault_access import VaultError

        try:
            with self._ctx.reader() as session:
                return get_client(session, client_id).display_name
        except (RecordNotFound, VaultError) as error:
            log.warning("selected client not loaded: %s", type(error).__name__)
            return ""
