"""Build a large, fictional practice in a real encrypted vault, fast, and the same data unencrypted.

The rows are exactly what the services write (same tables, columns, JSON documents, FTS text,
audit chain): each row is made from the domain objects the services would save, with the
repositories' own serialisation (``_json.dumps``, ``SessionNote.body_text()``, ``Client.sort_name``,
``records._plan_document``...), then inserted with bulk Core ``executemany`` in a few transactions
instead of one service call per record. ``tests/benchmarks/test_generator.py`` proves it at tiny
scale by reading the data back through the app's services.

    python -m benchmarks.generate practice            # build (or find) the cached vaults
    python -m benchmarks.generate --clients 50 --notes 500 --out /tmp/x

Deterministic: the same parameters give the same records (a per-session seed, so chunking never
changes the text). Built vaults are cached in ``benchmarks/.cache/<preset>-<key>/`` keyed by the
parameters, the schema head revision and this generator's source.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import time as clock
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
PASSPHRASE = "benchmark passphrase \u2014 fictional practice"
TODAY = date(2026, 11, 20)
CHUNK = 5000  # sessions per insert batch (and per commit)
# What the data depends on: a change to any of these makes a new cache key.
SOURCES = ("generate.py", "people.py", "notes.py", "corpus.py")


@dataclass(frozen=True)
class Params:
    clients: int = 2000
    notes: int = 100_000
    objectives: int = 5000  # across the clients' current plans
    seed: int = 20261120
    years: float = 20.0
    today: date = TODAY
    # Of the clients whose last session is more than 180 days old, the share that was
    # discharged; the rest were set to inactive (many clinicians never discharge formally).
    discharged_share: float = 0.6

    def key(self) -> str:
        from therapist_desk.store.database import head_revision

        sources = b"".join((Path(__file__).parent / name).read_bytes() for name in SOURCES)
        blob = json.dumps({**asdict(self), "today": self.today.isoformat(), "head": head_revision()},
                          sort_keys=True).encode() + hashlib.sha256(sources).digest()
        return hashlib.sha256(blob).hexdigest()[:12]


PRESETS: dict[str, Params] = {
    # The large practice: search, save, superbills, letters.
    "practice": Params(),
    # The client-list figures: unlock to the main window, filter and sort, memory.
    "clients": Params(clients=10_000, objectives=25_000, discharged_share=0.05),
    # --quick: the same shapes at a tenth of the size.
    "practice-quick": Params(clients=200, notes=10_000, objectives=500),
    "clients-quick": Params(clients=1000, notes=10_000, objectives=2500, discharged_share=0.05),
}


@dataclass
class Built:
    """A cached build: the encrypted vault, the optional plain copy and what is in them."""

    folder: Path
    vault: Path
    plain: Path | None
    manifest: dict[str, Any]


def ensure(preset: str | Params, *, plain: bool = False, cache_dir: Path = CACHE_DIR,
           log: Any = print) -> Built:
    """Return the cached build for ``preset``, building what is missing (encrypted, then plain)."""
    params = PRESETS[preset] if isinstance(preset, str) else preset
    name = preset if isinstance(preset, str) else "custom"
    folder = cache_dir / f"{name}-{params.key()}"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    vault, plain_path = folder / "vault.tdvault", folder / "plain.sqlite"
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        started = clock.perf_counter()
        log(f"building {name} vault ({params.clients:,} clients, {params.notes:,} notes) in {folder}")
        manifest = build(params, vault, encrypted=True)
        manifest["build_seconds"] = round(clock.perf_counter() - started, 1)
        manifest_path.write_text(json.dumps(manifest, indent=1, default=str))
        log(f"  built in {manifest['build_seconds']} s, {vault.stat().st_size / 2**20:.0f} MiB")
    if plain and not plain_path.exists():
        started = clock.perf_counter()
        log(f"building the unencrypted copy of {name}")
        temp = folder / "plain.sqlite.part"
        for stale in folder.glob("plain.sqlite.part*"):
            stale.unlink()
        build(params, temp, encrypted=False)
        temp.rename(plain_path)
        log(f"  built in {clock.perf_counter() - started:.1f} s")
    manifest = json.loads(manifest_path.read_text())
    return Built(folder, vault, plain_path if plain else None, manifest)


# --- the plan of the practice (small metadata first; text is made while inserting) ----------


@dataclass
class _ClientPlan:
    index: int
    id: int
    client: Any  # domain Client, validated
    intake: date
    modality: Any
    location: Any
    note_format: Any
    pays_at_session: bool
    improving: bool
    sessions: list[tuple[date, time, int, Any]] = field(default_factory=list)  # day, start, minutes, kind
    objectives: int = 0
    objective_keys: list[str] = field(default_factory=list)
    created_at: datetime | None = None


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _schedule(rng: random.Random, params: Params) -> list[tuple[date, int, int]]:
    """(intake, cadence days, session count) per client, with exactly ``params.notes`` sessions
    on or before the day before ``today``; clients whose course runs past today are current."""
    last_day = params.today - timedelta(days=1)
    span = int(params.years * 365)
    start = params.today - timedelta(days=span)
    mean = params.notes / params.clients
    plans: list[_Course] = []
    for i in range(params.clients):
        intake = _weekday(start + timedelta(days=int((i + rng.random()) * span / params.clients)))
        intake = min(intake, last_day - timedelta(days=3))
        cadence = 14 if rng.random() < 0.2 else 7
        plans.append(_Course(intake, cadence, max(1, round(mean * rng.uniform(0.4, 1.6)))))

    def fits(course: _Course, count: int | None = None) -> int:
        wanted = course.count if count is None else count
        return min(wanted, (last_day - course.intake).days // course.cadence + 1)

    total = sum(fits(p) for p in plans)
    order = list(range(params.clients))
    rng.shuffle(order)
    step = 0
    while total != params.notes:
        p = plans[order[step % len(order)]]
        step += 1
        have = fits(p)
        if total < params.notes and have == p.count and fits(p, p.count + 1) > have:
            p.count += 1
            total += 1
        elif total > params.notes and have > 1:
            p.count = have - 1
            total -= 1
        if step > 50 * len(order) * max(1, abs(total - params.notes)):
            raise ValueError("cannot place that many notes; use more years or fewer notes")
    return [(p.intake, p.cadence, fits(p)) for p in plans]


@dataclass
class _Course:
    """One client's course of treatment: intake, days between sessions, sessions planned."""

    intake: date
    cadence: int
    count: int


