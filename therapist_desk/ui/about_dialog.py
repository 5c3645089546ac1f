"""Help > About: versions of the app and its parts, and the code-set and instrument attributions.

objectNames: aboutDialog, aboutVersions, aboutAttributions, aboutButtons.
"""

from __future__ import annotations

import gzip
import html
import logging
import platform
from importlib import metadata

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from therapist_desk import APP_NAME, __version__
from therapist_desk.domain.icd10 import ICD10_ATTRIBUTION, RESOURCE_PARTS
from therapist_desk.domain.measures import PCL5_ATTRIBUTION, PFIZER_ATTRIBUTION
from therapist_desk.resources import resource_path
from therapist_desk.ui.widgets import heading_label

log = logging.getLogger(__name__)

CPT_NOTICE = (
    "CPT® is a registered trademark of the American Medical Association. Therapist Desk shows "
    "CPT code numbers with its own short labels only, never the AMA's descriptors."
)


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def _sqlcipher_version() -> str:
    """SQLCipher's own version, asked from an in-memory database (no vault, no key)."""
    try:
        import sqlcipher3.dbapi2 as sqlcipher

        conn = sqlcipher.connect(":memory:")
        try:
            row = conn.execute("PRAGMA cipher_version").fetchone()
        finally:
            conn.close()
        return f"{row[0]} (SQLite {sqlcipher.sqlite_version})" if row else "unknown"
    except Exception:  # About must open even when the driver is missing or broken
        log.warning("SQLCipher version unavailable", exc_info=True)
        return "unknown"


def _icd10_release() -> str:
    """The release line at the top of the bundled ICD-10-CM table (read without loading it)."""
    try:
        with gzip.open(resource_path(*RESOURCE_PARTS), "rt", encoding="utf-8") as table:
            for _, line in zip(range(5), table):
                if line.startswith("# release:"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        log.warning("ICD-10-CM table unreadable for About")
    return ""


def version_lines() -> list[tuple[str, str]]:
    return [
        (APP_NAME, __version__),
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("SQLCipher", _sqlcipher_version()),
        ("sqlcipher3", _package_version("sqlcipher3")),
        ("SQLAlchemy", _package_version("SQLAlchemy")),
        ("Operating system", f"{platform.system()} {platform.release()}"),
    ]


class AboutDialog(QDialog):
    """Versions (selectable, for support requests) and the attributions the licences ask for."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(self.tr("About {0}").format(APP_NAME))
        self.setAccessibleName(self.windowTitle())

        tagline = QLabel(self.tr("Offline, encrypted practice records for solo psychotherapists."))
        tagline.setWordWrap(True)
        rows = "".join(
            f"<tr><td style='padding-right:14px'>{html.escape(name)}</td>"
            f"<td>{html.escape(value)}</td></tr>" for name, value in version_lines())
        self.versions = QLabel(f"<table>{rows}</table>")
        self.versions.setObjectName("aboutVersions")
        self.versions.setTextFormat(Qt.TextFormat.RichText)
        self.versions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                              | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.versions.setAccessibleName(self.tr("Versions"))
        version_box = QGroupBox(self.tr("Versions"))
        QVBoxLayout(version_box).addWidget(self.versions)

        release = _icd10_release()
        icd = ICD10_ATTRIBUTION + (f" Release: {release}." if release else "")
        paragraphs = [
            icd,
            "PHQ-9 and GAD-7: " + PFIZER_ATTRIBUTION,
            PCL5_ATTRIBUTION,
            CPT_NOTICE,
        ]
        self.attributions = QLabel("".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))
        self.attributions.setObjectName("aboutAttributions")
        self.attributions.setTextFormat(Qt.TextFormat.RichText)
        self.attributions.setWordWrap(True)
        self.attributions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.attributions.setAccessibleName(self.tr("Code sets and instruments"))
        attribution_box = QGroupBox(self.tr("Code sets and instruments"))
        QVBoxLayout(attribution_box).addWidget(self.attributions)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.setObjectName("aboutButtons")
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(heading_label(APP_NAME))
        layout.addWidget(tagline)
        layout.addWidget(version_box)
        layout.addWidget(attribution_box)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
