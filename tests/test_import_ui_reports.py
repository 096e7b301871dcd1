"""The import window with reports, workbooks and European files, likely client matches and
older exports (Textual Pilot): what the screen shows, what the keys decide, what is stored."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import workbooks
from callroom.domain.models import Client, Invoice
from callroom.store import open_store
from callroom.ui.importer import ImportScreen
from support import app_for

from test_import_ui import invoices_on_disk, read_files, text_of

FIX = Path(__file__).parent / "fixtures"


def _on_disk(store):
    ro = open_store(store.path, read_only=True)
    try:
        return sorted(c.name for c in ro.clients.all()), {i.number: (i.client_id, i.balance) for i in ro.ledger.all_invoices()}
    finally:
        ro.close()


async def _open(pilot):
    await pilot.pause()
    await pilot.press("i")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ImportScreen)


async def test_workbook_two_sheets_asked_then_chosen_with_ctrl_g(empty_store, clock, tmp_path):
    path = workbooks.aged_receivables(tmp_path / "aged.xlsx", extra_sheets=[("Open", workbooks.INVOICE_SHEET)])
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot)
        screen = await read_files(pilot, str(path))
        status = text_of(screen, "#import-status")
        assert "More than one sheet holds invoices" in status and "ctrl+g" in status
        await pilot.press("ctrl+g")  # the first of the sheets offered
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.state == "preview" and screen.sheet == "Aged Receivables"
        assert "New invoices: 4, NZ$6,279.00 owed." in text_of(screen, "#import-preview")
        await pilot.press("ctrl+g")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.sheet == "Open" and "New invoices: 2" in text_of(screen, "#import-preview")
        await pilot.press("y")
        await pilot.pause()
    assert _on_disk(empty_store)[1] == {"1073": (1, Decimal("3180")), "1052": (2, Decimal("1200.5"))}


async def test_ambiguous_decimals_asked_then_chosen_with_ctrl_t(empty_store, clock):
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot)
        screen = await read_files(pilot, str(FIX / "reports" / "ambiguous_decimal.csv"))
        assert "reads two ways" in text_of(screen, "#import-status") and screen.state == "error"
        await pilot.press("ctrl+t")  # comma
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.decimal == "comma"
        assert "New invoices: 3, $6,750.00 owed." in text_of(screen, "#import-preview")


async def test_likely_match_needs_an_answer_before_store(empty_store, clock, tmp_path):
    empty_store.clients.add(Client(None, "Anna Kowalski"))
    f = tmp_path / "export.csv"
    f.write_text("Customer,Invoice,Balance\n\"Kowalski, Anna\",2001,300.00\n", encoding="utf-8")
    app = app_for(empty_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        screen = await read_files(pilot, str(f))
        status = text_of(screen, "#import-status")
        assert "Is Kowalski, Anna (in the file) Anna Kowalski (#1)?" in status
        assert "s: same client · k: keep apart" in status
        await pilot.press("y")  # Store is not offered while a question is open
        await pilot.pause()
        assert isinstance(app.screen, ImportScreen) and invoices_on_disk(empty_store) == 0
        await pilot.press("s")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "Kowalski, Anna is Anna Kowalski (#1): as you said" in text_of(screen, "#import-preview")
        await pilot.press("y")
        await pilot.pause()
    assert _on_disk(empty_store) == (["Anna Kowalski"], {"2001": (1, Decimal("300.00"))})


async def test_keep_apart_makes_a_client_of_its_own(empty_store, clock, tmp_path):
    empty_store.clients.add(Client(None, "Anna Kowalski"))
    f = tmp_path / "export.csv"
    f.write_text("Customer,Invoice,Balance\n\"Kowalski, Anna\",2001,300.00\n", encoding="utf-8")
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot)
        screen = await read_files(pilot, str(f))
        await pilot.press("k")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "New clients: 1." in text_of(screen, "#import-preview")
        await pilot.press("y")
        await pilot.pause()
    assert _on_disk(empty_store)[0] == ["Anna Kowalski", "Kowalski, Anna"]


async def test_older_facts_need_a_clear_accept_before_store(empty_store, clock, tmp_path):
    c = empty_store.clients.add(Client(None, "Harborview Bistro"))
    empty_store.ledger.invoices.add(Invoice(None, c.id, "1073", "USD", Decimal("1000.00")))
    f = tmp_path / "export.csv"
    f.write_text("As of March 31, 2026\n\nCustomer,Invoice,Balance\nHarborview Bistro,1073,3180.00\n", encoding="utf-8")
    app = app_for(empty_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        screen = await read_files(pilot, str(f))
        assert "These files would move facts back" in text_of(screen, "#import-status")
        assert "the balance would go up with no new invoice, $1,000.00 -> $3,180.00" in text_of(screen, "#import-preview")
        await pilot.press("y")
        await pilot.pause()
        assert _on_disk(empty_store)[1]["1073"][1] == Decimal("1000.00")  # nothing moved
        await pilot.press("a")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "Older facts, accepted" in text_of(screen, "#import-preview")
        await pilot.press("y")
        await pilot.pause()
    assert _on_disk(empty_store)[1]["1073"][1] == Decimal("3180.00")


async def test_european_report_through_the_window(empty_store, clock):
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot)
        screen = await read_files(pilot, str(FIX / "reports" / "european_semicolon_cp1252.csv"))
        assert "New invoices: 3, €14,164.56 owed." in text_of(screen, "#import-preview")
        await pilot.press("y")
        await pilot.pause()
    names, invs = _on_disk(empty_store)
    assert names == ["Bäckerei Hofmann GmbH", "Café Lindqvist", "Zahnarztpraxis Dr. Roux"]
    assert invs["RE-2026-014"][1] == Decimal("1234.56")
