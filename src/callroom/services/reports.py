"""The collector's figures and the ledger as files (CSV, JSON, iCalendar), for the report
screen, `callroom report` and `callroom export`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..domain.clock import Clock
    from ..domain.report import Report
    from ..store.repo import Store


class ReportsDesk:
    """Part of :class:`callroom.services.Desk`."""

    store: "Store"
    clock: "Clock"

    # The report's and the exports' modules are imported when first used: opening a session
    # does not need them.

    def report(self, *, trend_by: str = "month") -> Report:
        from ..domain import report as report_mod

        s = self.store
        return report_mod.build(s.client_files(), s.sessions.all(), self.clock.today(), s.settings.policy, trend_by=trend_by)

    def export_rows(self, kind: str, *, days: int | None = None) -> tuple[list, list]:
        """(items, rows) of an export: ``kind`` is calls, promises, invoices or followups
        (items: the follow-ups themselves, for a calendar; empty otherwise). Follow-ups:
        every one from today on, or the next ``days`` days. Calls: the written contacts too."""
        from .. import exports
        from ..domain import report as report_mod

        files = self.store.client_files()
        today = self.clock.today()
        if kind == "followups":
            items = report_mod.followups(files, today, days)
            return items, exports.followup_rows(items)
        if kind == "calls":
            return [], exports.contact_rows(files, self.store.written.all())
        if kind == "promises":
            return [], exports.promise_rows(files, today)
        if kind == "invoices":
            return [], exports.invoice_rows(files, today, self.store.settings.policy)
        raise ValueError(f"no export of {kind!r}")
