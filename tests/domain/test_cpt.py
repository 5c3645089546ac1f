"""Tests for CPT proposals: every time-band boundary, add-ons, place of service and modifiers."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therapist_desk.domain.cpt import (
    ADD_ON_CODES,
    CPT_LABELS,
    DEFAULT_POS_TABLE,
    DEFAULT_TELEHEALTH_MODIFIERS,
    INDIVIDUAL_TIMED_CODES,
    PRESCRIBER_ONLY,
    CodeProposal,
    ServiceLine,
    crisis_add_on_units,
    minutes_between,
    override_warnings,
    propose_codes,
    selectable_codes,
)
from therapist_desk.domain.enums import ClientLocation, Modality, ServiceType
from therapist_desk.domain.errors import ValidationError

OFFICE = (Modality.IN_PERSON, ClientLocation.OFFICE)


def propose(service: ServiceType, minutes: int, **kwargs: object) -> CodeProposal:
    return propose_codes(service, minutes, *OFFICE, **kwargs)  # type: ignore[arg-type]


def codes_units(proposal: CodeProposal) -> list[tuple[str, int]]:
    return [(line.cpt, line.units) for line in proposal.lines]


# --- labels ----------------------------------------------------------------------------------


def test_labels_are_our_own_short_ones() -> None:
    assert CPT_LABELS["90834"] == "Psychotherapy, 45 min"
    assert CPT_LABELS["90791"] == "Diagnostic evaluation (intake)"
    assert CPT_LABELS["96127"] == "Brief scored assessment"
    assert all(len(label) <= 60 for label in CPT_LABELS.values())


def test_prescriber_codes_hidden_by_default() -> None:
    assert PRESCRIBER_ONLY == {"90792", "90833", "90836", "90838"}
    assert not PRESCRIBER_ONLY & set(selectable_codes())
    assert PRESCRIBER_ONLY <= set(selectable_codes(include_prescriber=True))


def test_add_ons() -> None:
    assert {"90785", "90840"} <= ADD_ON_CODES
    assert "90839" not in ADD_ON_CODES


# --- individual psychotherapy bands ----------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, None),
        (15, None),
        (16, "90832"),
        (37, "90832"),
        (38, "90834"),
        (52, "90834"),
        (53, "90837"),
        (90, "90837"),
        (240, "90837"),
    ],
)
def test_individual_bands(minutes: int, expected: str | None) -> None:
    proposal = propose(ServiceType.INDIVIDUAL, minutes)
    if expected is None:
        assert proposal.lines == ()
        assert not proposal.billable
        assert any("Under 16 minutes" in w for w in proposal.warnings)
    else:
        assert codes_units(proposal) == [(expected, 1)]
        assert proposal.billable
        assert proposal.warnings == ()


def test_intake_is_untimed() -> None:
    for minutes in (0, 20, 60, 120):
        assert codes_units(propose(ServiceType.INTAKE, minutes)) == [("90791", 1)]


def test_group_is_untimed() -> None:
    for minutes in (10, 90):
        assert codes_units(propose(ServiceType.GROUP, minutes)) == [("90853", 1)]


# --- family ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "code"),
    [(ServiceType.FAMILY_WITH_CLIENT, "90847"), (ServiceType.FAMILY_WITHOUT_CLIENT, "90846")],
)
@pytest.mark.parametrize(("minutes", "billable"), [(0, False), (25, False), (26, True), (50, True)])
def test_family_26_minute_floor(
    service: ServiceType, code: str, minutes: int, billable: bool
) -> None:
    proposal = propose(service, minutes)
    assert proposal.billable is billable
    if billable:
        assert codes_units(proposal) == [(code, 1)]
    else:
        assert proposal.lines == ()
        assert any("under 26 minutes" in w for w in proposal.warnings)


# --- crisis ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (15, []),
        (16, [("90832", 1)]),
        (29, [("90832", 1)]),
        (30, [("90839", 1)]),
        (74, [("90839", 1)]),
        (75, [("90839", 1), ("90840", 1)]),
        (104, [("90839", 1), ("90840", 1)]),
        (105, [("90839", 1), ("90840", 2)]),
        (134, [("90839", 1), ("90840", 2)]),
        (135, [("90839", 1), ("90840", 3)]),
        (164, [("90839", 1), ("90840", 3)]),
        (165, [("90839", 1), ("90840", 4)]),
    ],
)
def test_crisis_bands(minutes: int, expected: list[tuple[str, int]]) -> None:
    proposal = propose(ServiceType.CRISIS, minutes)
    assert codes_units(proposal) == expected
    assert proposal.billable is bool(expected)


def test_crisis_under_30_says_why() -> None:
    proposal = propose(ServiceType.CRISIS, 20)
    assert any("under 30 minutes is billed as 90832" in w for w in proposal.warnings)


@pytest.mark.parametrize(
    ("minutes", "units"),
    [(0, 0), (74, 0), (75, 1), (104, 1), (105, 2), (134, 2), (135, 3), (164, 3), (165, 4)],
)
def test_crisis_add_on_units(minutes: int, units: int) -> None:
    assert crisis_add_on_units(minutes) == units


# --- interactive complexity ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "minutes", "primary"),
    [
        (ServiceType.INTAKE, 60, "90791"),
        (ServiceType.INDIVIDUAL, 30, "90832"),
        (ServiceType.INDIVIDUAL, 45, "90834"),
        (ServiceType.INDIVIDUAL, 60, "90837"),
        (ServiceType.GROUP, 90, "90853"),
        (ServiceType.CRISIS, 20, "90832"),  # the under-30 fallback is a 90832, so +90785 is fine
    ],
)
def test_interactive_complexity_allowed(service: ServiceType, minutes: int, primary: str) -> None:
    proposal = propose(service, minutes, interactive_complexity=True)
    assert [line.cpt for line in proposal.lines] == [primary, "90785"]
    assert any("which factor applied" in w for w in proposal.warnings)


@pytest.mark.parametrize(
    ("service", "minutes", "blocked_by"),
    [
        (ServiceType.CRISIS, 60, "90839"),
        (ServiceType.CRISIS, 100, "90839"),
        (ServiceType.FAMILY_WITH_CLIENT, 50, "90847"),
        (ServiceType.FAMILY_WITHOUT_CLIENT, 50, "90846"),
    ],
)
def test_interactive_complexity_forbidden(
    service: ServiceType, minutes: int, blocked_by: str
) -> None:
    proposal = propose(service, minutes, interactive_complexity=True)
    assert "90785" not in proposal.codes
    assert any("cannot be billed with " + blocked_by in w for w in proposal.warnings)


def test_interactive_complexity_without_service() -> None:
    proposal = propose(ServiceType.INDIVIDUAL, 10, interactive_complexity=True)
    assert proposal.lines == ()
    assert any("no billable service" in w for w in proposal.warnings)


# --- 96127 -----------------------------------------------------------------------------------


def test_96127_units_equal_instruments_scored() -> None:
    proposal = propose(ServiceType.INDIVIDUAL, 50, instruments_scored=2)  # PHQ-9 + GAD-7
    assert codes_units(proposal) == [("90834", 1), ("96127", 2)]


def test_no_96127_without_instruments() -> None:
    assert "96127" not in propose(ServiceType.INDIVIDUAL, 50).codes


def test_96127_alone_is_still_billable() -> None:
    proposal = propose(ServiceType.INDIVIDUAL, 10, instruments_scored=1)
    assert codes_units(proposal) == [("96127", 1)]
    assert proposal.billable
    assert any("Under 16 minutes" in w for w in proposal.warnings)


def test_negative_inputs_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        propose(ServiceType.INDIVIDUAL, -1)
    assert caught.value.field == "Minutes"
    with pytest.raises(ValidationError):
        propose(ServiceType.INDIVIDUAL, 50, instruments_scored=-1)


# --- place of service and modifiers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("modality", "location", "pos"),
    [
        (Modality.IN_PERSON, ClientLocation.OFFICE, "11"),
        (Modality.IN_PERSON, ClientLocation.HOME, "12"),
        (Modality.IN_PERSON, ClientLocation.SCHOOL, "03"),
        (Modality.IN_PERSON, ClientLocation.OTHER, "99"),
        (Modality.VIDEO, ClientLocation.HOME, "10"),
        (Modality.VIDEO, ClientLocation.OFFICE, "02"),
        (Modality.VIDEO, ClientLocation.SCHOOL, "02"),
        (Modality.VIDEO, ClientLocation.OTHER, "02"),
        (Modality.AUDIO_ONLY, ClientLocation.HOME, "10"),
        (Modality.AUDIO_ONLY, ClientLocation.OFFICE, "02"),
        (Modality.AUDIO_ONLY, ClientLocation.SCHOOL, "02"),
        (Modality.AUDIO_ONLY, ClientLocation.OTHER, "02"),
    ],
)
def test_place_of_service(modality: Modality, location: ClientLocation, pos: str) -> None:
    assert propose_codes(ServiceType.INDIVIDUAL, 50, modality, location).place_of_service == pos


def test_pos_table_covers_every_pair() -> None:
    assert len(DEFAULT_POS_TABLE) == len(Modality) * len(ClientLocation)


@pytest.mark.parametrize(
    ("modality", "modifiers"),
    [(Modality.IN_PERSON, ()), (Modality.VIDEO, ("95",)), (Modality.AUDIO_ONLY, ("93",))],
)
def test_modifiers_on_psychotherapy_lines_not_96127(
    modality: Modality, modifiers: tuple[str, ...]
) -> None:
    proposal = propose_codes(
        ServiceType.INDIVIDUAL,
        60,
        modality,
        ClientLocation.HOME,
        interactive_complexity=True,
        instruments_scored=2,
    )
    by_code = {line.cpt: line.modifiers for line in proposal.lines}
    assert by_code == {"90837": modifiers, "90785": modifiers, "96127": ()}


def test_modifiers_on_crisis_add_on() -> None:
    proposal = propose_codes(ServiceType.CRISIS, 80, Modality.VIDEO, ClientLocation.HOME)
    assert [line.modifiers for line in proposal.lines] == [("95",), ("95",)]


def test_payer_tables_replace_defaults() -> None:
    proposal = propose_codes(
        ServiceType.INDIVIDUAL,
        45,
        Modality.VIDEO,
        ClientLocation.HOME,
        pos_table={**DEFAULT_POS_TABLE, (Modality.VIDEO, ClientLocation.HOME): "02"},
        modifier_table={Modality.VIDEO: "gt"},  # a bare string is one modifier
    )
    assert proposal.place_of_service == "02"
    assert proposal.lines[0].modifiers == ("GT",)
    assert DEFAULT_TELEHEALTH_MODIFIERS[Modality.VIDEO] == ("95",)


def test_missing_pos_entry_is_explained() -> None:
    with pytest.raises(ValidationError) as caught:
        propose_codes(ServiceType.INDIVIDUAL, 45, Modality.VIDEO, ClientLocation.HOME, pos_table={})
    assert caught.value.field == "Place of service"


def test_too_many_modifiers_from_a_table() -> None:
    with pytest.raises(ValidationError, match="at most 4"):
        propose_codes(
            ServiceType.INDIVIDUAL,
            45,
            Modality.VIDEO,
            ClientLocation.HOME,
            modifier_table={Modality.VIDEO: ("95", "GT", "HO", "U1", "U2")},
        )


# --- ServiceLine -----------------------------------------------------------------------------


def test_service_line_checks() -> None:
    assert ServiceLine("90834", modifiers=("95", "HO", "U1", "U2")).label == "Psychotherapy, 45 min"
    with pytest.raises(ValidationError, match="at most 4 per line; got 5"):
        ServiceLine("90834", modifiers=("95", "HO", "U1", "U2", "U3"))
    with pytest.raises(ValidationError) as caught:
        ServiceLine("90834", units=0)
    assert caught.value.field == "Units"
    with pytest.raises(ValidationError):
        ServiceLine("9083")
    with pytest.raises(ValidationError):
        ServiceLine("90834", modifiers=("9",))


# --- override warnings -----------------------------------------------------------------------


def warn(codes: list[str | tuple[str, int]], service: ServiceType, minutes: int) -> tuple[str, ...]:
    lines = [ServiceLine(c) if isinstance(c, str) else ServiceLine(c[0], c[1]) for c in codes]
    return override_warnings(lines, service, minutes)


def test_90837_with_40_minutes() -> None:
    assert warn(["90837"], ServiceType.INDIVIDUAL, 40) == (
        "90837 needs 53 minutes or more; the session lasted 40",
    )


@pytest.mark.parametrize(
    ("code", "minutes", "ok"),
    [
        ("90832", 15, False),
        ("90832", 16, True),
        ("90832", 37, True),
        ("90832", 38, False),
        ("90834", 37, False),
        ("90834", 38, True),
        ("90834", 52, True),
        ("90834", 53, False),
        ("90837", 52, False),
        ("90837", 53, True),
    ],
)
def test_individual_code_minute_bands(code: str, minutes: int, ok: bool) -> None:
    assert (warn([code], ServiceType.INDIVIDUAL, minutes) == ()) is ok


@pytest.mark.parametrize("code", ["90846", "90847"])
def test_family_minimum(code: str) -> None:
    service = (
        ServiceType.FAMILY_WITH_CLIENT if code == "90847" else ServiceType.FAMILY_WITHOUT_CLIENT
    )
    assert warn([code], service, 25) == (f"{code} needs 26 minutes or more; the session lasted 25",)
    assert warn([code], service, 26) == ()


def test_two_timed_codes_on_one_date() -> None:
    warnings = warn(["90832", "90834"], ServiceType.INDIVIDUAL, 45)
    assert any("Only one of 90832, 90834 and 90837" in w for w in warnings)


def test_same_code_twice() -> None:
    assert any(
        "appears on 2 lines" in w for w in warn(["90834", "90834"], ServiceType.INDIVIDUAL, 45)
    )


@pytest.mark.parametrize("forbidden", ["90839", "90846", "90847"])
def test_interactive_complexity_with_forbidden_code(forbidden: str) -> None:
    service = {
        "90839": ServiceType.CRISIS,
        "90846": ServiceType.FAMILY_WITHOUT_CLIENT,
        "90847": ServiceType.FAMILY_WITH_CLIENT,
    }[forbidden]
    warnings = warn([forbidden, "90785"], service, 60)
    assert any(
        f"+90785 (interactive complexity) cannot be billed with {forbidden}" in w for w in warnings
    )


def test_add_ons_without_primary() -> None:
    assert any("+90785 is an add-on" in w for w in warn(["90785"], ServiceType.INDIVIDUAL, 45))
    assert any("+90840 is an add-on" in w for w in warn([("90840", 1)], ServiceType.CRISIS, 80))
    assert any("medical (E/M) visit" in w for w in warn(["90833"], ServiceType.INDIVIDUAL, 30))


def test_crisis_add_on_units_checked() -> None:
    warnings = warn(["90839", ("90840", 1)], ServiceType.CRISIS, 110)
    assert warnings == ("+90840: 110 minutes is 2 units; the code has 1",)
    assert warn(["90839", ("90840", 2)], ServiceType.CRISIS, 110) == ()
    assert any("needs 75 minutes" in w for w in warn(["90839", "90840"], ServiceType.CRISIS, 60))
    assert any("which is missing" in w for w in warn(["90839"], ServiceType.CRISIS, 80))


def test_crisis_with_other_psychotherapy() -> None:
    warnings = warn(["90839", "90834"], ServiceType.CRISIS, 45)
    assert any("cannot be billed with 90834" in w for w in warnings)


def test_crisis_at_30_minutes_billed_as_90832() -> None:
    assert any("billed as 90839, not 90832" in w for w in warn(["90832"], ServiceType.CRISIS, 30))
    assert warn(["90832"], ServiceType.CRISIS, 29) == ()


def test_code_for_a_different_service() -> None:
    warnings = warn(["90846"], ServiceType.FAMILY_WITH_CLIENT, 50)
    assert any("does not match the session's service" in w for w in warnings)


def test_intake_and_psychotherapy_same_date() -> None:
    warnings = warn(["90791", "90834"], ServiceType.INTAKE, 45)
    assert any("90791 and 90834 are not billed on the same date" in w for w in warnings)


def test_units_on_timed_code() -> None:
    assert any("billed as 1 unit" in w for w in warn([("90834", 2)], ServiceType.INDIVIDUAL, 45))


def test_prescriber_code_flagged() -> None:
    assert any("for prescribers" in w for w in warn(["90792"], ServiceType.INTAKE, 60))


def test_96127_and_valid_combinations_are_silent() -> None:
    assert warn(["90834", "90785", ("96127", 2)], ServiceType.INDIVIDUAL, 45) == ()
    assert warn(["90791", "90785"], ServiceType.INTAKE, 60) == ()
    assert warn(["90853", "90785"], ServiceType.GROUP, 60) == ()


# --- property --------------------------------------------------------------------------------


@given(
    service=st.sampled_from(ServiceType),
    minutes=st.integers(min_value=0, max_value=600),
    modality=st.sampled_from(Modality),
    location=st.sampled_from(ClientLocation),
    interactive=st.booleans(),
    instruments=st.integers(min_value=0, max_value=3),
)
def test_proposals_are_self_consistent(
    service: ServiceType,
    minutes: int,
    modality: Modality,
    location: ClientLocation,
    interactive: bool,
    instruments: int,
) -> None:
    proposal = propose_codes(
        service,
        minutes,
        modality,
        location,
        interactive_complexity=interactive,
        instruments_scored=instruments,
    )
    timed = [line for line in proposal.lines if line.cpt in INDIVIDUAL_TIMED_CODES]
    assert len(timed) <= 1
    assert proposal.billable is bool(proposal.lines)
    if proposal.billable:
        assert override_warnings(proposal.lines, service, minutes) == ()


# --- minutes_between -------------------------------------------------------------------------


def test_minutes_between() -> None:
    assert minutes_between(time(9, 0), time(9, 53)) == 53
    assert minutes_between(time(9, 0, 30), time(9, 53)) == 52  # partial minutes do not count
    assert minutes_between(time(23, 0), time(23, 59)) == 59


@pytest.mark.parametrize(
    ("start", "stop"), [(time(10, 0), time(10, 0)), (time(10, 0), time(9, 59))]
)
def test_stop_must_follow_start(start: time, stop: time) -> None:
    with pytest.raises(ValidationError) as caught:
        minutes_between(start, stop)
    assert caught.value.field == "Stop time"
    assert caught.value.message == "must be after the start time"
