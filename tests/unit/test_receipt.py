"""Receipt codes: random, easy to write down, stored only as a slow hash."""

import math

from ideas import receipt

SALT = b"installation-salt"
CHEAP = {"time_cost": 1, "memory_kib": 8}


def test_codes_carry_at_least_80_bits_and_are_grouped():
    assert receipt.BITS >= 80
    assert math.log2(len(receipt.ALPHABET)) * receipt.LENGTH >= 80
    code = receipt.new_code()
    groups = code.split("-")
    assert len(groups) == 5 and all(len(g) == 4 for g in groups)
    assert set(code.replace("-", "")) <= set(receipt.ALPHABET)
    assert not set("ILOU") & set(code)
    assert len({receipt.new_code() for _ in range(1000)}) == 1000


def test_what_people_type_is_normalised():
    code = receipt.new_code()
    plain = code.replace("-", "")
    assert receipt.normalise(code) == plain
    assert receipt.normalise(" " + code.lower().replace("-", " ") + " ") == plain
    assert receipt.normalise("0000-1111-2222-3333-4444") == receipt.normalise(
        "oooo-iiii-2222-3333-4444".replace("i", "l")
    )


def test_wrong_shapes_are_refused_before_any_hashing():
    for typed in (
        "",
        "ABC",
        "x" * 65,
        "ABCD-EFGH-JKMN-PQRS-TVWU",
        "ABCD-EFGH-JKMN-PQRS-TVWXY",
        "ÅÄÖ1-2345-6789-ABCD-EFGH",
    ):
        assert receipt.normalise(typed) is None, typed


def test_only_the_right_code_matches_its_hash():
    code = receipt.normalise(receipt.new_code())
    stored = receipt.code_hash(code, SALT, **CHEAP)
    assert code.encode() not in stored
    assert receipt.matches(stored, receipt.code_hash(code, SALT, **CHEAP))
    other = receipt.normalise(receipt.new_code())
    assert not receipt.matches(stored, receipt.code_hash(other, SALT, **CHEAP))
    # Another installation's salt gives another hash: a copied table guesses nothing.
    assert receipt.code_hash(code, b"other-install-salt", **CHEAP) != stored
