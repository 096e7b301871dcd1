"""The call script: Listen, Flex, Escalate, written from the client's own facts (DOMAIN.md section 3).

The wording is callroom's own. Every line is built from what the ledger knows: the
contact's first name, the invoice numbers and months, the totals per currency, the
terms, a broken promise, the payment instructions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable

from babel.dates import format_date

from . import books
from .aging import due_info
from .codes import Reason, Stage
from .models import Invoice
from .money import Totals
from .owing import listed, owing, short_day, totals
from .policy import Policy
from .queue import ClientStanding


@dataclass(frozen=True)
class Script:
    listen: tuple[str, ...]
    flex: tuple[str, ...]
    escalate: tuple[str, ...]
    close: tuple[str, ...] = field(default=())
    voicemail: tuple[str, ...] = field(default=())  # a message to read out: never an amount

    def stage(self, name: str) -> tuple[str, ...]:
        return getattr(self, name)


def join_words(items: list[str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def invoice_months(invoices: Iterable[Invoice], today: date, locale: str = "en_US") -> str:
    """'May and June', or 'December 2025 and January 2026' when they span years or are not this year."""
    ds = sorted({(i.issued or i.due) for i in invoices if (i.issued or i.due)})
    if not ds:
        return ""
    months = sorted({(d.year, d.month) for d in ds})
    with_year = len({y for y, _ in months}) > 1 or months[0][0] != today.year
    pattern = "MMMM yyyy" if with_year else "MMMM"
    return join_words([format_date(date(y, m, 1), pattern, locale=locale) for y, m in months])


def _d(d: date, locale: str) -> str:
    return format_date(d, "EEEE d MMMM", locale=locale)


def compose(
    st: ClientStanding,
    today: date,
    *,
    reason: Reason | None = None,
    caller: str = "",
    business: str = "",
    callback_number: str = "",
    policy: Policy = Policy(),
    locale: str = "en_US",
    instructions: str = "",
) -> Script:
    """``instructions``: how to pay (the client's own, else the profile's for the currencies
    owed); the client's own when not given."""
    c = st.client
    ow = owing(st, today, policy)
    hello = f"Hi {c.first_name}," if c.first_name else "Hello,"
    who = f" this is {caller}" if caller else ""
    frm = f" from {business}" if business else ""
    opening = f"{hello}{who}{frm}.".replace(",.", ".")
    pay = instructions or c.instructions
    vm = voicemail(c.contact, c.name, caller, business, callback_number)
    if not ow.overdue and not ow.not_due and not books.held(st.file.open_invoices):
        # Nothing to ask for: everything is paid, or all that is open is under a dispute opened on a call.
        return _nothing_to_ask(st, ow, opening, today, policy, locale, pay, vm)
    # What is asked for: the overdue invoices. An invoice not yet due is named apart and never
    # asked for; one held by an open dispute is named apart, never asked for. With nothing
    # overdue (a client called by hand), the call is about what falls due next. With all that is
    # open held back by the owner's books, the call asks for nothing.
    ahead_only = not ow.overdue and bool(ow.not_due)
    invs = list(ow.overdue) or list(ow.not_due) or list(st.file.open_invoices)
    on_call = tuple(i for i in ow.disputed if not i.book_status)  # held by a dispute opened on a call
    numbers = join_words([i.number for i in invs])
    months = invoice_months(invs, today, locale)
    known = totals(invs)
    unknown = [i.number for i in invs if i.balance is None]  # the export did not give it: never 'nothing'
    if not unknown:
        total = known.format(locale, sep=" and ")
        amounts = f", {total}"
    else:
        unknown_words = f"{'invoice' if len(unknown) == 1 else 'invoices'} {join_words(unknown)}"
        total = f"{known.format(locale, sep=' and ')} and {unknown_words}" if known else unknown_words
        amounts = f": {known.format(locale, sep=' and ')} on the others, and {join_words(unknown)}" if known else ""
    agreed = c.terms or ", ".join(sorted({i.terms for i in invs if i.terms}))
    terms = f" on the {agreed} terms we agreed" if agreed else " within the terms we agreed"
    plural = "invoices" if len(invs) != 1 else "invoice"
    months_part = f" from {months}" if months else ""
    dues = [due_info(i, policy) for i in invs]
    assumed = any(d.assumed for d in dues)  # a due date nobody stated is never said to the client

    listen: list[str] = [opening]
    if st.unhandled_broken:
        j = st.unhandled_broken[0]
        p = j.promise
        listen.append(
            f"On {_d(p.made_on, locale)} you told me {p.money.format(locale)} would be paid by {_d(p.due, locale)}. "
            + ("Only part of it has arrived." if j.paid_by_due > 0 else "It hasn't arrived.")
            + " What happened?"
        )
    in_books = books.held(invs) if not st.chase else []
    credit = _credit_line(c.unapplied, invs, locale) if not in_books else ""
    if in_books:
        # Everything open is held back by the owner's books (disputed, not sent, written off): nothing is asked for.
        listen.append(f"I'm calling about {plural} {numbers}{months_part}.")
        listen.append(f"(Your books hold {'it' if len(in_books) == 1 else 'them'} back: " + "; ".join(
            f"{i.number} is {books.WHY[i.book_status]}" for i in in_books) + ". Do not ask for payment.)")
    elif ahead_only:
        days = sorted({d.day for d in dues if d.day is not None})
        when = f", due on {join_words([_d(d, locale) for d in days])}" if days and not assumed else ""
        listen.append(f"I'm calling {'ahead of' if when else 'about'} {plural} {numbers}{months_part}{amounts}{when}.")
        if credit:
            listen.append(credit)
        listen.append("Is everything in order for it to be paid on time?")
    else:
        listen.append(f"I'm calling about {plural} {numbers}{months_part}{amounts}{' in all' if not unknown else ''}.")
        if credit:
            listen.append(credit)
        if st.stage is Stage.ESCALATION:
            oldest = ow.overdue[0] if ow.overdue else None
            if st.due_note and assumed and oldest is not None and oldest.issued is not None:
                # The days past due rest on an assumed due date: say what is known, the issue date.
                ago = (today - oldest.issued).days
                listen.append(f"The oldest, {oldest.number}, was issued on {_d(oldest.issued, locale)}, {ago} days ago. "
                              "I need us to settle this today.")
            else:
                listen.append(f"The oldest is now {st.days} days past due. I need us to settle this today.")
        else:
            listen.append(f"Can we set up payment{terms}?")
    if unknown and not in_books:
        listen.append(f"(The export gives no balance for {join_words(unknown)}: check what is owed before you ask for it.)")
    if assumed and not in_books:
        days = next(d.days for d in dues if d.assumed)
        listen.append(f"(The export gives no due date: how late it is assumes issued + {days} days. "
                      "Ask which terms they have before saying how late it is.)")
    if ow.not_due and not ahead_only and not in_books:
        listen.append(f"(Not due yet, so not asked for: {listed(ow.not_due, today, policy, locale)}.)")
    if on_call:
        listen.append(f"(Under dispute, not asked for: {_disputed(st, on_call, today, policy, locale)}.)")
    aside = books.held(st.file.open_invoices) if not in_books else []
    if aside:
        listen.append("(Not asked for: " + "; ".join(f"{i.number} is {books.WHY[i.book_status]}" for i in aside) + ".)")
    listen.append("Where do things stand with it on your side? (Listen.)" if in_books else
                  "Is there a reason it hasn't been paid yet? (Listen; let them finish, then pick the reason.)"
                  if not ahead_only else "Is there anything about it I should know? (Listen.)")

    # What is asked for: net of an unapplied credit the books show (the opening says so).
    asked = _net(totals(invs), c.unapplied).format(locale, sep=" and ") if credit else total
    flex = list(_flex_lines(reason, st, today, policy, locale, asked, held=bool(in_books)))
    escalate = list(_escalate_lines(st, today, policy, locale))
    close = [
        "Repeat back what was agreed: the amount, the date and how it will be paid.",
    ]
    if pay:
        close.append(f"Payment details: {' / '.join(pay.splitlines())}")
    close.append("Thank them, and say when you'll check in.")
    return Script(tuple(listen), tuple(flex), tuple(escalate), tuple(close), vm)


