"""One client stays one client, and an older export never moves facts back silently.

Client identity: the same name key or email is the same client; the same words in another
order with the same phone or invoice number too; a likely match (the words in another order
alone, an invoice number the ledger holds for someone else) is asked, never decided.
Stale imports: an export older than the latest import, a balance up with no new invoice, an
invoice open again or dates moving back are listed and need the owner's acceptance."""

from __future__ import annotations

import string
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from callroom import demo
from callroom.cli import main
from callroom.domain.models import Client, Invoice
from callroom.importers import ImportedInvoice, ParsedFile, parse_file
from callroom.importers.reconcile import Decisions, DecisionError, plan_import
from callroom.services.imports import ImportBlocked, apply_import
from callroom.store import Ambiguous, open_store

from support import TODAY

FIXTURES = Path(__file__).parent / "fixtures" / "csv"
AS_OF = date(2026, 4, 2)


def _file(*invoices: ImportedInvoice, as_of: date | None = None) -> ParsedFile:
    return ParsedFile(path="export.csv", format_name="invoice list (CSV)", invoices=list(invoices), skipped=[],
                      as_of=as_of)


def _inv(client, number, balance="100.00", phone=None, email=None, **kw) -> ImportedInvoice:
    return ImportedInvoice(client=client, invoice=number, issued=None, due=None, currency="USD",
                           balance=Decimal(balance), phone=phone, email=email, line=2, **kw)


ANNA = Client(5, "Anna Kowalski", contact="Anna Kowalski", phones=("+1 312 555 0164",), email="anna.k@mailbox.example")
ANNA_1059 = Invoice(51, 5, "1059", "USD", Decimal("640.00"))


def _plan(files, clients=(ANNA,), invoices=(ANNA_1059,), **kw):
    return plan_import(list(files), list(clients), list(invoices), as_of=AS_OF, full=False, default_currency="USD", **kw)


def _names(plan):
    return sorted((c.client.name, c.client.id) for c in plan.clients)


# ---------------------------------------------------------------- the Kowalski case (issue: one client became two)


def test_kowalski_from_the_qbo_export_is_the_demo_client_not_a_second_one(demo_store):
    before = len(demo_store.clients.all())
    plan = plan_import([parse_file(FIXTURES / "qbo_open_invoices.csv")], demo_store.clients.all(),
                       demo_store.ledger.all_invoices(), as_of=TODAY, full=False, default_currency="USD",
                       accept_older=True)
    assert not plan.questions
    assert all(c.client.name != "Kowalski, Anna" for c in plan.clients)
    anna = next(c for c in plan.clients if c.client.name == "Anna Kowalski")
    assert not anna.is_new and [i.number for i in anna.updated_invoices + anna.new_invoices] == ["1059"]
    assert any("Kowalski, Anna is Anna Kowalski" in m for m in plan.matched)
    apply_import(demo_store, plan)
    assert len(demo_store.clients.all()) == before
    holders = {i.client_id for i in demo_store.ledger.all_invoices() if i.number == "1059"}
    assert len(holders) == 1


def test_reordered_name_with_the_same_phone_merges():
    plan = _plan([_file(_inv("Kowalski, Anna", "2001", phone="(312) 555-0164"))])
    assert _names(plan) == [("Anna Kowalski", 5)] and not plan.blocked


def test_reordered_name_alone_is_asked_then_decided():
    f = _file(_inv("Kowalski, Anna", "2001"))
    plan = _plan([f])
    assert plan.blocked and [(q.name, q.candidate_id) for q in plan.questions] == [("Kowalski, Anna", 5)]
    assert "the same name in another order" in plan.questions[0].why
    assert any(line.startswith("Needs your decision: 1 client") for line in plan.summary_lines())
    same = _plan([f], decisions=Decisions.parse(same=["Kowalski, Anna=#5"]))
    assert not same.blocked and _names(same) == [("Anna Kowalski", 5)]
    by_name = _plan([f], decisions=Decisions.parse(same=["Kowalski, Anna=Anna Kowalski"]))
    assert _names(by_name) == [("Anna Kowalski", 5)]
    apart = _plan([f], decisions=Decisions.parse(separate=["Kowalski, Anna"]))
    assert not apart.blocked and _names(apart) == [("Kowalski, Anna", None)]


