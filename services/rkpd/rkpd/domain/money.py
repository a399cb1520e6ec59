"""Money and quantities: Decimal only, never float.

* rupiah amounts are `Decimal` with 2 decimal places (sen); inputs with more than 2 decimals
  are refused rather than rounded, so that every roll-up is an exact sum;
* `money_text` is the canonical text in the document: "1500000.00";
* `decimal_text` is the canonical text of a target/volume: "12.5", "100", "0".
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def as_decimal(value: object, name: str) -> Decimal:
    """A finite Decimal from Decimal, int or numeric text; floats and bools are refused
    (their value is not exact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{name}: gunakan Decimal, bukan {type(value).__name__}")
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{name}: bukan angka: {value!r}") from None
    elif isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal):
        raise TypeError(f"{name}: gunakan Decimal, bukan {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{name}: angka tidak hingga/NaN")
    return value


def as_rupiah(value: object, name: str) -> Decimal:
    """A non-negative rupiah amount with at most 2 decimals, quantized to sen."""
    number = as_decimal(value, name)
    if number < 0:
        raise ValueError(f"{name}: nilai rupiah tidak boleh negatif")
    if number != number.quantize(CENT):
        raise ValueError(f"{name}: nilai rupiah paling banyak 2 angka desimal: {number}")
    return number.quantize(CENT)


def money_text(amount: Decimal) -> str:
    """Canonical text of a rupiah amount: always 2 decimals, no exponent ("1500000.00")."""
    return f"{Decimal(amount).quantize(CENT):f}"


def decimal_text(number: Decimal) -> str:
    """Canonical text of a Decimal: no exponent, no trailing zeros ("1.5", "100", "0")."""
    number = Decimal(number).normalize()
    if number == 0:
        return "0"
    return f"{number:f}"


def total(amounts) -> Decimal:
    """Exact sum of rupiah amounts (ZERO for none)."""
    return sum(amounts, ZERO)
