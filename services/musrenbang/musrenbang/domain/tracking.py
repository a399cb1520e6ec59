"""Public tracking codes: 8 characters a citizen can read aloud and type.

Alphabet: 32 symbols, digits 2-9 and letters A-Z without I and O (so no 0/O or 1/I confusion).
7 random symbols + 1 check symbol (Luhn mod 32), which catches every single mistyped symbol
and most swaps of neighbours. 32**7 (about 3.4e10) codes: the service still checks uniqueness.
"""
from __future__ import annotations

import secrets
from typing import Callable

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PAYLOAD_LENGTH = 7
CODE_LENGTH = PAYLOAD_LENGTH + 1
_BASE = len(ALPHABET)
_INDEX = {symbol: i for i, symbol in enumerate(ALPHABET)}


def _luhn_sum(symbols: str, double_first: bool) -> int:
    total, double = 0, double_first
    for symbol in reversed(symbols):
        addend = _INDEX[symbol] * (2 if double else 1)
        total += addend // _BASE + addend % _BASE
        double = not double
    return total


def check_symbol(payload: str) -> str:
    """The Luhn mod 32 check symbol for `payload` (symbols of ALPHABET)."""
    return ALPHABET[(-_luhn_sum(payload, double_first=True)) % _BASE]


def generate_tracking_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A new code. `randbelow(n)` returns an int in [0, n): secrets.randbelow in production,
    random.Random(seed).randrange in tests."""
    payload = "".join(ALPHABET[randbelow(_BASE)] for _ in range(PAYLOAD_LENGTH))
    return payload + check_symbol(payload)


def normalize_tracking_code(text: str) -> str:
    """What the citizen typed -> canonical form: upper case, spaces and dashes removed."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def is_valid_tracking_code(code: object) -> bool:
    """True if `code` (canonical form) has the right length, alphabet and check symbol."""
    if not isinstance(code, str) or len(code) != CODE_LENGTH:
        return False
    if any(symbol not in _INDEX for symbol in code):
        return False
    return _luhn_sum(code, double_first=False) % _BASE == 0


def format_tracking_code(code: str) -> str:
    """For display: ABCD-EFGH."""
    return f"{code[:4]}-{code[4:]}"
