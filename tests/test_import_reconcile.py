"""Re-import reconciliation: what a plan changes against what callroom already knows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from callroom.domain.models import Client, Invoice, Payment
from callroom.importers import ImportFileError, parse_file, plan_import

FIXTURES = Path(__file__).parent / "fixtures" / "csv"
AS_OF = date(2026, 4, 2)
QBO_AS_OF = date(2026, 3, 31)  # the sample's "As of Mar 31, 2026": the day its payments had arrived by
QB = "export:quickbooks"  # Invoice.source of an invoice from a QuickBooks export


def qbo():
    return parse_file(FIXTURES / "qbo_open_invoices.csv")


def stripe():
    return parse_file(FIXTURES / "stripe_invoices.csv")


def entry(plan, name):
    found = [c for c in plan.clients if c.client.name == name]
    assert len(found) == 1, [c.client.name for c in plan.clients]
    return found[0]


def inv(id, client_id, number, balance, currency="USD", status="open", **kw):
    return Invoice(id=id, client_id=client_id, number=number, currency=currency,
                   balance=None if balance is None else Decimal(balance), status=status, **kw)


def test_first_import_creates_clients_and_invoices():
    plan = plan_import([qbo()], [], [], as_of=AS_OF, full=False, default_currency="usd")
    counts = plan.counts
    assert (counts.new_clients, counts.new_invoices, counts.updated, counts.payments, counts.closed) == (7, 9, 0, 0, 0)
    assert counts["skipped"] == len(plan.skipped) == 10
    assert counts.as_dict()["new_invoices"] == 9
    cedar = entry(plan, "Cedar Ridge Property Management")
    assert cedar.is_new and cedar.client.id is None
    assert [(i.number, i.balance, i.currency, i.client_id, i.id, i.status) for i in cedar.new_invoices] == [
        ("1041", Decimal("2450.00"), "USD", 0, None, "open"), ("1067", Decimal("875.50"), "USD", 0, None, "open")]
    assert cedar.new_invoices[0].due == date(2026, 1, 17) and cedar.new_invoices[0].terms == "Net 30"
    assert plan.files == [str(FIXTURES / "qbo_open_invoices.csv")]
    assert plan.format_names == ["QuickBooks Online Open Invoices"]
    lines = plan.summary_lines()
    assert any(line.startswith("New clients: 7") for line in lines)
    assert any(line.startswith("New invoices: 9") and "$28,226.50" in line for line in lines)
    assert any("Skipped: 10" in line and "credit note" in line and "payment" in line for line in lines)


def test_stated_currency_wins_over_the_default():
    plan = plan_import([stripe()], [], [], as_of=AS_OF, full=False, default_currency="USD")
    sakura = entry(plan, "Sakura Ceramics KK")
    assert sakura.new_invoices[0].currency == "JPY"


def test_balance_down_is_a_payment_and_balance_up_is_only_an_update():
    clients = [Client(id=1, name="Cedar Ridge Property Management"), Client(id=2, name="Harborview Bistro")]
    same = {"terms": "Net 30"}
    existing = [inv(10, 1, "1041", "2450.00", issued=date(2025, 12, 18), due=date(2026, 1, 17), **same),
                inv(11, 1, "1067", "1000.00", issued=date(2026, 2, 10), due=date(2026, 3, 12), **same),
                inv(12, 2, "1073", "3000.00", issued=date(2026, 3, 2), due=date(2026, 4, 1), **same)]
    plan = plan_import([qbo()], clients, existing, as_of=AS_OF, full=False, default_currency="USD")
    cedar = entry(plan, "Cedar Ridge Property Management")
    assert not cedar.is_new and cedar.client.id == 1
    assert cedar.new_invoices == []
    assert [(i.id, i.number, i.balance) for i in cedar.updated_invoices] == [(11, "1067", Decimal("875.50"))]
    assert cedar.payments == [Payment(id=None, client_id=0, date=QBO_AS_OF, amount=Decimal("124.50"), currency="USD",
                                      invoices=("1067",), source="import", note=cedar.payments[0].note)]
    harbor = entry(plan, "Harborview Bistro")
    assert [(i.id, i.balance) for i in harbor.updated_invoices] == [(12, Decimal("3180.00"))]
    assert harbor.payments == []
    assert (plan.counts.updated, plan.counts.payments, plan.counts.new_clients) == (2, 1, 5)
    lines = "\n".join(plan.summary_lines())
    assert "went down" in lines and "$124.50" in lines and "went up" in lines


def test_unchanged_invoice_is_not_an_update():
    clients = [Client(id=1, name="Delgado Family Dental")]
    existing = [inv(10, 1, "1052", "1200.00", issued=date(2026, 1, 5), due=date(2026, 1, 20), terms="Net 15")]
    plan = plan_import([qbo()], clients, existing, as_of=AS_OF, full=False, default_currency="USD")
    assert entry(plan, "Delgado Family Dental").updated_invoices == []


def test_missing_invoices_stay_open_without_full():
    clients = [Client(id=1, name="Cedar Ridge Property Management"), Client(id=9, name="Old Client")]
    existing = [inv(10, 1, "0999", "300.00", source=QB), inv(20, 9, "0500", "80.00", source=QB)]
    plan = plan_import([qbo()], clients, existing, as_of=AS_OF, full=False, default_currency="USD")
    assert plan.counts.closed == 0 and plan.counts.payments == 0
    assert all(c.closed_invoices == [] for c in plan.clients)
    assert not any(c.client.id == 9 for c in plan.clients)
    lines = plan.summary_lines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Left open, not in these files: 2 invoices"))
    assert "--full" in lines[head]
    assert lines[head + 1:head + 3] == ["  - 0999 Cedar Ridge Property Management ($300.00)",
                                        "  - 0500 Old Client ($80.00)"]


def test_full_import_closes_missing_open_invoices_as_paid():
    clients = [Client(id=1, name="Cedar Ridge Property Management"), Client(id=9, name="Old Client")]
    existing = [inv(10, 1, "0999", "300.00", source=QB), inv(11, 1, "1041", "2450.00", source=QB),
                inv(20, 9, "0500", "80.00", source=QB), inv(21, 9, "0400", "0", status="paid", source=QB),
                inv(22, 9, "0450", None, source=QB)]
    plan = plan_import([qbo()], clients, existing, as_of=AS_OF, full=True, default_currency="USD")
    cedar = entry(plan, "Cedar Ridge Property Management")
    assert [(i.id, i.status, i.closed_on, i.balance) for i in cedar.closed_invoices] == [
        (10, "paid", QBO_AS_OF, Decimal(0))]
    assert [(p.amount, p.invoices, p.date, p.source) for p in cedar.payments] == [
        (Decimal("300.00"), ("0999",), QBO_AS_OF, "import")]
    old = entry(plan, "Old Client")
    assert sorted(i.id for i in old.closed_invoices) == [20, 22]  # the paid one is left alone
    assert [p.amount for p in old.payments] == [Decimal("80.00")]  # no payment for an unknown balance
    assert plan.counts.closed == 3
    assert any(line.startswith("Closed as paid") for line in plan.summary_lines())


def test_same_client_matched_by_email_across_two_formats(tmp_path):
    other = tmp_path / "ninja.csv"
    other.write_text("Client Name,Contact Email,Invoice Invoice Number,Invoice Balance,Invoice Date,Invoice Due Date,"
                     "Invoice Status\nJamie Ortiz,JAMIE.ORTIZ@mailbox.example,J-1,50.00,2026-03-01,2026-03-31,Sent\n"
                     "Lumen Yoga Studio,owner@lumenyoga.example,J-2,20.00,2026-03-02,2026-04-01,Sent\n")
    existing = [Client(id=5, name="Lumen Yoga", email="Owner@LumenYoga.example")]
    plan = plan_import([stripe(), parse_file(other)], existing, [], as_of=AS_OF, full=False, default_currency="USD")
    jamie = entry(plan, "Jamie Ortiz")  # the Stripe row had only the email as a name
    assert jamie.is_new and jamie.client.email == "jamie.ortiz@mailbox.example"
    assert sorted(i.number for i in jamie.new_invoices) == ["7C1E44A9-0011", "J-1"]
    lumen = entry(plan, "Lumen Yoga")
    assert not lumen.is_new and lumen.client.id == 5
    assert sorted(i.number for i in lumen.new_invoices) == ["7C1E44A9-0007", "7C1E44A9-0008", "J-2"]
    assert plan.format_names == ["Stripe invoices", "Invoice Ninja invoices"]


def test_same_client_matched_by_normalised_name_and_contact_details_filled_in():
    existing = [Client(id=3, name="O'Brien and Sons Construction LLC"), Client(id=4, name="FJORDLINE LOGISTICS")]
    plan = plan_import([qbo(), stripe()], existing, [], as_of=AS_OF, full=False, default_currency="USD")
    obrien = entry(plan, "O'Brien and Sons Construction LLC")
    assert sorted(i.number for i in obrien.new_invoices) == ["1071", "1075"]
    fjord = entry(plan, "FJORDLINE LOGISTICS")
    assert fjord.client.id == 4 and fjord.client.email == "faktura@fjordline.example" and fjord.client_updated
    existing = [Client(id=4, name="Fjordline Logistics AS", email="ar@fjordline.example")]
    plan = plan_import([stripe()], existing, [], as_of=AS_OF, full=False, default_currency="USD")
    assert entry(plan, "Fjordline Logistics AS").client.email == "ar@fjordline.example"  # never overwritten


def test_invoice_the_file_shows_as_paid_is_settled_with_a_payment():
    existing_clients = [Client(id=7, name="Marlow & Finch Ltd"), Client(id=8, name="Fjordline Logistics AS")]
    existing = [inv(70, 7, "A41F7E20-0003", "540.00", currency="GBP"), inv(80, 8, "D93B02F1-0017", "860.00", "EUR")]
    plan = plan_import([stripe()], existing_clients, existing, as_of=AS_OF, full=False, default_currency="USD")
    marlow = entry(plan, "Marlow & Finch Ltd")
    assert [(i.id, i.status, i.balance, i.closed_on) for i in marlow.updated_invoices] == [
        (70, "paid", Decimal(0), AS_OF)]
    assert [(p.amount, p.currency, p.invoices) for p in marlow.payments] == [(Decimal("540.00"), "GBP", ("A41F7E20-0003",))]
    fjord = entry(plan, "Fjordline Logistics AS")
    assert [(i.id, i.status) for i in fjord.updated_invoices] == [(80, "void")] and fjord.payments == []


def test_paid_invoice_reappearing_open_is_reopened_without_a_payment():
    clients = [Client(id=1, name="Harborview Bistro")]
    existing = [inv(12, 1, "1073", "0", status="paid", closed_on=date(2026, 3, 20))]
    plan = plan_import([qbo()], clients, existing, as_of=AS_OF, full=False, default_currency="USD")
    harbor = entry(plan, "Harborview Bistro")
    assert [(i.id, i.status, i.closed_on, i.balance) for i in harbor.updated_invoices] == [
        (12, "open", None, Decimal("3180.00"))]
    assert harbor.payments == []


def test_unknown_balance_does_not_overwrite_a_known_one():
    fb = parse_file(FIXTURES / "freshbooks_invoice_details.csv")
    clients = [Client(id=2, name="Meridian Robotics Inc.")]
    existing = [inv(30, 2, "0000241", "4800.00", issued=date(2026, 2, 19))]
    plan = plan_import([fb], clients, existing, as_of=AS_OF, full=False, default_currency="CAD")
    meridian = entry(plan, "Meridian Robotics Inc.")
    assert all(i.balance == Decimal("4800.00") for i in meridian.updated_invoices)
    assert meridian.payments == []
    plan = plan_import([fb], [], [], as_of=AS_OF, full=False, default_currency="CAD")
    new = entry(plan, "Meridian Robotics Inc.").new_invoices[0]
    assert new.balance is None and new.currency == "USD"


def test_two_files_disagreeing_about_one_invoice(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("Customer,Invoice,Balance\nAcme Ltd,100,50.00\n")
    b.write_text("Customer,Invoice,Balance\nACME LIMITED,100,40.00\n")
    with pytest.raises(ImportFileError) as info:
        plan_import([parse_file(a), parse_file(b)], [], [], as_of=AS_OF, full=False, default_currency="USD")
    assert "b.csv" in str(info.value) and "a.csv" in str(info.value) and "100" in str(info.value)
    b.write_text("Customer,Invoice,Balance,Due Date\nACME LIMITED,100,50.00,2026-05-01\n")
    plan = plan_import([parse_file(a), parse_file(b)], [], [], as_of=AS_OF, full=False, default_currency="USD")
    (only,) = plan.clients
    assert [(i.number, i.due) for i in only.new_invoices] == [("100", date(2026, 5, 1))]


def test_per_client_balances_update_like_invoices():
    aging = parse_file(FIXTURES / "freshbooks_accounts_aging.csv")
    clients = [Client(id=1, name="Lakehead Outfitters")]
    existing = [inv(5, 1, "", "3500.00", currency="CAD")]
    plan = plan_import([aging], clients, existing, as_of=AS_OF, full=False, default_currency="CAD")
    lake = entry(plan, "Lakehead Outfitters")
    assert [(i.id, i.balance) for i in lake.updated_invoices] == [(5, Decimal("3041.40"))]
    assert [p.amount for p in lake.payments] == [Decimal("458.60")]


def test_plan_is_pure():
    clients = [Client(id=1, name="Cedar Ridge Property Management")]
    existing = [inv(10, 1, "1041", "3000.00")]
    before = (list(clients), list(existing))
    p1 = plan_import(qbo(), clients, existing, as_of=AS_OF, full=True, default_currency="USD")
    p2 = plan_import(qbo(), clients, existing, as_of=AS_OF, full=True, default_currency="USD")
    assert (clients, existing) == before
    assert p1.counts == p2.counts and p1.summary_lines() == p2.summary_lines()


def test_reimporting_the_same_file_changes_nothing():
    first = plan_import([qbo()], [], [], as_of=AS_OF, full=False, default_currency="USD")
    clients, invoices, next_id = [], [], 1
    for c in first.clients:
        cid = next_id
        next_id += 1
        clients.append(c.client.with_(id=cid))
        for i in c.new_invoices:
            invoices.append(i.with_(id=next_id, client_id=cid))
            next_id += 1
    again = plan_import([qbo()], clients, invoices, as_of=AS_OF, full=True, default_currency="USD")
    counts = again.counts
    assert (counts.new_clients, counts.new_invoices, counts.updated, counts.payments, counts.closed) == (0, 0, 0, 0, 0)
    assert not again.has_changes
    assert any("Nothing to change" in line for line in again.summary_lines())


def test_a_balance_per_client_never_doubles_invoices_known_one_by_one():
    aging = parse_file(FIXTURES / "freshbooks_accounts_aging.csv")
    details = parse_file(FIXTURES / "freshbooks_invoice_details.csv")
    clients = [Client(id=1, name="Lakehead Outfitters")]
    existing = [inv(5, 1, "0000238", "3041.40", currency="CAD")]
    plan = plan_import([aging], clients, existing, as_of=AS_OF, full=False, default_currency="CAD")
    lake = entry(plan, "Lakehead Outfitters")
    assert lake.new_invoices == [] and lake.updated_invoices == []
    assert any(s.client == "Lakehead Outfitters" and "one by one" in s.reason for s in plan.skipped)
    # Both kinds in one import: the invoice detail wins.
    plan = plan_import([aging, details], [], [], as_of=AS_OF, full=False, default_currency="CAD")
    birch = entry(plan, "Birchwood Family Chiropractic")
    assert sorted(i.number for i in birch.new_invoices) == ["0000231", "0000246"]
    # A client held as one balance line, now imported invoice by invoice: the line is replaced, not paid.
    existing = [inv(6, 1, "", "3041.40", currency="CAD")]
    plan = plan_import([details], clients, existing, as_of=AS_OF, full=True, default_currency="CAD")
    lake = entry(plan, "Lakehead Outfitters")
    assert [(i.id, i.status, i.balance) for i in lake.updated_invoices] == [(6, "void", Decimal(0))]
    assert lake.payments == [] and lake.closed_invoices == []
    assert [i.number for i in lake.new_invoices] == ["0000238"]
