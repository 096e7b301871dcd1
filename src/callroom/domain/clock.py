"""The injectable clock: every 'today' in callroom comes from one of these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time


@dataclass(frozen=True)
class Clock:
    """Real time, or a fixed day (``--as-of``) at the real time of day, or a fixed instant (tests)."""

    as_of: date | None = None
    fixed: datetime | None = None

    def now(self) -> datetime:
        if self.fixed is not None:
            return self.fixed if self.fixed.tzinfo else self.fixed.astimezone()
        real = datetime.now().astimezone()
        if self.as_of is None:
            return real
        return datetime.combine(self.as_of, real.timetz())

    def today(self) -> date:
        return self.now().date()

    @classmethod
    def at(cls, when: datetime) -> "Clock":
        return cls(fixed=when)

    @classmethod
    def on(cls, day: date, hour: int = 10) -> "Clock":
        return cls(fixed=datetime.combine(day, time(hour, 0)).astimezone())