def _disputed(st: ClientStanding, invoices, today: date, policy: Policy, locale: str) -> str:
    """'MF-0006 (£540.00, due …): hours too high, get back by Mon 30 Nov': the invoices held by
    a dispute opened on a call, with what the dispute is about and when to get back."""
    held = {i.number for i in invoices}
    bits = [listed(invoices, today, policy, locale)]
    for d in st.file.disputes:
        if d.is_open and (not d.invoices or held & set(d.invoices)):
            bits.append(f"{d.what}, get back by {short_day(d.get_back, today, locale)}")
    return "; ".join(bits)


def _nothing_to_ask(st: ClientStanding, ow, opening: str, today: date, policy: Policy, locale: str, pay: str,
                    vm: tuple[str, ...]) -> Script:
    """The script for a client with nothing to ask for: everything paid (said plainly, no
    collection lines), or everything open under dispute (where the investigation stands)."""
    if not ow.disputed:
        listen = (opening, "Nothing is open on this account: every invoice is paid, so there is nothing to ask for.",
                  "(If a payment has just come in, thank them for it; note anything they raise.)")
        return Script(listen, ("Nothing to offer or ask for: nothing is open.",),
                      ("Nothing to escalate: nothing is open.",), ("Thank them for their time.",), vm)
    n = len(ow.disputed)
    listen = (opening,
              f"I'm calling about what you raised on {'invoice' if n == 1 else 'invoices'} "
              f"{join_words([i.number for i in ow.disputed])}.",
              f"(Under dispute, not asked for: {_disputed(st, ow.disputed, today, policy, locale)}.)",
              "Say where it stands on your side, and ask whether anything else needs looking into. (Listen.)")
    flex = ("If it is settled, say what is owed now and ask when it will be paid; if not, agree the next date "
            "to get back to them.",)
    close = ["Repeat back what was agreed and by when."] + ([f"Payment details: {' / '.join(pay.splitlines())}"] if pay else [])
    return Script(listen, flex, ("Nothing to escalate while everything open is under dispute.",), tuple(close), vm)


