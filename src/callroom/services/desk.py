"""``Desk``: what the screens and the command line ask of the ledger, in one object made of
small parts, one per concern (each in its own module):

- :class:`~callroom.services.session.SessionDesk`: the queue, a client's standing and
  script, storing and undoing a call, sessions;
- :class:`~callroom.services.payments.PaymentsDesk`: payments received;
- :class:`~callroom.services.ledger.LedgerDesk`: clients, their files and history, settings,
  the file's state;
- :class:`~callroom.services.imports.ImportsDesk`: imports planned and stored;
- :class:`~callroom.services.reports.ReportsDesk`: the report and the exports;
- :class:`~callroom.services.writing.WritingDesk`: the business profile, client details,
  written messages and their record;
- :class:`~callroom.services.escalation.EscalationDesk`: escalation routes weighed and
  chosen, the owner's costs, case files.

Every write is durable before the method returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..domain.clock import Clock
from .escalation import EscalationDesk
from .imports import ImportsDesk
from .ledger import LedgerDesk
from .payments import PaymentsDesk
from .reports import ReportsDesk
from .session import SessionDesk
from .writing import WritingDesk

if TYPE_CHECKING:
    from ..store.repo import Store


class Desk(SessionDesk, PaymentsDesk, LedgerDesk, ImportsDesk, ReportsDesk, WritingDesk, EscalationDesk):
    def __init__(self, store: "Store", clock: Clock | None = None):
        self.store = store
        self.clock = clock or Clock()
        self._init_session()
