"""A vault full of clearly fictional demo data, made through the real services (so validated and audited).

Everything is derived from a seed: the same seed and the same ``today`` give the same record.
Names come from a pool of invented surnames, the practice is "Demo Practice — fictional data",
phone numbers are 555 numbers and email addresses use example.com.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from therapist_desk.domain.audit import Disclosure
from therapist_desk.domain.client import Client, Contact, Diagnosis, Insurance, ReleaseOfInformation
from therapist_desk.domain.enums import (
    NOTE_SECTIONS,
    Approach,
    ClientLocation,
    ClientParticipation,
    Instrument,
    Modality,
    NoteFormat,
    ObjectiveStatus,
    PaymentMethod,
    ProgressRating,
    ReleaseKind,
    ServiceType,
    TaxIdKind,
)
from therapist_desk.domain.identifiers import INVALID_EIN_PREFIXES, npi_check_digit
from therapist_desk.domain.measures import MeasureResult
from therapist_desk.domain.plan import Goal, MeasureTarget, Objective, PlanIntervention, Problem, TreatmentPlan
from therapist_desk.domain.practice import Address, PracticeProfile
from therapist_desk.domain.session import (
    INTERACTIVE_COMPLEXITY_FACTORS,
    ObjectiveProgress,
    SessionNote,
)
from therapist_desk.services import clients as client_service
from therapist_desk.services import ledger as ledger_service
from therapist_desk.services import measures as measure_service
from therapist_desk.services import notes as note_service
from therapist_desk.services import plans as plan_service
from therapist_desk.services.common import ActionRefused, audit, system_clock
from therapist_desk.services.practice import get_profile, save_profile
from therapist_desk.store.database import Vault
from therapist_desk.store.repositories.records import add_disclosure
from therapist_desk.store.vault import vault_files

DEFAULT_SEED = 20240601
PRACTICE_NAME = "Demo Practice \u2014 fictional data"
REFERRAL_MARK = "(demo, fictional)"
# Every demo psychotherapy note carries this, so tests can prove no export path leaks them.
PSYCHOTHERAPY_NOTE_MARKER = "DEMO-PRIVATE-PROCESS-NOTE"
DIAGNOSIS_POOL: tuple[tuple[str, ...], ...] = (
    ("F41.1",), ("F32.1", "F41.1"), ("F43.23",), ("F43.10",), ("F33.1",), ("F41.0",),
    ("F43.21",), ("F40.10",), ("F32.0",), ("F42.2",), ("F43.22",), ("F34.1",),
)
FIRST_NAMES = (
    "Zoë", "José", "Renée", "Björn", "Siobhán", "Mateo", "Priya", "Kwame", "Hana", "Lior",
    "Ingrid", "Tomás", "Amara", "Felix", "Nadia", "Oskar", "Imani", "Céline", "Rafael", "Mei",
)
SURNAMES = (
    "Quillfeather", "Brightwater", "Marblewood", "Thistledown", "Pebbleworth", "Fernsby",
    "Larkspur-Vale", "Mossgrove", "Ravensmoor", "Willowmere", "Honeysett", "Starlingford",
    "Duskwood", "Amberlee", "Clovershaw", "Tidewell", "Nightingale-Rowe", "O'Bramble",
)
CITIES = (("Portland", "OR", "97201"), ("Salem", "OR", "97301"), ("Eugene", "OR", "97401"),
          ("Beaverton", "OR", "97005"))
STREETS = ("Imaginary Lane", "Example Avenue", "Placeholder Road", "Sample Street", "Fable Court")


@dataclass
class DemoSummary:
    clients: int = 0
    sessions: int = 0
    signed: int = 0
    drafts: int = 0
    measures: int = 0
    plans: int = 0
    payments: int = 0
    psychotherapy_notes: int = 0

    def describe(self) -> str:
        return (f"{self.clients} clients, {self.sessions} sessions ({self.signed} signed, "
                f"{self.drafts} drafts), {self.measures} measures, {self.plans} plan versions, "
                f"{self.payments} payments")


@dataclass
class _ClientState:
    index: int
    client: Client
    intake: date
    modality: Modality
    location: ClientLocation
    note_format: NoteFormat
    pays_at_session: bool
    improving: bool
    id: int | None = None
    plan_id: int | None = None
    objective_keys: list[str] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)


# Runs at its scheduled time: ``now`` is that time, so the audit log reads in order.
Action = Callable[[Session, datetime], None]


def discard_vault(path: Path) -> None:
    """Remove a demo vault that failed half-way (only ever one the caller just created)."""
    for file in vault_files(path):
        file.unlink(missing_ok=True)


def make_npi(rng: random.Random) -> str:
    """A random, well-formed (Luhn-valid) individual NPI; fictional, not looked up in NPPES."""
    first_nine = "1" + "".join(str(rng.randrange(10)) for _ in range(8))
    return first_nine + str(npi_check_digit(first_nine))


def make_ein(rng: random.Random) -> str:
    prefixes = [f"{n:02d}" for n in range(10, 100) if f"{n:02d}" not in INVALID_EIN_PREFIXES]
    return f"{rng.choice(prefixes)}-{rng.randrange(10**7):07d}"


def demo_profile(rng: random.Random) -> PracticeProfile:
    return PracticeProfile(
        clinician_name="Morgan Example",
        credentials="LCSW",
        license_number="DEMO-LCSW-0001",
        license_state="OR",
        rendering_npi=make_npi(rng),
        tax_id=make_ein(rng),
        tax_id_kind=TaxIdKind.EIN,
        practice_name=PRACTICE_NAME,
        address=Address("100 Imaginary Way", "Suite 4", "Portland", "OR", "97201"),
        phone="(555) 555-0100",
        email="office@example.com",
    )


def populate_demo(
    vault: Vault, *, seed: int = DEFAULT_SEED, clients: int = 12, today: date | None = None
) -> DemoSummary:
    """Fill an empty vault with a fictional practice, in one transaction (all or nothing)."""
    rng = random.Random(seed)
    end = system_clock() if today is None else datetime.combine(today, time(18, 0))
    today = end.date()
    builder = _Builder(rng, today, end)
    if clients < 1:
        raise ValueError("a demo needs at least one client")
    with vault.unit_of_work() as session:
        if get_profile(session) is not None or client_service.list_clients(session, limit=1):
            raise ActionRefused("The demo data goes into an empty vault only",
                                ("create a new vault for the demo",))
        builder.run(session, clients)
    return builder.summary


class _Builder:
    """Builds a timeline of actions for every client and runs it in date order."""

    def __init__(self, rng: random.Random, today: date, end: datetime) -> None:
        self.rng = rng
        self.today = today
        self.end = end
        self.summary = DemoSummary()
        self.timeline: list[tuple[datetime, int, Action]] = []
        self.first_names = rng.sample(FIRST_NAMES, len(FIRST_NAMES))

    def at(self, when: datetime, action: Action) -> None:
        when = min(when, self.end)
        self.timeline.append((when, len(self.timeline), action))

    def run(self, session: Session, count: int) -> None:
        start = self.end - timedelta(days=150)
        save_profile(session, demo_profile(self.rng), start)
        states = [self._make_state(i, count) for i in range(count)]
        for state in states:
            self._plan_client(state, count)
        for when, _order, action in sorted(self.timeline, key=lambda t: (t[0], t[1])):
            action(session, when)

    # --- who the clients are ------------------------------------------------------------

    def _make_state(self, i: int, count: int) -> _ClientState:
        rng = self.rng
        # Intakes spread from ~120 days ago to ~3 weeks ago, newest last.
        span = 100
        days_ago = 120 - (span * i) // max(count - 1, 1)
        intake = _weekday(self.today - timedelta(days=days_ago))
        minor = i == 10 % count and count > 10
        if minor:
            birth = date(self.today.year - 15, rng.randint(1, 12), rng.randint(1, 28))
        else:
            birth = date(self.today.year - rng.randint(22, 68), rng.randint(1, 12), rng.randint(1, 28))
        first = self.first_names[i % len(self.first_names)]
        last = SURNAMES[i % len(SURNAMES)]
        city, state, postal = rng.choice(CITIES)
        modality = Modality.IN_PERSON
        location = ClientLocation.OFFICE
        if i % 3 == 1:
            modality, location = Modality.VIDEO, ClientLocation.HOME
        elif i == 8 % count and count > 8:
            modality, location = Modality.AUDIO_ONLY, ClientLocation.HOME
        insured = i % 2 == 0
        codes = DIAGNOSIS_POOL[i % len(DIAGNOSIS_POOL)]
        client = Client(
            legal_first_name=first,
            legal_last_name=last,
            preferred_name="Jo" if first == "José" else "",
            pronouns=rng.choice(("she/her", "he/him", "they/them", "")),
            date_of_birth=birth,
            email=f"{_ascii(first)}.{_ascii(last)}@example.com".lower(),
            phone=f"(555) 555-01{10 + i % 90:02d}",
            address=Address(f"{rng.randint(10, 999)} {rng.choice(STREETS)}", "", city, state, postal),
            emergency_contact=Contact(f"{rng.choice(FIRST_NAMES)} {last}", "Sibling",
                                      f"(555) 555-02{10 + i % 90:02d}"),
            guardian=Contact(f"{rng.choice(FIRST_NAMES)} {last}", "Parent",
                             f"(555) 555-03{10 + i % 90:02d}", "guardian@example.com")
            if minor else Contact(),
            insurance=Insurance("Imaginary Health Plan (demo)", f"DEMO{rng.randrange(10**8):08d}",
                                f"GRP{rng.randrange(10**4):04d}") if insured else Insurance(),
            referral_source=f"{rng.choice(('Primary care', 'Self', 'Employee assistance', 'Friend'))} "
                            f"{REFERRAL_MARK}",
            intake_date=intake,
            presenting_problem=rng.choice(PRESENTING[_theme(codes)]),
            diagnoses=tuple(Diagnosis(code) for code in codes),
            default_note_format=(NoteFormat.SOAP, NoteFormat.DAP, NoteFormat.BIRP, NoteFormat.GIRP)[i % 4],
        )
        return _ClientState(
            index=i, client=client, intake=intake, modality=modality, location=location,
            note_format=client.default_note_format or NoteFormat.SOAP,
            pays_at_session=i % 4 != 1, improving=i != 6 % count,
        )

    # --- what happens to each client ---------------------------------------------------

    def _plan_client(self, st: _ClientState, count: int) -> None:
        rng = self.rng
        i = st.index
        hour = 9 + (i % 8)
        intake_at = datetime.combine(st.intake, time(hour, 0))
        self.at(intake_at - timedelta(hours=1), lambda s, now: self._create_client(s, st, now))

        cadence = 14 if i % 5 == 3 else 7
        discharged = i == 4 % count and count > 4
        last_day = self.today - timedelta(days=1)
        if discharged:
            last_day = self.today - timedelta(days=30)
        dates = [st.intake]
        day = st.intake + timedelta(days=7)
        while day <= last_day:
            dates.append(_weekday(day))
            day += timedelta(days=cadence)
        dates = sorted({d for d in dates if d <= last_day or d == st.intake})

        # Which notes stay drafts: a few recent ones, and one older than 48 hours.
        drafts: set[date] = set()
        if i in (3 % count, 9 % count) and len(dates) > 1:
            yesterday = self.today - timedelta(days=1)
            dates[-1] = yesterday
            drafts.add(yesterday)
        if i == 5 % count and len(dates) > 1:
            stale = _weekday_back(self.today - timedelta(days=5))
            dates = [d for d in dates if d < stale] + [stale]
            drafts.add(stale)

        for n, day in enumerate(dates):
            kind = ServiceType.INTAKE if n == 0 else ServiceType.INDIVIDUAL
            minutes = 60 if n == 0 else rng.choice((45, 45, 53, 55, 30))
            if i == 2 % count and n == 3:
                kind, minutes = ServiceType.CRISIS, 80
            if i == 10 % count and count > 10 and n == 2:
                kind, minutes = ServiceType.FAMILY_WITH_CLIENT, 50
            start = time(hour, rng.choice((0, 0, 10)))
            item9 = i == 2 % count and n == 2
            measured = n == 0 or n % 4 == 0 or item9
            self._plan_session(st, n, day, start, minutes, kind, measured, item9,
                               signed=day not in drafts)
            if n == 1:
                self._plan_treatment_plan(st, day)
        if discharged:
            gone = dates[-1] + timedelta(days=3)
            self.at(datetime.combine(gone, time(12, 0)),
                    lambda s, now: self._discharge(s, st, gone, now))
        if i == 6 % count and count > 6:
            self._plan_release(st, school=False)
        if i == 10 % count and count > 10:
            self._plan_release(st, school=True)

    def _create_client(self, session: Session, st: _ClientState, now: datetime) -> None:
        created = client_service.create_client(session, st.client, now)
        st.id = created.id
        st.client = created
        self.summary.clients += 1

    def _plan_session(self, st: _ClientState, n: int, day: date, start: time, minutes: int,
                      kind: ServiceType, measured: bool, item9: bool, *, signed: bool) -> None:
        stop = (datetime.combine(day, start) + timedelta(minutes=minutes)).time()
        finished = datetime.combine(day, stop)
        self.at(finished + timedelta(minutes=20),
                lambda s, now: self._write_session(s, now, st, n, day, start, stop, kind,
                                                   measured, item9, signed))

    def _write_session(self, session: Session, now: datetime, st: _ClientState, n: int, day: date,
                       start: time, stop: time, kind: ServiceType, measured: bool, item9: bool,
                       signed: bool) -> None:
        assert st.id is not None
        rng = self.rng
        interactive = ""
        if kind is ServiceType.INTAKE and st.client.guardian.name:
            interactive = INTERACTIVE_COMPLEXITY_FACTORS[1]
        modality, location = st.modality, st.location
        if kind is ServiceType.CRISIS:
            modality, location = Modality.IN_PERSON, ClientLocation.OFFICE
        note = SessionNote(
            client_id=st.id,
            session_date=day,
            start_time=start,
            stop_time=stop,
            service_type=kind,
            modality=modality,
            client_location=location,
            telehealth_platform="Demo Video (fictional)" if modality is Modality.VIDEO else "",
            participants="Client and parent" if kind is ServiceType.FAMILY_WITH_CLIENT else "Client",
            interactive_complexity_factor=interactive,
            diagnosis_codes=tuple(d.code for d in st.client.diagnoses[:4]),
            note_format=st.note_format,
            sections=_sections(rng, st.note_format, kind),
            risk_assessment=(RISK_POSITIVE if item9 or kind is ServiceType.CRISIS
                             else rng.choice(RISK_ROUTINE)),
            interventions=tuple(rng.sample(INTERVENTIONS, 2)),
            client_response=rng.choice(RESPONSES),
            homework_given=rng.choice(HOMEWORK),
            plan_text="Continue weekly sessions." if n else "Begin weekly psychotherapy; draft a treatment plan.",
            objective_progress=tuple(
                ObjectiveProgress(key, ProgressRating.SOME_PROGRESS if st.improving
                                  else ProgressRating.NO_CHANGE)
                for key in st.objective_keys[:1]
            ),
        )
        instruments = (Instrument.PHQ9, Instrument.GAD7) if measured else ()
        # The codes the app proposes, as the note editor would fill them in (+96127 per measure).
        proposal = note_service.proposal_for(note, instruments_scored=len(instruments))
        note = replace(note, lines=proposal.lines, place_of_service=proposal.place_of_service)
        saved = note_service.save_note(session, note, now)
        assert saved.id is not None
        sid = saved.id
        st.session_ids.append(sid)
        self.summary.sessions += 1
        for instrument in instruments:
            answers = _answers(rng, instrument, n, st.improving, item9)
            measure_service.record_measure(
                session, MeasureResult(instrument, day, answers, client_id=st.id, session_id=sid), now)
            self.summary.measures += 1
        if st.index in (0, 2) and n in (1, 2):
            note_service.save_psychotherapy_note(
                session, sid, f"{PSYCHOTHERAPY_NOTE_MARKER}: {rng.choice(PRIVATE_NOTES)}", now)
            self.summary.psychotherapy_notes += 1
        if not signed:
            self.summary.drafts += 1
            return
        signed_at = now + timedelta(minutes=5)
        note_service.sign_note(session, sid, signed_at)
        self.summary.signed += 1
        if st.index == 1 and n == 2:
            note_service.add_addendum(
                session, sid, "Client called the next day to add that sleep had improved after "
                "the session; no change to the plan.", signed_at + timedelta(days=1),
                reason="Later information from the client")
        fee = note_service.get_note(session, sid).fee
        assert fee is not None
        if st.index == 7 and n == 1:
            reduction = min(Decimal("20.00"), fee)
            ledger_service.record_adjustment(session, st.id, day, reduction, signed_at,
                                             memo="Sliding-scale reduction (demo)")
            fee -= reduction
        if fee <= 0:
            return
        if st.pays_at_session:
            method = PaymentMethod.CARD if st.index % 2 else PaymentMethod.CHECK
            ledger_service.record_payment(session, st.id, day, fee, method, signed_at,
                                          reference=f"DEMO-{sid:04d}")
            self.summary.payments += 1
        elif day < self.today - timedelta(days=30):
            # Pays once reimbursed by the plan, about a month later: the last month is open.
            paid_on = day + timedelta(days=28)
            ledger_service.record_payment(session, st.id, paid_on, fee, PaymentMethod.CHECK,
                                          datetime.combine(paid_on, time(8, 0)),
                                          memo="Paid after reimbursement (demo)")
            self.summary.payments += 1

    def _plan_treatment_plan(self, st: _ClientState, day: date) -> None:
        self.at(datetime.combine(day, time(19, 0)), lambda s, now: self._write_plan(s, st, day, now))
        overdue_client = st.index == 0  # left unreviewed: its review date has passed
        review_day = _weekday(day + timedelta(days=88))
        if not overdue_client and review_day < self.today - timedelta(days=1):
            self.at(datetime.combine(review_day, time(19, 30)),
                    lambda s, now: self._review_plan(s, st, now))

    def _write_plan(self, session: Session, st: _ClientState, day: date, now: datetime) -> None:
        assert st.id is not None
        rng = self.rng

        def key() -> str:  # seeded, so reproducible (plan.new_key() would be random)
            return f"{rng.getrandbits(128):032x}"

        plan_codes = tuple(d.code for d in st.client.diagnoses)
        theme = _theme(plan_codes)
        problem_text, goal_text, objectives = PLAN_TEMPLATES[theme]
        target = MeasureTarget(Instrument.GAD7 if theme == 0 else Instrument.PHQ9, 10)
        plan = TreatmentPlan(
            client_id=st.id,
            effective_on=day,
            diagnosis_codes=plan_codes,
            problems=(Problem(problem_text, (Goal(goal_text, tuple(
                Objective(text, target_date=day + timedelta(days=90 + 30 * k),
                          status=ObjectiveStatus.IN_PROGRESS,
                          measure_target=target if k == 0 else None,
                          interventions=(PlanIntervention(iv, approach, "weekly", "Clinician", key()),),
                          key=key())
                for k, (text, iv, approach) in enumerate(objectives)
            ), key()),), key()),),
            strengths="Motivated for change; supportive friends.",
            barriers="Irregular work schedule.",
            discharge_criteria="Objectives met and scores in the minimal range twice in a row.",
        )
        saved = plan_service.save_plan(session, plan, now)
        assert saved.id is not None
        signed = plan_service.sign_plan(session, saved.id, ClientParticipation.SIGNED,
                                        now + timedelta(minutes=10))
        st.plan_id = signed.id
        st.objective_keys = [o.key for o in signed.objectives()]
        self.summary.plans += 1

    def _review_plan(self, session: Session, st: _ClientState, now: datetime) -> None:
        assert st.id is not None
        draft = plan_service.start_review(session, st.id, now)
        updated = replace(draft, problems=tuple(
            replace(p, goals=tuple(replace(g, objectives=tuple(
                replace(o, status=ObjectiveStatus.MET if k == 0 and st.improving else o.status)
                for k, o in enumerate(g.objectives))) for g in p.goals))
            for p in draft.problems))
        saved = plan_service.save_plan(session, updated, now)
        assert saved.id is not None
        plan_service.sign_plan(session, saved.id, ClientParticipation.VERBAL, now + timedelta(minutes=5))
        self.summary.plans += 1

    def _discharge(self, session: Session, st: _ClientState, on: date, now: datetime) -> None:
        assert st.id is not None
        client_service.discharge_client(session, st.id, on, "Treatment goals met (demo)", now)

    def _plan_release(self, st: _ClientState, *, school: bool) -> None:
        signed_on = _weekday(st.intake + timedelta(days=7))
        self.at(datetime.combine(signed_on, time(18, 30)),
                lambda s, now: self._write_release(s, st, signed_on, school, now))

    def _write_release(self, session: Session, st: _ClientState, signed_on: date, school: bool,
                       now: datetime) -> None:
        assert st.id is not None
        if school:
            release = ReleaseOfInformation(
                recipient_name="Counselor, Imaginary Middle School (fictional)",
                kind=ReleaseKind.SCHOOL, purpose="Coordinate classroom supports",
                scope="Attendance at sessions and general progress; no diagnosis",
                signed_on=signed_on, expires_on=signed_on + timedelta(days=180),
                notes="Signed by the parent (demo)")
        else:
            release = ReleaseOfInformation(
                recipient_name="Dr. Placeholder, Example Family Medicine (fictional)",
                kind=ReleaseKind.TREATING_PROVIDER, purpose="Coordination of care",
                scope="Diagnosis, treatment summary and PHQ-9 scores",
                signed_on=signed_on, expires_on=signed_on + timedelta(days=365))
        client = client_service.get_client(session, st.id)
        updated = client_service.update_client(session, replace(client, releases=(*client.releases, release)), now)
        st.client = updated
        release_id = updated.releases[-1].id
        disclosure_id = add_disclosure(session, Disclosure(
            client_id=st.id, disclosed_on=signed_on, recipient=release.recipient_name,
            what="Treatment summary letter", purpose=release.purpose, release_id=release_id))
        audit(session, now, "disclosure.record", "disclosure", disclosure_id, client_id=st.id)


# --- small helpers and phrase pools ---------------------------------------------------------


def _theme(codes: tuple[str, ...]) -> int:
    primary = codes[0] if codes else ""
    if primary.startswith(("F32", "F33", "F34")):
        return 1
    if primary.startswith("F43"):
        return 2
    return 0


def _weekday(day: date) -> date:
    """Move a Saturday or Sunday forward to Monday."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _weekday_back(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _ascii(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if ch.isascii() and (ch.isalnum()))


