"""CPT codes for a psychotherapy session: time bands, add-ons, place of service, modifiers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from types import MappingProxyType

from therapist_desk.domain.enums import ClientLocation, Modality, ServiceType
from therapist_desk.domain.errors import ValidationError

# Our own short labels. The AMA's descriptor texts are licensed: never copy them here.
CPT_LABELS: dict[str, str] = {
    "90791": "Diagnostic evaluation (intake)",
    "90792": "Diagnostic evaluation with medical services (prescriber)",
    "90832": "Psychotherapy, 30 min",
    "90833": "Psychotherapy with a medical visit, 30 min (prescriber)",
    "90834": "Psychotherapy, 45 min",
    "90836": "Psychotherapy with a medical visit, 45 min (prescriber)",
    "90837": "Psychotherapy, 60 min",
    "90838": "Psychotherapy with a medical visit, 60 min (prescriber)",
    "90839": "Crisis psychotherapy, first 60 min",
    "90840": "Crisis psychotherapy, each add'l 30 min",
    "90846": "Family psychotherapy without client",
    "90847": "Family psychotherapy with client",
    "90853": "Group psychotherapy",
    "90785": "Interactive complexity",
    "96127": "Brief scored assessment",
}

# Add-ons are billed only together with a primary code on the same date.
ADD_ON_CODES: frozenset[str] = frozenset({"90785", "90833", "90836", "90838", "90840"})
# Need a prescriber's licence; hidden from pickers unless the practice turns them on.
PRESCRIBER_ONLY: frozenset[str] = frozenset({"90792", "90833", "90836", "90838"})

INDIVIDUAL_TIMED_CODES: tuple[str, ...] = ("90832", "90834", "90837")
INTERACTIVE_COMPLEXITY = "90785"
CRISIS_FIRST_HOUR = "90839"
CRISIS_ADD_ON = "90840"
BRIEF_ASSESSMENT = "96127"
MAX_MODIFIERS = 4

# +90785 goes with these (90791, 90792, 90832-90838, 90853) ...
INTERACTIVE_COMPLEXITY_PRIMARIES: frozenset[str] = frozenset(
    {"90791", "90792", "90832", "90833", "90834", "90836", "90837", "90838", "90853"}
)
# ... and never with these.
INTERACTIVE_COMPLEXITY_EXCLUDED: frozenset[str] = frozenset({"90839", "90840", "90846", "90847"})

# Face-to-face minutes each timed code needs: (least, most); None = no upper limit.
TIME_RULES: dict[str, tuple[int, int | None]] = {
    "90832": (16, 37),
    "90833": (16, 37),
    "90834": (38, 52),
    "90836": (38, 52),
    "90837": (53, None),
    "90838": (53, None),
    "90839": (30, None),  # past 74 minutes 90839 stays and +90840 units are added
    "90846": (26, None),
    "90847": (26, None),
}
INDIVIDUAL_MINIMUM = 16
FAMILY_MINIMUM = 26
CRISIS_MINIMUM = 30
CRISIS_ADD_ON_START = 75  # first +90840 unit
CRISIS_ADD_ON_STEP = 30  # each further unit

# Codes that bill the session's service itself; a code outside its service's set is suspicious.
SERVICE_CODES: dict[ServiceType, frozenset[str]] = {
    ServiceType.INTAKE: frozenset({"90791", "90792"}),
    ServiceType.INDIVIDUAL: frozenset({"90832", "90833", "90834", "90836", "90837", "90838"}),
    ServiceType.FAMILY_WITHOUT_CLIENT: frozenset({"90846"}),
    ServiceType.FAMILY_WITH_CLIENT: frozenset({"90847"}),
    ServiceType.GROUP: frozenset({"90853"}),
    # A crisis under 30 minutes is billed as 90832.
    ServiceType.CRISIS: frozenset({"90839", "90840", "90832"}),
}
_ALL_SERVICE_CODES: frozenset[str] = frozenset(
    code for codes in SERVICE_CODES.values() for code in codes
)
_SERVICE_WORDS: dict[ServiceType, str] = {
    ServiceType.INTAKE: "intake",
    ServiceType.INDIVIDUAL: "individual psychotherapy",
    ServiceType.FAMILY_WITHOUT_CLIENT: "family psychotherapy without the client",
    ServiceType.FAMILY_WITH_CLIENT: "family psychotherapy with the client",
    ServiceType.GROUP: "group psychotherapy",
    ServiceType.CRISIS: "crisis psychotherapy",
}
# Psychotherapy codes that are not billed on the same date as an intake (90791/90792).
_NOT_WITH_INTAKE: frozenset[str] = frozenset(
    {
        "90832",
        "90833",
        "90834",
        "90836",
        "90837",
        "90838",
        "90839",
        "90840",
        "90846",
        "90847",
        "90853",
    }
)

PLACE_OF_SERVICE_LABELS: dict[str, str] = {
    "02": "Telehealth, client not at home",
    "03": "School",
    "10": "Telehealth, client at home",
    "11": "Office",
    "12": "Client's home",
    "99": "Other",
}

# Default place of service for each (modality, client location); payers may differ, so callers
# pass their own table. Read-only so that nobody edits the shared default by accident.
DEFAULT_POS_TABLE: Mapping[tuple[Modality, ClientLocation], str] = MappingProxyType(
    {
        (Modality.IN_PERSON, ClientLocation.OFFICE): "11",
        (Modality.IN_PERSON, ClientLocation.HOME): "12",
        (Modality.IN_PERSON, ClientLocation.SCHOOL): "03",
        (Modality.IN_PERSON, ClientLocation.OTHER): "99",
        (Modality.VIDEO, ClientLocation.HOME): "10",
        (Modality.VIDEO, ClientLocation.OFFICE): "02",
        (Modality.VIDEO, ClientLocation.SCHOOL): "02",
        (Modality.VIDEO, ClientLocation.OTHER): "02",
        (Modality.AUDIO_ONLY, ClientLocation.HOME): "10",
        (Modality.AUDIO_ONLY, ClientLocation.OFFICE): "02",
        (Modality.AUDIO_ONLY, ClientLocation.SCHOOL): "02",
        (Modality.AUDIO_ONLY, ClientLocation.OTHER): "02",
    }
)

# 95 = live audio and video, 93 = audio only. A payer table may use GT/FQ instead, or several;
# a value may be one modifier ("95") or a tuple of them.
DEFAULT_TELEHEALTH_MODIFIERS: Mapping[Modality, str | tuple[str, ...]] = MappingProxyType(
    {Modality.IN_PERSON: (), Modality.VIDEO: ("95",), Modality.AUDIO_ONLY: ("93",)}
)

_CPT_SHAPE = re.compile(r"^[0-9A-Z]{5}$")
_MODIFIER_SHAPE = re.compile(r"^[0-9A-Z]{2}$")


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """One CPT code with its units and modifiers, as it goes on a superbill line."""

    cpt: str
    units: int = 1
    modifiers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _CPT_SHAPE.match(self.cpt):
            raise ValidationError("CPT code", "must be 5 letters or digits, such as 90834")
        if self.units < 1:
            raise ValidationError("Units", f"must be 1 or more; got {self.units}")
        if len(self.modifiers) > MAX_MODIFIERS:
            raise ValidationError(
                "Modifiers", f"at most {MAX_MODIFIERS} per line; got {len(self.modifiers)}"
            )
        for modifier in self.modifiers:
            if not _MODIFIER_SHAPE.match(modifier):
                raise ValidationError("Modifiers", "each must be 2 letters or digits, such as 95")

    @property
    def label(self) -> str:
        return cpt_label(self.cpt)


@dataclass(frozen=True, slots=True)
class CodeProposal:
    """What the app suggests for a session; ``billable`` is False when no line can be billed."""

    lines: tuple[ServiceLine, ...]
    place_of_service: str
    warnings: tuple[str, ...]
    billable: bool

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(line.cpt for line in self.lines)


def cpt_label(code: str) -> str:
    """Return our short label for a code, or the code itself when we have none."""
    return CPT_LABELS.get(code, code)


def selectable_codes(*, include_prescriber: bool = False) -> tuple[str, ...]:
    """Return the codes a code picker offers; prescriber-only codes are hidden by default."""
    return tuple(
        code for code in sorted(CPT_LABELS) if include_prescriber or code not in PRESCRIBER_ONLY
    )


def minutes_between(start: time, stop: time) -> int:
    """Return whole minutes from start to stop on the same day (sessions never span midnight)."""
    if stop <= start:
        raise ValidationError("Stop time", "must be after the start time")
    day = datetime(2000, 1, 1)
    elapsed = datetime.combine(day, stop) - datetime.combine(day, start)
    return int(elapsed.total_seconds()) // 60


def individual_code(minutes: int) -> str | None:
    """Return 90832/90834/90837 for the minutes, or None under 16 minutes."""
    if minutes >= 53:
        return "90837"
    if minutes >= 38:
        return "90834"
    if minutes >= INDIVIDUAL_MINIMUM:
        return "90832"
    return None


def crisis_add_on_units(minutes: int) -> int:
    """Return +90840 units: 0 under 75 minutes, 1 for 75-104, 2 for 105-134, and so on."""
    if minutes < CRISIS_ADD_ON_START:
        return 0
    return (minutes - CRISIS_ADD_ON_START) // CRISIS_ADD_ON_STEP + 1


def _modifiers_for(
    modality: Modality, modifier_table: Mapping[Modality, str | tuple[str, ...]]
) -> tuple[str, ...]:
    value = modifier_table.get(modality, ())
    # A bare string is one modifier; iterating it would split "95" into "9" and "5".
    modifiers = (value,) if isinstance(value, str) and value else tuple(value)
    return tuple(modifier.strip().upper() for modifier in modifiers)


def _service_codes(
    service: ServiceType, minutes: int, warnings: list[str]
) -> list[tuple[str, int]]:
    """Return (code, units) billing the service itself, adding a warning when there is none."""
    if service is ServiceType.INTAKE:
        return [("90791", 1)]
    if service is ServiceType.GROUP:
        return [("90853", 1)]
    if service is ServiceType.INDIVIDUAL:
        code = individual_code(minutes)
        if code is None:
            warnings.append(
                f"Under {INDIVIDUAL_MINIMUM} minutes there is no individual psychotherapy code; "
                f"the session lasted {minutes}."
            )
            return []
        return [(code, 1)]
    if service in (ServiceType.FAMILY_WITH_CLIENT, ServiceType.FAMILY_WITHOUT_CLIENT):
        if minutes < FAMILY_MINIMUM:
            warnings.append(
                f"Family psychotherapy under {FAMILY_MINIMUM} minutes is not billable; "
                f"the session lasted {minutes}."
            )
            return []
        return [("90847" if service is ServiceType.FAMILY_WITH_CLIENT else "90846", 1)]
    # Crisis.
    if minutes >= CRISIS_MINIMUM:
        codes = [(CRISIS_FIRST_HOUR, 1)]
        extra = crisis_add_on_units(minutes)
        if extra:
            codes.append((CRISIS_ADD_ON, extra))
        return codes
    fallback = individual_code(minutes)
    if fallback is None:
        warnings.append(
            f"A crisis session under {INDIVIDUAL_MINIMUM} minutes has no code; "
            f"the session lasted {minutes}."
        )
        return []
    warnings.append(
        f"A crisis session under {CRISIS_MINIMUM} minutes is billed as {fallback} "
        f"({cpt_label(fallback)}); the session lasted {minutes}."
    )
    return [(fallback, 1)]


def propose_codes(
    service: ServiceType,
    minutes: int,
    modality: Modality,
    location: ClientLocation,
    *,
    interactive_complexity: bool = False,
    instruments_scored: int = 0,
    pos_table: Mapping[tuple[Modality, ClientLocation], str] = DEFAULT_POS_TABLE,
    modifier_table: Mapping[Modality, str | tuple[str, ...]] = DEFAULT_TELEHEALTH_MODIFIERS,
) -> CodeProposal:
    """Suggest the lines for one session from its service, face-to-face minutes and setting."""
    if minutes < 0:
        raise ValidationError("Minutes", f"cannot be negative; got {minutes}")
    if instruments_scored < 0:
        raise ValidationError("Instruments scored", f"cannot be negative; got {instruments_scored}")
    place = pos_table.get((modality, location))
    if place is None:
        raise ValidationError(
            "Place of service",
            f"the payer table has no entry for {modality.value.replace('_', ' ')} with the "
            f"client at {location.value}",
        )

    warnings: list[str] = []
    codes = _service_codes(service, minutes, warnings)
    if interactive_complexity:
        primary = codes[0][0] if codes else None
        if primary is None:
            warnings.append(
                "Interactive complexity (+90785) was not added: there is no billable service "
                "to add it to."
            )
        elif primary in INTERACTIVE_COMPLEXITY_EXCLUDED:
            warnings.append(
                f"Interactive complexity (+90785) cannot be billed with {primary} "
                f"({cpt_label(primary)}); it was not added."
            )
        else:
            codes.append((INTERACTIVE_COMPLEXITY, 1))
            warnings.append(
                "Interactive complexity (+90785): the note must say which factor applied."
            )

    # Telehealth modifiers belong on the psychotherapy lines (primary and add-ons), not 96127.
    modifiers = _modifiers_for(modality, modifier_table)
    lines = [ServiceLine(code, units, modifiers) for code, units in codes]
    if instruments_scored > 0:
        lines.append(ServiceLine(BRIEF_ASSESSMENT, instruments_scored))
    return CodeProposal(
        lines=tuple(lines),
        place_of_service=place,
        warnings=tuple(warnings),
        billable=bool(lines),
    )


def _minutes_message(code: str, minutes: int) -> str | None:
    rule = TIME_RULES.get(code)
    if rule is None:
        return None
    least, most = rule
    if most is None:
        if minutes < least:
            return f"{code} needs {least} minutes or more; the session lasted {minutes}"
        return None
    if not least <= minutes <= most:
        return f"{code} is for {least}-{most} minutes; the session lasted {minutes}"
    return None


def override_warnings(
    lines: Sequence[ServiceLine], service: ServiceType, minutes: int
) -> tuple[str, ...]:
    """Return warnings where chosen codes contradict the minutes, the service or each other.

    Warnings never block: the clinician may know a payer rule the app does not.
    """
    codes = [line.cpt for line in lines]
    present = set(codes)
    warnings: list[str] = []

    for code in sorted(present):
        count = codes.count(code)
        if count > 1:
            warnings.append(f"{code} appears on {count} lines; list it once for a date")

    timed = [code for code in INDIVIDUAL_TIMED_CODES if code in present]
    if len(timed) > 1:
        warnings.append(
            f"Only one of 90832, 90834 and 90837 can be billed for a date; found {', '.join(timed)}"
        )

    for line in lines:
        message = _minutes_message(line.cpt, minutes)
        if message:
            warnings.append(message)
        if line.units != 1 and line.cpt not in (BRIEF_ASSESSMENT, CRISIS_ADD_ON):
            warnings.append(f"{line.cpt} is billed as 1 unit; the line has {line.units}")

    # Crisis: 90839 once, +90840 units by time, and no other psychiatric code that date.
    crisis_present = present & {CRISIS_FIRST_HOUR, CRISIS_ADD_ON}
    expected_units = crisis_add_on_units(minutes)
    add_on_lines = [line for line in lines if line.cpt == CRISIS_ADD_ON]
    if add_on_lines:
        units = sum(line.units for line in add_on_lines)
        if expected_units == 0:
            warnings.append(
                f"+{CRISIS_ADD_ON} needs {CRISIS_ADD_ON_START} minutes or more of crisis "
                f"psychotherapy; the session lasted {minutes}"
            )
        elif units != expected_units:
            warnings.append(
                f"+{CRISIS_ADD_ON}: {minutes} minutes is {_units(expected_units)}; "
                f"the code has {units}"
            )
    elif CRISIS_FIRST_HOUR in present and expected_units:
        warnings.append(
            f"{minutes} minutes of crisis psychotherapy adds +{CRISIS_ADD_ON} "
            f"({_units(expected_units)}), which is missing"
        )
    if crisis_present:
        # Psychiatric codes 90785-90899; +90785 and intakes get their own messages below.
        others = sorted(
            code
            for code in present
            if "90785" < code <= "90899"
            and code not in crisis_present
            and code not in ("90791", "90792")
        )
        for other in others:
            warnings.append(
                f"{CRISIS_FIRST_HOUR}/{CRISIS_ADD_ON} cannot be billed with {other} "
                "on the same date"
            )
    if service is ServiceType.CRISIS and "90832" in present and minutes >= CRISIS_MINIMUM:
        warnings.append(
            f"A crisis session of {CRISIS_MINIMUM} minutes or more is billed as "
            f"{CRISIS_FIRST_HOUR}, not 90832"
        )

    # Add-ons need their primary code on the same date.
    if INTERACTIVE_COMPLEXITY in present:
        excluded = sorted(present & INTERACTIVE_COMPLEXITY_EXCLUDED)
        if excluded:
            warnings.append(
                f"+{INTERACTIVE_COMPLEXITY} (interactive complexity) cannot be billed with "
                f"{', '.join(excluded)}"
            )
        elif not present & INTERACTIVE_COMPLEXITY_PRIMARIES:
            warnings.append(
                f"+{INTERACTIVE_COMPLEXITY} is an add-on; it needs 90791, 90832-90838 or 90853 "
                "on the same date"
            )
    if CRISIS_ADD_ON in present and CRISIS_FIRST_HOUR not in present:
        warnings.append(
            f"+{CRISIS_ADD_ON} is an add-on; it needs {CRISIS_FIRST_HOUR} on the same date"
        )
    has_medical_visit = any(code.startswith("992") for code in present)  # E/M 99202-99255
    for code in sorted(present & {"90833", "90836", "90838"}):
        if not has_medical_visit:
            warnings.append(f"+{code} is an add-on to a medical (E/M) visit, which is missing")

    for code in sorted(present & PRESCRIBER_ONLY):
        warnings.append(f"{code} is for prescribers (it includes medical services)")

    intake = sorted(present & {"90791", "90792"})
    if intake:
        for other in sorted(present & _NOT_WITH_INTAKE):
            warnings.append(f"{intake[0]} and {other} are not billed on the same date")

    # Codes that bill a different service than the session records.
    expected = SERVICE_CODES[service]
    for code in sorted(present & _ALL_SERVICE_CODES - expected):
        warnings.append(
            f"{code} ({cpt_label(code)}) does not match the session's service "
            f"({_SERVICE_WORDS[service]})"
        )
    return tuple(warnings)


def _units(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"
