"""Constants and helpers shared by the UI and CLI tests."""

from __future__ import annotations

from datetime import date, datetime, timezone

TODAY = date(2026, 11, 23)  # a Monday
# 15:00 UTC: 10:00 in New York, 07:00 in California, 16:00 in Paris, 04:00 next day in NZ.
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