def test_a_blocked_plan_is_never_stored(empty_store):
    plan = _plan([_file(_inv("Kowalski, Anna", "2001"))])
    with pytest.raises(ImportBlocked, match="--same"):
        apply_import(empty_store, plan)
    assert empty_store.clients.all() == []


def test_an_invoice_number_never_belongs_to_two_clients_without_the_owner_saying_so():
    # A different name entirely, but the ledger holds 1059 for Anna Kowalski.
    plan = _plan([_file(_inv("Harbor Lights Studio", "1059"))])
    assert plan.blocked
    assert [(q.name, q.candidate_id) for q in plan.questions] == [("Harbor Lights Studio", 5)]
    assert "invoice 1059 is this client's in the ledger" in plan.questions[0].why
    # Known by its own name too: still asked, naming both.
    other = Client(7, "Harbor Lights Studio")
    plan = _plan([_file(_inv("Harbor Lights Studio", "1059"))], clients=(ANNA, other))
    assert plan.blocked and "invoice 1059 is Anna Kowalski's in the ledger" in plan.questions[0].why[0]
    kept = _plan([_file(_inv("Harbor Lights Studio", "1059"))], clients=(ANNA, other),
                 decisions=Decisions.parse(separate=["Harbor Lights Studio"]))
    assert not kept.blocked


def test_two_new_names_for_one_client_in_the_files_are_asked():
    plan = _plan([_file(_inv("Anna Novak", "3001"), _inv("Novak, Anna", "3002"))], clients=(), invoices=())
    assert plan.blocked and [(q.name, q.candidate) for q in plan.questions] == [("Novak, Anna", "Anna Novak")]
    merged = _plan([_file(_inv("Anna Novak", "3001"), _inv("Novak, Anna", "3002"))], clients=(), invoices=(),
                   decisions=Decisions.parse(same=["Novak, Anna=Anna Novak"]))
    assert _names(merged) == [("Anna Novak", None)] and len(merged.clients[0].new_invoices) == 2


def test_a_decision_naming_nobody_is_refused():
    with pytest.raises(DecisionError, match="no client called 'Ana Kowalsky'"):
        _plan([_file(_inv("Kowalski, Anna", "2001"))], decisions=Decisions.parse(same=["Kowalski, Anna=Ana Kowalsky"]))
    with pytest.raises(ValueError, match="NAME IN THE FILE=CLIENT"):
        Decisions.parse(same=["Kowalski, Anna"])


def test_contact_person_is_kept_on_a_new_client_and_fills_an_empty_one():
    plan = _plan([_file(_inv("Birchwood Chiropractic", "B-1", contact="Dana Whitfield"))], clients=(), invoices=())
    assert plan.clients[0].client.contact == "Dana Whitfield"
    known = Client(9, "Birchwood Chiropractic")
    plan = _plan([_file(_inv("Birchwood Chiropractic", "B-1", contact="Dana Whitfield"))], clients=(known,), invoices=())
    assert plan.clients[0].client_updated and plan.clients[0].client.contact == "Dana Whitfield"


# ---------------------------------------------------------------- properties

_WORDS = ["harbor", "cedar", "summit", "quarry", "bluebird", "lumen", "granite", "willow", "maple", "juniper",
          "kestrel", "orchard", "falcon", "copper", "linden", "meadow", "thistle", "aurora", "beacon", "cobalt"]
_TRADES = ["plumbing", "dental", "bistro", "storage", "florists", "roofing", "joinery", "physio", "bakery", "media"]
_SUFFIXES = ["", " Ltd", " LLC", " Inc.", " GmbH", " Pty Ltd", " Co.", " Limited", " S.A."]


def _variants(draw, words: list[str]) -> str:
    """The same name as another export prints it: case, punctuation, a legal suffix."""
    text = " ".join(w.capitalize() for w in words)
    style = draw(st.sampled_from(["upper", "lower", "title", "punct"]))
    if style == "upper":
        text = text.upper()
    elif style == "lower":
        text = text.lower()
    elif style == "punct":
        text = text.replace(" ", draw(st.sampled_from([" ", "  ", " - ", ", "]))) + draw(st.sampled_from(["", ".", "!"]))
    return text + draw(st.sampled_from(_SUFFIXES))


