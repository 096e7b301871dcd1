"""The wording callroom ships, per language: the default templates of each kind of
message and the phrases its placeholders are built from (invoice lines, totals, the
tone of a reminder, the SMS texts). English and German; a client written to in another
language gets English words with dates and money to match (see :mod:`.locales`).

Phrases are ``str.format`` strings; a German paragraph that follows the salutation starts
in lower case, as German letters do.
"""

from __future__ import annotations

LANGUAGES = ("en", "de")

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Dear {name},",
        "greeting_f": "Dear {name},",
        "greeting_m": "Dear {name},",
        "greeting_none": "Hello,",
        "hi_first": "Hi {name}, ",
        "hi_titled": "Hello {name}, ",
        "hi_none": "Hello, ",
        "sign_off": "Kind regards,",
        "and": " and ",
        "nothing": "nothing",
        "invoice": "invoice {numbers}",
        "invoices": "invoices {numbers}",
        "days": "{n} days",
        "day": "1 day",
        "line": "- Invoice {number}{issued}, {due}: {amount} ({state})",
        "line_issued": " of {date}",
        "due_on": "due {date}",
        "due_none": "due on receipt",
        "overdue_state": "{days} overdue",
        "notdue_state": "not yet due",
        "review_state": "under review",
        "amount_unknown": "amount to be confirmed",
        "account_head": "Your open invoices:",
        "still_open_head": "Still open:",
        "open_total": "Open in all: {total}.",
        "open_all_overdue": "Open in all: {total}, all of it overdue.",
        "open_none_due": "Open in all: {total}, none of it due yet.",
        "overdue_total": "Overdue: {total}.",
        "notdue_total": "Not yet due: {total}.",
        "review_total": "Under review: {total}.",
        "paid_up": "Your account is now fully paid. Thank you for your business.",
        "not_yet_due": "Not yet due, for your information (nothing to pay today): {items}.",
        "not_yet_due_item": "{invoice}, {amount}, due {date}",
        "not_yet_due_later": "later",
        "disputed": "Under review, and not part of this request: {items}.",
        "disputed_item": "{invoice}, {amount}",
        "how_to_pay": "How to pay:",
        "for_invoices": " for {numbers}",
        "method": " You said it will be paid by {method}.",
        "plan_missed": "If an instalment cannot be paid on its date, please call me before the date and we will look at it "
                       "together. If one is missed without a word, I will call you the next working day; if the plan cannot "
                       "be kept, what remains of the {total} falls due at once.",
        "plan_owed": "what is owed",
        "weekly": "weekly", "fortnightly": "fortnightly", "monthly": "monthly",
        "dispute_invoices": "the invoices concerned",
        "follow_up_me": "I will come back to you by {date}.",
        "follow_up_other": "{who} will come back to you by {date}.",
        "me": "I",
        "friendly_opening": "In case it slipped through: our records show {overdue} past its due date.",
        "friendly_ask": "If it is already on its way, thank you, and please ignore this note. If not, could you let me know "
                        "when we can expect it?",
        "personal_opening": "I am writing about {overdue} that is now overdue on your account.",
        "personal_ask": "Could you pay it this week, or call me so that we can agree a date or a plan that works for you?",
        "late_opening": "{overdue} on your account is now long overdue, and I need your help to settle it.",
        "late_ask": "Please pay it by {date}, or call me before then to agree how it will be paid.",
        "next_step": "pass the matter on to recover it: a lawyer's letter, a collection agency or a small claims court",
        "unpaid_one": "Invoice {number} remains unpaid; it is now {days} overdue:",
        "unpaid_many": "The following invoices remain unpaid; the oldest is now {days} overdue:",
        "times_1": "once", "times_2": "twice", "times_n": "{n} times",
        "contacts_calls_1": "We called you about this on {date}.",
        "contacts_calls_n": "We have called you {calls} about this, most recently on {date}.",
        "contacts_written_1": "We wrote to you about this on {date}.",
        "contacts_written_n": "We have written to you {written} about this, most recently on {date}.",
        "contacts_both": "We have called you {calls} and written to you {written} about this, most recently on {date}.",
        "sms_confirmation": "{hi}thanks for today's call. As agreed: {amount} by {date}{invoices}.",
        "sms_plan": "{hi}thanks for agreeing a plan today: {total} in {count} {frequency} instalments, first {amount} on {date}.",
        "sms_plan_short": "{hi}thanks for agreeing a plan today: {total}.",
        "sms_dispute": "{hi}we are looking into {invoices} and will get back to you by {date}.",
        "sms_receipt": "{hi}thank you: {amount} received on {date}.",
        "sms_missed": "{hi}sorry I missed you today. Could you call me back about your account when it suits you?",
        "sms_reminder": "{hi}a reminder: {overdue} is overdue on your account. Could you let me know when it will be paid?",
        "sms_final-notice": "{hi}final notice: {overdue} overdue, to be paid by {date}. Please call me before then.",
        "sms_tel": " Tel {phone}.",
        "page": "Page {n} of {total}",
    },
    "de": {
        "greeting": "Guten Tag {name},",
        "greeting_f": "Sehr geehrte {name},",
        "greeting_m": "Sehr geehrter {name},",
        "greeting_none": "Guten Tag,",
        "hi_first": "Hallo {name}, ",
        "hi_titled": "Guten Tag {name}, ",
        "hi_none": "Guten Tag, ",
        "sign_off": "Mit freundlichen Grüßen",
        "and": " und ",
        "nothing": "nichts",
        "invoice": "Rechnung {numbers}",
        "invoices": "die Rechnungen {numbers}",
        "days": "{n} Tage",
        "day": "1 Tag",
        "line": "- Rechnung {number}{issued}, {due}: {amount} ({state})",
        "line_issued": " vom {date}",
        "due_on": "fällig am {date}",
        "due_none": "fällig bei Erhalt",
        "overdue_state": "{days} überfällig",
        "notdue_state": "noch nicht fällig",
        "review_state": "in Prüfung",
        "amount_unknown": "Betrag wird noch bestätigt",
        "account_head": "Ihre offenen Rechnungen:",
        "still_open_head": "Noch offen:",
        "open_total": "Offen insgesamt: {total}.",
        "open_all_overdue": "Offen insgesamt: {total}, alles davon überfällig.",
        "open_none_due": "Offen insgesamt: {total}, noch nichts davon fällig.",
        "overdue_total": "Davon überfällig: {total}.",
        "notdue_total": "Noch nicht fällig: {total}.",
        "review_total": "In Prüfung: {total}.",
        "paid_up": "Damit ist alles bezahlt. Vielen Dank für die Zusammenarbeit.",
        "not_yet_due": "Noch nicht fällig, zu Ihrer Information (heute nichts zu zahlen): {items}.",
        "not_yet_due_item": "{invoice}, {amount}, fällig am {date}",
        "not_yet_due_later": "später",
        "disputed": "In Prüfung und nicht Teil dieser Bitte: {items}.",
        "disputed_item": "{invoice}, {amount}",
        "how_to_pay": "So können Sie zahlen:",
        "for_invoices": " für {numbers}",
        "method": " Sie sagten, die Zahlung erfolgt per {method}.",
        "plan_missed": "Falls eine Rate nicht zum vereinbarten Termin gezahlt werden kann, rufen Sie mich bitte vorher an; wir finden "
                       "gemeinsam eine Lösung. Bleibt eine Rate ohne Nachricht aus, rufe ich Sie am nächsten Werktag an; kann "
                       "der Plan nicht eingehalten werden, wird der noch offene Teil der {total} sofort fällig.",
        "plan_owed": "den offenen Betrag",
        "weekly": "wöchentlichen", "fortnightly": "vierzehntäglichen", "monthly": "monatlichen",
        "dispute_invoices": "die betroffenen Rechnungen",
        "follow_up_me": "Ich melde mich bis zum {date} bei Ihnen.",
        "follow_up_other": "{who} meldet sich bis zum {date} bei Ihnen.",
        "me": "Ich",
        "friendly_opening": "falls es untergegangen ist: Laut unseren Unterlagen ist {overdue} über das Fälligkeitsdatum "
                            "hinaus offen.",
        "friendly_ask": "Wenn die Zahlung schon unterwegs ist, vielen Dank, und betrachten Sie diese Nachricht bitte als "
                        "gegenstandslos. Falls nicht: Können Sie mir sagen, wann wir damit rechnen können?",
        "personal_opening": "ich schreibe Ihnen wegen {overdue}, die auf Ihrem Konto inzwischen überfällig sind.",
        "personal_ask": "Können Sie den Betrag diese Woche zahlen oder mich anrufen, damit wir ein Datum oder eine "
                        "Ratenzahlung vereinbaren, die für Sie passt?",
        "late_opening": "{overdue} auf Ihrem Konto sind inzwischen lange überfällig, und ich bitte Sie um Ihre Hilfe, das zu "
                        "klären.",
        "late_ask": "Bitte zahlen Sie bis zum {date}, oder rufen Sie mich vorher an, damit wir vereinbaren, wie der Betrag "
                    "beglichen wird.",
        "next_step": "die Forderung an eine Anwaltskanzlei, ein Inkassobüro oder das Gericht abgeben",
        "unpaid_one": "Rechnung {number} ist weiterhin unbezahlt und inzwischen {days} überfällig:",
        "unpaid_many": "folgende Rechnungen sind weiterhin unbezahlt; die älteste ist inzwischen {days} überfällig:",
        "times_1": "einmal", "times_2": "zweimal", "times_n": "{n}-mal",
        "contacts_calls_1": "Wir haben Sie am {date} deswegen angerufen.",
        "contacts_calls_n": "Wir haben Sie deswegen {calls} angerufen, zuletzt am {date}.",
        "contacts_written_1": "Wir haben Ihnen am {date} deswegen geschrieben.",
        "contacts_written_n": "Wir haben Ihnen deswegen {written} geschrieben, zuletzt am {date}.",
        "contacts_both": "Wir haben Sie deswegen {calls} angerufen und Ihnen {written} geschrieben, zuletzt am {date}.",
        "sms_confirmation": "{hi}danke für das Gespräch heute. Wie vereinbart: {amount} bis zum {date}{invoices}.",
        "sms_plan": "{hi}danke für die heute vereinbarte Ratenzahlung: {total} in {count} {frequency} Raten, die erste über "
                    "{amount} am {date}.",
        "sms_plan_short": "{hi}danke für die heute vereinbarte Ratenzahlung: {total}.",
        "sms_dispute": "{hi}wir prüfen {invoices} und melden uns bis zum {date} bei Ihnen.",
        "sms_receipt": "{hi}vielen Dank: {amount} am {date} erhalten.",
        "sms_missed": "{hi}leider habe ich Sie heute nicht erreicht. Können Sie mich wegen Ihres Kontos zurückrufen, wenn es "
                      "Ihnen passt?",
        "sms_reminder": "{hi}eine Erinnerung: {overdue} sind auf Ihrem Konto überfällig. Können Sie mir sagen, wann die "
                        "Zahlung kommt?",
        "sms_final-notice": "{hi}letzte Mahnung: {overdue} überfällig, zu zahlen bis zum {date}. Bitte rufen Sie mich vorher an.",
        "sms_tel": " Tel. {phone}.",
        "page": "Seite {n} von {total}",
    },
}

