"""What an export says beyond its open invoices, kept and shown (found in a new-user trial of the import):
unapplied credits and payments and the file's own total, the status an invoice has in the owner's books,
which kind of export an invoice came from (what a full import may close), and the date of the payments an
import finds."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from callroom.cli import main
from callroom.domain.models import Client, Invoice
from callroom.importers import parse_file, plan_import
from callroom.store import open_store
from support import app_for, screen_text, session

FIX = Path(__file__).parent / "fixtures" / "csv"
QBO = FIX / "qbo_open_invoices.csv"
XERO = FIX / "xero_sales_invoices_export.csv"
STRIPE = FIX / "stripe_invoices.csv"
FRESHBOOKS = FIX / "freshbooks_invoice_details.csv"
AS_OF = "2026-04-15"
QB = "export:quickbooks"


def run(db, *args, as_of=AS_OF):
    return CliRunner().invoke(main, ["--db", str(db), "--as-of", as_of, "import", *args], catch_exceptions=False)


def stored(db):
    """(clients by name, invoices by number, payments by the invoices they were for) as on disk."""
    store = open_store(db, read_only=True)
    try:
        clients = {c.name: c for c in store.clients.all()}
        payments = {p.invoices: p for p in store.ledger.payments.all()}
        return clients, {i.number: i for i in store.ledger.all_invoices()}, payments
    finally:
        store.close()


def without_cedars_payment(tmp_path) -> Path:
    """A newer QuickBooks export: Cedar's unapplied payment has been applied (its row is gone)."""
    p = tmp_path / "qbo_newer.csv"
    p.write_text(QBO.read_text().replace(",03/20/2026,Payment,4471,,03/20/2026,-300.00\n", "")
                 .replace('"$3,025.50"', '"$3,325.50"').replace('"$27,426.50"', '"$27,726.50"'))
    return p


# ---------------------------------------------------------------- unapplied credits and the file's own total

def test_the_preview_names_unapplied_credits_and_the_files_own_total(tmp_path):
    r = run(tmp_path / "l.jsonl", "--dry-run", str(QBO))
    assert r.exit_code == 0, r.output
    out = r.output
    assert ("qbo_open_invoices.csv line 31 says the total is $27,426.50; its invoices add up to $28,226.50: "
            "the $800.00 of unapplied credits and payments listed below.") in out
    assert "Unapplied credits and payments in the files: 2 clients, $800.00" in out
    assert ("  - Cedar Ridge Property Management: unapplied payment #4471 $300.00 (qbo_open_invoices.csv line 9); "
            "its invoices here $3,325.50, $3,025.50 net") in out
    assert ("  - Northgate Self Storage: credit note #1064 $500.00 (qbo_open_invoices.csv line 22); "
            "its invoices here $12,905.25, $12,405.25 net") in out
    # The invoices themselves are as the export lists them: a credit or a payment is not an invoice.
    r = run(tmp_path / "l.jsonl", "--dry-run", "--json", str(QBO))
    assert json.loads(r.output) == json.loads((FIX / "qbo_open_invoices.expected.json").read_text())


