"""Importing invoices from inside the app (Textual Pilot): files typed, a preview, then a
confirmed write; cancelled, refused and ambiguous files store nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from callroom.domain.codes import Result
from callroom.services.desk import Desk
from callroom.services.imports import parse_files
from callroom.store import open_store
from callroom.ui.app import CallroomApp, EmptyScreen
from callroom.ui.importer import ImportScreen, resolve_paths, split_paths
from callroom.ui.session import SessionScreen
from support import app_for, screen_text

FIX = Path(__file__).parent / "fixtures" / "csv"
QBO = FIX / "qbo_open_invoices.csv"


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).content)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def invoices_on_disk(store) -> int:
    ro = open_store(store.path, read_only=True)
    try:
        return len(ro.ledger.all_invoices())
    finally:
        ro.close()


async def read_files(pilot, path: str) -> ImportScreen:
    """On the import screen: type the path, press Enter, wait for the worker's answer."""
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen)
    await pilot.press(*path, "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen


# ---------------------------------------------------------------- paths

def test_paths_by_commas_quotes_or_spaces(tmp_path):
    assert split_paths(" a.csv, ~/b c.csv ,") == ["a.csv", "~/b c.csv"]
    assert split_paths('"my export.csv" other.csv') == ["my export.csv", "other.csv"]
    assert split_paths("~/Open Invoices.csv") == ["~/Open Invoices.csv"]
    assert split_paths("  ") == []
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x")
    b.write_text("x")
    assert resolve_paths(f"{a} {b}") == [a, b]  # words that are each a file
    assert resolve_paths("~/x.csv") == [Path.home() / "x.csv"]


# ---------------------------------------------------------------- from the empty ledger

async def test_import_from_the_empty_ledger_by_keys(empty_store, clock):
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, EmptyScreen)
        await pilot.press("i")
        screen = await read_files(pilot, str(QBO))
        preview = text_of(screen, "#import-preview")
        assert "Read 1 file: qbo_open_invoices.csv (QuickBooks Online Open Invoices)." in preview
        assert "New clients: 7." in preview and "New invoices: 9, $28,226.50 owed." in preview
        assert "Skipped: 10" in preview and "credit note" in preview
        assert "nothing is stored until you press y or Enter" in text_of(screen, "#import-status")
        assert empty_store.is_empty() and invoices_on_disk(empty_store) == 0  # a preview stores nothing
        await pilot.press("y")
        await pilot.pause()
        assert invoices_on_disk(empty_store) == 9
        s = app.screen
        assert isinstance(s, SessionScreen)
        assert len(s.slots) == 7
        assert s.slot.entry.name in text_of(s, "#card")
        assert any(n.startswith("Imported: 7 new clients, 9 new invoices") for n in notes(app))


async def test_the_palette_offers_the_import_on_the_empty_ledger(empty_store, clock):
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"import")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ImportScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EmptyScreen)


async def test_a_cancelled_preview_stores_nothing(empty_store, clock):
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        screen = await read_files(pilot, str(QBO))
        assert "New invoices: 9" in text_of(screen, "#import-preview")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EmptyScreen)
        assert empty_store.is_empty() and invoices_on_disk(empty_store) == 0


async def test_a_broken_file_is_shown_in_place_and_nothing_is_stored(empty_store, clock):
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        screen = await read_files(pilot, str(FIX / "bad" / "bad_amount_malformed.csv"))
        assert app.screen is screen and screen.state == "error"
        msg = text_of(screen, "#import-status")
        assert "bad_amount_malformed.csv, line 4" in msg and "Invoice Balance" in msg and "12,34.5x" in msg
        assert "Nothing from this file was imported." in msg
        await pilot.press("y", "enter")  # no preview: nothing to confirm (the keys go to the path box)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
        assert empty_store.is_empty() and invoices_on_disk(empty_store) == 0


async def test_a_missing_file_is_named(empty_store, clock, tmp_path):
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        screen = await read_files(pilot, str(tmp_path / "nope.csv"))
        assert "nope.csv: no such file" in text_of(screen, "#import-status")
        assert empty_store.is_empty()


