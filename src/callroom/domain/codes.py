"""The codes that name call results, reasons and outcomes everywhere (CLI, JSON, exports)."""

from __future__ import annotations

from enum import Enum


class _Coded(str, Enum):
    """A str enum whose value is the stable code and which carries a human label."""

    label: str

    def __new__(cls, code: str, label: str):
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.label = label
        return obj

    def __str__(self) -> str:  # the code, so f-strings and JSON agree
        return self.value

    @classmethod
    def parse(cls, text: str):
        """Accept the code, the label, or the enum name; any case, '_' or ' ' for '-'."""
        key = text.strip().lower().replace("_", "-").replace(" ", "-")
        for member in cls:
            if key in (member.value, member.label.lower().replace(" ", "-"), member.name.lower().replace("_", "-")):
                return member
        codes = ", ".join(m.value for m in cls)
        raise ValueError(f"unknown {cls.__doc__.splitlines()[0].rstrip('.').lower()} {text!r}; use one of: {codes}")

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]


class Result(_Coded):
    """Call result."""

    REACHED = ("reached", "Reached")
    GATEKEEPER = ("gatekeeper", "Gatekeeper")
    VOICEMAIL = ("voicemail", "Voicemail")
    NO_ANSWER = ("no-answer", "No answer")
    WRONG_NUMBER = ("wrong-number", "Wrong number")
    SKIPPED = ("skipped", "Skipped")

    @property
    def is_contact(self) -> bool:
        return self is Result.REACHED


class Reason(_Coded):
    """Reason for not paying."""

    CASH_FLOW = ("cash-flow", "Cash flow")
    DISPUTE = ("dispute", "Unhappy / dispute")
    INVOICE_PROBLEM = ("invoice-problem", "Invoice problem")
    THINKS_PAID = ("thinks-paid", "Thinks it is paid")
    OVERLOOKED = ("overlooked", "Overlooked")
    STRETCHING = ("stretching", "Stretching terms")
    WONT_PAY = ("wont-pay", "Won't pay")


class Outcome(_Coded):
    """Call outcome."""

    PROMISE = ("promise", "Promise to pay")
    PLAN = ("plan", "Payment plan")
    NEW_TERMS = ("new-terms", "New terms")
    PAID = ("paid", "Paid on the call")
    DISPUTE = ("dispute", "Dispute opened")
    CORRECT_INVOICE = ("correct-invoice", "Correct and resend invoice")
    CALLBACK = ("callback", "Call back")
    ESCALATE = ("escalate", "Refused / escalate")


class Stage(_Coded):
    """Collection stage."""

    NOT_DUE = ("not-due", "Not yet due")
    COURTESY = ("courtesy", "Courtesy")
    FRIENDLY = ("friendly", "Friendly follow-up")
    PERSONAL = ("personal", "Personal outreach")
    ESCALATION = ("escalation", "Escalation review")


class PromiseStatus(_Coded):
    """Promise status."""

    OPEN = ("open", "Open")
    KEPT = ("kept", "Kept")
    PARTLY_KEPT = ("partly-kept", "Partly kept")
    BROKEN = ("broken", "Broken")
    CANCELLED = ("cancelled", "Replaced")  # by a later promise or plan agreed before it fell due


# What each reason suggests trying first (DOMAIN.md section 4).
REASON_OFFERS: dict[Reason, tuple[Outcome, ...]] = {
    Reason.CASH_FLOW: (Outcome.PLAN, Outcome.PROMISE),
    Reason.DISPUTE: (Outcome.DISPUTE, Outcome.CALLBACK),
    Reason.INVOICE_PROBLEM: (Outcome.CORRECT_INVOICE, Outcome.PROMISE),
    Reason.THINKS_PAID: (Outcome.PROMISE, Outcome.CALLBACK),
    Reason.OVERLOOKED: (Outcome.PROMISE, Outcome.PAID),
    Reason.STRETCHING: (Outcome.NEW_TERMS, Outcome.PROMISE),
    Reason.WONT_PAY: (Outcome.ESCALATE,),
}