# --- building --------------------------------------------------------------------------------


def build(params: Params, path: Path, *, encrypted: bool) -> dict[str, Any]:
    """Write the practice into a new vault at ``path`` (encrypted) or a plain SQLite file."""
    from therapist_desk.store.vault import tighten_permissions

    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    key = _create_schema(path, encrypted)
    builder = _Builder(params)
    engine = _bulk_engine(path, key)
    try:
        with engine.connect() as conn:
            builder.write(conn)
            problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise AssertionError(f"foreign key problems: {problems[:5]}")
            conn.exec_driver_sql("PRAGMA journal_mode = WAL")
    finally:
        engine.dispose()
    tighten_permissions(path)
    return builder.manifest


def _create_schema(path: Path, encrypted: bool) -> Any:
    """The app's own schema (Alembic migrations to head); the key of an encrypted vault."""
    from therapist_desk.store.database import create_and_open, migrate

    if encrypted:
        vault = create_and_open(path, PASSPHRASE)
        key = vault.key
        vault.close()
        return key
    import sqlalchemy

    engine = sqlalchemy.create_engine("sqlite://", creator=lambda: _raw_connect(path, None))
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode = WAL")
        migrate(engine)
    finally:
        engine.dispose()
    return None


def _raw_connect(path: Path, key: Any) -> Any:
    import sqlcipher3.dbapi2 as sqlcipher

    conn = sqlcipher.connect(str(path), check_same_thread=False)
    if key is not None:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {key.pragma_literal()}")
        conn.execute("PRAGMA cipher_compatibility = 4")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def _bulk_engine(path: Path, key: Any) -> Any:
    """One connection tuned for a one-off bulk load: no journal, no fsync (the build is redone
    from scratch if interrupted); WAL is switched back on at the end, as the app expects."""
    import sqlalchemy

    def connect() -> Any:
        conn = _raw_connect(path, key)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -262144",
                       "temp_store = MEMORY", "foreign_keys = OFF", "secure_delete = OFF"):
            conn.execute(f"PRAGMA {pragma}").fetchall()
        return conn

    return sqlalchemy.create_engine("sqlite://", creator=connect)


