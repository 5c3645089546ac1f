"""Saving PDFs: atomic, owner-only, and AES-256 (revision 6) when a password is given."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from tests.export import pdf_text
from tests.export.test_superbill_render import ACCENTED, make_superbill
from therapist_desk.domain.errors import ValidationError
from therapist_desk.export.superbill import render_superbill
from therapist_desk.services import pdf_output

PASSWORD = "open sesame 42"


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_superbill(make_superbill(2), invariant=True)


def test_save_is_owner_only_and_leaves_no_temp_file(tmp_path: Path, pdf: bytes) -> None:
    target = tmp_path / "superbill.pdf"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    assert pdf_output.save_pdf(pdf, target) == target
    assert target.read_bytes() == pdf
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["superbill.pdf"]


def test_failed_replace_keeps_the_old_file(tmp_path: Path, pdf: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "letter.pdf"
    target.write_bytes(b"old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pdf_output.os, "replace", broken_replace)
    with pytest.raises(OSError):
        pdf_output.save_pdf(pdf, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["letter.pdf"]


def test_password_protection_is_aes256_revision_6(tmp_path: Path, pdf: bytes) -> None:
    target = pdf_output.save_pdf(pdf, tmp_path / "locked.pdf", password=PASSWORD)
    data = target.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert reader.is_encrypted
    encrypt = reader.trailer["/Encrypt"].get_object()
    assert encrypt["/Filter"] == "/Standard"
    assert encrypt["/V"] == 5 and encrypt["/R"] == 6
    std = encrypt["/CF"][encrypt["/StmF"]]
    assert std["/CFM"] == "/AESV3"
    assert encrypt["/StrF"] == encrypt["/StmF"]
    # Without the password nothing opens; with it, the text is all there.
    with pytest.raises(FileNotDecryptedError):
        PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert PdfReader(io.BytesIO(data)).decrypt("wrong password") == 0
    assert ACCENTED in pdf_text(data, password=PASSWORD)
    assert ACCENTED.encode() not in data


def test_short_password_is_refused_before_anything_is_written(tmp_path: Path, pdf: bytes) -> None:
    with pytest.raises(ValidationError, match="PDF password"):
        pdf_output.save_pdf(pdf, tmp_path / "x.pdf", password="short")
    assert not list(tmp_path.iterdir())


def test_a_temporary_file_changes_nothing_until_it_is_published(tmp_path: Path, pdf: bytes) -> None:
    target = tmp_path / "superbill.pdf"
    target.write_bytes(b"old")
    temp = pdf_output.write_temp(pdf, target)
    assert temp.parent == tmp_path and temp.name.startswith(".superbill.pdf.") and temp.suffix == ".part"
    assert target.read_bytes() == b"old" and temp.read_bytes() == pdf
    if os.name == "posix":
        assert stat.S_IMODE(temp.stat().st_mode) == 0o600
    assert pdf_output.publish(temp, target) == target
    assert target.read_bytes() == pdf and not temp.exists()
    other = pdf_output.write_temp(pdf, tmp_path / "other.pdf", password=PASSWORD)
    pdf_output.discard(other)
    pdf_output.discard(other)  # gone already is fine
    pdf_output.fsync_folder(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["superbill.pdf"]
