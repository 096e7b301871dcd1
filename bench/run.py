"""Whole-app benchmark: is callroom still instant on a ledger with years of calls?

Builds a synthetic ledger (seeded: every run builds the same one) of 10,000 clients,
50,000 invoices, 100,000 past calls and 20,000 promises, then measures what the owner
waits for, each measurement in a fresh process on a fresh copy of the ledger file:

* ``open_to_first_client_s``: process start to the first client of the queue rendered
  (the app headless, ``App.run_test``), opened as ``callroom`` opens it: from the queue
  summary the session of the day before left beside the ledger, the whole ledger then
  read and checked in the background (the process waits for that check before it ends);
* ``record_call_s`` / ``record_call_p95_s``: one durable (fsync'd) call record;
* ``next_client_s``: the Enter that saves a call to the next client rendered;
* ``history_open_s``: ``h`` to the history of a client with 200 calls rendered;
* ``queue_build_s``: building today's queue from the whole ledger opened in the same
  process (what a session does when no summary can be used);
* ``queue_cli_s``: ``callroom queue`` as a whole process, from start to exit;
* ``import_50k_rows_s``: parse + plan + store a 50,000-row CSV export into the ledger;
* ``import_50k_rows_xlsx_s``: the same rows as an Excel workbook (.xlsx: date and number cells);
* ``peak_rss_mb``: peak memory of the app process on that ledger;
* ``jsonstorage_record_call_s``: the same record with stock TinyDB ``JSONStorage`` on
  the same data, same run; ``record_call_speedup`` = that / ``record_call_s``;
* ``curve``: open to first client, ``callroom queue`` and peak memory at 1,000, 10,000 and
  50,000 clients (10 calls each), so that the growth with the ledger shows.

    python bench/run.py                 # the full size; writes bench/results.json
    python bench/run.py --quick         # 500 clients: well under a minute
    python bench/run.py --out /tmp/r.json

The generated ledger and CSV are cached by seed and size (``--cache-dir``, default
``$TMPDIR/callroom-bench``), so reruns skip building them; each measurement still
runs on a fresh copy. The benchmark is not part of the test run
(``tests/test_bench.py`` only checks that ``--quick`` still runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
try:
    import callroom  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT / "src"))

# Bump when the generator changes, so a cached ledger from an older generator is not reused.
GENERATOR_VERSION = 4  # 3: ledgers in the checked layout, each with its seal; 4: and the summary of a session the day before

FULL = {"clients": 10_000, "invoices": 50_000, "calls": 100_000, "promises": 20_000, "import_rows": 50_000, "history_calls": 200}
QUICK = {"clients": 500, "invoices": 2_500, "calls": 5_000, "promises": 1_000, "import_rows": 2_500, "history_calls": 200}
# How many times each figure is measured (medians of these).
REPEATS_FULL = {"open": 5, "next": 20, "history": 10, "queue": 5, "queue_cli": 5, "record": 500, "stock": 5, "import": 3,
                "curve": 3}
REPEATS_QUICK = {"open": 3, "next": 10, "history": 5, "queue": 3, "queue_cli": 3, "record": 200, "stock": 10, "import": 2,
                 "curve": 2}
#: The clients of each point of the curve (10 calls, 5 invoices and 2 promises each); the
#: point of the main size is the main figures.
CURVE_FULL = (1_000, 10_000, 50_000)
CURVE_QUICK = (100, 500)

# Every date in the ledger is relative to this fixed "today" (a Monday, 10:00 in New York),
# so every run builds and measures the same ledger and the same queue.
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
YEARS = 5
SIZE = (120, 40)  # the headless terminal

TARGETS = {  # key: (target, unit for the table)
    "open_to_first_client_s": (1.0, "s"),
    "record_call_s": (0.001, "ms"),
    "record_call_p95_s": (0.005, "ms"),
    "next_client_s": (0.050, "ms"),
    "history_open_s": (0.100, "ms"),
    "queue_cli_s": (0.300, "ms"),
    "import_50k_rows_s": (5.0, "s"),
    "import_50k_rows_xlsx_s": (10.0, "s"),
    "peak_rss_mb": (150.0, "MB"),
}
#: The first client drawn within this many times the same on the demo ledger, same run.
OPEN_RATIO_TARGET = 1.5
#: At the curve's largest point.
CURVE_TARGETS = {"open_s": 1.5, "peak_rss_mb": 400.0}
KEYS = [
    "open_to_first_client_s", "record_call_s", "record_call_p95_s", "next_client_s", "history_open_s",
    "queue_build_s", "queue_cli_s", "import_50k_rows_s", "import_50k_rows_xlsx_s", "peak_rss_mb", "jsonstorage_record_call_s",
    "record_call_speedup",
]

# ----------------------------------------------------------------------------- the ledger

PLACES = [
    "Northgate", "Cedar Ridge", "Harborview", "Quarry Hill", "Pinecrest", "Summit", "Bluebird", "Evergreen",
    "Westfield", "Kingfisher", "Bramble", "Marlow", "Fjordline", "Granite Peak", "Riverside", "Lumen", "Aroha",
    "Atelier", "Hofmann", "Brightwater", "Oakmont", "Silverlake", "Redwood", "Stonebridge", "Maple Leaf",
    "Copperfield", "Driftwood", "Elmstead", "Foxglove", "Goldcrest", "Hawthorn", "Ironside", "Juniper", "Kestrel",
    "Larkspur", "Meadowbrook", "Nightingale", "Orchard", "Primrose", "Quayside", "Rosewood", "Sandpiper",
    "Thornbury", "Upland", "Valley View", "Willowbank", "Yarrow", "Zephyr", "Ashford", "Birchwood", "Clearwater",
    "Dunmore", "Eastbrook", "Fairhaven", "Glenrock", "Highfield", "Inverness", "Lakeshore", "Millbrook", "Newhaven",
]
TRADES = [
    "Plumbing", "Dental", "Bistro", "Storage", "Legal", "Florists", "Landscaping", "Accounting", "Architects",
    "Bakery", "Logistics", "Brewing", "Yoga", "Veterinary", "Outfitters", "Montessori", "Construction", "Electrical",
    "Roofing", "Printing", "Joinery", "Cleaning", "Catering", "Physio", "Optometry", "Signage", "Glazing",
    "Haulage", "Upholstery", "Pharmacy", "Kennels", "Tiling", "Scaffolding", "Bookkeeping", "Media", "Surveying",
    "Interiors", "Motors", "Hardware", "Pottery",
]
QUALIFIERS = ["", "North", "South", "East", "West", "Central", "& Sons", "Group", "Partners", "Services", "Supply", "Works"]
LEGAL = {"US": ["LLC", "Inc", ""], "CA": ["Inc", "Ltd", ""], "GB": ["Ltd", "", ""], "DE": ["GmbH", ""], "FR": ["SA", ""],
         "NL": ["BV", ""], "AU": ["Pty Ltd", ""], "NZ": ["Ltd", ""]}
FIRST = ["Dana", "Marcus", "Rosa", "Tom", "Anna", "Liam", "Priya", "Jess", "Kate", "Alan", "Grace", "Hannah", "Carlos",
         "Nora", "Oliver", "Fiona", "Imran", "Eleanor", "Inge", "Erik", "Camille", "Jonas", "Lucia", "Mere", "Sam"]
LAST = ["Whitfield", "Bell", "Delgado", "Akers", "Kowalski", "O'Brien", "Nair", "Moreno", "Lindqvist", "Reyes",
        "Okafor", "Cole", "Ruiz", "Blake", "Marlow", "Grant", "Shah", "Price", "Vos", "Hansen", "Roux", "Hofmann"]
# region, currency, weight, phone pattern
REGIONS = [
    ("US", "USD", 50, "+1 {area} 555 {n:04d}"),
    ("CA", "CAD", 6, "+1 416 555 {n:04d}"),
    ("GB", "GBP", 15, "+44 20 7946 {n:04d}"),
    ("DE", "EUR", 8, "+49 30 5555 {n:04d}"),
    ("FR", "EUR", 7, "+33 1 55 55 {a:02d} {b:02d}"),
    ("NL", "EUR", 5, "+31 20 555 {n:04d}"),
    ("AU", "AUD", 5, "+61 2 5550 {n:04d}"),
    ("NZ", "NZD", 4, "+64 9 555 {n:04d}"),
]
US_AREAS = [415, 503, 305, 206, 312, 617, 512, 720, 646, 916, 404, 480, 212, 617, 303]
TERMS = [("Net 30", 30, 60), ("Net 15", 15, 15), ("Net 45", 45, 10), ("Due on receipt", 0, 10), ("Net 14", 14, 5)]
NOTES = [
    "Spoke to {contact}; invoices have been passed to accounts payable.",
    "{contact} says the payment run is on Thursdays; will add ours.",
    "Left a message with the invoice numbers and the total owed.",
    "Reception says {contact} is out until next week.",
    "Cash is tight after a slow quarter; {contact} will pay what they can.",
    "{contact} thought it was paid; sent a copy of {inv} and the bank details.",
    "Query on {inv}: the hours do not match their timesheet.",
    "Friendly reminder; {contact} apologised, it was overlooked.",
    "No answer on the main line; tried the mobile too.",
    "{contact} asked for the invoice to be re-sent to the new AP address.",
    "Agreed to pay {inv} in full by the date below.",
    "",
]


def _pick_weighted(rng: random.Random, items: list, weights: list[int]):
    return rng.choices(items, weights=weights, k=1)[0]


_USED_PHONES: dict[str, None] = {}


def _phone(rng: random.Random, region: tuple) -> str:
    """A number in the region's format, never the same twice (each client its own line)."""
    while True:
        p = region[3].format(area=rng.choice(US_AREAS), n=rng.randrange(10000), a=rng.randrange(10, 100), b=rng.randrange(10, 100))
        if p not in _USED_PHONES:
            _USED_PHONES[p] = None
            return p


