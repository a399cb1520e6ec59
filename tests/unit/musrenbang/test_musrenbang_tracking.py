import random

from hypothesis import given, settings
from hypothesis import strategies as st

from musrenbang.domain import (format_tracking_code, generate_tracking_code,
                               is_valid_tracking_code, normalize_tracking_code)
from musrenbang.domain.tracking import ALPHABET, CODE_LENGTH


def test_alphabet_avoids_confusable_symbols():
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("0O1I") & set(ALPHABET)


def test_codes_come_from_the_injected_random_source():
    assert generate_tracking_code(random.Random(42).randrange) == generate_tracking_code(
        random.Random(42).randrange)
    assert generate_tracking_code(random.Random(1).randrange) != generate_tracking_code(
        random.Random(2).randrange)
    always_zero = generate_tracking_code(lambda n: 0)
    assert always_zero.startswith("2222222") and is_valid_tracking_code(always_zero)


def test_generated_code_shape():
    code = generate_tracking_code()
    assert len(code) == CODE_LENGTH == 8 and set(code) <= set(ALPHABET)
    assert is_valid_tracking_code(code)


def test_invalid_shapes():
    for bad in ("", "ABC", "ABCDEFGHJ", "ABCD0FGH", "abcdefgh", None, 12345678):
        assert not is_valid_tracking_code(bad)


def test_normalize_and_format_round_trip():
    code = generate_tracking_code(random.Random(3).randrange)
    typed = " " + format_tracking_code(code).lower() + " "
    assert format_tracking_code(code)[4] == "-"
    assert normalize_tracking_code(typed) == code


@settings(max_examples=100)
@given(st.randoms(use_true_random=False), st.integers(0, CODE_LENGTH - 1),
       st.sampled_from(ALPHABET))
def test_check_symbol_catches_every_single_mistyped_symbol(rnd, position, symbol):
    code = generate_tracking_code(rnd.randrange)
    assert is_valid_tracking_code(code)
    if symbol != code[position]:
        assert not is_valid_tracking_code(code[:position] + symbol + code[position + 1:])


def test_check_symbol_catches_most_neighbour_swaps():
    rnd = random.Random(5)
    caught = total = 0
    for _ in range(300):
        code = generate_tracking_code(rnd.randrange)
        for i in range(CODE_LENGTH - 1):
            if code[i] != code[i + 1]:
                total += 1
                caught += not is_valid_tracking_code(code[:i] + code[i + 1] + code[i] + code[i + 2:])
    assert caught / total > 0.9
