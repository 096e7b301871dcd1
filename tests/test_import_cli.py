"""`callroom import` end to end: files in, ledger out, through the real store."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from callroom.cli import main
from callroom.store import open_store

FIX = Path(__file__).parent / "fixtures" / "csv"
AS_OF = "2026-04-15"


def run(db, *args):
    return CliRunner().invoke(main, ["--db", str(db), "--as-of", AS_OF, "import", *args], catch_exceptions=False)


@pytest.mark.parametrize("name", ["qbo_open_invoices", "xero_sales_invoices_export", "stripe_invoices", "freshbooks_invoice_details"])
def test_sample_lands_in_the_ledger_as_expected(tmp_path, name):
    db = tmp_path / "l.jsonl"
    r = run(db, str(FIX / f"{name}.csv"))
    assert r.exit_code == 0, r.output
    expected = json.loads((FIX / f"{name}.expected.json").read_text())
    store = open_store(db, read_only=True)
    names = {c.id: c.name for c in store.clients.all()}
    got = {(names[i.client_id], i.number): i for i in store.ledger.all_invoices()}
    assert len(got) == len(expected)
    for e in expected:
        inv = got[(e["client"], e["invoice"])]
        if e["balance"] is None:
            assert inv.balance is None
        else:
            assert inv.balance == Decimal(e["balance"])
        assert (inv.due.isoformat() if inv.due else None) == e["due"]
    store.close()


def test_dry_run_json_matches_expected_and_stores_nothing(tmp_path):
    db = tmp_path / "l.jsonl"
    r = run(db, "--dry-run", "--json", str(FIX / "stripe_invoices.csv"))
    assert r.exit_code == 0
    got = {(x["client"], x["invoice"]): x for x in json.loads(r.output)}
    expected = {(x["client"], x["invoice"]): x for x in json.loads((FIX / "stripe_invoices.expected.json").read_text())}
    assert got.keys() == expected.keys()
    assert not db.exists()


def test_bad_file_is_refused_with_line_column_value_and_nothing_stored(tmp_path):
    db = tmp_path / "l.jsonl"
    assert run(db, str(FIX / "qbo_open_invoices.csv")).exit_code == 0
    before = db.read_bytes()
    r = run(db, str(FIX / "bad" / "bad_amount_malformed.csv"))
    assert r.exit_code == 1
    assert "line 4" in r.output and "Invoice Balance" in r.output and "12,34.5x" in r.output
    assert db.read_bytes() == before


def test_reimport_with_lower_balance_records_a_payment(tmp_path):
    db = tmp_path / "l.jsonl"
    src = (FIX / "qbo_open_invoices.csv").read_text()
    assert run(db, str(FIX / "qbo_open_invoices.csv")).exit_code == 0
    newer = tmp_path / "newer.csv"
    newer.write_text(src.replace('"2,450.00"', '"2,000.00"'))
    r = run(db, str(newer))
    assert r.exit_code == 0, r.output
    store = open_store(db, read_only=True)
    cedar = store.clients.find("Cedar Ridge")
    inv = [i for i in store.ledger.invoices.for_client(cedar.id) if i.number == "1041"][0]
    assert inv.balance == Decimal("2000.00")
    pays = store.ledger.payments.for_client(cedar.id)
    assert [p.amount for p in pays] == [Decimal("450.00")]
    store.close()
    assert r.output.splitlines()[-1] == "Stored: 0 new clients, 0 new invoices, 1 updated, 1 payment, 0 closed."


def test_counts_are_words_and_a_reimport_says_nothing_to_change_once(tmp_path):
    db = tmp_path / "l.jsonl"
    one = tmp_path / "one.csv"
    one.write_text("Customer,Invoice,Due Date,Balance\nTanaka Ceramics,T-1,2026-03-01,4200.00\n")
    r = run(db, str(one))
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1] == "Stored: 1 new client, 1 new invoice, 0 updated, 0 payments, 0 closed."
    before = db.read_bytes()
    again = run(db, str(one))
    assert again.exit_code == 0, again.output
    assert again.output.lower().count("nothing to") == 1 and "Stored:" not in again.output
    assert db.read_bytes() == before


def test_a_dry_run_before_the_first_import_works_and_creates_nothing(tmp_path):
    from pathlib import Path

    from click.testing import CliRunner

    from callroom.cli import main

    path = tmp_path / "new.jsonl"
    csv = Path(__file__).parent / "fixtures" / "csv" / "qbo_open_invoices.csv"
    r = CliRunner().invoke(main, ["--db", str(path), "import", "--dry-run", str(csv)])
    assert r.exit_code == 0, r.output
    assert "New invoices: 9" in r.output and not path.exists()


def test_a_workbook_is_named_as_a_workbook_and_its_sheet(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Open items"
    ws.append(["Customer", "Invoice", "Due date", "Balance"])
    ws.append(["Harborview Bistro", "1073", "2026-04-01", 3180])
    wb.save(tmp_path / "book.xlsx")
    r = run(tmp_path / "l.jsonl", "--dry-run", str(tmp_path / "book.xlsx"))
    assert r.exit_code == 0, r.output
    assert 'Read 1 file: book.xlsx (invoice list, workbook sheet "Open items").' in r.output
    assert "CSV" not in r.output
    r = run(tmp_path / "l.jsonl", "--dry-run", "--explain", str(tmp_path / "book.xlsx"))
    assert r.output.startswith('book.xlsx (invoice list, workbook sheet "Open items"): headings on sheet')


def test_a_cut_list_says_how_to_see_it_whole(tmp_path):
    files = [str(FIX / f"{n}.csv") for n in ("xero_sales_invoices_export", "stripe_invoices",
                                             "freshbooks_invoice_details")]
    r = run(tmp_path / "l.jsonl", "--dry-run", *files)
    assert r.exit_code == 0, r.output
    assert "  … and 2 more (--explain lists them all)" in r.output  # 14 new clients, 12 shown
    r = run(tmp_path / "l.jsonl", "--dry-run", "--explain", *files)
    assert "… and" not in r.output
    clients = r.output.split("New clients: 14.\n", 1)[1].split("New invoices", 1)[0].splitlines()
    assert len(clients) == 14 and "  - Sophie Tremblay" in clients