async def test_ambiguous_dates_ask_for_the_order(empty_store, clock, tmp_path):
    amb = tmp_path / "amb.csv"
    amb.write_text("Customer,Invoice,Date,Due Date,Balance\nAcme,1,03/04/2026,05/04/2026,10.00\nBeta,2,01/02/2026,,5\n")
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        screen = await read_files(pilot, str(amb))
        msg = text_of(screen, "#import-status")
        assert "amb.csv, line 2" in msg and "day-first or a month-first" in msg
        assert "Choose the date order with ctrl+o" in msg
        await pilot.press("ctrl+o")  # dmy: read again at once
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.order == "dmy" and screen.state == "preview"
        assert "dmy: day/month/year" in text_of(screen, "#import-options")
        assert "New invoices: 2" in text_of(screen, "#import-preview")
        await pilot.press("enter")
        await pilot.pause()
        acme = [i for i in empty_store.ledger.all_invoices() if i.number == "1"][0]
        assert acme.issued.isoformat() == "2026-04-03"


async def test_full_import_option_closes_only_invoices_of_the_same_kind_of_export(empty_store, clock, tmp_path):
    # A full QuickBooks import closed the Stripe invoices too: it may close only invoices from QuickBooks exports.
    desk = Desk(empty_store, clock)
    desk.apply_import(desk.plan_import(parse_files([FIX / "stripe_invoices.csv", QBO])))
    stripe_open = sorted(i.id for i in empty_store.ledger.all_invoices() if i.number[:2] in ("7C", "D9", "A4", "5E"))
    newer = tmp_path / "qbo_newer.csv"  # Delgado's 1052 is paid: the newer export no longer lists it
    newer.write_text(QBO.read_text().replace(',01/05/2026,Invoice,1052,Net 15,01/20/2026,"1,200.00"\n', ""))
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s = app.screen
        await s.run_action("import_invoices")
        await pilot.pause()
        screen = await read_files(pilot, str(newer))
        preview = text_of(screen, "#import-preview")
        assert "Left open, not in these files: 1 invoice of the same kind of export (use ctrl+f (Full import)" in preview
        assert "1052 Delgado Family Dental ($1,200.00)" in preview
        await pilot.press("ctrl+f")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.full and "ON: open invoices of their kind not in these files close as paid" in text_of(
            screen, "#import-options")
        preview = text_of(screen, "#import-preview")
        assert "Closed as paid because they are not in the files (full import): 1." in preview
        assert "Delgado Family Dental #1052 ($1,200.00)" in preview
        assert f"Left open by the full import: {len(stripe_open)} invoices" in preview
        assert f"{len(stripe_open)} from Stripe exports" in preview
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is s
    ro = open_store(empty_store.path, read_only=True)
    try:
        by_id = {i.id: i for i in ro.ledger.all_invoices()}
        assert all(by_id[i].status == "open" for i in stripe_open)
        (paid,) = [i for i in by_id.values() if i.number == "1052"]
        assert paid.status == "paid" and paid.closed_on.isoformat() == "2026-03-31"  # the export's as-of date
        (pay,) = [p for p in ro.ledger.payments.for_client(paid.client_id) if p.invoices == ("1052",)]
        assert pay.date.isoformat() == "2026-03-31"
    finally:
        ro.close()


# ---------------------------------------------------------------- from a session

async def test_import_mid_session_adds_new_clients_and_keeps_work(demo_store, clock, tmp_path):
    new = tmp_path / "tanaka.csv"
    new.write_text("Customer,Invoice,Due Date,Balance,Phone\nTanaka Ceramics,T-1,2026-09-01,4200.00,+1 212 555 0100\n")
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        first = s.slot.entry.client_id
        await pilot.press("v", "enter")
        saved = list(s.saved_ids)
        current = s.slot.entry.client_id
        await pilot.press("r", "o", *"half typed", "escape")
        n = len(s.slots)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"import invoices")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        screen = await read_files(pilot, str(new))
        assert "New clients: 1." in text_of(screen, "#import-preview")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is s
        assert s.saved_ids == saved and s.slots[0].entry.client_id == first and s.slots[0].saved_call_id is not None
        assert s.slot.entry.client_id == current
        assert s.slot.draft.result is Result.REACHED and s.query_one("#note").value == "half typed"
        names = [x.entry.name for x in s.slots]
        assert "Tanaka Ceramics" in names and len(names) == n + 1
        assert names.index("Tanaka Ceramics") > s.index  # still to call
        assert any("1 client added to the queue" in m for m in notes(app))
        assert any(m.startswith("Imported: 1 new client, 1 new invoice, 0 updated, 0 payments, 0 closed. 1 client added")
                   for m in notes(app))  # counted words: never '1 new clients'
        # the same file again: the preview says there is nothing to change, once
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"import invoices")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        screen = await read_files(pilot, str(new))
        shown = screen_text(app).lower()
        assert shown.count("nothing to") == 1 and "already has all of this" in shown
        await pilot.press("escape")