@st.composite
def name_and_variant(draw):
    words = draw(st.lists(st.sampled_from(_WORDS + _TRADES), min_size=1, max_size=3, unique=True))
    return " ".join(w.capitalize() for w in words) + draw(st.sampled_from(_SUFFIXES)), _variants(draw, words), words


@settings(max_examples=200, deadline=None)
@given(name_and_variant(), st.integers(1000, 9999))
def test_a_name_and_its_variants_always_match(pair, number):
    name, variant, words = pair
    client = Client(1, name)
    plan = _plan([_file(_inv(variant, f"N-{number}"))], clients=(client,), invoices=())
    assert _names(plan) == [(name, 1)] and not plan.blocked, (name, variant)


@st.composite
def person(draw):
    first = draw(st.sampled_from(["Anna", "Marcus", "Rosa", "Priya", "Tom", "Inge", "Liam"]))
    last = draw(st.sampled_from(["Kowalski", "Delgado", "Nair", "Akers", "Hofmann", "O'Brien", "Okafor"]))
    return first, last


@settings(max_examples=100, deadline=None)
@given(person(), st.booleans(), st.integers(1000, 9999))
def test_last_first_and_first_last_are_one_client_with_the_same_invoice_or_phone(who, by_phone, number):
    first, last = who
    client = Client(1, f"{first} {last}", phones=("+1 312 555 0164",))
    held = Invoice(10, 1, str(number), "USD", Decimal("500"))
    row = _inv(f"{last}, {first}", "X-1" if by_phone else str(number), phone="312-555-0164" if by_phone else None)
    plan = _plan([_file(row)], clients=(client,), invoices=(held,))
    assert _names(plan) == [(f"{first} {last}", 1)] and not plan.blocked


@st.composite
def two_businesses(draw):
    a = draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=2, unique=True)) + [draw(st.sampled_from(_TRADES))]
    b = draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=2, unique=True)) + [draw(st.sampled_from(_TRADES))]
    assume(sorted(a) != sorted(b))
    return a, b


@settings(max_examples=200, deadline=None)
@given(two_businesses(), st.sampled_from(_SUFFIXES), st.sampled_from(_SUFFIXES))
def test_two_different_businesses_never_merge(pair, sa, sb):
    a, b = pair
    name_a = " ".join(w.capitalize() for w in a) + sa
    name_b = " ".join(w.capitalize() for w in b) + sb
    client = Client(1, name_a, email="ap@" + "".join(a) + ".example", phones=("+1 415 555 0101",))
    held = Invoice(10, 1, "A-1", "USD", Decimal("5"))
    row = _inv(name_b, "B-1", phone="+1 206 555 0199", email="billing@" + "".join(b) + ".example")
    plan = _plan([_file(row)], clients=(client,), invoices=(held,))
    new = [c for c in plan.clients if c.is_new]
    assert [c.client.name for c in new] == [name_b.strip()] and all(c.client.id is None for c in new)
    assert not any(c.client.id == 1 and c.new_invoices for c in plan.clients)


# ---------------------------------------------------------------- an ambiguous name on the command line


def test_an_ambiguous_client_name_lists_the_candidates(empty_store):
    empty_store.clients.add(Client(None, "Anna Kowalski"))
    empty_store.clients.add(Client(None, "Kowalski, Anna"))
    with pytest.raises(Ambiguous) as e:
        empty_store.clients.find("Kowalski")
    assert sorted(c.name for c in e.value.matches) == ["Anna Kowalski", "Kowalski, Anna"]
    assert "matches 2 clients" in str(e.value)


def test_history_of_an_ambiguous_name_lists_the_candidates(tmp_path, clock):
    path = tmp_path / "ledger.jsonl"
    store = open_store(path)
    store.clients.add(Client(None, "Anna Kowalski"))
    store.clients.add(Client(None, "Kowalski, Anna"))
    store.close()
    result = CliRunner().invoke(main, ["history", "Kowalski", "--db", str(path)])
    assert result.exit_code != 0
    assert "Anna Kowalski (#1)" in result.output and "Kowalski, Anna (#2)" in result.output