def _answers(rng: random.Random, instrument: Instrument, n: int, improving: bool,
             item9: bool) -> tuple[int, ...]:
    count = 9 if instrument is Instrument.PHQ9 else 7
    # Start moderately high; drift down for most, up for the one who is getting worse.
    level = 2.1 - 0.15 * n if improving else 1.6 + 0.08 * n
    answers = [max(0, min(3, round(level + rng.uniform(-0.8, 0.6)))) for _ in range(count)]
    if instrument is Instrument.PHQ9:
        answers[8] = 1 if item9 else 0
    return tuple(answers)


def _sections(rng: random.Random, fmt: NoteFormat, kind: ServiceType) -> tuple[tuple[str, str], ...]:
    texts = {
        "Subjective": rng.choice(SUBJECTIVE),
        "Objective": rng.choice(OBJECTIVE),
        "Assessment": rng.choice(ASSESSMENT),
        "Plan": rng.choice(PLANS),
        "Data": f"{rng.choice(SUBJECTIVE)} {rng.choice(OBJECTIVE)}",
        "Behavior": rng.choice(OBJECTIVE),
        "Intervention": rng.choice(INTERVENTION_TEXT),
        "Response": rng.choice(RESPONSES),
        "Goal": "Reduce symptoms toward the treatment plan objectives.",
        "Note": rng.choice(SUBJECTIVE),
    }
    if kind is ServiceType.INTAKE:
        texts["Subjective"] = texts["Data"] = texts["Behavior"] = (
            "Intake: client describes the presenting concerns, history and goals for therapy.")
    if kind is ServiceType.CRISIS:
        texts["Assessment"] = texts["Response"] = (
            "Acute distress after a stressful event; de-escalated over the session.")
    return tuple((name, texts[name]) for name in NOTE_SECTIONS[fmt])


