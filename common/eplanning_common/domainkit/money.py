"""Money and volume (shared by the stage services' domains).

* rupiah amounts are `Decimal` quantized to 2 decimal places (sen), rounded ROUND_HALF_UP;
  floats are never accepted for money;
* volumes are `Decimal`, > 0, at most `VOLUME_PLACES` decimals and at most `VOLUME_LIMIT`;
* cost = volume x harga_satuan of the kamus item, computed here and never taken from a client;
* `format_rupiah` is the text people read: "Rp1.200.000.000,00" (dot for thousands, comma
  for sen, as written in Indonesian documents).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
VOLUME_PLACES = 3
VOLUME_LIMIT = Decimal("1000000000")  # sanity bound when the kamus item sets no ceiling
ZERO = Decimal("0.00")


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
    return number.quantize(CENT)


def compute_cost(volume: Decimal, harga_satuan: Decimal) -> Decimal:
    """Cost of `volume` units at `harga_satuan` rupiah each, rounded half-up to the sen."""
    return (Decimal(volume) * Decimal(harga_satuan)).quantize(CENT, rounding=ROUND_HALF_UP)


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
