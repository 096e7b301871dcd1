"""Money never mixes currencies, never takes floats; Totals keep one amount per currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from callroom.domain.money import CurrencyMismatch, Money, Totals, format_money, to_decimal


def test_money_adds_and_subtracts_within_one_currency():
    a = Money("10.50", "USD")
    b = Money(Decimal("2.25"), "usd")  # the code is normalised
    assert b.currency == "USD"
    assert a + b == Money(Decimal("12.75"), "USD")
    assert a - b == Money(Decimal("8.25"), "USD")
    assert -a == Money(Decimal("-10.50"), "USD")
    assert b < a and b <= a and not a < b and a > b


@pytest.mark.parametrize("op", ["add", "sub", "lt", "le"])
def test_money_refuses_to_combine_currencies(op):
    usd, eur = Money("10", "USD"), Money("10", "EUR")
    with pytest.raises(CurrencyMismatch):
        {"add": lambda: usd + eur, "sub": lambda: usd - eur, "lt": lambda: usd < eur, "le": lambda: usd <= eur}[op]()


def test_money_refuses_floats_and_plain_numbers():
    with pytest.raises(TypeError):
        Money(10.5, "USD")
    with pytest.raises(TypeError):
        to_decimal(0.1)
    with pytest.raises(TypeError):
        Money("1", "USD") + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money("1", "USD") + Decimal(1)  # type: ignore[operator]


def test_money_reads_stored_text_and_ints_exactly():
    assert Money("0.10", "USD").amount + Money("0.20", "USD").amount == Decimal("0.30")
    assert Money(5, "JPY").amount == Decimal(5)
    assert to_decimal(" 12.30 ") == Decimal("12.30")
    with pytest.raises(ValueError):
        to_decimal("twelve")


@pytest.mark.parametrize("code", ["", "US", "USDX", "12$", None])
def test_money_refuses_bad_currency_codes(code):
    with pytest.raises(ValueError):
        Money("1", code)  # type: ignore[arg-type]


def test_quantized_uses_the_currency_minor_unit():
    assert str(Money("10.129", "USD").quantized().amount) == "10.13"
    assert str(Money("10.121", "USD").quantized().amount) == "10.12"
    assert str(Money("48000.4", "JPY").quantized().amount) == "48000"
    assert str(Money("1.2", "EUR").quantized().amount) == "1.20"


@pytest.mark.parametrize(
    "amount, currency, locale, expected",
    [
        ("4200", "USD", "en_US", "$4,200.00"),
        ("1200", "EUR", "en_US", "€1,200.00"),
        ("312.8", "GBP", "en_US", "£312.80"),
        ("48000", "JPY", "en_US", "¥48,000"),
        ("1234.5", "EUR", "de_DE", "1.234,50\xa0€"),
        ("1104", "NZD", "en_US", "NZ$1,104.00"),
    ],
)
def test_babel_formatting(amount, currency, locale, expected):
    assert format_money(Decimal(amount), currency, locale) == expected
    assert Money(amount, currency).format(locale) == expected


def test_totals_keep_one_amount_per_currency():
    t = Totals.of([Money("10.00", "USD"), Money("5.50", "EUR"), Money("2.25", "USD")])
    assert dict(t) == {"USD": Decimal("12.25"), "EUR": Decimal("5.50")}
    assert t.monies() == [Money("5.50", "EUR"), Money("12.25", "USD")]  # sorted by code
    assert t.format() == "€5.50 + $12.25"
    assert t.format(sep=" and ") == "€5.50 and $12.25"
    assert Totals().format() == "nothing"


def test_totals_merge_without_changing_either_side():
    a = Totals.of([Money("1", "USD")])
    b = {"USD": Decimal("2"), "GBP": Decimal("3")}
    m = a.merged(b)
    assert dict(m) == {"USD": Decimal("3"), "GBP": Decimal("3")}
    assert dict(a) == {"USD": Decimal("1")}


def test_totals_biggest_is_the_largest_amount():
    t = Totals.of([Money("10", "USD"), Money("900", "JPY")])
    assert t.biggest() == Money("900", "JPY")
    assert Totals().biggest() is None


@pytest.mark.parametrize("text", ["NaN", "sNaN", "Infinity", "-inf"])
def test_stored_amounts_must_be_finite(text):
    with pytest.raises(ValueError):
        to_decimal(text)
    with pytest.raises(ValueError):
        Money(text, "USD")


@pytest.mark.parametrize("locale", ["en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "en_AU", "ja_JP", "hi_IN", "ar_EG"])
@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP", "JPY", "NZD", "CHF", "INR", "BHD"])
@pytest.mark.parametrize("amount", ["0", "4200", "1234567.891", "-250.5", "0.005", "99999999999.99"])
def test_format_money_is_what_babel_format_currency_gives(locale, currency, amount):
    from babel.numbers import format_currency

    format_money.cache_clear()
    assert format_money(Decimal(amount), currency, locale) == format_currency(Decimal(amount), currency, locale=locale)
