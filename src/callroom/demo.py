"""A fictional ledger for `callroom demo`: every stage of the policy, three currencies,
phones in several countries, past calls with a broken promise, an open plan and an
open dispute. All dates are relative to 'today', so the demo never goes stale."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from .domain.codes import Outcome, Reason, Result
from .domain.models import Call, Client, Dispute, Invoice, Payment, Plan, Promise
from .domain.profile import Profile
from .domain.schedule import plan_amounts, plan_dates

# name, contact, phone, email, terms, currency, region, tags, invoices: (number, issued_days_ago, terms_days, amount, balance)
CLIENTS = [
    ("Northgate Self Storage", "Dana Whitfield", "+1 415 555 0182", "ap@northgate.example", "Net 30", "USD", "US", ("storage",), [("1033", 140, 30, "12905.25", "12905.25"), ("1089", 4, 30, "1290.00", "1290.00")]),
    ("Cedar Ridge Property Management", "Marcus Bell", "+1 503 555 0147", "accounts@cedarridge.example", "Net 30", "USD", "US", ("property",), [("1041", 95, 30, "2450.00", "2450.00"), ("1067", 50, 30, "875.50", "875.50")]),
    ("Delgado Family Dental", "Rosa Delgado", "+1 305 555 0123", "rosa@delgadodental.example", "Net 15", "USD", "US", ("health",), [("1052", 60, 15, "1200.00", "1200.00"), ("1021", 150, 15, "980.00", "0.00")]),
    ("Harborview Bistro", "Tom Akers", "+1 206 555 0199", "tom@harborview.example", "Net 30", "USD", "US", ("hospitality",), [("1073", 40, 30, "3180.00", "3180.00"), ("1044", 120, 30, "2760.00", "0.00")]),
    ("Anna Kowalski", "Anna Kowalski", "+1 312 555 0164", "anna.k@mailbox.example", "Due on receipt", "USD", "US", (), [("1059", 20, 0, "640.00", "640.00"), ("1035", 130, 0, "480.00", "0.00")]),
    ("O'Brien & Sons Construction", "Liam O'Brien", "+1 617 555 0110", "liam@obriensons.example", "Net 45", "USD", "US", ("construction", "key account"), [("1071", 125, 45, "5600.00", "5600.00"), ("1075", 70, 45, "1015.75", "1015.75")]),
    ("Riverside Montessori School", "Priya Nair", "+1 512 555 0136", "office@riversidemontessori.example", "Net 30", "USD", "US", ("education",), [("1062", 48, 30, "360.00", "360.00"), ("1039", 110, 30, "360.00", "0.00")]),
    ("Quarry Hill Brewing Co", "Jess Moreno", "+1 720 555 0158", "ap@quarryhillbrewing.example", "Net 30", "USD", "US", ("hospitality",), [("1019", 180, 30, "3150.00", "3150.00"), ("1080", 35, 30, "450.00", "450.00")]),
    ("Lumen Yoga Studio", "Kate Lindqvist", "+1 646 555 0171", "owner@lumenyoga.example", "Net 30", "USD", "US", ("wellness",), [("1077", 44, 30, "249.00", "249.00"), ("1083", 14, 30, "249.00", "249.00"), ("1069", 74, 30, "249.00", "0.00")]),
    ("Pinecrest Veterinary Clinic", "Dr. Alan Reyes", "+1 916 555 0143", "billing@pinecrestvet.example", "Net 30", "USD", "US", ("health",), [("1081", 45, 30, "2280.00", "2280.00"), ("1084", 38, 30, "1140.00", "1140.00"), ("1090", 2, 30, "760.00", "760.00")]),
    ("Summit Legal Partners", "Grace Okafor", "+1 404 555 0115", "grace@summitlegal.example", "Net 30", "USD", "US", ("legal",), [("1066", 82, 30, "4800.00", "4800.00"), ("1070", 66, 30, "2400.00", "2400.00"), ("1079", 52, 30, "2400.00", "2400.00"), ("1049", 115, 30, "4800.00", "0.00")]),
    ("Bluebird Florists", "Hannah Cole", "+1 503 555 0190", "hannah@bluebirdflorists.example", "Net 14", "USD", "US", ("retail",), [("1085", 26, 14, "385.00", "385.00"), ("1058", 90, 14, "410.00", "0.00")]),
    ("Evergreen Landscaping", "Carlos Ruiz", "+1 480 555 0177", "office@evergreenland.example", "Net 30", "USD", "US", (), [("1086", 10, 30, "1750.00", "1750.00"), ("1087", 3, 30, "620.00", "620.00"), ("1065", 80, 30, "1750.00", "0.00")]),
    ("Westfield Accounting Group", "Nora Blake", "+1 617 555 0104", "ap@westfieldag.example", "Net 30", "USD", "US", ("professional",), [("1074", 42, 30, "960.00", "0.00"), ("1060", 100, 30, "1450.00", "0.00")]),
    ("Marlow & Finch Ltd", "Oliver Marlow", "+44 20 7946 0321", "billing@marlowfinch.example", "Net 30", "GBP", "GB", ("uk",), [("MF-0004", 75, 30, "1080.00", "1080.00"), ("MF-0006", 33, 30, "540.00", "540.00"), ("MF-0002", 140, 30, "540.00", "0.00")]),
    ("Bramble & Thistle Bakery", "Fiona Grant", "+44 131 496 0754", "orders@brambleandthistle.example", "Net 30", "GBP", "GB", ("uk", "retail"), [("BT-0044", 62, 30, "312.80", "312.80"), ("BT-0047", 20, 30, "188.40", "188.40")]),
    ("Harrow Street Dental", "Dr. Imran Shah", "+44 161 496 0832", "accounts@harrowdental.example", "Net 30", "GBP", "GB", ("uk", "health"), [("HS-0102", 130, 30, "3650.00", "3650.00"), ("HS-0111", 58, 30, "890.00", "890.00")]),
    ("Kingfisher Architects", "Eleanor Price", "+44 117 496 0215", "eleanor@kingfisherarch.example", "Net 30", "GBP", "GB", ("uk", "key account"), [("KA-0019", 47, 30, "6200.00", "6200.00"), ("KA-0023", 39, 30, "1500.00", "1500.00")]),
    ("Atelier Vos", "Inge Vos", "+31 20 555 0147", "inge@ateliervos.example", "Net 30", "EUR", "NL", ("eu",), [("0041", 96, 30, "1500.00", "1500.00"), ("0049", 41, 30, "800.00", "800.00"), ("0052", 5, 30, "650.00", "650.00")]),
    ("Fjordline Logistics AS", "Erik Hansen", "+47 21 55 01 47", "faktura@fjordline.example", "Net 30", "EUR", "NO", ("eu", "logistics"), [("D93-0021", 70, 30, "1200.00", "800.00"), ("D93-0027", 36, 30, "860.00", "860.00")]),
    ("Brasserie Lumière", "Camille Roux", "+33 1 55 55 01 23", "compta@brasserielumiere.example", "Net 30", "EUR", "FR", ("eu", "hospitality"), [("BL-2026-07", 64, 30, "2340.00", "2340.00"), ("BL-2026-09", 45, 30, "1180.00", "1180.00"), ("BL-2026-04", 130, 30, "990.00", "0.00")]),
    ("Hofmann Maschinenbau GmbH", "Jonas Hofmann", "+49 30 5555 0123", "buchhaltung@hofmann-mb.example", "Net 30", "EUR", "DE", ("eu", "key account"), [("HM-311", 118, 30, "9850.00", "9850.00"), ("HM-327", 55, 30, "4100.00", "4100.00"), ("HM-298", 160, 30, "6200.00", "0.00")]),
    ("Studio Verde", "Lucia Bianchi", "+39 02 5555 0199", "lucia@studioverde.example", "Net 30", "EUR", "IT", ("eu",), [("SV-0088", 31, 30, "720.00", "720.00"), ("SV-0090", 12, 30, "410.00", "410.00"), ("SV-0079", 95, 30, "1320.00", "0.00")]),
    ("Aroha Early Learning Centre", "Mere Walker", "+64 7 555 0147", "office@arohaelc.example", "Net 30", "USD", "NZ", ("education",), [("1063", 56, 30, "1104.00", "1104.00"), ("1091", 9, 30, "552.00", "552.00")]),
    ("Granite Peak Outfitters", "Sam Whitaker", "+1 307 555 0125", "sam@granitepeak.example", "Net 30", "USD", "US", ("retail",), [("1088", 7, 30, "2900.00", "2900.00"), ("1076", 60, 30, "1850.00", "0.00")]),
]

# The business the demo's caller works for: its name is the payee wherever one is named.
BUSINESS = "Brightline Studio"
CALLER = "Sam"
PHONE = "+1 415-555-0100"  # the callback number a voicemail gives

INSTRUCTIONS = {
    "USD": "ACH to First Harbor Bank, routing 021000021, account 4471 0093 22; or card by phone.",
    "GBP": f"Bank transfer to {BUSINESS} Ltd, sort code 20-00-00, account 55779911, ref = invoice number.",
    "EUR": "SEPA to NL91 ABNA 0417 1643 00 (BIC ABNANL2A), ref = invoice number.",
}

# The business profile: payment instructions per currency (PROFILE), and one client who
# pays another way (their own instructions come first).
PROFILE = Profile(
    name=BUSINESS, contact=CALLER, phone=PHONE, email="sam@brightline.example",
    address="12 Harbor Way\nSan Francisco, CA 94105", website="brightline.example", sign_off="Kind regards,",
    instructions=INSTRUCTIONS,
)
OWN_INSTRUCTIONS = {"Pinecrest Veterinary Clinic": f"Card by phone, or cheque to {BUSINESS}, PO Box 2210, San Francisco, CA 94126."}


def build(today: date) -> dict:
    """The demo as records, ready for the store: {clients: [...], invoices: {name: [...]}, ...}."""
    clients: list[Client] = []
    invoices: dict[str, list[Invoice]] = {}
    for name, contact, phone, email, terms, cur, region, tags, invs in CLIENTS:
        clients.append(
            Client(None, name, contact=contact, phones=(phone,), email=email, terms=terms,
                   instructions=OWN_INSTRUCTIONS.get(name, ""), tags=tags, region=region)
        )
        invoices[name] = [
            Invoice(None, 0, number, cur, Decimal(bal), issued=today - timedelta(days=ago),
                    due=today - timedelta(days=ago) + timedelta(days=td), amount=Decimal(amt),
                    status="open" if Decimal(bal) > 0 else "paid", terms=terms, source="demo",
                    closed_on=None if Decimal(bal) > 0 else today - timedelta(days=ago) + timedelta(days=td + 4))
            for number, ago, td, amt, bal in invs
        ]
    return {"clients": clients, "invoices": invoices}


def _at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm))


def load(store, today: date) -> None:
    """Write the demo ledger into an empty store, with its history of past calls."""
    data = build(today)
    ids: dict[str, int] = {}
    with store.transaction():
        store.settings.set(business=BUSINESS, caller=CALLER, currency="USD")
        store.settings.set_profile(PROFILE)
        for c in data["clients"]:
            saved = store.clients.add(c)
            ids[c.name] = saved.id
            for inv in data["invoices"][c.name]:
                store.ledger.invoices.add(inv.with_(client_id=saved.id))
    d = lambda n: today - timedelta(days=n)  # noqa: E731

    # A broken promise: Cedar Ridge promised the full amount 6 days ago; nothing came.
    cid = ids["Cedar Ridge Property Management"]
    store.calls.record(
        Call(None, cid, _at(d(16), 10, 5), Result.REACHED, Reason.CASH_FLOW, Outcome.PROMISE,
             note="Tenant rents late this month; Marcus will pay both invoices on the promised date.",
             next_action=d(5), details={"amount": "3325.50", "date": d(6).isoformat()}),
        promises=[Promise(None, cid, made_on=d(16), due=d(6), amount=Decimal("3325.50"), currency="USD", invoices=("1041", "1067"), method="ACH")],
    )
    # An earlier voicemail for the same client.
    store.calls.record(Call(None, cid, _at(d(24), 9, 40), Result.VOICEMAIL, note="Left a message with the invoice numbers.", next_action=d(22)))

    # An open payment plan: O'Brien & Sons, 3 monthly instalments, first one paid.
    cid = ids["O'Brien & Sons Construction"]
    first = d(12)
    total = Decimal("6615.75")
    amounts = plan_amounts(total, 3, "USD")
    dates = plan_dates(first, 3, "monthly")
    store.calls.record(
        Call(None, cid, _at(d(20), 14, 30), Result.REACHED, Reason.CASH_FLOW, Outcome.PLAN,
             note="Big job delayed; agreed 3 monthly instalments.", next_action=dates[1] + timedelta(days=1),
             details={"total": str(total), "count": 3, "frequency": "monthly", "first": first.isoformat()}),
        plan=Plan(None, cid, made_on=d(20), total=total, currency="USD", count=3, frequency="monthly", first=first, invoices=("1071", "1075")),
        promises=[Promise(None, cid, made_on=d(20), due=dt, amount=a, currency="USD", invoices=("1071", "1075"), instalment=n + 1)
                  for n, (dt, a) in enumerate(zip(dates, amounts))],
    )
    store.ledger.payments.add(Payment(None, cid, d(13), amounts[0], "USD", ("1071",), source="manual", note="Instalment 1"))
    inv = [i for i in store.ledger.open_invoices(cid) if i.number == "1071"][0]
    store.ledger.invoices.save(inv.with_(balance=inv.balance - amounts[0]))

    # An open dispute: Kingfisher Architects query the second invoice; get back in 4 days.
    cid = ids["Kingfisher Architects"]
    store.calls.record(
        Call(None, cid, _at(d(3), 11, 15), Result.REACHED, Reason.DISPUTE, Outcome.DISPUTE,
             note="Eleanor says the site visits on KA-0023 were billed twice.", next_action=today + timedelta(days=4),
             details={"what": "Site visits billed twice on KA-0023", "get_back": (today + timedelta(days=4)).isoformat()}),
        dispute=Dispute(None, cid, opened=d(3), what="Site visits billed twice on KA-0023", get_back=today + timedelta(days=4), invoices=("KA-0023",), who="Sam"),
    )
    # A kept promise at Delgado Dental for an older invoice, then silence.
    cid = ids["Delgado Family Dental"]
    store.calls.record(Call(None, cid, _at(d(30), 15, 0), Result.NO_ANSWER, next_action=d(28)))
    # A callback due today at Hofmann.
    cid = ids["Hofmann Maschinenbau GmbH"]
    store.calls.record(
        Call(None, cid, _at(d(7), 9, 30), Result.GATEKEEPER,
             note="Reception: Jonas back from trade fair on the date below.", next_action=today),
    )
    # A promise not yet due at Harrow Street Dental (held back today).
    cid = ids["Harrow Street Dental"]
    store.calls.record(
        Call(None, cid, _at(d(2), 10, 0), Result.REACHED, Reason.OVERLOOKED, Outcome.PROMISE,
             note="Practice manager was on leave; paying both this week.", next_action=today + timedelta(days=4),
             details={"amount": "4540.00", "date": (today + timedelta(days=3)).isoformat()}),
        promises=[Promise(None, cid, made_on=d(2), due=today + timedelta(days=3), amount=Decimal("4540.00"), currency="GBP", invoices=("HS-0102", "HS-0111"))],
    )
    # Quarry Hill said they won't pay the old invoice: escalation review.
    cid = ids["Quarry Hill Brewing Co"]
    store.calls.record(
        Call(None, cid, _at(d(40), 16, 10), Result.REACHED, Reason.WONT_PAY, Outcome.ESCALATE,
             note="Says the integration never worked; refuses to pay 1019. Final notice sent.", next_action=d(30)),
    )
