"""The collection policy: every threshold a user may change, in one object (DOMAIN.md section 2)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import time


@dataclass(frozen=True)
class Policy:
    friendly_from: int = 7  # days overdue where the friendly follow-up starts
    personal_from: int = 30  # personal outreach
    escalation_from: int = 90  # escalation review
    min_days_overdue: int = 7  # a client is queued only from this many days overdue
    refollow_days: int = 15  # default gap before the next follow-up
    hold_days: int = 3  # a client called this recently is held back
    broken_to_escalate: int = 2  # broken promises that move a client to escalation review
    promise_days: int = 7  # a promise form suggests a date this far away
    voicemail_business_days: int = 2
    final_notice_days: int = 10  # an escalation's deadline
    # Your usual terms, counted from the issue date when an invoice has no due date and no terms
    # of its own; None: not said, and 30 days are assumed (and said to be assumed wherever shown).
    # (Ledgers written before carry 'default_terms_days': 30, a default nobody chose: it is
    # not read as the owner's terms.)
    usual_terms_days: int | None = None
    call_start: time = time(9, 0)
    call_end: time = time(17, 0)
    weekdays_only: bool = True

    def to_record(self) -> dict:
        d = asdict(self)
        d["call_start"] = self.call_start.strftime("%H:%M")
        d["call_end"] = self.call_end.strftime("%H:%M")
        return d

    @classmethod
    def from_record(cls, rec: dict | None) -> "Policy":
        if not rec:
            return cls()
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in rec.items() if k in names}
        for k in ("call_start", "call_end"):
            if isinstance(kw.get(k), str):
                kw[k] = time.fromisoformat(kw[k])
        return cls(**kw)

    def validate(self) -> None:
        if not (0 < self.friendly_from <= self.personal_from <= self.escalation_from):
            raise ValueError("stages must rise: friendly ≤ personal ≤ escalation, all above 0 days")
        if self.call_start >= self.call_end:
            raise ValueError("calling hours must start before they end")
        if self.usual_terms_days is not None and not 0 <= self.usual_terms_days <= 365:
            raise ValueError("your usual terms are 0 to 365 days")
        for name in ("min_days_overdue", "refollow_days", "hold_days", "promise_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name.replace('_', ' ')} cannot be negative")