#: The default templates, per language and kind ('Subject: ...' on the first line).
TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "confirmation": """Subject: Confirming your payment of $promise_amount by $promise_date

$greeting

Thank you for your time on the phone today. As agreed, $client will pay $promise_amount by $promise_date$promise_invoices.$promise_method

$account

$instructions

If anything changes before then, please let me know and we will find a way.

$signature
""",
        "plan": """Subject: Your payment plan: $plan_count instalments, $plan_total in all

$greeting

Thank you for working this out with me today. Here is the payment plan we agreed for $plan_invoices, $plan_total in $plan_count $plan_frequency instalments:

$plan_lines

$plan_missed

$account

$instructions

$signature
""",
        "dispute": """Subject: We are looking into $dispute_invoices

$greeting

Thank you for telling me what is wrong. We are looking into it:

$dispute_what

$dispute_lines

$follow_up Until then we will not ask you to pay $dispute_invoices.

$signature
""",
        "receipt": """Subject: Thank you: $payment_amount received

$greeting

Thank you: we received your payment of $payment_amount on $payment_date.

$still_open

$signature
""",
        "missed": """Subject: Sorry I missed you: a call about your account

$greeting

I tried to reach you today about your account with $business. Could you call me back at $business_phone when it suits you? It will only take a few minutes.

For reference, the balance overdue is $overdue_total.

$signature
""",
        "reminder": """Subject: A reminder: $overdue_total overdue

$greeting

$opening

$overdue_lines

$disputed

$not_yet_due

$ask

$instructions

$signature
""",
        "final-notice": """Subject: Final notice: $overdue_total to be paid by $deadline

$greeting

$unpaid

$overdue_lines

$contacts

The total overdue is $overdue_total. Please pay it in full by $deadline, or call me before that date to agree how it will be paid.

If it is neither paid nor agreed by $deadline, we will $next_step. We would much rather settle this with you directly.

$disputed

$instructions

$signature
""",
    },
    "de": {
        "confirmation": """Subject: Bestätigung: $promise_amount bis zum $promise_date

$greeting

vielen Dank für das Telefonat heute. Wie vereinbart zahlt $client $promise_amount bis zum $promise_date$promise_invoices.$promise_method

$account

$instructions

Sollte sich vorher etwas ändern, geben Sie mir bitte Bescheid; wir finden eine Lösung.

$signature
""",
        "plan": """Subject: Ihre Ratenzahlung: $plan_count Raten, insgesamt $plan_total

$greeting

vielen Dank, dass wir heute gemeinsam eine Lösung gefunden haben. Hier die vereinbarte Ratenzahlung für $plan_invoices, insgesamt $plan_total in $plan_count $plan_frequency Raten:

$plan_lines

$plan_missed

$account

$instructions

$signature
""",
        "dispute": """Subject: Wir prüfen $dispute_invoices

$greeting

vielen Dank, dass Sie mir gesagt haben, was nicht stimmt. Wir sehen uns das an:

$dispute_what

$dispute_lines

$follow_up Bis dahin bitten wir Sie nicht, $dispute_invoices zu bezahlen.

$signature
""",
        "receipt": """Subject: Vielen Dank: $payment_amount erhalten

$greeting

vielen Dank: Ihre Zahlung über $payment_amount ist am $payment_date bei uns eingegangen.

$still_open

$signature
""",
        "missed": """Subject: Ich habe Sie leider nicht erreicht: ein Anruf zu Ihrem Konto

$greeting

ich habe heute versucht, Sie wegen Ihres Kontos bei $business zu erreichen. Können Sie mich unter $business_phone zurückrufen, wenn es Ihnen passt? Es dauert nur wenige Minuten.

Zur Information: überfällig sind $overdue_total.

$signature
""",
        "reminder": """Subject: Erinnerung: $overdue_total überfällig

$greeting

$opening

$overdue_lines

$disputed

$not_yet_due

$ask

$instructions

$signature
""",
        "final-notice": """Subject: Letzte Mahnung: $overdue_total zu zahlen bis zum $deadline

$greeting

$unpaid

$overdue_lines

$contacts

Überfällig sind insgesamt $overdue_total. Bitte zahlen Sie diesen Betrag vollständig bis zum $deadline, oder rufen Sie mich vor diesem Datum an, damit wir vereinbaren, wie er beglichen wird.

Ist bis zum $deadline weder gezahlt noch etwas vereinbart, werden wir $next_step. Wir würden die Sache lieber direkt mit Ihnen klären.

$disputed

$instructions

$signature
""",
    },
}


def phrase(language: str, key: str, **values: str) -> str:
    """The phrase ``key`` in ``language`` (English when callroom has no wording in it)."""
    table = PHRASES.get(language) or PHRASES["en"]
    return table[key].format(**values)