# Themes: 0 anxiety (F40-F42), 1 mood (F32-F34), 2 stress and adjustment (F43).
PRESENTING = (
    ("Worry that is hard to control, poor sleep", "Panic episodes on public transport"),
    ("Low mood and loss of interest since a job change", "Low energy and withdrawal from friends"),
    ("Stress after a move and a breakup", "Intrusive memories after a car accident"),
)
SUBJECTIVE = (
    "Client reports a difficult week at work with more worry in the evenings.",
    "Client reports sleeping better and using the breathing exercise twice.",
    "Client describes low energy and skipping a planned walk.",
    "Client reports one argument with a roommate, handled calmly.",
    "Client reports fewer panic symptoms while commuting.",
)
OBJECTIVE = (
    "Alert, oriented, casually dressed; affect anxious, congruent with content.",
    "Good eye contact; speech normal rate; affect brighter than last session.",
    "Appeared tired; affect constricted; thought process linear.",
)
ASSESSMENT = (
    "Symptoms are gradually decreasing; engaged and using skills.",
    "Progress is slow but steady; avoidance remains the main barrier.",
    "Mood is stable; anxiety spikes with work deadlines.",
)
PLANS = (
    "Continue weekly CBT; review the thought log next session.",
    "Practice graded exposure steps 1-2; repeat PHQ-9 in four weeks.",
    "Keep the sleep diary; revisit values exercise.",
)
INTERVENTION_TEXT = (
    "Cognitive restructuring of catastrophic predictions about work.",
    "Behavioral activation planning for the coming week.",
    "Diaphragmatic breathing practice in session.",
)
INTERVENTIONS = (
    "Cognitive restructuring", "Behavioral activation", "Mindfulness",
    "Relaxation / breathing training", "Psychoeducation", "Problem-solving",
)
RESPONSES = (
    "Client engaged well and practiced the skill in session.",
    "Client was receptive and identified one situation to try it in.",
    "Client was ambivalent but agreed to try the homework.",
)
HOMEWORK = ("Thought log, three entries", "Two pleasant activities", "Breathing practice daily", "")
RISK_ROUTINE = (
    "Denies suicidal or homicidal ideation, intent or plan. No change in risk.",
    "No safety concerns raised; denies SI/HI.",
)
RISK_POSITIVE = (
    "PHQ-9 item 9 endorsed (several days). Passive thoughts of being better off dead; denies "
    "plan, intent or preparatory behavior; protective factors: family, pets, future plans. "
    "Safety plan reviewed and updated; crisis line numbers given. Risk judged low; re-assess "
    "next session."
)
PRIVATE_NOTES = (
    "My hunch is that the conflict with the sibling echoes the early family pattern; explore slowly.",
    "Noticed my own frustration when the homework was skipped again; bring to consultation.",
    "Hypothesis: perfectionism protects against shame; test gently.",
)
PLAN_TEMPLATES = (
    ("Persistent worry interferes with work and sleep", "Manage worry with effective skills",
     (("Reduce GAD-7 below 10", "Cognitive restructuring of worry thoughts", Approach.CBT),
      ("Use a relaxation skill 4 days a week", "Relaxation training", Approach.CBT))),
    ("Low mood and withdrawal from activities", "Return to valued activities",
     (("Reduce PHQ-9 below 10", "Behavioral activation scheduling", Approach.CBT),
      ("Schedule 3 pleasant activities a week", "Activity monitoring", Approach.ACT))),
    ("Distress after a stressful life event", "Process the event and restore routines",
     (("Reduce PHQ-9 below 10", "Trauma-focused psychoeducation", Approach.CBT),
      ("Sleep 7 hours on 5 nights a week", "Sleep hygiene plan", Approach.SUPPORTIVE))),
)
