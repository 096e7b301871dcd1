"""`callroom escalation`, `callroom casefile` and `callroom profile --cost` as a user runs
them: routes with figures (text and JSON), a route chosen leaves the queue and comes back
with --as-of, the case file written and refused as the issue says."""

from __future__ import annotations

import json
from decimal import Decimal

import pypdf
import pytest
from click.testing import CliRunner

from callroom.cli import main

from support import TODAY


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLROOM_CONFIG_DIR", str(tmp_path / "config"))


def run(ledger, *args, as_of: str = TODAY.isoformat()):
    return CliRunner().invoke(main, ["--db", str(ledger), "--as-of", as_of, *args], catch_exceptions=False)


def test_escalation_prints_each_route_with_its_figures_and_the_uneconomic_last(ledger):
    r = run(ledger, "escalation", "Riverside")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "Riverside Montessori School (#7): $360.00 overdue (invoice 1062; oldest 18 days)"
    order = [ln.split("  ")[1].strip() for ln in lines if ln.startswith("  ") and not ln.startswith("      ") and "$" in ln]
    assert order == ["Final notice", "Collection agency", "Settle for less", "Write off", "Lawyer's letter", "Small claims court"]
    assert "  Costs more than it recovers:" in lines
    assert lines.index("  Costs more than it recovers:") < next(i for i, ln in enumerate(lines) if ln.startswith("  Lawyer's letter"))
    assert any("Example costs, not yours and not legal advice" in ln for ln in lines)


def test_escalation_json_is_a_list_of_routes_with_money_as_decimal_strings(ledger):
    r = run(ledger, "escalation", "Kingfisher", "--json")
    rows = json.loads(r.output)
    assert [row["route"] for row in rows] == ["final-notice", "lawyer", "agency", "small-claims", "settle", "write-off"]
    for row in rows:
        assert {"route", "cost", "keeps", "available", "why", "days", "currency"} <= set(row)
        assert row["currency"] == "GBP" and Decimal(row["cost"]) == Decimal(row["cost"]).quantize(Decimal("0.01"))
        assert isinstance(row["cost"], str) and isinstance(row["keeps"], str) and isinstance(row["days"], int)
    assert rows[0]["claim"] == "6200.00"  # KA-0019 only: KA-0023 is disputed
    text = run(ledger, "escalation", "Kingfisher").output
    assert "Invoice KA-0023 (£1,500.00): under dispute, not escalated." in text


def test_choose_a_route_the_client_leaves_the_queue_and_comes_back_on_its_check_date(ledger):
    assert "Quarry Hill Brewing Co" in run(ledger, "queue").output.split("Not today")[0]
    r = run(ledger, "escalation", "Quarry", "--choose", "final-notice")
    assert r.exit_code == 0, r.output
    assert "Recorded: Final notice for Quarry Hill Brewing Co, $3,600.00 overdue; estimated cost $25.00 (example costs); deadline 2026-12-03." in r.output
    assert "callroom write 'Quarry Hill Brewing Co' --kind final-notice --format pdf" in r.output
    q = run(ledger, "queue").output
    queued, held = q.split("Not today")[0], q.split("Not today")[1]
    assert "Quarry Hill" not in queued and "final notice of 23 Nov: deadline 3 Dec" in held
    back = run(ledger, "queue", as_of="2026-12-03").output.split("Not today")[0]
    assert "Quarry Hill Brewing Co" in back and "final notice expired on 3 Dec" in back
    # the next route replaces it; withdrawing gives the client back to the normal queue
    assert run(ledger, "escalation", "Quarry", "--choose", "lawyer", as_of="2026-12-03").exit_code == 0
    shown = run(ledger, "escalation", "Quarry", as_of="2026-12-04").output
    assert "Chosen 2026-11-23: Final notice for $3,600.00 — replaced by lawyer's letter on 3 Dec 2026" in shown
    assert "Chosen 2026-12-03: Lawyer's letter for $3,600.00 — lawyer's letter since 3 Dec: check 17 Dec" in shown
    r = run(ledger, "escalation", "Quarry", "--withdraw", as_of="2026-12-04")
    assert "Withdrawn: Lawyer's letter for Quarry Hill Brewing Co" in r.output
    assert "Quarry Hill" in run(ledger, "queue", as_of="2026-12-04").output.split("Not today")[0]


