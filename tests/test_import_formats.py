"""Every fixture export imports to exactly its expected list (the shared samples and
one fixture per other format), and the structure-specific details hold."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from callroom.importers import ImportedInvoice, parse_file, to_expected_json

FIXTURES = Path(__file__).parent / "fixtures" / "csv"
EXPECTED = sorted(FIXTURES.glob("*.expected.json"))
SHARED_SAMPLES = ["freshbooks_invoice_details", "qbo_open_invoices", "stripe_invoices", "xero_sales_invoices_export"]
KEYS = {"client", "invoice", "issued", "due", "currency", "balance", "email", "phone"}


def _keyed(items: list[dict]) -> dict:
    out = {}
    for d in items:
        d = dict(d)
        d["balance"] = None if d["balance"] is None else Decimal(d["balance"])
        key = (d["client"], d["invoice"], d["currency"])
        assert key not in out, f"two entries for {key}"
        out[key] = d
    return out


def _csv_for(expected: Path) -> Path:
    return expected.with_name(expected.name.replace(".expected.json", ".csv"))


def test_every_fixture_has_its_csv_and_the_shared_samples_are_present():
    stems = {p.name.replace(".expected.json", "") for p in EXPECTED}
    assert set(SHARED_SAMPLES) <= stems
    assert len(stems) >= 13
    for p in EXPECTED:
        assert _csv_for(p).exists()


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name.replace(".expected.json", ""))
def test_file_imports_to_its_expected_list(expected_path: Path):
    parsed = parse_file(_csv_for(expected_path))
    got = to_expected_json(parsed)
    for obj in got:
        assert set(obj) == KEYS
        assert obj["balance"] is None or isinstance(obj["balance"], str)
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert len(got) == len(expected)
    assert _keyed(got) == _keyed(expected)


@pytest.mark.parametrize("stem,fmt", [
    ("qbo_open_invoices", "QuickBooks Online Open Invoices"),
    ("qbo_ar_aging_detail", "QuickBooks Online A/R Aging Detail"),
    ("qbd_open_invoices", "QuickBooks Desktop Open Invoices"),
    ("xero_sales_invoices_export", "Xero sales invoices"),
    ("xero_aged_receivables", "Xero Aged Receivables"),
    ("freshbooks_invoice_details", "FreshBooks invoice details"),
    ("freshbooks_accounts_aging", "FreshBooks accounts aging"),
    ("stripe_invoices", "Stripe invoices"),
    ("invoice_ninja_invoices", "Invoice Ninja invoices"),
    ("zoho_invoices", "Zoho Books invoices"),
    ("zoho_ar_aging_details", "Zoho Books AR aging details"),
    ("sage_aged_debtors", "Sage aged debtors"),
    ("wave_transactions", "Wave accounting transactions"),
])
def test_format_is_recognised_by_content(stem, fmt, tmp_path):
    # Renamed to something meaningless: recognition must not depend on the file name.
    copy = tmp_path / "export (3).csv"
    copy.write_bytes((FIXTURES / f"{stem}.csv").read_bytes())
    assert parse_file(copy).format_name == fmt


def _skips(pf):
    return {(s.invoice, s.kind) for s in pf.skipped if s.kind != "total"}


def test_qbo_open_invoices_groups_totals_and_footer():
    pf = parse_file(FIXTURES / "qbo_open_invoices.csv")
    assert _skips(pf) == {("4471", "payment"), ("1064", "credit")}
    totals = [s for s in pf.skipped if s.kind == "total"]
    assert len(totals) == 8  # seven 'Total for …' rows and the TOTAL row
    first = pf.invoices[0]
    assert (first.client, first.invoice, first.line, first.terms) == ("Cedar Ridge Property Management", "1041", 7, "Net 30")
    assert pf.date_order == "mdy"


def test_qbd_windows_1252_crlf_customer_job():
    raw = (FIXTURES / "qbd_open_invoices.csv").read_bytes()
    assert b"\r\n" in raw and b"\xe9" in raw and b"\x92" in raw  # CRLF, 'é' and '’' in Windows-1252
    pf = parse_file(FIXTURES / "qbd_open_invoices.csv")
    assert pf.encoding == "cp1252"
    clients = {i.client for i in pf.invoices}
    assert clients == {"Café Lumière", "Dürr, Jürgen", "Nüñez Landscaping", "O’Malley’s Pub"}
    assert not any(":" in c for c in clients)
    assert _skips(pf) == {("2238", "credit"), (None, "payment")}


def test_xero_line_items_become_one_invoice_and_multiline_cells_keep_physical_line_numbers():
    pf = parse_file(FIXTURES / "xero_sales_invoices_export.csv")
    numbers = [i.invoice for i in pf.invoices]
    assert numbers.count("INV-0412") == 1 and numbers.count("INV-0420") == 1
    inv = next(i for i in pf.invoices if i.invoice == "INV-0412")
    assert inv.line == 3 and inv.amount == Decimal("3162.50")
    # The Logo suite description spans lines 4-5, so the next record starts on line 6.
    paid = next(s for s in pf.skipped if s.invoice == "INV-0415")
    assert (paid.line, paid.kind) == (6, "paid")
    assert ("CN-0012", "credit") in _skips(pf) and ("INV-0425", "draft") in _skips(pf)
    assert pf.date_order == "dmy"


def test_xero_aged_receivables_bom_and_month_name_dates():
    assert (FIXTURES / "xero_aged_receivables.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    pf = parse_file(FIXTURES / "xero_aged_receivables.csv")
    assert pf.encoding == "utf-8-sig"
    inv = next(i for i in pf.invoices if i.invoice == "INV-0421")
    assert (inv.client, inv.issued, inv.due) == ("Tūī Bakehouse", date(2026, 3, 2), date(2026, 4, 1))
    assert ("CN-0012", "credit") in _skips(pf)


def test_freshbooks_partial_invoice_balance_is_unknown_not_guessed():
    pf = parse_file(FIXTURES / "freshbooks_invoice_details.csv")
    partial = next(i for i in pf.invoices if i.invoice == "0000241")
    assert partial.balance is None and partial.amount == Decimal("4800.00")
    disputed = next(i for i in pf.invoices if i.invoice == "0000244")
    assert disputed.status == "disputed" and disputed.balance == Decimal("734.50")
    summed = next(i for i in pf.invoices if i.invoice == "0000231")
    assert summed.balance == Decimal("644.10") + Decimal("244.08")


def test_freshbooks_aging_summary_gives_one_balance_per_client():
    pf = parse_file(FIXTURES / "freshbooks_accounts_aging.csv")
    assert all(i.invoice is None and i.issued is None for i in pf.invoices)
    assert len({i.client for i in pf.invoices}) == len(pf.invoices) == 4
    assert [s.kind for s in pf.skipped if s.kind != "total"] == ["credit"]  # Gull Island Kayaks (75.00) credit


def test_stripe_lowercase_currency_timestamps_and_email_for_missing_name():
    pf = parse_file(FIXTURES / "stripe_invoices.csv")
    by = {i.invoice: i for i in pf.invoices}
    assert by["5E6D9A13-0002"].currency == "JPY" and by["5E6D9A13-0002"].balance == Decimal("48000")
    assert by["D93B02F1-0021"].balance == Decimal("800.00")  # Amount Remaining, not Amount Due
    assert by["7C1E44A9-0011"].client == "jamie.ortiz@mailbox.example" and by["7C1E44A9-0011"].due is None
    assert by["7C1E44A9-0002"].status == "uncollectible"  # still owed: stays in
    assert by["7C1E44A9-0007"].issued == date(2026, 2, 1)
    assert _skips(pf) == {("A41F7E20-0003", "paid"), (None, "draft"), ("D93B02F1-0017", "void")}


def test_zoho_indian_grouping_and_line_items():
    pf = parse_file(FIXTURES / "zoho_ar_aging_details.csv")
    assert {i.balance for i in pf.invoices} == {Decimal("139240.00"), Decimal("450000.00"), Decimal("86400.00"),
                                                 Decimal("236000.00")}
    kaveri = next(i for i in pf.invoices if i.invoice == "INV-000107")
    assert kaveri.amount == Decimal("1250000.00")
    pf = parse_file(FIXTURES / "zoho_invoices.csv")
    mehta = next(i for i in pf.invoices if i.invoice == "INV-000112")
    assert mehta.balance == Decimal("139240.00") and mehta.terms == "Net 30"
    assert _skips(pf) == {("INV-000110", "paid"), ("INV-000113", "draft"), ("INV-000108", "void")}


def test_sage_type_codes_and_totals_row():
    pf = parse_file(FIXTURES / "sage_aged_debtors.csv")
    assert _skips(pf) == {("CN118", "credit"), ("BACS", "payment")}
    assert [s.line for s in pf.skipped if s.kind == "total"] == [12]
    assert all(i.client != "Ruth Alder" for i in pf.invoices)  # 'Name' is the customer, 'Contact' a person


def test_invoice_ninja_partial_with_a_balance_column_uses_it():
    pf = parse_file(FIXTURES / "invoice_ninja_invoices.csv")
    partial = next(i for i in pf.invoices if i.invoice == "0050")
    assert partial.status == "Partial" and partial.balance == Decimal("2200")
    assert [i.invoice for i in pf.invoices][:2] == ["0041", "0044"]  # leading zeros kept


def test_wave_balances_come_from_receivable_lines():
    pf = parse_file(FIXTURES / "wave_transactions.csv")
    by = {i.invoice: i for i in pf.invoices}
    assert by["1001"].balance == Decimal("565.00") - Decimal("200.00")
    assert by["1001"].issued == date(2026, 1, 12)
    assert "1002" not in by and ("1002", "paid") in _skips(pf)


def test_to_expected_json_shape():
    inv = ImportedInvoice(client="A", invoice="007", issued=date(2026, 1, 2), due=None, currency="EUR",
                          balance=Decimal("1.50"), email="a@b.example", phone=None)
    from callroom.importers import ParsedFile
    pf = ParsedFile(path="x.csv", format_name="t", invoices=[inv], skipped=[])
    assert to_expected_json(pf) == [{"client": "A", "invoice": "007", "issued": "2026-01-02", "due": None,
                                     "currency": "EUR", "balance": "1.50", "email": "a@b.example", "phone": None}]
    assert to_expected_json([pf, pf]) == to_expected_json(pf) * 2