# ---------------------------------------------------------------- stale imports (issue: an older export overwrote newer facts)


def test_older_report_into_a_newer_ledger_is_flagged_not_applied(demo_store):
    o_brien = demo_store.clients.find("O'Brien")
    before = {i.number: (i.balance, i.issued) for i in demo_store.ledger.open_invoices(o_brien.id)}
    plan = plan_import([parse_file(FIXTURES / "qbo_ar_aging_detail.csv")], demo_store.clients.all(),
                       demo_store.ledger.all_invoices(), as_of=TODAY, full=False, default_currency="USD")
    assert plan.blocked
    assert "O'Brien & Sons Construction #1071: the balance would go up with no new invoice, $3,394.75 -> $5,600.00" \
        in plan.older
    assert sum("dates would move back" in line for line in plan.older) == 9
    assert any(line.startswith("Older than the ledger: nothing is stored unless you accept them")
               for line in plan.summary_lines())
    with pytest.raises(ImportBlocked, match="--accept-older"):
        apply_import(demo_store, plan)
    assert {i.number: (i.balance, i.issued) for i in demo_store.ledger.open_invoices(o_brien.id)} == before


def test_a_balance_up_or_an_invoice_open_again_is_flagged():
    paid = Invoice(52, 5, "1035", "USD", Decimal("0"), status="paid")
    plan = _plan([_file(_inv("Anna Kowalski", "1059", "700.00"), _inv("Anna Kowalski", "1035", "480.00"))],
                 invoices=(ANNA_1059, paid))
    assert plan.older == ["Anna Kowalski #1059: the balance would go up with no new invoice, $640.00 -> $700.00",
                          "Anna Kowalski #1035: paid in the ledger, open again in the file ($480.00)"]
    assert plan.blocked
    accepted = _plan([_file(_inv("Anna Kowalski", "1059", "700.00"))], accept_older=True)
    assert not accepted.blocked and accepted.clients[0].updated_invoices[0].balance == Decimal("700.00")


def test_a_newer_export_with_lower_balances_is_not_flagged():
    plan = _plan([_file(_inv("Anna Kowalski", "1059", "440.00"), as_of=date(2026, 4, 30))],
                 ledger_as_of=date(2026, 3, 31))
    assert plan.older == [] and not plan.blocked and plan.file_as_of == date(2026, 4, 30)


def test_the_latest_import_as_of_date_is_kept_and_an_older_report_is_flagged(empty_store):
    newer = _file(_inv("Anna Kowalski", "1059", "440.00"), as_of=date(2026, 4, 30))
    apply_import(empty_store, plan_import([newer], [], [], as_of=AS_OF, full=False, default_currency="USD"))
    assert empty_store.settings.latest_import_as_of == date(2026, 4, 30)
    older = _file(_inv("Anna Kowalski", "1059", "440.00"), as_of=date(2026, 3, 31))
    plan = plan_import([older], empty_store.clients.all(), empty_store.ledger.all_invoices(), as_of=AS_OF, full=False,
                       default_currency="USD", ledger_as_of=empty_store.settings.latest_import_as_of)
    assert plan.older == ["export.csv is as of 31 Mar 2026, older than the latest import (as of 30 Apr 2026)"]
    # Accepted, it is stored, and the latest as-of date stays the newer one.
    plan = plan_import([older], empty_store.clients.all(), empty_store.ledger.all_invoices(), as_of=AS_OF, full=False,
                       default_currency="USD", ledger_as_of=date(2026, 4, 30), accept_older=True)
    apply_import(empty_store, plan)
    assert empty_store.settings.latest_import_as_of == date(2026, 4, 30)


# ---------------------------------------------------------------- the command line


@pytest.fixture
def demo_path(tmp_path):
    path = tmp_path / "ledger.jsonl"
    store = open_store(path)
    demo.load(store, TODAY)
    store.close()
    return path


def _run(args, path, clock_day=TODAY):
    return CliRunner().invoke(main, [*args, "--db", str(path), "--as-of", clock_day.isoformat()])


