"""App-level signals shared by every tab: declared once, here."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppSignals(QObject):
    """Cross-tab events. Carry ids, never names or text."""

    # The client selected anywhere in the window; -1 when none is selected.
    client_selected = Signal(int)
    # A client's data changed (saved, discharged...): lists and summaries refresh that row.
    client_changed = Signal(int)
    # Practice profile or settings changed.
    settings_changed = Signal()
    # Status bar message (plain words, no client data).
    status_message = Signal(str)
    # The vault is about to lock: tabs save drafts and clear what they show.
    about_to_lock = Signal()