async def test_a_read_only_ledger_refuses_the_import(tmp_path, clock):
    path = tmp_path / "ledger.jsonl"
    open_store(path).close()
    ro = open_store(path, read_only=True)
    app = app_for(ro, clock)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, EmptyScreen)
            await pilot.press("i")
            await pilot.pause()
            assert isinstance(app.screen, EmptyScreen)
            assert any("open read-only: nothing can be imported" in m for m in notes(app))
    finally:
        ro.close()


async def test_empty_ledger_offers_the_import_key(empty_store, clock):
    app = app_for(empty_store, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "i to import them here" in text and "callroom import" in text


# ---------------------------------------------------------------- columns named by hand

ODD = (
    "Cust,Doc No,Dated,Pay By,Amt Left,Cur\r\n"
    "Harbor Lights Cafe,HL-101,2026-09-01,2026-10-01,1200.50,USD\r\n"
    "Harbor Lights Cafe,HL-102,2026-10-01,2026-10-31,300.00,USD\r\n"
    "Quarry Works Ltd,QW-7,2026-08-15,2026-09-14,2500.00,USD\r\n"
)


async def test_a_file_with_unknown_headings_imports_once_its_columns_are_named(empty_store, clock, tmp_path):
    csv = tmp_path / "odd.csv"
    csv.write_text(ODD)
    app = app_for(empty_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        screen = await read_files(pilot, str(csv))
        assert screen.state == "error"
        assert "Columns box" in text_of(screen, "#import-status")  # says where to name them

        # A mistyped item is refused in place, naming it, before anything is read.
        await pilot.press("tab", *"balance Amt Left", "enter")
        await pilot.pause()
        assert screen.state == "error" and "'balance Amt Left': write FIELD=HEADING" in text_of(screen, "#import-status")
        assert screen.focused is screen.query_one("#import-map")

        screen.query_one("#import-map").value = 'client=Cust, invoice=Doc No; issued=Dated, due="Pay By", balance=Amt Left, currency=Cur'
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.state == "preview", text_of(screen, "#import-status")
        assert "New invoices: 3" in text_of(screen, "#import-preview")
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
    ro = open_store(empty_store.path, read_only=True)
    try:
        inv = {i.number: i for i in ro.ledger.all_invoices()}
        assert sorted(inv) == ["HL-101", "HL-102", "QW-7"]
        assert str(inv["HL-101"].balance) == "1200.50" and inv["HL-101"].due.isoformat() == "2026-10-01"
        assert {c.name for c in ro.clients.all()} == {"Harbor Lights Cafe", "Quarry Works Ltd"}
    finally:
        ro.close()


def test_column_map_reads_what_the_cli_and_the_import_window_take():
    from callroom.importers.columns import column_map, split_column_map

    assert column_map(["balance=Amount Due", "Due = 'Pay By'", 'client="Cust, Inc"']) == {
        "balance": "Amount Due", "due": "Pay By", "client": "Cust, Inc"}
    assert split_column_map(" balance=Amt Left ;due=Pay By,, ") == ["balance=Amt Left", "due=Pay By"]
    assert split_column_map('client="Smith, Jones", balance=\'Left; to pay\'') == ['client="Smith, Jones"', "balance='Left; to pay'"]
    assert column_map([]) == {}
    with pytest.raises(ValueError, match="'oops': write FIELD=HEADING"):
        column_map(["oops"])
