"""The single keys of a call, in one place: bindings, footer, help screen and tests read this."""

from __future__ import annotations

from ..domain.codes import Outcome, Reason, Result

RESULT_KEYS: dict[str, Result] = {
    "r": Result.REACHED,
    "v": Result.VOICEMAIL,
    "n": Result.NO_ANSWER,
    "w": Result.WRONG_NUMBER,
    "g": Result.GATEKEEPER,
}
REASON_KEYS: dict[str, Reason] = {str(n): r for n, r in enumerate(Reason, 1)}
OUTCOME_KEYS: dict[str, Outcome] = {
    "p": Outcome.PROMISE,
    "l": Outcome.PLAN,
    "t": Outcome.NEW_TERMS,
    "m": Outcome.PAID,
    "x": Outcome.DISPUTE,
    "c": Outcome.CORRECT_INVOICE,
    "b": Outcome.CALLBACK,
    "e": Outcome.ESCALATE,
}


def key_for(value) -> str:
    for table in (RESULT_KEYS, REASON_KEYS, OUTCOME_KEYS):
        for k, v in table.items():
            if v is value:
                return k
    return ""


def binding_id(value) -> str:
    """The binding id of a result, reason or outcome key ("outcome.promise")."""
    kind = {Result: "result", Reason: "reason", Outcome: "outcome"}[type(value)]
    return f"{kind}.{value.value}"