def test_a_total_the_unapplied_credits_do_not_explain_is_said_too(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text(QBO.read_text().replace('TOTAL,,,,,,"$27,426.50"', 'TOTAL,,,,,,"$27,000.00"'))
    plan = plan_import([parse_file(odd)], [], [], as_of=date(2026, 4, 15), full=False, default_currency="USD")
    assert ("odd.csv line 31 says the total is $27,000.00; its invoices add up to $28,226.50: they differ by "
            "$1,226.50, which the file does not explain line by line.") in plan.summary_lines()


def test_the_client_keeps_its_unapplied_credit_from_each_kind_of_export(tmp_path):
    db = tmp_path / "l.jsonl"
    assert run(db, str(QBO)).exit_code == 0
    clients, invoices, _ = stored(db)
    assert clients["Cedar Ridge Property Management"].unapplied == {"USD": Decimal("300.00")}
    assert clients["Northgate Self Storage"].unapplied == {"USD": Decimal("500.00")}
    assert clients["Delgado Family Dental"].unapplied == {}
    assert (invoices["1041"].balance, invoices["1033"].balance) == (Decimal("2450.00"), Decimal("12905.25"))
    # Another kind of export says nothing about QuickBooks' credits: they stay.
    assert run(db, str(STRIPE)).exit_code == 0
    assert stored(db)[0]["Cedar Ridge Property Management"].unapplied == {"USD": Decimal("300.00")}
    # A newer QuickBooks export without the payment: it has been applied in the books.
    r = run(db, str(without_cedars_payment(tmp_path)))
    assert r.exit_code == 0, r.output
    assert "Unapplied credit updated for 1 client: Cedar Ridge Property Management." in r.output
    clients = stored(db)[0]
    assert clients["Cedar Ridge Property Management"].unapplied == {}
    assert clients["Northgate Self Storage"].unapplied == {"USD": Decimal("500.00")}


async def test_the_call_screen_says_the_unapplied_credit_in_the_books(tmp_path, clock):
    db = tmp_path / "l.jsonl"
    assert run(db, str(QBO)).exit_code == 0
    store = open_store(db)
    try:
        app = app_for(store, clock)
        async with app.run_test(size=(80, 24)) as pilot:
            s = await session(app, pilot, "Northgate Self Storage")
            text = screen_text(app)
            assert "Unapplied credit in your books: $500.00" in str(s.query_one("#card").content)
            totals = str(s.query_one("#totals").content)
            assert "Overdue $12,905.25  ·  unapplied credit $500.00  ·  oldest 1033" in totals
            script = " ".join(str(s.query_one("#script").content).split())
            assert "credit of $500.00 on your account, not yet applied to these invoices, so $12,405.25 is left " \
                   "to pay" in script
    finally:
        store.close()


# ---------------------------------------------------------------- statuses in the owner's books

def test_export_statuses_are_kept_as_facts_not_rows():
    fb, xero, stripe = parse_file(FRESHBOOKS), parse_file(XERO), parse_file(STRIPE)
    assert {i.invoice: i.book_status for i in fb.invoices}["0000244"] == "disputed"
    assert {i.invoice: i.book_status for i in xero.invoices} == {
        "INV-0409": "", "INV-0412": "", "INV-0418": "", "INV-0420": "", "INV-0423": "", "INV-0424": "unsent"}
    assert {i.invoice: i.book_status for i in stripe.invoices}["7C1E44A9-0002"] == "uncollectible"
    assert parse_file(QBO).invoices[0].book_status is None  # no status in the file: nothing said
    from callroom.importers import to_expected_json
    for name, pf in (("freshbooks_invoice_details", fb), ("xero_sales_invoices_export", xero),
                     ("stripe_invoices", stripe)):
        assert to_expected_json(pf) == json.loads((FIX / f"{name}.expected.json").read_text())


def test_disputed_unsent_and_uncollectible_invoices_are_stored_and_not_chased(tmp_path):
    db = tmp_path / "l.jsonl"
    r = run(db, str(XERO), str(STRIPE), str(FRESHBOOKS), as_of="2026-05-20")
    assert r.exit_code == 0, r.output
    assert "Not to be chased, as your books say: 3 invoices" in r.output
    _, invoices, _ = stored(db)
    assert (invoices["0000244"].book_status, invoices["INV-0424"].book_status,
            invoices["7C1E44A9-0002"].book_status, invoices["INV-0409"].book_status) == (
        "disputed", "unsent", "uncollectible", "")
    q = CliRunner().invoke(main, ["--db", str(db), "--as-of", "2026-05-20", "queue"], catch_exceptions=False)
    lines = q.output.splitlines()
    cut = lines.index("Not today:")
    queued, held = "\n".join(lines[:cut]), "\n".join(lines[cut:])
    assert "Sophie Tremblay" in held and "disputed in your books (0000244)" in held
    assert "Quarry Hill Brewing Co" in held and "uncollectible in your books (7C1E44A9-0002)" in held
    assert "Quarry Hill Brewing Co" not in queued and "escalation review" not in held
    aroha = next(line for line in lines[:cut] if "Aroha Early Learning Centre" in line)
    assert "NZ$1,104.00" in aroha  # INV-0409 only: INV-0424 was never sent


def test_a_newer_export_clears_a_status_it_no_longer_states(tmp_path):
    db = tmp_path / "l.jsonl"
    assert run(db, str(FRESHBOOKS)).exit_code == 0
    settled = tmp_path / "fb_newer.csv"
    settled.write_text(FRESHBOOKS.read_text().replace("0000244,2026-03-01,disputed", "0000244,2026-03-01,sent"))
    r = run(db, str(settled))
    assert r.exit_code == 0, r.output
    assert "  - Sophie Tremblay #0000244: status in your books disputed -> none" in r.output
    assert stored(db)[1]["0000244"].book_status == ""
    # A file without a status column says nothing: a status from another export stays.
    assert run(db, str(FRESHBOOKS)).exit_code == 0
    plain = tmp_path / "plain.csv"
    plain.write_text("Customer,Invoice,Balance\nSophie Tremblay,0000244,734.50\n")
    assert run(db, str(plain), "--currency", "CAD").exit_code == 0
    assert stored(db)[1]["0000244"].book_status == "disputed"


async def test_the_invoice_row_names_the_status_in_the_books(tmp_path, clock):
    db = tmp_path / "l.jsonl"
    assert run(db, str(XERO)).exit_code == 0
    store = open_store(db)
    try:
        app = app_for(store, clock)
        async with app.run_test(size=(120, 40)) as pilot:
            s = await session(app, pilot, "Aroha Early Learning Centre")
            text = screen_text(app)
            assert "INV-0424 (not sent yet)" in text
            assert "Overdue NZ$1,104.00  ·  not sent yet NZ$1,322.50" in str(s.query_one("#totals").content)
            script = " ".join(str(s.query_one("#script").content).split())
            assert "invoice INV-0409 from December 2025, NZ$1,104.00 in all" in script
            assert "(Not asked for: INV-0424 is not sent yet: send it first.)" in script
    finally:
        store.close()


# ---------------------------------------------------------------- --full: only the files' own kind of export

def _ledger_of_four_kinds(tmp_path) -> Path:
    db = tmp_path / "l.jsonl"
    for f in (QBO, XERO, STRIPE, FRESHBOOKS):
        assert run(db, str(f)).exit_code == 0
    return db


def _newer_qbo(tmp_path) -> Path:
    """A newer QuickBooks export: Delgado's 1052 paid (no longer listed), Cedar's 1041 part paid."""
    p = tmp_path / "qbo_apr.csv"
    p.write_text(QBO.read_text().replace('"As of Mar 31, 2026"', '"As of Apr 10, 2026"')
                 .replace('"2,450.00"', '"2,000.00"')
                 .replace(',01/05/2026,Invoice,1052,Net 15,01/20/2026,"1,200.00"\n', ""))
    return p


def test_full_closes_only_open_invoices_of_the_same_kind_of_export(tmp_path):
    db = _ledger_of_four_kinds(tmp_path)
    r = run(db, "--full", "--dry-run", str(_newer_qbo(tmp_path)))
    assert r.exit_code == 0, r.output
    assert "Closed as paid because they are not in the files (full import): 1." in r.output
    assert "  - Delgado Family Dental #1052 ($1,200.00)" in r.output
    assert ("Left open by the full import: 18 invoices these files could not list (a full import closes only open "
            "invoices of the same kind of export and currency): 7 from Stripe exports; 6 from Xero exports; "
            "5 from FreshBooks exports.") in r.output
    r = run(db, "--full", str(_newer_qbo(tmp_path)))
    assert r.exit_code == 0, r.output
    assert "1 closed" in r.output
    _, invoices, _ = stored(db)
    assert invoices["1052"].status == "paid"
    assert [n for n, i in invoices.items() if i.status != "open"] == ["1052"]


def test_without_full_an_invoice_the_newer_export_no_longer_lists_is_named(tmp_path):
    db = _ledger_of_four_kinds(tmp_path)
    r = run(db, "--dry-run", str(_newer_qbo(tmp_path)))
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    i = lines.index("Left open, not in these files: 1 invoice of the same kind of export (use --full if the files "
                    "list every open invoice, to close them as paid).")
    assert lines[i + 1] == "  - 1052 Delgado Family Dental ($1,200.00)"


def test_full_leaves_other_currencies_and_earlier_unknown_files_alone():
    clients = [Client(id=1, name="Cedar Ridge Property Management"), Client(id=2, name="Old Client")]
    existing = [
        Invoice(10, 1, "1041", "USD", Decimal("2450.00"), source="qbo_march.csv"),  # listed again: from QuickBooks
        Invoice(11, 1, "0999", "USD", Decimal("300.00"), source="qbo_march.csv"),   # the same earlier file: closed
        Invoice(12, 2, "0500", "USD", Decimal("80.00"), source="other_list.csv"),   # nothing ties it to QuickBooks
        Invoice(13, 2, "0600", "CAD", Decimal("90.00"), source=QB),                 # QuickBooks, but in CAD
        Invoice(14, 2, "0700", "USD", Decimal("70.00"), source="demo"),
    ]
    plan = plan_import([parse_file(QBO)], clients, existing, as_of=date(2026, 4, 15), full=True,
                       default_currency="USD")
    closed = {i.id for c in plan.clients for i in c.closed_invoices}
    assert closed == {11}
    assert {lo.invoice.id: lo.why for lo in plan.left_alone} == {
        12: "from earlier imports these files cannot be tied to", 13: "in CAD, which these files do not list",
        14: "from the demo"}
    cedar = next(c for c in plan.clients if c.client.id == 1)
    assert [(i.id, i.source) for i in cedar.updated_invoices] == [(10, QB)]  # its kind is recorded now
    assert "Recorded which kind of export 1 invoice came from." in plan.summary_lines()


# ---------------------------------------------------------------- the date of payments an import finds

def test_payments_an_import_finds_are_dated_by_the_exports_as_of_date(tmp_path):
    db = tmp_path / "l.jsonl"
    assert run(db, str(QBO), as_of="2026-04-01").exit_code == 0
    assert run(db, "--full", str(_newer_qbo(tmp_path)), as_of="2026-04-20").exit_code == 0
    _, invoices, pays = stored(db)
    assert pays[("1041",)].date == date(2026, 4, 10)  # the balance went down: paid by the export's as-of date
    assert pays[("1052",)].date == date(2026, 4, 10)  # closed by the full import
    assert invoices["1052"].closed_on == date(2026, 4, 10)


def test_an_as_of_date_after_today_is_not_used(tmp_path):
    clients = [Client(id=1, name="Cedar Ridge Property Management")]
    existing = [Invoice(10, 1, "1041", "USD", Decimal("3000.00"), source=QB)]
    plan = plan_import([parse_file(QBO)], clients, existing, as_of=date(2026, 3, 20), full=False,
                       default_currency="USD")
    (pay,) = plan.clients[0].payments
    assert pay.date == date(2026, 3, 20)  # the file says Mar 31: not a day that has come yet