def voicemail(contact: str, client: str, caller: str, business: str, number: str) -> tuple[str, ...]:
    """A short message to leave: who it is for and from, one neutral line of why, and the
    number to call back. Never an amount or the word 'overdue': others may hear it."""
    to = f"{contact} at {client}" if contact and contact != client else (contact or client)
    who = " ".join(x for x in (f"this is {caller}" if caller else "", f"from {business}" if business else "") if x)
    lines = [f"Hello, this is a message for {to}." if to else "Hello.",
             f"{who[:1].upper() + who[1:]}." if who else "",
             "I'm calling about your account with us; it's a quick question.",
             f"Could you call me back on {number}? Thank you." if number else "Could you call me back on [your number]? Thank you."]
    out = tuple(line for line in lines if line)
    if not number:
        out += ("(No callback number on file: add your phone to your business profile.)",)
    return out


def _credit_line(credit: Totals, invs: list[Invoice], locale: str) -> str:
    """The unapplied credit the books show, said with what it leaves to pay ('' when there is none
    in the currencies asked for)."""
    owed = totals(invs)
    mine = Totals({cur: amt for cur, amt in credit.items() if cur in owed})
    if not mine:
        return ""
    left = _net(owed, mine)
    if all(v == 0 for v in left.values()):
        return (f"Our books also show a credit of {mine.format(locale, sep=' and ')} on your account, not yet "
                "applied to these invoices, which covers them. (Check your books before asking for anything.)")
    return (f"Our books also show a credit of {mine.format(locale, sep=' and ')} on your account, not yet applied "
            f"to these invoices, so {left.format(locale, sep=' and ')} is left to pay.")


def _net(owed: Totals, credit: Totals) -> Totals:
    """What is left of ``owed`` once the credit in its currencies is applied (never below nothing)."""
    return Totals({cur: max(amt - credit.get(cur, Decimal(0)), Decimal(0)) for cur, amt in owed.items()})


def _flex_lines(reason: Reason | None, st: ClientStanding, today: date, policy: Policy, locale: str, total: str,
                held: bool = False) -> Iterable[str]:
    week = _d(today + timedelta(days=policy.promise_days), locale)
    if held:
        yield "(Nothing to ask for: your books hold these invoices back. Note what they say and when to follow up.)"
        return
    if reason is None:
        yield "Pick the reason they give (keys 1-7) to see what to offer."
        yield f"Otherwise ask for a date: can {total} be paid by {week}?"
        return
    if reason is Reason.CASH_FLOW:
        yield "Thanks for telling me. Let's find something that works for both of us."
        yield f"Could we split {total} into instalments, say monthly, starting {week}?"
        yield "Or is there a date you can commit to for the full amount?"
    elif reason is Reason.DISPUTE:
        yield "I'm sorry to hear that. Tell me exactly what isn't right, so I can look into it."
        yield "Log what is disputed; say who will look into it and by which date you'll get back."
        yield "Is there a part that isn't in question that can be paid now?"
    elif reason is Reason.INVOICE_PROBLEM:
        yield "Let's fix that now: what's wrong or missing (address, PO number, amount)?"
        yield "I'll correct it and resend it today. Can you confirm payment once it arrives?"
        yield "If several clients say this, check your own invoicing first."
    elif reason is Reason.THINKS_PAID:
        yield "Thanks. Can you tell me the date it went out and how it was sent?"
        yield "I'll check on our side and call you back that day if it hasn't arrived."
    elif reason is Reason.OVERLOOKED:
        yield "That happens, no problem at all."
        yield f"Can you put it through by {week}? What date shall I note down?"
    elif reason is Reason.STRETCHING:
        yield f"Our agreement was {st.client.terms or 'the terms on the invoice'}; I need us to keep to it."
        yield "If those terms don't suit you any more, let's agree new ones that work: say 60 days, charged to a card on the first day."
        yield f"For what's overdue now: can {total} be paid by {week}?"
    elif reason is Reason.WONT_PAY:
        yield "I understand you don't intend to pay. I want to be clear about what happens next."
        yield "Move to Escalate."


def _escalate_lines(st: ClientStanding, today: date, policy: Policy, locale: str) -> Iterable[str]:
    deadline = _d(today + timedelta(days=policy.final_notice_days), locale)
    yield "Only when listening and offering have failed. Calm and factual, never a threat you won't carry out."
    yield f"If we can't agree today, a final notice goes out, with payment due by {deadline}."
    yield "After that the account goes to a lawyer's letter, a collection agency or small claims."
    if st.stage is Stage.ESCALATION:
        reasons = []
        if st.days >= policy.escalation_from:
            reasons.append(f"{st.days} days overdue" + (f" ({st.due_note})" if st.due_note else ""))
        if st.broken_count >= policy.broken_to_escalate:
            reasons.append(f"{st.broken_count} broken promises")
        if reasons:
            yield f"Escalation review: {', '.join(reasons)}."
    yield "Weigh the cost of legal action against what is owed before you commit to it."