def test_cli_refuses_an_older_export_until_accepted(demo_path):
    dry = _run(["import", str(FIXTURES / "qbo_ar_aging_detail.csv"), "--dry-run"], demo_path)
    assert dry.exit_code == 0, dry.output
    assert "Older than the ledger" in dry.output and "--accept-older" in dry.output
    assert "Kowalski, Anna is Anna Kowalski" in dry.output
    real = _run(["import", str(FIXTURES / "qbo_ar_aging_detail.csv")], demo_path)
    assert real.exit_code == 1 and "Nothing from the files was imported" in real.output
    store = open_store(demo_path, read_only=True)
    assert not any(c.name == "Kowalski, Anna" for c in store.clients.all())
    bal = {i.number: i.balance for i in store.ledger.all_invoices()}["1071"]
    store.close()
    assert bal == Decimal("3394.75")
    ok = _run(["import", str(FIXTURES / "qbo_ar_aging_detail.csv"), "--accept-older"], demo_path)
    assert ok.exit_code == 0, ok.output
    store = open_store(demo_path, read_only=True)
    assert {i.number: i.balance for i in store.ledger.all_invoices()}["1071"] == Decimal("5600.00")
    assert sum(1 for c in store.clients.all() if "kowalski" in c.key) == 1
    store.close()


def test_cli_likely_match_is_shown_by_dry_run_and_decided_with_same_or_separate(tmp_path):
    path = tmp_path / "ledger.jsonl"
    store = open_store(path)
    store.clients.add(Client(None, "Anna Kowalski"))
    store.close()
    f = tmp_path / "export.csv"
    f.write_text("Customer,Invoice,Balance\n\"Kowalski, Anna\",2001,300.00\n", encoding="utf-8")
    dry = _run(["import", str(f), "--dry-run"], path)
    assert dry.exit_code == 0
    assert "Needs your decision" in dry.output and '--same "Kowalski, Anna=#1"' in dry.output
    assert '--separate "Kowalski, Anna"' in dry.output
    blocked = _run(["import", str(f)], path)
    assert blocked.exit_code == 1 and "--same" in blocked.output
    same = _run(["import", str(f), "--same", "Kowalski, Anna=#1"], path)
    assert same.exit_code == 0, same.output
    store = open_store(path, read_only=True)
    assert [c.name for c in store.clients.all()] == ["Anna Kowalski"]
    assert [(i.client_id, i.number) for i in store.ledger.all_invoices()] == [(1, "2001")]
    store.close()


def test_cli_separate_keeps_them_apart(tmp_path):
    path = tmp_path / "ledger.jsonl"
    store = open_store(path)
    store.clients.add(Client(None, "Anna Kowalski"))
    store.close()
    f = tmp_path / "export.csv"
    f.write_text("Customer,Invoice,Balance\n\"Kowalski, Anna\",2001,300.00\n", encoding="utf-8")
    r = _run(["import", str(f), "--separate", "Kowalski, Anna"], path)
    assert r.exit_code == 0, r.output
    store = open_store(path, read_only=True)
    assert sorted(c.name for c in store.clients.all()) == ["Anna Kowalski", "Kowalski, Anna"]
    store.close()


def test_cli_explain_lists_every_layout_and_skipped_row(tmp_path):
    report = Path(__file__).parent / "fixtures" / "reports" / "client_sections_footer.csv"
    r = _run(["import", str(report), "--dry-run", "--explain"], tmp_path / "none.jsonl")
    assert r.exit_code == 0, r.output
    out = r.output
    for needle in ['line 3: title: currency USD for the whole file "Amounts in USD"',
                   'line 4: title: the date the report is as of "As of Mar 31 2026"',
                   'line 7: layout: client group heading (names the client of the rows under it) '
                   '"Cedar Ridge Property Management"',
                   "line 10: layout: total row",
                   "line 17: layout: total row (its amounts are the sum of the rows above)",
                   'line 20: layout: footer "Generated 04/01/2026 08:02 AM"',
                   'line 21: layout: page or basis line "Page 1 of 1"',
                   "14 rows under the headings: 5 invoices, 0 skipped, 9 layout rows."]:
        assert needle in out, needle
