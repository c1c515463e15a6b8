"""Encryption at rest and sealed keys: what opens a case, and what does not."""

import pytest

from ideas import crypto

CHEAP = {"time_cost": 1, "memory_kib": 8}  # the same code path, quicker in tests


def test_encrypt_and_decrypt_with_the_case_key():
    key = crypto.new_key()
    blob = crypto.encrypt(key, "Chefen tar betalt för intyg.".encode(), "report:7:text")
    assert b"Chefen" not in blob
    assert crypto.decrypt(key, blob, "report:7:text").decode() == "Chefen tar betalt för intyg."


@pytest.mark.parametrize("change", ["other key", "other context", "flipped byte", "empty"])
def test_anything_else_fails_to_decrypt(change):
    key = crypto.new_key()
    blob = crypto.encrypt(key, b"hemligt", "report:7:text")
    with pytest.raises(crypto.DecryptionError):
        if change == "other key":
            crypto.decrypt(crypto.new_key(), blob, "report:7:text")
        elif change == "other context":  # a ciphertext moved to another case or field
            crypto.decrypt(key, blob, "report:8:text")
        elif change == "flipped byte":
            crypto.decrypt(key, blob[:-1] + bytes([blob[-1] ^ 1]), "report:7:text")
        else:
            crypto.decrypt(key, b"", "report:7:text")


def test_each_encryption_is_different():
    key = crypto.new_key()
    assert crypto.encrypt(key, b"same", "c") != crypto.encrypt(key, b"same", "c")


def test_a_case_key_sealed_to_a_handler_opens_only_with_their_private_key():
    private, public = crypto.new_keypair()
    other_private, _ = crypto.new_keypair()
    case_key = crypto.new_key()
    sealed = crypto.seal_to(public, case_key, "case:7")
    assert case_key not in sealed
    assert crypto.open_sealed(private, sealed, "case:7") == case_key
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(other_private, sealed, "case:7")
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(private, sealed, "case:8")


def test_a_private_key_sealed_under_a_password():
    private, _ = crypto.new_keypair()
    sealed = crypto.seal_with_secret(private, "ett långt lösenord", "handler:3", **CHEAP)
    assert crypto.open_with_secret(sealed, "ett långt lösenord", "handler:3") == private
    with pytest.raises(crypto.DecryptionError):
        crypto.open_with_secret(sealed, "fel lösenord", "handler:3")


def test_the_whole_chain_needs_a_password_or_the_receipt_code():
    """Database rows alone (sealed keys, ciphertext) open nothing."""
    handler_private, handler_public = crypto.new_keypair()
    handler_sealed_private = crypto.seal_with_secret(
        handler_private, "lösenord 123", "h:1", **CHEAP
    )
    case_key = crypto.new_key()
    rows = {
        "text": crypto.encrypt(case_key, b"vad som hande", "report:1:text"),
        "for_handler": crypto.seal_to(handler_public, case_key, "case:1"),
        "for_reporter": crypto.seal_with_secret(
            case_key, "ABCD-EFGH-JKMN-PQRS-TVWX", "case:1", **CHEAP
        ),
    }
    # The handler: password -> private key -> case key -> text.
    private = crypto.open_with_secret(handler_sealed_private, "lösenord 123", "h:1")
    key = crypto.open_sealed(private, rows["for_handler"], "case:1")
    assert crypto.decrypt(key, rows["text"], "report:1:text") == b"vad som hande"
    # The reporter: receipt code -> case key -> text.
    key = crypto.open_with_secret(rows["for_reporter"], "ABCD-EFGH-JKMN-PQRS-TVWX", "case:1")
    assert crypto.decrypt(key, rows["text"], "report:1:text") == b"vad som hande"