def test_bad_input_is_named_and_changes_nothing(ledger):
    r = run(ledger, "escalation", "br")
    assert r.exit_code == 1
    assert "'br' matches 3 clients: " in r.output  # every candidate named
    for name in ("Bramble & Thistle Bakery (#16)", "Brasserie Lumière (#21)", "Quarry Hill Brewing Co (#8)"):
        assert name in r.output
    r = run(ledger, "escalation", "Westfield")
    assert r.exit_code == 0 and r.output == "Westfield Accounting Group has nothing overdue to escalate.\n"
    assert json.loads(run(ledger, "escalation", "Westfield", "--json").output) == []
    r = run(ledger, "escalation", "Hofmann", "--choose", "small-claims")
    assert r.exit_code == 1 and "Small claims court is not available: over the limit of €10,000.00 for Hofmann" in r.output
    assert "Nothing was stored." in r.output
    r = run(ledger, "casefile", "Westfield", "--out", "x")
    assert r.exit_code == 1 and "Westfield Accounting Group owes nothing: no case file was written." in r.output


def test_profile_cost_sets_shows_and_refuses_nonsense_naming_the_field(ledger):
    r = run(ledger, "profile", "--cost", "lawyer=fee:180, days:14, hours:1", "--cost", "hourly=75", "--cost", "interest=8%")
    assert r.exit_code == 0, r.output
    assert "Escalation costs in USD (* example, not yet yours):" in r.output
    assert "  lawyer        fee:180, hours:1, days:14\n" in r.output and "  hourly        75\n" in r.output
    assert "  agency        commission:30%, minimum:200, hours:1, days:30 *" in r.output
    assert "  interest      8% a year" in r.output
    est = {row["route"]: row for row in json.loads(run(ledger, "escalation", "Quarry", "--json").output)}
    assert (est["lawyer"]["cost"], est["lawyer"]["example"]) == ("255.00", False)
    for bad, words in (("agency=commission:120%", "collection agency commission: 120% is more than 100%"),
                       ("lawyer=fee:-5", "lawyer's letter fee: -5 is negative"),
                       ("court=limit:ten", "small claims court limit: 'ten' is not an amount")):
        r = run(ledger, "profile", "--cost", bad, "--name", "Changed")
        assert r.exit_code == 1 and words in r.output and "Nothing was changed." in r.output
    assert "Business:  Brightline Studio" in run(ledger, "profile").output


def test_profile_help_documents_the_cost_syntax(ledger):
    r = run(ledger, "profile", "--help")
    for needed in ("--cost [CUR:]ROUTE=SETTINGS", "fee:35 up to 300", "commission:30%", "limit:10000", "hourly=60",
                   "interest=8%", "not legal advice", "EUR:lawyer=fee:120"):
        assert needed in r.output, needed


def test_casefile_writes_the_folder_and_refuses_to_overwrite_it(ledger, tmp_path):
    out = tmp_path / "case"
    run(ledger, "escalation", "Quarry", "--choose", "agency")
    r = run(ledger, "casefile", "Quarry", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert f"Wrote the case file for Quarry Hill Brewing Co in {out}:" in r.output
    assert "2 invoices, 1 contact, 0 letters; owed $3,600.00." in r.output
    assert sorted(p.name for p in out.iterdir()) == ["casefile.pdf", "contact-log.csv", "statement.csv"]
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(out / "casefile.pdf").pages)
    assert "1019" in text and "1080" in text and "2026-10-14 16:10" in text and "Collection agency" in text
    r = run(ledger, "casefile", "Quarry", "--out", str(out))
    assert r.exit_code == 1 and "already holds a case file (casefile.pdf, statement.csv, contact-log.csv)" in r.output
    assert "--force" in r.output
    assert run(ledger, "casefile", "Quarry", "--out", str(out), "--force").exit_code == 0
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    r = run(ledger, "casefile", "Quarry", "--out", str(blocker / "case"))
    assert r.exit_code == 1 and f"cannot write to {blocker / 'case'}" in r.output


def test_the_report_shows_clients_and_money_at_each_stage(ledger):
    run(ledger, "escalation", "Quarry", "--choose", "agency")
    r = run(ledger, "report")
    part = r.output.split("Escalation: clients and money at each stage")[1]
    assert "  Collection agency                   1 client   $3,600.00" in part
    data = json.loads(run(ledger, "report", "--json").output)["escalation"]
    agency = next(s for s in data["stages"] if s["stage"] == "agency")
    assert agency == {"stage": "agency", "label": "Collection agency", "clients": 1, "due_back": 0, "money": {"USD": "3600.00"}}
