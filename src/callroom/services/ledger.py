"""The ledger as the screens and commands see it: clients and their files, the owner's
settings, whether it can be written, and opening or closing it.

The one place ``ui/`` and ``cli/`` reach the store through (with the other parts of
:class:`callroom.services.Desk`); they never import ``callroom.store`` themselves.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.history import Event, timeline
from ..domain.models import Client, ClientFile, Invoice
from ..domain.money import Totals

if TYPE_CHECKING:
    from ..domain.clock import Clock
    from ..store.repo import Settings, Store


class LedgerDesk:
    """Part of :class:`callroom.services.Desk`."""

    store: "Store"
    clock: "Clock"

    # the file
    @property
    def path(self) -> Path | None:
        return self.store.path

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    def is_empty(self) -> bool:
        """No invoices yet: the session has nothing to build a queue from."""
        return self.store.is_empty()

    def ledger_notices(self) -> list[str]:
        """What the owner should be told about this open of the ledger, once: an unfinished
        last write set aside (and where its bytes are), no seal beside the ledger, a file
        converted from an earlier format. Empty for a whole file, and after
        :meth:`dismiss_ledger_notices`."""
        from ..store import notices

        if getattr(self, "_notices_seen", False):
            return []
        return [n.text for n in notices(self.store)] + list(getattr(self, "_more_notices", ()))

    def add_ledger_notice(self, text: str) -> None:
        """One more thing to tell the owner with :meth:`ledger_notices` (how the ledger was opened)."""
        self._more_notices = [*getattr(self, "_more_notices", ()), text]

    def dismiss_ledger_notices(self) -> None:
        """The owner has read them: :meth:`ledger_notices` is empty from now on."""
        self._notices_seen = True

    def transaction(self) -> AbstractContextManager[None]:
        """Several writes as one: all land, or none."""
        return self.store.transaction()

    def close(self) -> None:
        self.store.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # settings
    @property
    def settings(self) -> "Settings":
        return self.store.settings

    @property
    def default_currency(self) -> str:
        return self.store.settings.default_currency.upper()

    # clients
    def find_client(self, text: str) -> Client:
        """A client by '#id', id, name, unique prefix or unique word prefix: raises
        ``NotFound`` or ``Ambiguous`` (which lists the candidates)."""
        return self.store.clients.find(text)

    def clients(self) -> list[Client]:
        return self.store.clients.all()

    def client_names(self) -> list[tuple[int, str]]:
        return [(c.id, c.name) for c in self.store.clients.all()]  # type: ignore[misc]

    def client_file(self, client_id: int) -> ClientFile:
        return self.store.client_file(client_id)

    def client_files(self) -> list[ClientFile]:
        return self.store.client_files()

    def open_invoices(self, client_id: int) -> list[Invoice]:
        return self.store.ledger.open_invoices(client_id)

    def owed(self, client_id: int) -> Totals:
        """What a client owes, per currency (invoices whose balance the export did not give left out)."""
        owed = Totals()
        for inv in self.store.ledger.open_invoices(client_id):
            if inv.balance is not None:
                owed[inv.currency] = owed.get(inv.currency, Decimal(0)) + inv.balance
        return owed

    def history(self, client_id: int, *, newest_first: bool = True) -> list[Event]:
        """A client's whole history as one timeline."""
        return timeline(self.store.client_file(client_id), self.clock.today(), newest_first=newest_first,
                        written=self.store.written.for_client(client_id))

    def sessions(self):
        return self.store.sessions.all()

    def counts(self) -> dict[str, int]:
        return {"clients": self.store.clients.count(), "invoices": self.store.ledger.invoices.count(), "calls": self.store.calls.count()}


