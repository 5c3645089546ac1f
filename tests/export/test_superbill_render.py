"""The superbill renderer, read back with pypdf: every field, totals, pages, accents, escaping."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from PIL import Image as PilImage
from pypdf import PdfReader

from tests.export import pdf_pages, pdf_text
from therapist_desk.export.data import (
    DiagnosisEntry,
    PatientBlock,
    ProviderBlock,
    ServiceLineEntry,
    SuperbillData,
)
from therapist_desk.export.superbill import SERVICE_HEADERS, TITLE, render_superbill

ACCENTED = "Zoë Núñez-Løvik"


def make_provider(**overrides: object) -> ProviderBlock:
    fields: dict[str, object] = dict(
        practice_name="Testwood Counseling (fictional)", clinician_name="Avery Testwood",
        credentials="LCSW", license_number="LCSW-000123", license_state="OR",
        rendering_npi="1234567893", practice_npi="1245319599", tax_id_kind="EIN",
        tax_id_display="12-3456789", address_lines=("100 Example Way", "Suite 2", "Portland, OR 97201"),
        phone="(503) 555-0100", email="office@example.org",
    )
    fields.update(overrides)
    return ProviderBlock(**fields)  # type: ignore[arg-type]


def make_lines(count: int, start: date = date(2026, 9, 1)) -> tuple[ServiceLineEntry, ...]:
    return tuple(
        ServiceLineEntry(start + timedelta(days=7 * i), "10" if i % 2 else "11", "90837" if i % 2 else "90834",
                         ("95",) if i % 2 else (), ("A", "B") if i % 2 else ("B",), 1,
                         Decimal("180.00") if i % 2 else Decimal("140.00"))
        for i in range(count)
    )


def make_superbill(lines: int = 3, **overrides: object) -> SuperbillData:
    service_lines = make_lines(lines)
    total = sum((line.charge for line in service_lines), Decimal("0.00"))
    fields: dict[str, object] = dict(
        provider=make_provider(),
        patient=PatientBlock(ACCENTED, date(1988, 3, 14), ("12 Example Street", "Portland, OR 97202"),
                             "Example Health Plan", "XQZ123456789", "GRP-0042"),
        diagnoses=(DiagnosisEntry("A", "F41.1", "Generalized anxiety disorder"),
                   DiagnosisEntry("B", "F33.1", "Major depressive disorder, recurrent, moderate")),
        lines=service_lines,
        total_charge=total,
        amount_paid=Decimal("100.00"),
        balance=total - Decimal("100.00"),
        period_start=service_lines[0].service_date,
        period_end=service_lines[-1].service_date,
        issued_on=date(2026, 11, 20),
        code_labels=(("90834", "Psychotherapy, 45 min"), ("90837", "Psychotherapy, 60 min")),
        place_labels=(("10", "Telehealth, client at home"), ("11", "Office")),
        modifier_labels=(("95", "telehealth, live audio and video"),),
    )
    fields.update(overrides)
    return SuperbillData(**fields)  # type: ignore[arg-type]


def test_every_field_and_total_appears() -> None:
    data = make_superbill(3)
    text = pdf_text(render_superbill(data, invariant=True))
    expected = [
        TITLE, "Testwood Counseling (fictional)", "Avery Testwood, LCSW", "LCSW-000123 (OR)",
        "Rendering NPI (Type 1)", "1234567893", "Practice NPI (Type 2)", "1245319599",
        "Tax ID (EIN)", "12-3456789", "100 Example Way", "Suite 2", "Portland, OR 97201",
        "(503) 555-0100", ACCENTED, "03/14/1988", "12 Example Street", "Portland, OR 97202",
        "Example Health Plan", "XQZ123456789", "GRP-0042", "F41.1", "Generalized anxiety disorder",
        "F33.1", "Major depressive disorder, recurrent, moderate", *SERVICE_HEADERS,
        "09/01/2026", "09/08/2026", "09/15/2026", "90834", "90837", "95", "A, B",
        "$140.00", "$180.00", "Total charges", "$460.00", "Amount paid", "$100.00", "Balance",
        "$360.00", "Date issued 11/20/2026", "Dates of service 09/01/2026 – 09/15/2026",
        "Psychotherapy, 45 min", "Psychotherapy, 60 min", "Telehealth, client at home",
        "Date signed: 11/20/2026", "Page 1 of 1",
    ]
    missing = [item for item in expected if item not in text]
    assert not missing, missing


def test_forty_lines_paginate_with_the_header_row_on_every_page() -> None:
    pages = pdf_pages(render_superbill(make_superbill(40), invariant=True))
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in page
        assert ACCENTED in page, "every page names the client"
    assert "Superbill (continued)" not in pages[0]
    assert all("Superbill (continued) · Zoë Núñez-Løvik · DOB 03/14/1988" in page for page in pages[1:])
    for page in pages[:-1]:  # the service table runs across these pages
        assert "Date of service" in page and "Dx pointer" in page
    last_date = (date(2026, 9, 1) + timedelta(days=7 * 39)).strftime("%m/%d/%Y")
    assert last_date in " ".join(pages)


def test_adjustments_row_only_when_there_are_adjustments() -> None:
    plain = pdf_text(render_superbill(make_superbill(2), invariant=True))
    assert "Adjustments" not in plain
    adjusted = make_superbill(2, adjustments=Decimal("20.00"), balance=Decimal("200.00"))
    text = pdf_text(render_superbill(adjusted, invariant=True))
    assert "Adjustments -$20.00" in text and "$200.00" in text


def test_user_text_is_escaped_not_parsed_as_markup() -> None:
    data = make_superbill(1, patient=PatientBlock("<b>Robin</b> & Co <font size=40>", date(1990, 1, 2)))
    text = pdf_text(render_superbill(data, invariant=True))
    assert "<b>Robin</b> & Co <font size=40>" in text


def test_masked_ssn_is_shown_with_its_note() -> None:
    provider = make_provider(tax_id_kind="SSN", tax_id_display="***-**-6789",
                             tax_id_note="Masked for privacy; full number from the provider on request")
    text = pdf_text(render_superbill(make_superbill(1, provider=provider), invariant=True))
    assert "Tax ID (SSN)" in text and "***-**-6789" in text and "on request" in text


def test_signature_image_is_embedded_when_set() -> None:
    png = io.BytesIO()
    PilImage.new("RGB", (300, 80), "white").save(png, format="PNG")
    data = make_superbill(1, signature_png=png.getvalue())
    reader = PdfReader(io.BytesIO(render_superbill(data, invariant=True)))
    resources = reader.pages[0]["/Resources"]
    assert "/XObject" in resources and len(resources["/XObject"]) >= 1
    text = pdf_text(render_superbill(data, invariant=True))
    assert "Electronically signed" not in text
    unsigned = pdf_text(render_superbill(replace(data, signature_png=b"not a png"), invariant=True))
    assert "Electronically signed by Avery Testwood, LCSW" in unsigned


def test_invariant_output_is_byte_identical() -> None:
    data = make_superbill(5)
    assert render_superbill(data, invariant=True) == render_superbill(data, invariant=True)
