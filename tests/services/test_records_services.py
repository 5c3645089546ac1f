"""Practice profile, plans, ledger and the audit chain through the services on a real vault."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from therapist_desk.domain.enums import ClientParticipation, Instrument, PaymentMethod
from therapist_desk.domain.errors import ValidationErrors
from therapist_desk.domain.plan import Goal, MeasureTarget, Objective, PlanIntervention, Problem, TreatmentPlan
from therapist_desk.services import clients, ledger, plans, practice
from therapist_desk.services.audit_log import verify_chain
from therapist_desk.services.common import ActionRefused
from therapist_desk.services.vault_access import Vault, VaultError
from tests.services.conftest import NOW, valid_client, valid_profile


def test_profile_errors_name_each_field_and_save_nothing(vault: Vault) -> None:
    bad = valid_profile(rendering_npi="1234567890", tax_id="07-1234567", license_state="XX")
    with pytest.raises(ValidationErrors) as raised, vault.unit_of_work() as s:
        practice.save_profile(s, bad, NOW)
    assert set(raised.value.fields) >= {"Rendering NPI", "EIN", "License state"}
    with vault.reader() as s:
        assert practice.get_profile(s).rendering_npi == "1234567893"  # type: ignore[union-attr]


def _plan(client_id: int) -> TreatmentPlan:
    objective = Objective("PHQ-9 below 10 for two sessions", target_date=date(2027, 2, 1),
                          measure_target=MeasureTarget(Instrument.PHQ9, 10),
                          interventions=(PlanIntervention("Behavioral activation", frequency="weekly",
                                                          responsible="Clinician"),))
    return TreatmentPlan(client_id=client_id, problems=(
        Problem("Depressed mood", (Goal("Return to usual activities", (objective,)),)),
    ), discharge_criteria="PHQ-9 under 5 for a month")


def test_plan_sign_then_review_keeps_old_version(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(), NOW).id
        draft = plans.save_plan(s, _plan(cid), NOW)  # type: ignore[arg-type]
    assert draft.version == 1
    assert draft.review_due == NOW.date() + timedelta(days=90)
    key = draft.objectives()[0].key
    assert key
    with vault.unit_of_work() as s:
        signed = plans.sign_plan(s, draft.id, ClientParticipation.SIGNED, NOW)  # type: ignore[arg-type]
        assert signed.signed_by == "Avery Testwood, LCSW"
    later = NOW + timedelta(days=90)
    with vault.unit_of_work() as s:
        review = plans.start_review(s, cid, later)  # type: ignore[arg-type]
        plans.save_plan(s, replace(review, strengths="Supportive partner"), later)
    with vault.reader() as s:
        versions = plans.plan_versions(s, cid)  # type: ignore[arg-type]
        current = plans.current_plan(s, cid)  # type: ignore[arg-type]
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].is_signed and versions[0].strengths == ""
    assert current is not None and current.version == 2 and current.strengths == "Supportive partner"
    assert current.objectives()[0].key == key  # notes keep pointing at the same objective


def test_plan_sign_refused_lists_missing(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(), NOW).id
        draft = plans.save_plan(s, TreatmentPlan(client_id=cid), NOW)  # type: ignore[arg-type]
    with pytest.raises(ActionRefused) as refused, vault.unit_of_work() as s:
        plans.sign_plan(s, draft.id, ClientParticipation.DECLINED, NOW)  # type: ignore[arg-type]
    assert "discharge criteria" in refused.value.reasons
    assert any("declined" in r for r in refused.value.reasons)


def test_payments_and_balances(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        cid = clients.create_client(s, valid_client(), NOW).id
        ledger.record_payment(s, cid, date(2026, 11, 1), "$40.50", PaymentMethod.CARD, NOW, reference="x1")  # type: ignore[arg-type]
        ledger.record_write_off(s, cid, date(2026, 11, 2), Decimal("9.50"), NOW)  # type: ignore[arg-type]
    with vault.reader() as s:
        assert ledger.client_balance(s, cid) == Decimal("-50.00")  # type: ignore[arg-type]
        assert ledger.practice_balance(s) == Decimal("-50.00")
    with pytest.raises(Exception, match="Amount"), vault.unit_of_work() as s:
        ledger.record_payment(s, cid, date(2026, 11, 1), "-5", PaymentMethod.CASH, NOW)  # type: ignore[arg-type]


def test_audit_log_is_append_only_and_tamper_evident(vault: Vault) -> None:
    with vault.unit_of_work() as s:
        clients.create_client(s, valid_client(), NOW)
    with pytest.raises(VaultError), vault.unit_of_work() as s:
        s.execute(text("UPDATE audit_events SET detail = 'x'"))
    with pytest.raises(VaultError), vault.unit_of_work() as s:
        s.execute(text("DELETE FROM audit_events"))
    with vault.reader() as s:
        assert s.execute(text("SELECT count(*) FROM audit_events WHERE detail = 'x'")).scalar_one() == 0
        assert verify_chain(s) == []
    with vault.unit_of_work() as s:
        # Someone with the key goes around the trigger: the chain still shows it.
        s.execute(text("DROP TRIGGER audit_events_no_update"))
        s.execute(text("UPDATE audit_events SET action = 'client.view' WHERE id = 2"))
    with vault.reader() as s:
        assert verify_chain(s) == [2]
