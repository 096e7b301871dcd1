"""`callroom pay` and the refusal of amounts above what is owed, on the command line: the
same checks and the same service method as the app's `$` form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner

from callroom.cli import main
from callroom.store import open_store

from support import TODAY


def run(ledger, *args):
    return CliRunner().invoke(main, ["--db", str(ledger), "--as-of", TODAY.isoformat(), *args], catch_exceptions=False)


def stored(ledger, name):
    s = open_store(ledger, read_only=True)
    c = s.clients.find(name)
    pays = sorted(s.ledger.payments.for_client(c.id), key=lambda p: p.id)
    invs = {i.number: i for i in s.ledger.invoices.for_client(c.id)}
    s.close()
    return pays, invs


def test_pay_records_a_payment_for_a_named_invoice(ledger):
    r = run(ledger, "pay", "Hofmann", "4,100", "--invoice", "HM-327", "--note", "SEPA 88")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0].startswith("Payment of €4,100.00 from Hofmann Maschinenbau GmbH stored (#")
    assert "  lowers HM-327 by €4,100.00" in r.output and "  still owed: €9,850.00" in r.output
    pays, invs = stored(ledger, "Hofmann")
    p = pays[-1]
    assert (p.amount, p.currency, p.date, p.invoices, p.note, p.source) == (Decimal("4100"), "EUR", TODAY, ("HM-327",), "SEPA 88", "manual")
    assert invs["HM-327"].status == "paid" and invs["HM-311"].balance == Decimal("9850.00")


def test_pay_defaults_to_today_and_the_oldest_due_and_takes_a_past_date(ledger):
    r = run(ledger, "pay", "Cedar Ridge", "3000", "--date", "2026-11-20")
    assert r.exit_code == 0, r.output
    pays, invs = stored(ledger, "Cedar Ridge")
    assert pays[-1].date.isoformat() == "2026-11-20" and pays[-1].invoices == ()
    assert invs["1041"].balance == 0 and invs["1067"].balance == Decimal("325.50")  # oldest due first


def test_pay_is_the_same_service_method_as_the_app(ledger, monkeypatch):
    from callroom.services import Desk

    seen = []
    real = Desk.receive_payment
    monkeypatch.setattr(Desk, "receive_payment", lambda self, cid, values: seen.append(values) or real(self, cid, values))
    assert run(ledger, "pay", "Delgado", "100").exit_code == 0
    assert seen and seen[0]["amount"] == "100"


@pytest.mark.parametrize("args, message", [
    (["Hofmann", "99999"], "€99,999.00 is more than the €13,950.00 owed in EUR (every open invoice). "
                           "Lower the amount, or say why it is more (fees, interest) with --over REASON."),
    (["Hofmann", "5", "--date", "+1"], "is in the future"),
    (["Hofmann", "5", "--date", "31/12"], "not a date"),
    (["Hofmann", "abc"], "AMOUNT: 'abc' is not an amount"),
    (["Hofmann", "--", "-5"], "more than zero"),
    (["Hofmann", "5", "--invoice", "nope"], "--invoice: No invoice 'nope' for this client"),
    (["Hofmann", "5", "--currency", "JPY"], "choose one of EUR"),
    (["Nobody Here", "5"], "no client matches"),
])
def test_pay_refuses_bad_input_and_stores_nothing(ledger, args, message):
    before = ledger.read_bytes()
    r = run(ledger, "pay", *args)
    assert r.exit_code == 1, r.output
    assert message in r.output
    assert ledger.read_bytes() == before


def test_pay_more_than_owed_with_a_reason(ledger):
    r = run(ledger, "pay", "Hofmann", "14000", "--over", "late fee")
    assert r.exit_code == 0, r.output
    assert "€50.00 more than was owed (late fee)" in r.output and "nothing is owed now" in r.output
    pays, invs = stored(ledger, "Hofmann")
    assert pays[-1].note == "more than owed: late fee"
    assert all(i.balance == 0 for i in invs.values() if i.number.startswith("HM-3"))


def test_log_refuses_a_promise_above_the_balance_naming_it(ledger):
    """issue 19: `log --amount 99999` on a client owing 13,950 stored $99,999 with exit 0."""
    before = ledger.read_bytes()
    r = run(ledger, "log", "Hofmann", "--result", "reached", "--outcome", "promise", "--amount", "99999")
    assert r.exit_code == 1
    assert "€99,999.00 is more than the €13,950.00 owed on HM-311, HM-327." in r.output
    assert "with --over REASON." in r.output
    assert ledger.read_bytes() == before
    for outcome in ("plan", "paid"):
        r = run(ledger, "log", "Hofmann", "--result", "reached", "--outcome", outcome, "--amount", "99999")
        assert r.exit_code == 1 and "€13,950.00" in r.output
    assert ledger.read_bytes() == before
    r = run(ledger, "log", "Hofmann", "--result", "reached", "--outcome", "promise", "--amount", "14000", "--over", "collection fee")
    assert r.exit_code == 0, r.output
    assert "€14,000.00 by Mon 30 Nov · covers HM-311, HM-327 · more than owed: collection fee" in r.output


def test_log_covers_a_not_yet_due_invoice_only_when_named(ledger):
    """Atelier Vos: €2,300.00 overdue (0041, 0049) and 0052 (€650.00) due next month."""
    r = run(ledger, "log", "Atelier", "--result", "reached", "--outcome", "promise")
    assert r.exit_code == 0, r.output
    assert "  €2,300.00 by Mon 30 Nov · covers 0041, 0049" in r.output
    r = run(ledger, "log", "Atelier", "--result", "reached", "--outcome", "promise", "--amount", "2950")
    assert r.exit_code == 1
    assert "€2,950.00 is more than the €2,300.00 owed on 0041, 0049. Not yet due: 0052 (€650.00, due Fri 18 Dec); name it in the invoices" in r.output
    r = run(ledger, "log", "Atelier", "--result", "reached", "--outcome", "promise", "--amount", "2950", "--invoices", "0041,0049,0052")
    assert r.exit_code == 0, r.output
    s = open_store(ledger, read_only=True)
    c = s.clients.find("Atelier")
    p = max(s.promises.for_client(c.id), key=lambda x: x.id)
    s.close()
    assert (p.amount, p.invoices) == (Decimal("2950"), ("0041", "0049", "0052"))
