"""Money and quantities (a small copy of the other services' rules, kept in step by convention).

* rupiah amounts are `Decimal` quantized to 2 decimal places (sen); floats are never accepted
  for money; at most `RUPIAH_LIMIT` (fits NUMERIC(18,2));
* quantities (target, volume) are `Decimal` with at most `QUANTITY_PLACES` decimals;
* `format_rupiah` is the text people read: "Rp1.200.000.000,00" (dot for thousands, comma
  for sen, as written in Indonesian documents).

`rupiah_field` / `quantity_field` turn a raw client value into (value, [FieldError]) so that
validation can collect every problem before refusing.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import FieldError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
QUANTITY_PLACES = 3
RUPIAH_LIMIT = Decimal("9999999999999999.99")
QUANTITY_LIMIT = Decimal("1000000000000")


def parse_decimal(value: object) -> Decimal | None:
    """A finite Decimal from int/str/Decimal/float, or None if `value` is not a number.

    Floats go through `repr` (shortest round-trip text), so JSON's 1.5 becomes Decimal("1.5").
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    if not isinstance(value, (int, str, Decimal)):
        return None
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def decimal_places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def to_rupiah(value: object) -> Decimal:
    """Parse a non-negative rupiah amount with at most 2 decimals (floats refused)."""
    if isinstance(value, float):
        raise ValueError("Nilai rupiah tidak boleh berupa float")
    number = parse_decimal(value)
    if number is None:
        raise ValueError(f"Nilai rupiah tidak valid: {value!r}")
    if number < 0:
        raise ValueError("Nilai rupiah tidak boleh negatif")
    if decimal_places(number) > 2:
        raise ValueError("Nilai rupiah paling banyak 2 angka desimal")
    if number > RUPIAH_LIMIT:
        raise ValueError("Nilai rupiah terlalu besar")
    return number.quantize(CENT)


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def rupiah_field(raw: object, field: str, label: str, *, positive: bool = False
                 ) -> tuple[Decimal | None, list[FieldError]]:
    """A rupiah amount from a client value: required, a number (not a float), >= 0 (> 0 when
    `positive`), at most 2 decimals, at most RUPIAH_LIMIT."""
    if _blank(raw):
        return None, [FieldError(field, f"{label} wajib diisi", "required")]
    number = None if isinstance(raw, float) else parse_decimal(raw)
    if number is None:
        return None, [FieldError(field, f"{label} harus berupa angka rupiah, contoh 1500000000",
                                 "invalid")]
    if number < 0:
        return None, [FieldError(field, f"{label} tidak boleh negatif", "negative")]
    if positive and number == 0:
        return None, [FieldError(field, f"{label} harus lebih dari 0", "not_positive")]
    if decimal_places(number) > 2:
        return None, [FieldError(field, f"{label} paling banyak 2 angka desimal (sen)",
                                 "invalid")]
    if number > RUPIAH_LIMIT:
        return None, [FieldError(field, f"{label} melebihi batas {format_rupiah(RUPIAH_LIMIT)}",
                                 "too_large")]
    return number.quantize(CENT), []


def quantity_field(raw: object, field: str, label: str
                   ) -> tuple[Decimal | None, list[FieldError]]:
    """A quantity (target, volume) from a client value: required, a number, > 0, at most
    QUANTITY_PLACES decimals, at most QUANTITY_LIMIT."""
    if _blank(raw):
        return None, [FieldError(field, f"{label} wajib diisi", "required")]
    number = parse_decimal(raw)
    if number is None:
        return None, [FieldError(field, f"{label} harus berupa angka", "invalid")]
    if number < 0:
        return None, [FieldError(field, f"{label} tidak boleh negatif", "negative")]
    if number == 0:
        return None, [FieldError(field, f"{label} harus lebih dari 0", "not_positive")]
    if decimal_places(number) > QUANTITY_PLACES:
        return None, [FieldError(field, f"{label} paling banyak {QUANTITY_PLACES} angka desimal",
                                 "invalid")]
    if number > QUANTITY_LIMIT:
        return None, [FieldError(field, f"{label} terlalu besar", "too_large")]
    return number, []


def money_text(amount: Decimal) -> str:
    """Canonical text of a rupiah amount: always 2 decimals, no exponent ("1500000.00")."""
    return f"{Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP):f}"


def decimal_text(number: Decimal) -> str:
    """Canonical text of a Decimal: no exponent, no trailing zeros ("1.5", "100", "0")."""
    number = Decimal(number).normalize()
    if number == 0:
        return "0"
    return f"{number:f}"


def format_rupiah(amount: Decimal) -> str:
    """Rupiah for people: Rp1.200.000.000,00 (negative: -Rp5.000,00)."""
    text = money_text(amount)
    sign = "-" if text.startswith("-") else ""
    whole, _, sen = text.lstrip("-").partition(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return f"{sign}Rp{groups},{sen}"