def _money(rng: random.Random, lo: float = 80, hi: float = 25_000) -> str:
    # log-uniform: many small invoices, a few large ones
    import math

    v = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    return f"{v:.2f}"


def _names(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` distinct business names with their legal-suffix-free stem (matching key is unique)."""
    from callroom.domain.models import normalise_name

    combos = len(PLACES) * len(TRADES) * len(QUALIFIERS)
    out: list[tuple[str, str]] = []
    seen: dict[str, None] = {}
    for k in rng.sample(range(combos), min(combos, n * 2)):
        p, rest = divmod(k, len(TRADES) * len(QUALIFIERS))
        t, q = divmod(rest, len(QUALIFIERS))
        stem = " ".join(x for x in (PLACES[p], TRADES[t], QUALIFIERS[q]) if x)
        key = normalise_name(stem)
        if key in seen:
            continue
        seen[key] = None
        out.append((stem, key))
        if len(out) == n:
            return out
    # Past the one-place names (about 28,000): two places ('Rosewood Millbrook Plumbing Group').
    # Smaller ledgers never get here, so they stay as they were built.
    while len(out) < n:
        p, p2 = rng.sample(range(len(PLACES)), 2)
        t, q = rng.randrange(len(TRADES)), rng.randrange(len(QUALIFIERS))
        stem = " ".join(x for x in (PLACES[p], PLACES[p2], TRADES[t], QUALIFIERS[q]) if x)
        key = normalise_name(stem)
        if key in seen:
            continue
        seen[key] = None
        out.append((stem, key))
    return out


def generate(sizes: dict[str, int], seed: int) -> dict[str, Any]:
    """The ledger as records (``to_record`` dicts, ids from 1 in list order) plus facts about it."""
    from decimal import Decimal

    from callroom.domain.codes import Outcome, Reason, Result
    from callroom.domain.models import Call, Client, Dispute, Invoice, Payment, Plan, Promise, Session
    from callroom.domain.schedule import plan_amounts, plan_dates

    rng = random.Random(seed)
    _USED_PHONES.clear()
    n_clients, n_invoices, n_calls, n_promises = sizes["clients"], sizes["invoices"], sizes["calls"], sizes["promises"]
    horizon = YEARS * 365
    names = _names(rng, n_clients + max(1, sizes["import_rows"] // 40))  # the rest: new clients in the import
    region_w = [r[2] for r in REGIONS]

    clients: list[dict] = []
    client_info: list[dict] = []  # per client: region, currency, since (days ago), terms, contact
    for i in range(n_clients):
        stem, _ = names[i]
        region = _pick_weighted(rng, REGIONS, region_w)
        legal = rng.choice(LEGAL[region[0]])
        name = f"{stem} {legal}".strip()
        contact = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        terms = _pick_weighted(rng, TERMS, [t[2] for t in TERMS])
        phones = (_phone(rng, region),) + ((_phone(rng, region),) if rng.random() < 0.2 else ())
        slug = stem.lower().replace(" ", "").replace("&", "and")
        c = Client(None, name, contact=contact, phones=phones, email=f"ap@{slug}.example", terms=terms[0],
                   tags=tuple(rng.sample(["retail", "key account", "health", "hospitality", "trade", "eu"], rng.randrange(0, 3))),
                   region=region[0], instructions=f"Bank transfer in {region[1]}, ref = invoice number.")
        clients.append(c.to_record())
        client_info.append({"region": region[0], "currency": region[1], "since": rng.randrange(30, horizon),
                            "terms": terms, "contact": contact, "name": name, "open": [], "numbers": []})

    # The client whose history is opened: 200 calls, open and overdue invoices.
    hist = rng.randrange(n_clients)
    client_info[hist]["since"] = horizon

    # Invoices: at least one per client, the rest spread at random.
    per_client = [1] * n_clients
    for _ in range(n_invoices - n_clients):
        per_client[rng.randrange(n_clients)] += 1
    invoices: list[dict] = []
    seq = 0
    for cid0, count in enumerate(per_client):
        info = client_info[cid0]
        for k in range(count):
            seq += 1
            ago = rng.randrange(0, info["since"] + 1)
            if cid0 == hist and k < 2:
                ago = 120 + 40 * k
            issued = TODAY - timedelta(days=ago)
            due = issued + timedelta(days=info["terms"][1])
            amount = _money(rng)
            recent = ago < 150
            is_open = (cid0 == hist and k < 2) or rng.random() < (0.55 if recent else 0.02)
            if is_open:
                bal = amount if rng.random() < 0.85 else f"{Decimal(amount) / 2:.2f}"
                inv = Invoice(None, cid0 + 1, f"INV-{seq:06d}", info["currency"], Decimal(bal), issued=issued, due=due,
                              amount=Decimal(amount), status="open", terms=info["terms"][0], source="import")
                info["open"].append((seq, inv))
            else:
                closed = min(TODAY, due + timedelta(days=rng.randrange(-10, 45)))
                inv = Invoice(None, cid0 + 1, f"INV-{seq:06d}", info["currency"], Decimal("0"), issued=issued, due=due,
                              amount=Decimal(amount), status="paid", terms=info["terms"][0], source="import",
                              closed_on=max(closed, issued))
            info["numbers"].append(inv.number)
            invoices.append(inv.to_record())

    # Calls: 200 for the history client, the rest spread at random over the others.
    per_calls = [0] * n_clients
    per_calls[hist] = sizes["history_calls"]
    others = [i for i in range(n_clients) if i != hist]
    for _ in range(n_calls - sizes["history_calls"]):
        per_calls[rng.choice(others)] += 1
    # Which calls agree a promise (or a plan of 3 instalments): exactly n_promises promise records.
    n_plans = n_promises // 100
    n_single = n_promises - 3 * n_plans
    slots: list[tuple[int, datetime]] = []
    for cid0, count in enumerate(per_calls):
        since = client_info[cid0]["since"]
        for _ in range(count):
            day = TODAY - timedelta(days=rng.randrange(1, since + 1))
            slots.append((cid0, datetime.combine(day, dtime(rng.randrange(9, 17), rng.randrange(60)))))
    slots.sort(key=lambda s: (s[1], s[0]))
    kinds = ["promise"] * n_single + ["plan"] * n_plans
    kinds += [""] * (len(slots) - len(kinds))
    rng.shuffle(kinds)

    calls: list[dict] = []
    promises: list[dict] = []
    payments: list[dict] = []
    plans: list[dict] = []
    disputes: list[dict] = []
    sessions: dict[date, int] = {}
    results = [Result.REACHED, Result.VOICEMAIL, Result.NO_ANSWER, Result.GATEKEEPER, Result.WRONG_NUMBER]
    result_w = [40, 25, 25, 7, 3]
    reasons = list(Reason)
    other_outcomes = [None, Outcome.CALLBACK, Outcome.DISPUTE, Outcome.PAID, Outcome.NEW_TERMS, Outcome.CORRECT_INVOICE, Outcome.ESCALATE]
    other_w = [40, 30, 6, 10, 5, 5, 4]
    broken = kept = 0
    for (cid0, at), kind in zip(slots, kinds):
        info = client_info[cid0]
        cid = cid0 + 1
        day = at.date()
        sid = sessions.setdefault(day, len(sessions) + 1)
        inv_no = rng.choice(info["numbers"])
        note = rng.choice(NOTES).format(contact=info["contact"].split()[0], inv=inv_no)
        cur = info["currency"]
        call_id = len(calls) + 1
        details: dict[str, Any] = {}
        reason = outcome = next_action = None
        if kind:
            result, reason = Result.REACHED, rng.choice([Reason.CASH_FLOW, Reason.OVERLOOKED, Reason.STRETCHING])
            invs = (inv_no,)
            if kind == "promise":
                outcome = Outcome.PROMISE
                amount = Decimal(_money(rng, 100, 8000))
                due = day + timedelta(days=rng.randrange(3, 15))
                pid = len(promises) + 1
                promises.append(Promise(None, cid, made_on=day, due=due, amount=amount, currency=cur, invoices=invs,
                                        call_id=call_id, method=rng.choice(["ACH", "card", "bank transfer", ""])).to_record())
                details = {"amount": str(amount), "date": due.isoformat(), "links": {"promises": [pid]}}
                next_action = due + timedelta(days=1)
                fate = rng.random()
                if due < TODAY and fate < 0.6:  # kept: paid on or before the day
                    kept += 1
                    paid_on = max(day, due - timedelta(days=rng.randrange(0, 4)))
                    payments.append(Payment(None, cid, paid_on, amount, cur, invs, "import", "").to_record())
                elif due < TODAY and fate < 0.7:  # partly kept
                    payments.append(Payment(None, cid, due, (amount / 2).quantize(Decimal("0.01")), cur, invs, "manual", "part payment").to_record())
                    broken += 1
                elif due < TODAY:
                    broken += 1
            else:
                outcome = Outcome.PLAN
                total = Decimal(_money(rng, 1500, 20000))
                first = day + timedelta(days=7)
                plan_id = len(plans) + 1
                plans.append(Plan(None, cid, made_on=day, total=total, currency=cur, count=3, frequency="monthly",
                                  first=first, invoices=invs, call_id=call_id).to_record())
                pids = []
                for n, (dt, a) in enumerate(zip(plan_dates(first, 3, "monthly"), plan_amounts(total, 3, cur))):
                    pids.append(len(promises) + 1)
                    promises.append(Promise(None, cid, made_on=day, due=dt, amount=a, currency=cur, invoices=invs,
                                            call_id=call_id, plan_id=plan_id, instalment=n + 1).to_record())
                    if dt < TODAY and rng.random() < 0.7:
                        payments.append(Payment(None, cid, dt, a, cur, invs, "manual", f"Instalment {n + 1}").to_record())
                details = {"total": str(total), "count": 3, "frequency": "monthly", "first": first.isoformat(),
                           "links": {"plan": plan_id, "promises": pids}}
                next_action = first + timedelta(days=1)
        else:
            result = _pick_weighted(rng, results, result_w)
            if result is Result.REACHED:
                reason = rng.choice(reasons)
                outcome = _pick_weighted(rng, other_outcomes, other_w)
                if outcome is Outcome.CALLBACK:
                    next_action = day + timedelta(days=rng.randrange(2, 10))
                    details = {"date": next_action.isoformat()}
                elif outcome is Outcome.DISPUTE:
                    get_back = day + timedelta(days=rng.randrange(5, 15))
                    did = len(disputes) + 1
                    what = f"Query on {inv_no}"
                    disputes.append(Dispute(None, cid, opened=day, what=what, get_back=get_back, invoices=(inv_no,), who="Sam",
                                            call_id=call_id, resolved_on=get_back if get_back < TODAY - timedelta(days=30) else None).to_record())
                    details = {"what": what, "get_back": get_back.isoformat(), "links": {"dispute": did}}
                    next_action = get_back
                elif outcome is Outcome.ESCALATE:
                    next_action = day + timedelta(days=10)
                else:
                    next_action = day + timedelta(days=15)
            elif result is not Result.WRONG_NUMBER:
                next_action = day + timedelta(days=rng.randrange(2, 5))
        calls.append(Call(None, cid, at, result, reason, outcome, note=note, next_action=next_action, session_id=sid,
                          details=details, duration_s=rng.randrange(20, 600)).to_record())

    session_recs = []
    for day, sid in sessions.items():
        started = datetime.combine(day, dtime(9, 0))
        session_recs.append((sid, Session(None, started=started, as_of=day, minutes=60, ended=started + timedelta(minutes=60),
                                          planned=rng.randrange(10, 40)).to_record()))
    session_recs.sort(key=lambda s: s[0])

    # Import rows: this ledger's open invoices as a newer export shows them (some paid
    # down), then new invoices, for existing clients and for new ones.
    rows: list[tuple] = []
    for info in client_info:
        for _, inv in info["open"]:
            bal = inv.balance
            if rng.random() < 0.15:
                bal = (bal * Decimal(rng.choice(["0.25", "0.5", "0.75"]))).quantize(Decimal("0.01"))
            rows.append((info["name"], inv.number, inv.issued, inv.due, inv.amount, bal, inv.currency, ""))
    rows = rows[: sizes["import_rows"]]
    new_names = names[n_clients:]
    while len(rows) < sizes["import_rows"]:
        seq += 1
        issued = TODAY - timedelta(days=rng.randrange(0, 60))
        if rng.random() < 0.1:
            stem, _ = rng.choice(new_names)
            region = _pick_weighted(rng, REGIONS, region_w)
            name, cur, phone = stem, region[1], _phone(rng, region)
        else:
            info = client_info[rng.randrange(n_clients)]
            name, cur, phone = info["name"], info["currency"], ""
        amount = Decimal(_money(rng))
        rows.append((name, f"INV-{seq:06d}", issued, issued + timedelta(days=30), amount, amount, cur, phone))
    rows.sort(key=lambda r: (r[0], r[1]))
    csv_lines = ["Customer,Phone,Invoice,Date,Due Date,Total,Balance,Currency"]
    for name, number, issued, due, amount, bal, cur, phone in rows:
        csv_lines.append(f'"{name}",{phone},{number},{issued.isoformat()},{due.isoformat()},{amount},{bal},{cur}')

    return {
        "tables": {
            "clients": clients, "invoices": invoices, "calls": calls, "promises": promises, "payments": payments,
            "plans": plans, "disputes": disputes, "sessions": [r for _, r in session_recs],
        },
        "csv": "\n".join(csv_lines) + "\n",
        "meta": {
            "history_client_id": hist + 1, "history_client": client_info[hist]["name"],
            "history_calls": per_calls[hist], "promises_kept": kept, "promises_broken": broken,
            "open_invoices": sum(len(i["open"]) for i in client_info),
        },
    }


def write_ledger(path: Path, data: dict[str, Any]) -> None:
    """Store the generated records as a real ledger file: written whole as a snapshot (as
    after a compaction), ids from 1 in list order."""
    from callroom.store import open_store

    if path.exists():
        path.unlink()
    store = open_store(path)
    try:
        store.settings.set(business="Brightline Studio", caller="Sam", currency="USD")
        tables: dict[str, dict[str, Any]] = {"settings": dict(store.db.storage.read()["settings"].items())}
        for name, docs in data["tables"].items():
            tables[name] = {str(i): doc for i, doc in enumerate(docs, start=1)}
        store.db.storage.rewrite(tables)  # one atomic rewrite: no transaction line of a million records
    finally:
        store.close()


def summarise(ledger: Path) -> None:
    """Leave beside the ledger the queue summary a session the day before would have left
    (``callroom.services.summary``): what the owner's morning open finds."""
    from callroom.domain.clock import Clock
    from callroom.services.opening import open_session

    desk = open_session(ledger, Clock.at(NOW - timedelta(days=1)))
    try:
        desk.queue()
    finally:
        desk.close()
    assert _summary(ledger).exists(), ledger


def workbook_of(csv_path: Path) -> Path:
    """The import CSV as an Excel workbook beside it (made once): a title line, then the same rows with
    real date cells and number cells, as an accounting tool's .xlsx export has them."""
    import csv as csv_mod

    xlsx = csv_path.with_suffix(".xlsx")
    if xlsx.exists():
        return xlsx
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Open Invoices")
    ws.append(["Open Invoices"])
    ws.append([])
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = csv_mod.reader(f)
        ws.append(next(rows))
        for name, phone, number, issued, due, total, balance, cur in rows:
            ws.append([name, phone or None, number, date.fromisoformat(issued), date.fromisoformat(due), float(total),
                       float(balance), cur])
    tmp = xlsx.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    os.replace(tmp, xlsx)
    return xlsx


def _summary_in_use(ledger: Path, cache: Path) -> None:
    """A cached ledger's summary as callroom now uses it: one written by other rules (callroom's
    domain code changed since it was built) is made again, or the opens would be measured
    without it."""
    from callroom.services.summary import read_preview

    if read_preview(ledger, NOW, with_clients=False) is not None:
        return
    with tempfile.TemporaryDirectory(prefix="summarising-", dir=cache) as tmp:
        copy = Path(tmp) / ledger.name
        shutil.copyfile(ledger, copy)
        shutil.copyfile(_seal(ledger), _seal(copy))
        summarise(copy)
        os.replace(_seal(copy), _seal(ledger))
        os.replace(_summary(copy), _summary(ledger))
        os.replace(copy, ledger)


def cached_ledger(sizes: dict[str, int], seed: int, cache: Path) -> tuple[Path, Path, dict[str, Any]]:
    """The ledger file, the import CSV and the facts about them; built once per seed and size."""
    cache.mkdir(parents=True, exist_ok=True)
    tag = f"v{GENERATOR_VERSION}-seed{seed}-" + "-".join(f"{sizes[k]}" for k in sorted(sizes))
    ledger, csv, meta_path = cache / f"ledger-{tag}.jsonl", cache / f"import-{tag}.csv", cache / f"meta-{tag}.json"
    if ledger.exists() and csv.exists() and meta_path.exists():
        _summary_in_use(ledger, cache)
        return ledger, csv, json.loads(meta_path.read_text())
    t = time.perf_counter()
    data = generate(sizes, seed)
    with tempfile.TemporaryDirectory(prefix="building-", dir=cache) as tmp:  # its lock and backups stay in there
        built = Path(tmp) / ledger.name
        write_ledger(built, data)
        del data["tables"]
        summarise(built)
        os.replace(_seal(built), _seal(ledger))  # the record of its last write goes with it
        os.replace(_summary(built), _summary(ledger))  # and the summary of the day before
        os.replace(built, ledger)
    csv.write_text(data["csv"], encoding="utf-8")
    meta = dict(data["meta"], file_mb=round(ledger.stat().st_size / 1e6, 1), build_s=round(time.perf_counter() - t, 1))
    meta_path.write_text(json.dumps(meta, indent=2))
    return ledger, csv, meta


# ----------------------------------------------------------------------------- helpers


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _rss_mb() -> float:
    # This process's own high-water mark: ru_maxrss would also count the benchmark's
    # process it was started from (Linux keeps that figure across the exec).
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _settle() -> None:
    """Flush the copy's writes first: otherwise the first timed fsyncs wait on that writeback."""
    if hasattr(os, "sync"):
        os.sync()
    time.sleep(0.3)


def _clock():
    from callroom.domain.clock import Clock

    return Clock.at(NOW)


class _Rendered:
    """Wraps ``App._display`` (what a frame goes through on its way to the terminal; the
    headless driver drops it after the compositor has rendered it) to time the first
    frame in which a condition holds."""

    def __init__(self, app) -> None:
        self.app = app
        self.orig = app._display
        self.cond = None
        self.when: float | None = None
        self.event = asyncio.Event()
        app._display = self._display

    def _display(self, screen, renderable) -> None:
        self.orig(screen, renderable)
        if renderable is not None and self.cond is not None and not self.app._batch_count and self.cond(screen):
            self.when = time.perf_counter()
            self.cond = None
            self.event.set()

    def expect(self, cond) -> None:
        self.when = None
        self.event.clear()
        self.cond = cond

    async def wait(self, timeout: float = 60.0) -> float:
        deadline = time.perf_counter() + timeout
        while not self.event.is_set():
            if self.app._exception is not None:  # the app crashed: say why, do not wait on
                raise RuntimeError("the app failed") from self.app._exception
            if time.perf_counter() > deadline:
                raise TimeoutError("the expected frame was never rendered")
            try:
                await asyncio.wait_for(self.event.wait(), 0.2)
            except asyncio.TimeoutError:
                pass
        assert self.when is not None
        return self.when


def _card_shows(screen, label: str) -> bool:
    from callroom.ui.session import SessionScreen

    if not isinstance(screen, SessionScreen) or not screen.is_mounted:
        return False
    try:
        return label in str(screen.query_one("#card").content)
    except Exception:
        return False


def _label(entry) -> str:
    return f"{entry.name}  #{entry.client_id}"  # as the client card shows it


# ----------------------------------------------------------------------------- workers (child processes)


def _open_app(ledger: Path):
    """The desk and app as ``callroom`` makes them (``callroom.services.opening``)."""
    from callroom.services.opening import open_session
    from callroom.ui.app import CallroomApp

    desk = open_session(ledger, _clock())
    return desk, CallroomApp(desk, clock=_clock())


async def _until_checked(app, timeout: float = 120.0) -> float:
    """Wait for the whole ledger to be read and checked (at once when it was read at open)."""
    deadline = time.perf_counter() + timeout
    while not app._checked.is_set():
        if time.perf_counter() > deadline:
            raise TimeoutError("the ledger was never checked")
        await asyncio.sleep(0.01)
    return time.perf_counter()


def worker_open(ledger: Path, params: dict) -> dict:
    """Open the app on the ledger; print READY <perf_counter> when the first client is rendered
    and CHECKED <perf_counter> when the whole ledger has been read and checked behind it."""

    async def main() -> None:
        desk, app = _open_app(ledger)
        seen = _Rendered(app)
        seen.expect(lambda s: hasattr(s, "queue") and s.queue.entries and _card_shows(s, _label(s.queue.entries[0])))
        async with app.run_test(size=SIZE):
            when = await seen.wait()
            print(f"READY {when!r}", flush=True)
            checked = await _until_checked(app)
            print(f"CHECKED {checked!r}", flush=True)
        desk.close()

    asyncio.run(main())
    return {"peak_rss_mb": _rss_mb()}


def worker_session(ledger: Path, params: dict) -> dict:
    """In the app: Enter (after `n`, no answer) to the next client; `h` to the history screen."""
    from callroom.ui.history import HistoryScreen
    from callroom.ui.session import SessionScreen
    from textual import events

    hist_id = params["history_client_id"]
    out: dict[str, Any] = {}

    async def main() -> None:
        desk, app = _open_app(ledger)
        seen = _Rendered(app)
        seen.expect(lambda s: isinstance(s, SessionScreen) and s.slots and _card_shows(s, _label(s.slot.entry)))
        async with app.run_test(size=SIZE) as pilot:
            await seen.wait()
            await _until_checked(app)  # saving waits for the check: timed from a checked ledger
            await pilot.pause()
            s = app.screen
            assert isinstance(s, SessionScreen)
            _settle()
            nexts = []
            for _ in range(params["repeat_next"]):
                await pilot.press("n")
                # The toasts of the calls before have expired: a real call takes minutes, here
                # 20 follow each other in seconds and their toasts would pile up on screen.
                app.clear_notifications()
                await pilot.pause()
                nxt = _label(s.slots[s.index + 1].entry)
                seen.expect(lambda scr, nxt=nxt: _card_shows(scr, nxt))
                t0 = time.perf_counter()
                app._driver.send_message(events.Key("enter", "\r"))
                nexts.append(await seen.wait() - t0)
                await pilot.pause()
            out["next_client_s"] = statistics.median(nexts)
            out["next_client_p95_s"] = _p95(nexts)
            out["next_client_all_s"] = nexts

            s.call_client(hist_id)
            await pilot.pause()
            assert s.slot.entry.client_id == hist_id
            hists = []
            for _ in range(params["repeat_history"]):
                def shown(scr) -> bool:
                    if not isinstance(scr, HistoryScreen) or not scr.is_mounted:
                        return False
                    return scr.query_one("#history-table").row_count >= params["history_calls"]

                seen.expect(shown)
                app.clear_notifications()
                await pilot.pause()
                t0 = time.perf_counter()
                app._driver.send_message(events.Key("h", "h"))
                hists.append(await seen.wait() - t0)
                await pilot.pause()
                assert isinstance(app.screen, HistoryScreen)
                await pilot.press("escape")
                await pilot.pause()
                assert app.screen is s
            out["history_open_s"] = statistics.median(hists)
            out["history_all_s"] = hists
        desk.store.db.storage.close()  # no summary or compaction on the way out: not what is measured

    asyncio.run(main())
    out["peak_rss_mb"] = _rss_mb()
    return out


def worker_queue(ledger: Path, params: dict) -> dict:
    """Today's queue on a freshly opened ledger (cold: the store's per-client indexes built
    too, as at start-up), then again in the same session (warm)."""
    from callroom.services import Desk
    from callroom.store import open_store
    from callroom.store.repo import Store

    from callroom import zonecache
    from callroom.domain import phones

    store = open_store(ledger, read_only=True)
    cold, warm = [], []
    n = 0
    for _ in range(params["repeat"]):
        fresh = Store(store.db, path=store.path, read_only=True)  # new repositories: no index yet
        desk = Desk(fresh, _clock())
        phones.ZONES.forget()  # as in a new process: the zones come from the cache file again
        zonecache._loaded.clear()
        t = time.perf_counter()
        q = desk.queue()
        cold.append(time.perf_counter() - t)
        t = time.perf_counter()
        desk.queue()
        warm.append(time.perf_counter() - t)
        n = len(q.entries)
    store.close()
    return {"queue_build_s": statistics.median(cold), "queue_build_warm_s": statistics.median(warm), "queued": n}


def _minimal_calls(desk, count: int):
    """``count`` prepared no-answer calls over the queue's clients (standing worked out untimed)."""
    from callroom.domain.codes import Result
    from callroom.domain.drafts import Draft

    ids = desk.queue().ids() or [c.id for c in desk.store.clients.all()]
    out = []
    for k in range(count):
        st = desk.standing(ids[k % len(ids)])
        out.append(desk.prepare(Draft(result=Result.NO_ANSWER, note="No answer on the main line; tried the mobile too."), st, duration_s=40))
    return out


def worker_record(ledger: Path, params: dict) -> dict:
    from callroom.services import Desk
    from callroom.store import open_store

    store = open_store(ledger)
    desk = Desk(store, _clock())
    logged = _minimal_calls(desk, params["repeat"] + 10)
    for lg in logged[:10]:  # warm-up: the first write works out the next ids
        desk.record(lg)
    _settle()
    times = []
    for lg in logged[10:]:
        t = time.perf_counter()
        desk.record(lg)
        times.append(time.perf_counter() - t)
    store.db.storage.close()  # no compaction on the way out: not what is measured
    return {"record_call_s": statistics.median(times), "record_call_p95_s": _p95(times), "record_call_max_s": max(times), "records": len(times)}


def worker_stock(ledger: Path, params: dict) -> dict:
    """The same record through the same repository code on stock TinyDB ``JSONStorage``
    (the same data, in its own one-JSON-document format). It has no transactions:
    each record is one insert, which reads and rewrites the whole file (and fsyncs it)."""
    from callroom.services import Desk
    from callroom.store import open_store
    from callroom.store.repo import Store
    from tinydb import TinyDB
    from tinydb.storages import JSONStorage

    src = open_store(ledger, read_only=True)
    # The calls are prepared on the journal store: stock TinyDB re-reads the whole file on
    # every read, so working out the queue on it would take hours at full size.
    logged = _minimal_calls(Desk(src, _clock()), params["repeat"] + 1)
    stock_path = ledger.with_suffix(".stock.json")
    with open(stock_path, "w", encoding="utf-8") as f:
        json.dump({name: dict(docs.items()) for name, docs in src.db.storage.read().items()}, f)
    src.close()
    db = TinyDB(stock_path, storage=JSONStorage)
    store = Store(db, path=stock_path)
    desk = Desk(store, _clock())
    desk.record(logged[0])  # warm-up
    _settle()
    times = []
    for lg in logged[1:]:
        t = time.perf_counter()
        desk.record(lg)
        times.append(time.perf_counter() - t)
    db.close()
    size = stock_path.stat().st_size
    stock_path.unlink()
    return {"jsonstorage_record_call_s": statistics.median(times), "jsonstorage_records": len(times), "jsonstorage_file_mb": size / 1e6}


def worker_import(ledger: Path, params: dict) -> dict:
    from callroom.importers import parse_file
    from callroom.importers.reconcile import plan_import
    from callroom.services import apply_import
    from callroom.store import open_store

    store = open_store(ledger)
    t0 = time.perf_counter()
    parsed = parse_file(Path(params["csv"]), date_order=None, mapping=None)
    t1 = time.perf_counter()
    plan = plan_import([parsed], store.clients.all(), store.ledger.all_invoices(), as_of=TODAY, full=False,
                       default_currency=store.settings.default_currency)
    t2 = time.perf_counter()
    assert not plan.blocked, plan.summary_lines()[:12]
    counts = apply_import(store, plan)
    t3 = time.perf_counter()
    store.db.storage.close()
    return {"import_50k_rows_s": t3 - t0, "parse_s": t1 - t0, "plan_s": t2 - t1, "apply_s": t3 - t2,
            "rows": len(parsed.invoices), "counts": counts, "format": parsed.format_name}


WORKERS = {"open": worker_open, "session": worker_session, "queue": worker_queue, "record": worker_record,
           "stock": worker_stock, "import": worker_import}


# ----------------------------------------------------------------------------- the parent


def _child(kind: str, ledger: Path, params: dict) -> tuple[dict, float | None]:
    """Run one worker in a fresh process; returns its JSON and, for "open", the time from
    just before the process was started to the first client rendered."""
    t = time.perf_counter()
    try:
        return _child_run(kind, ledger, params)
    finally:
        _CHILD_TIMES[kind] = _CHILD_TIMES.get(kind, 0.0) + time.perf_counter() - t


_CHILD_TIMES: dict[str, float] = {}


def _child_run(kind: str, ledger: Path, params: dict) -> tuple[dict, float | None]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--ledger", str(ledger), "--params", json.dumps(params)]
    start = time.perf_counter()  # CLOCK_MONOTONIC: comparable with the child's perf_counter
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"worker {kind!r} failed ({proc.returncode}):\n{err[-4000:]}")
    ready = checked = None
    result = None
    for line in out.splitlines():
        if line.startswith("READY "):
            ready = float(line.split()[1]) - start
        elif line.startswith("CHECKED "):
            checked = float(line.split()[1]) - start
        elif line.startswith("RESULT "):
            result = json.loads(line[7:])
    if result is None:
        raise RuntimeError(f"worker {kind!r} printed no result:\n{out[-2000:]}\n{err[-2000:]}")
    if checked is not None:
        result["checked_s"] = checked  # from the process's start to the whole ledger checked
    return result, ready


def _queue_cli(ledger: Path) -> float:
    """``callroom queue`` on ``ledger`` as a whole process: from its start to its exit."""
    script = Path(sys.executable).with_name("callroom")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "callroom"]
    cmd += ["queue", "--db", str(ledger), "--as-of", TODAY.isoformat()]
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"callroom queue failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return took


def _fresh(ledger: Path, work: Path, *, summary: bool = True) -> Path:
    """A copy of the ledger in an emptied work folder (no lock, backups or leftovers of the run before)."""
    for p in work.iterdir():
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()
    dest = work / "ledger.jsonl"
    shutil.copyfile(ledger, dest)
    if _seal(ledger).exists():
        shutil.copyfile(_seal(ledger), _seal(dest))  # a ledger copied without its seal says so at open
    if _summary(ledger).exists() and summary:
        shutil.copyfile(_summary(ledger), _summary(dest))
    return dest


def _seal(ledger: Path) -> Path:
    """The seal beside a ledger (callroom.store.seal): the record of its last write."""
    return ledger.with_name(ledger.name + ".seal")


def _summary(ledger: Path) -> Path:
    """The queue summary beside a ledger (callroom.store.summary)."""
    return ledger.with_name(ledger.name + ".summary")


def _compile() -> str:
    """Compile callroom's modules to bytecode first, as Python does on the owner's machine at
    the first run (where PYTHONDONTWRITEBYTECODE is set, nothing would ever be cached, and
    each start would compile ~13,000 lines again: about 0.1 s)."""
    import compileall

    import callroom

    where = Path(callroom.__file__).parent
    ok = compileall.compile_dir(str(where), quiet=2)
    return f"{where}: {'ok' if ok else 'some files failed'}"


def _demo_ledger(path: Path) -> None:
    from callroom import demo
    from callroom.store import open_store

    store = open_store(path)
    try:
        demo.load(store, TODAY)
    finally:
        store.close()
    summarise(path)  # opened as the big one is: from its summary


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem, "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}", "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def run(quick: bool, seed: int, cache: Path, work_parent: Path | None, log=print) -> dict[str, Any]:
    sizes = QUICK if quick else FULL
    reps = REPEATS_QUICK if quick else REPEATS_FULL
    t_all = time.perf_counter()
    log(f"ledger: {sizes['clients']:,} clients, {sizes['invoices']:,} invoices, {sizes['calls']:,} calls, "
        f"{sizes['promises']:,} promises (seed {seed}) ...")
    ledger, csv, meta = cached_ledger(sizes, seed, cache)
    log(f"  {ledger} ({meta['file_mb']} MB)")
    detail: dict[str, Any] = {}
    res: dict[str, Any] = {}
    compiled = _compile()
    log(f"compiled callroom's modules ({compiled})")
    with tempfile.TemporaryDirectory(prefix="callroom-bench-", dir=work_parent) as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        # The workers' cache folder (callroom.zonecache): empty at first, as on a new machine.
        zones = Path(tmp) / "cache"
        os.environ["CALLROOM_CACHE_DIR"] = str(zones)

        # The same on the 12-client demo ledger: what Python, Textual and the first frame
        # cost on this machine whatever the size of the ledger (the floor of the figure
        # below). The runs alternate, so that both see the machine at the same speed.
        demo_ledger = Path(tmp) / "demo.jsonl"
        _demo_ledger(demo_ledger)
        log(f"open to first client (1 run with no zone cache, then {reps['open']} runs, each beside one on the demo ledger) ...")
        opens, demos, checked, rss = [], [], [], []
        r, ready = _child("open", _fresh(ledger, work), {})
        assert ready is not None
        detail["open_first_ever_s"] = ready  # the zone cache still empty
        rss.append(r["peak_rss_mb"])
        for _ in range(reps["open"]):
            r, ready = _child("open", _fresh(ledger, work), {})
            assert ready is not None
            opens.append(ready)
            checked.append(r["checked_s"])
            rss.append(r["peak_rss_mb"])
            _, ready = _child("open", _fresh(demo_ledger, work), {})
            assert ready is not None
            demos.append(ready)
        res["open_to_first_client_s"] = statistics.median(opens)
        detail["open_all_s"] = opens
        detail["open_demo_ledger_s"] = statistics.median(demos)
        detail["open_demo_ledger_all_s"] = demos
        detail["open_ratio_to_demo"] = res["open_to_first_client_s"] / detail["open_demo_ledger_s"]
        detail["open_ratio_to_demo_all"] = [o / d for o, d in zip(opens, demos)]
        detail["checked_s"] = statistics.median(checked)  # process start to the whole ledger read and checked
        detail["checked_all_s"] = checked

        log("open with no summary beside the ledger (the first open after an upgrade, or after it was lost) ...")
        r, ready = _child("open", _fresh(ledger, work, summary=False), {})
        detail["open_without_summary_s"] = ready
        detail["open_without_summary_peak_rss_mb"] = r["peak_rss_mb"]

        log(f"callroom queue as a whole process ({reps['queue_cli']}) ...")
        copy = _fresh(ledger, work)
        clis = [_queue_cli(copy) for _ in range(reps["queue_cli"])]
        res["queue_cli_s"] = statistics.median(clis)
        detail["queue_cli_all_s"] = clis
        summary_path = _summary(copy)
        summary_path.unlink()
        detail["queue_cli_without_summary_s"] = _queue_cli(copy)

        log(f"record a call ({reps['record']} records) ...")
        r, _ = _child("record", _fresh(ledger, work), {"repeat": reps["record"]})
        res["record_call_s"], res["record_call_p95_s"] = r["record_call_s"], r["record_call_p95_s"]
        detail["record"] = r

        log(f"next client ({reps['next']}) and history of a {meta['history_calls']}-call client ({reps['history']}) ...")
        r, _ = _child("session", _fresh(ledger, work), {"repeat_next": reps["next"], "repeat_history": reps["history"],
                                                        "history_client_id": meta["history_client_id"], "history_calls": meta["history_calls"]})
        res["next_client_s"], res["history_open_s"] = r["next_client_s"], r["history_open_s"]
        rss.append(r["peak_rss_mb"])
        detail["session"] = r

        log(f"queue build ({reps['queue']}) ...")
        r, _ = _child("queue", _fresh(ledger, work), {"repeat": reps["queue"]})
        res["queue_build_s"] = r["queue_build_s"]
        detail["queue"] = r

        log(f"import of {sizes['import_rows']:,} rows ({reps['import']}) ...")
        imps = []
        for _ in range(reps["import"]):
            r, _ = _child("import", _fresh(ledger, work), {"csv": str(csv)})
            imps.append(r)
        res["import_50k_rows_s"] = statistics.median(i["import_50k_rows_s"] for i in imps)
        detail["import"] = imps

        xlsx = workbook_of(csv)
        log(f"import of the same {sizes['import_rows']:,} rows as .xlsx ({reps['import']}) ...")
        imps = []
        for _ in range(reps["import"]):
            r, _ = _child("import", _fresh(ledger, work), {"csv": str(xlsx)})
            imps.append(r)
        res["import_50k_rows_xlsx_s"] = statistics.median(i["import_50k_rows_s"] for i in imps)
        detail["import_xlsx"] = imps

        res["peak_rss_mb"] = max(rss)
        detail["peak_rss_all_mb"] = rss

        log(f"the same record with stock TinyDB JSONStorage ({reps['stock']} records) ...")
        r, _ = _child("stock", _fresh(ledger, work), {"repeat": reps["stock"]})
        res["jsonstorage_record_call_s"] = r["jsonstorage_record_call_s"]
        res["record_call_speedup"] = res["jsonstorage_record_call_s"] / res["record_call_s"]
        detail["stock"] = r

        log("curve ...")
        points = CURVE_QUICK if quick else CURVE_FULL
        here = {"clients": sizes["clients"], "open_s": res["open_to_first_client_s"], "queue_cli_s": res["queue_cli_s"],
                "peak_rss_mb": max(rss), "checked_s": detail["checked_s"], "file_mb": meta["file_mb"]}
        curve = [here if n == sizes["clients"] else curve_point(n, reps["curve"], seed, cache, work, log) for n in points]
        if sizes["clients"] not in points:
            curve = sorted(curve + [here], key=lambda p: p["clients"])

    out: dict[str, Any] = {k: res[k] for k in KEYS}
    out["targets"] = {k: v[0] for k, v in TARGETS.items()}
    out["targets"]["open_ratio_to_demo"] = OPEN_RATIO_TARGET
    out["missed"] = [k for k, (target, _) in TARGETS.items() if out[k] > target]
    if detail["open_ratio_to_demo"] > OPEN_RATIO_TARGET:
        out["missed"].append("open_ratio_to_demo")
    out["curve"] = curve
    biggest = curve[-1]
    out["targets"]["curve_largest"] = CURVE_TARGETS
    out["missed"] += [f"curve_{k}" for k, target in CURVE_TARGETS.items() if biggest[k] > target]
    out["quick"] = quick
    out["seed"] = seed
    out["sizes"] = dict(sizes, **{k: meta[k] for k in ("open_invoices", "promises_kept", "promises_broken", "file_mb")})
    out["machine"] = machine()
    out["details"] = detail
    out["elapsed_s"] = round(time.perf_counter() - t_all, 1)
    out["elapsed_by_worker_s"] = {k: round(v, 1) for k, v in _CHILD_TIMES.items()}
    return out


def curve_sizes(clients: int) -> dict[str, int]:
    """A ledger of ``clients`` clients with 5 invoices, 10 calls and 2 promises each."""
    return {"clients": clients, "invoices": 5 * clients, "calls": 10 * clients, "promises": 2 * clients,
            "import_rows": 1_000, "history_calls": 200}


def curve_point(clients: int, repeat: int, seed: int, cache: Path, work: Path, log=print) -> dict[str, Any]:
    """Open to first client (median), ``callroom queue`` (median) and peak memory (the
    highest, the whole ledger checked) on a ledger of ``clients`` clients."""
    log(f"  {clients:,} clients: building (cached) ...")
    ledger, _csv, meta = cached_ledger(curve_sizes(clients), seed, cache)
    opens, checked, rss = [], [], []
    for _ in range(repeat):
        r, ready = _child("open", _fresh(ledger, work), {})
        assert ready is not None
        opens.append(ready)
        checked.append(r["checked_s"])
        rss.append(r["peak_rss_mb"])
    copy = _fresh(ledger, work)
    clis = [_queue_cli(copy) for _ in range(repeat)]
    point = {"clients": clients, "open_s": statistics.median(opens), "queue_cli_s": statistics.median(clis),
             "peak_rss_mb": max(rss), "checked_s": statistics.median(checked), "file_mb": meta["file_mb"],
             "open_all_s": opens, "queue_cli_all_s": clis}
    log(f"  {clients:,} clients: open {point['open_s']:.2f} s, queue {point['queue_cli_s']:.2f} s, "
        f"peak {point['peak_rss_mb']:.0f} MB, checked {point['checked_s']:.2f} s")
    return point


def _fmt(key: str, value: float) -> str:
    if key == "peak_rss_mb":
        return f"{value:,.0f} MB"
    if key == "record_call_speedup":
        return f"{value:,.0f}x"
    if key.endswith("_s") and value < 1:
        return f"{value * 1000:,.2f} ms" if value < 0.01 else f"{value * 1000:,.0f} ms"
    return f"{value:,.2f} s"


def table(result: dict[str, Any]) -> str:
    rows = [("figure", "measured", "target", "")]
    for k in KEYS:
        v = result[k]
        if k in TARGETS:
            target = TARGETS[k][0]
            rows.append((k, _fmt(k, v), "<= " + _fmt(k, target), "ok" if v <= target else "MISSED"))
        else:
            rows.append((k, _fmt(k, v), "", ""))
    d = result["details"]
    ratio = d["open_ratio_to_demo"]
    rows.append(("open / demo-ledger open", f"{ratio:.2f}x", f"<= {OPEN_RATIO_TARGET}x", "ok" if ratio <= OPEN_RATIO_TARGET else "MISSED"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) if i != 1 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    lines.append(f"demo ledger {d['open_demo_ledger_s']:.2f} s; the whole ledger checked {d['checked_s']:.2f} s after start; "
                 f"with no summary: open {d['open_without_summary_s']:.2f} s, queue {d['queue_cli_without_summary_s']:.2f} s")
    lines.append("")
    lines.append("curve   clients   file MB   open s   queue s   checked s   peak MB")
    for p in result["curve"]:
        lines.append(f"        {p['clients']:>7,}   {p['file_mb']:>7}   {p['open_s']:>6.2f}   {p['queue_cli_s']:>7.2f}   "
                     f"{p['checked_s']:>9.2f}   {p['peak_rss_mb']:>7.0f}")
    m, s = result["machine"], result["sizes"]
    lines.append("")
    lines.append(f"{s['clients']:,} clients, {s['invoices']:,} invoices ({s['open_invoices']:,} open), {s['calls']:,} calls, "
                 f"{s['promises']:,} promises; ledger file {s['file_mb']} MB; import: {s['import_rows']:,} rows"
                 f"{' (quick)' if result['quick'] else ''}")
    lines.append(f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['os']} (load average {m['load_average']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small ledger (500 clients): well under a minute")
    parser.add_argument("--seed", type=int, default=6, help="the generator's seed (default 6)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json", help="where to write the JSON (default bench/results.json)")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "callroom-bench",
                        help="where generated ledgers are kept between runs")
    parser.add_argument("--dir", type=Path, help="where to put the working copies (default: system temp)")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--ledger", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        result = WORKERS[args.worker](args.ledger, json.loads(args.params))
        print("RESULT " + json.dumps(result, default=str), flush=True)
        return 0
    result = run(args.quick, args.seed, args.cache_dir, args.dir, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