class _Builder:
    def __init__(self, params: Params) -> None:
        from therapist_desk.domain.icd10 import Icd10Catalog
        from therapist_desk.services.demo import demo_profile

        self.p = params
        self.rng = random.Random(params.seed)
        self.profile = replace(demo_profile(random.Random(params.seed)),
                               practice_name="Benchmark Practice \u2014 fictional data")
        self.catalog = Icd10Catalog.default()
        self.audit: list[tuple[datetime, int, str, str, int | None, int | None, str]] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.manifest: dict[str, Any] = {"params": {**asdict(params), "today": params.today.isoformat()}}

    def event(self, at: datetime, action: str, record_type: str, record_id: int | None,
              client_id: int | None, detail: str = "") -> None:
        self.audit.append((at, len(self.audit), action, record_type, record_id, client_id, detail))

    # --- top level --------------------------------------------------------------------------

    def write(self, conn: Any) -> None:
        from sqlalchemy.orm import Session

        from therapist_desk.store.repositories.practice import save_practice

        start = datetime.combine(self.p.today - timedelta(days=int(self.p.years * 365) + 7), time(9))
        with Session(bind=conn) as session:
            save_practice(session, self.profile)
            session.commit()
        self.event(start, "practice.update", "practice", 1, None)
        clients = self._plan_clients()
        self._insert_clients(conn, clients)
        self._insert_plans(conn, clients)
        self._insert_sessions(conn, clients)
        self._insert_audit(conn)
        self.manifest["counts"] = dict(self.counts)

    def _insert(self, conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        from sqlalchemy import insert

        if rows:
            conn.execute(insert(table), rows)
            self.counts[table.name] += len(rows)

    # --- clients ----------------------------------------------------------------------------

    def _plan_clients(self) -> list[_ClientPlan]:
        from benchmarks import people
        from therapist_desk.domain.enums import ClientLocation, Modality, NoteFormat, ServiceType

        rng = self.rng
        schedule = _schedule(rng, self.p)
        formats = (NoteFormat.SOAP, NoteFormat.DAP, NoteFormat.BIRP, NoteFormat.GIRP)
        plans = []
        for i, (intake, cadence, count) in enumerate(schedule):
            client = people.make_client(rng, i, intake, self.p.today, self.catalog)
            video = rng.random() < 0.35
            plan = _ClientPlan(
                index=i, id=i + 1, client=client, intake=intake,
                modality=Modality.VIDEO if video else Modality.IN_PERSON,
                location=ClientLocation.HOME if video else ClientLocation.OFFICE,
                note_format=formats[i % 4], pays_at_session=rng.random() < 0.7,
                improving=rng.random() < 0.8,
            )
            hour = 8 + i % 10
            day = intake
            for n in range(count):
                kind, minutes = ServiceType.INDIVIDUAL, rng.choice((45, 45, 53, 55, 30, 60))
                if n == 0:
                    kind, minutes = ServiceType.INTAKE, 60
                elif rng.random() < 0.005:
                    kind, minutes = ServiceType.CRISIS, 80
                elif rng.random() < 0.02:
                    kind, minutes = ServiceType.FAMILY_WITH_CLIENT, 50
                plan.sessions.append((day, time(hour, rng.choice((0, 0, 10, 30))), minutes, kind))
                day = _weekday(day + timedelta(days=cadence))
            plans.append(plan)
        self._assign_objectives(plans)
        return plans

    def _assign_objectives(self, plans: list[_ClientPlan]) -> None:
        with_plan = [p for p in plans if len(p.sessions) >= 2]
        if not with_plan:
            return
        base, extra = divmod(self.p.objectives, len(with_plan))
        lucky = set(self.rng.sample(range(len(with_plan)), extra))
        for n, plan in enumerate(with_plan):
            plan.objectives = max(1, base + (n in lucky))

    def _insert_clients(self, conn: Any, plans: list[_ClientPlan]) -> None:
        from therapist_desk.domain.enums import ClientStatus
        from therapist_desk.store.models import ClientRow, DiagnosisRow, MedicationRow, ReleaseRow
        from therapist_desk.store.repositories._json import dumps

        rows, dx_rows, med_rows, rel_rows = [], [], [], []
        for plan in plans:
            c, rng = plan.client, self.rng
            created = datetime.combine(plan.intake, time(7, 30)) - timedelta(days=rng.randint(1, 10))
            plan.created_at = created
            self.event(created, "client.create", "client", plan.id, plan.id)
            last = plan.sessions[-1][0]
            idle = (self.p.today - last).days
            status, since, updated, reason = ClientStatus.ACTIVE, plan.intake, created, ""
            if idle > 180 and rng.random() < self.p.discharged_share:
                since = last + timedelta(days=3)
                status, reason = ClientStatus.DISCHARGED, "Treatment goals met"
                updated = datetime.combine(since, time(12))
                self.event(updated, "client.discharge", "client", plan.id, plan.id)
            elif idle > 60:
                since = last + timedelta(days=45)
                status, updated = ClientStatus.INACTIVE, datetime.combine(since, time(12))
                self.event(updated, "client.update", "client", plan.id, plan.id,
                           "status,status_since")
            c = replace(c, id=plan.id, status=status, status_since=since, discharge_reason=reason)
            plan.client = c
            rows.append(dict(
                id=plan.id, legal_first_name=c.legal_first_name, legal_last_name=c.legal_last_name,
                preferred_name=c.preferred_name, pronouns=c.pronouns, date_of_birth=c.date_of_birth,
                email=c.email, phone=c.phone, address_json=dumps(c.address),
                emergency_contact_json=dumps(c.emergency_contact), guardian_json=dumps(c.guardian),
                insurance_json=dumps(c.insurance), status=c.status.value, status_since=c.status_since,
                discharge_reason=c.discharge_reason, referral_source=c.referral_source,
                intake_date=c.intake_date, presenting_problem=c.presenting_problem,
                prior_treatment=c.prior_treatment, medical_conditions=c.medical_conditions,
                default_note_format=c.default_note_format.value if c.default_note_format else None,
                search_name=c.search_text, sort_name=c.sort_name, created_at=created, updated_at=updated,
            ))
            for i, dx in enumerate(c.diagnoses):
                dx_rows.append(dict(client_id=plan.id, position=i, code=dx.code, title=dx.title,
                                    code_set_release=dx.code_set_release))
            for i, med in enumerate(c.medications):
                med_rows.append(dict(client_id=plan.id, position=i, name=med.name, dose=med.dose,
                                     prescriber=med.prescriber, prescriber_phone=med.prescriber_phone))
            for rel in c.releases:
                rel_rows.append(dict(
                    client_id=plan.id, recipient_name=rel.recipient_name,
                    recipient_address=rel.recipient_address, kind=rel.kind.value, purpose=rel.purpose,
                    scope=rel.scope, signed_on=rel.signed_on, expires_on=rel.expires_on,
                    revoked_on=rel.revoked_on, notes=rel.notes))
        for table, batch in ((ClientRow, rows), (DiagnosisRow, dx_rows), (MedicationRow, med_rows),
                             (ReleaseRow, rel_rows)):
            self._insert(conn, table.__table__, batch)
        conn.commit()
        self.manifest["release_clients"] = sorted({r["client_id"] for r in rel_rows})

    # --- treatment plans --------------------------------------------------------------------

    def _insert_plans(self, conn: Any, plans: list[_ClientPlan]) -> None:
        from benchmarks import people
        from therapist_desk.domain.enums import ClientParticipation, ObjectiveStatus
        from therapist_desk.store.models import PlanRow
        from therapist_desk.store.repositories.records import _plan_document

        versions: list[tuple[datetime, dict[str, Any], int, str]] = []
        signer = self.profile.signature_line
        for cp in plans:
            if not cp.objectives:
                continue
            rng = self.rng
            first_day = cp.sessions[1][0]
            plan = people.make_plan(rng, cp.client, first_day, cp.objectives)
            cp.objective_keys = [o.key for o in plan.objectives()]
            effective, version = first_day, 1
            last_session = cp.sessions[-1][0]
            while True:
                saved_at = datetime.combine(effective, time(19) if version == 1 else time(19, 30))
                signed_at = saved_at + timedelta(minutes=10 if version == 1 else 5)
                review_due = effective + timedelta(days=self.profile.plan_review_days)
                doc = replace(plan, client_id=cp.id, version=version, effective_on=effective,
                              review_due=review_due)
                row = dict(client_id=cp.id, version=version, is_current=False, effective_on=effective,
                           review_due=review_due, document_json=_plan_document(doc),
                           participation=(ClientParticipation.SIGNED if version == 1
                                          else ClientParticipation.VERBAL).value,
                           participation_note="", signed_at=signed_at, signed_by=signer,
                           updated_at=signed_at)
                versions.append((saved_at, row, cp.id, f"version={version}"))
                if review_due > last_session or review_due >= self.p.today:
                    row["is_current"] = True
                    break
                # A review: the same objectives (same keys), some met by now.
                plan = replace(plan, problems=tuple(replace(p, goals=tuple(replace(g, objectives=tuple(
                    replace(o, status=ObjectiveStatus.MET) if cp.improving and rng.random() < 0.3
                    else o for o in g.objectives)) for g in p.goals)) for p in plan.problems))
                effective, version = review_due, version + 1
        versions.sort(key=lambda v: v[0])
        rows = []
        for plan_id, (saved_at, row, client_id, detail) in enumerate(versions, 1):
            rows.append({"id": plan_id, **row})
            self.event(saved_at, "plan.save", "plan", plan_id, client_id, detail)
            sign_time = cast(datetime, row["signed_at"])
            self.event(sign_time, "plan.sign", "plan", plan_id, client_id, detail)
        self._insert(conn, PlanRow.__table__, rows)
        conn.commit()
        self.manifest["objectives_current"] = sum(len(c.objective_keys) for c in plans)

    # --- sessions, notes, measures, ledger ----------------------------------------------------

    def _insert_sessions(self, conn: Any, plans: list[_ClientPlan]) -> None:
        from benchmarks.notes import NoteWriter

        order = sorted(
            ((day, start, cp.index, n) for cp in plans for n, (day, start, _m, _k) in enumerate(cp.sessions)),
        )
        writer = NoteWriter(self, plans)
        for chunk_start in range(0, len(order), CHUNK):
            batch = order[chunk_start:chunk_start + CHUNK]
            rows = writer.rows(chunk_start + 1, batch)
            for table, table_rows in rows.tables():
                self._insert(conn, table, table_rows)
            conn.exec_driver_sql("INSERT INTO notes_fts(rowid, body) VALUES (?, ?)", rows.fts)
            self.counts["notes_fts"] += len(rows.fts)
            conn.commit()
        self._insert(conn, writer.ledger_table, writer.deferred_payments())
        conn.commit()
        self.manifest.update(writer.manifest())

    def _insert_audit(self, conn: Any) -> None:
        from therapist_desk.domain.audit import GENESIS_HASH, AuditEvent
        from therapist_desk.store.models import AuditRow

        self.audit.sort(key=lambda e: (e[0], e[1]))
        previous = GENESIS_HASH
        rows: list[dict[str, Any]] = []
        for audit_id, (at, _seq, action, rtype, rid, cid, detail) in enumerate(self.audit, 1):
            digest = AuditEvent(at, action, rtype, rid, cid, detail, previous).computed_hash()
            rows.append(dict(id=audit_id, at=at, action=action, record_type=rtype, record_id=rid,
                             client_id=cid, detail=detail, prev_hash=previous, hash=digest))
            previous = digest
            if len(rows) == 50_000:
                self._insert(conn, AuditRow.__table__, rows)
                rows = []
        self._insert(conn, AuditRow.__table__, rows)
        conn.commit()


def iter_months(first: date, last: date) -> Iterator[str]:
    day = first.replace(day=1)
    while day <= last:
        yield day.strftime("%Y-%m")
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("preset", nargs="?", choices=sorted(PRESETS), help="a cached preset")
    parser.add_argument("--plain", action="store_true", help="also build the unencrypted copy")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--notes", type=int)
    parser.add_argument("--objectives", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--out", type=Path, help="build a custom size into this folder (no cache)")
    args = parser.parse_args(argv)
    if args.out is not None:
        base = PRESETS[args.preset] if args.preset else Params()
        overrides = {k: v for k in ("clients", "notes", "objectives", "seed")
                     if (v := getattr(args, k)) is not None}
        params = replace(base, **overrides)
        args.out.mkdir(parents=True, exist_ok=True)
        started = clock.perf_counter()
        manifest = build(params, args.out / "vault.tdvault", encrypted=True)
        if args.plain:
            build(params, args.out / "plain.sqlite", encrypted=False)
        (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str))
        print(f"built in {clock.perf_counter() - started:.1f} s: {manifest['counts']}")
        return 0
    if not args.preset:
        parser.error("give a preset or --out")
    built = ensure(args.preset, plain=args.plain)
    print(json.dumps(built.manifest.get("counts"), indent=1))
    return 0


def remove_cache(cache_dir: Path = CACHE_DIR) -> None:
    shutil.rmtree(cache_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["PASSPHRASE", "PRESETS", "Built", "Params", "build", "ensure"]
