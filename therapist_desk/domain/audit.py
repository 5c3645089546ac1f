"""Audit events and disclosures: what happened to which record, when; never the content."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One append-only entry. ``detail`` carries field names or counts, never record content."""

    at: datetime
    action: str
    record_type: str = ""
    record_id: int | None = None
    client_id: int | None = None
    detail: str = ""
    prev_hash: str = GENESIS_HASH
    hash: str = ""
    id: int | None = None

    def computed_hash(self) -> str:
        """SHA-256 over the previous hash and this entry's fields: a chain that shows any edit."""
        payload = json.dumps(
            [self.prev_hash, self.at.isoformat(), self.action, self.record_type,
             self.record_id, self.client_id, self.detail],
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Disclosure:
    """What went to whom and when: the accounting of disclosures a client may ask for."""

    client_id: int
    disclosed_on: date
    recipient: str
    what: str
    purpose: str = ""
    release_id: int | None = None
    id: int | None = None
