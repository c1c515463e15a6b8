"""Swedish first, English second, and a language choice that sticks."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from ideas.extensions import db

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "ideas" / "translations" / "sv" / "LC_MESSAGES"


def test_swedish_by_default(client, org):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="sv">' in page
    assert "Logga in" in page and "E-postadress" in page


def test_switch_to_english_and_back(client, auth, org):
    token = auth.csrf("/login")
    response = client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "E-mail address" in page
    client.post("/language", data={"lang": "sv", "csrf_token": auth.csrf("/login")})
    assert '<html lang="sv">' in client.get("/login").get_data(as_text=True)


def test_a_logged_in_choice_is_kept_on_the_account(client, auth, org):
    auth.login(org.anna.email)
    client.post("/language", data={"lang": "en", "csrf_token": auth.csrf("/ideas")})
    db.session.expire_all()
    assert org.anna.locale == "en"
    auth.logout()
    auth.login(org.anna.email)
    assert "All ideas" in client.get("/ideas").get_data(as_text=True)


def test_unknown_language_is_refused(client, auth, org):
    response = client.post("/language", data={"lang": "xx", "csrf_token": auth.csrf("/login")})
    assert response.status_code == 400


def test_every_message_in_the_code_has_a_swedish_translation():
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    method_map = [("ideas/**.py", "python"), ("ideas/templates/**.html", "jinja2")]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    with open(CATALOG / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string))
    }
    missing = sorted(found - translated)
    assert not missing, f"untranslated (run `make translations`): {missing}"


def test_compiled_catalogue_matches_the_source():
    with open(CATALOG / "messages.po", "rb") as fh:
        po = {_key(m.id): _key(m.string) for m in read_po(fh) if m.id}
    with open(CATALOG / "messages.mo", "rb") as fh:
        mo = {_key(m.id): _key(m.string) for m in read_mo(fh) if m.id}
    assert po == mo, "messages.mo is stale: run `make translations`"


def _key(value):
    return value if isinstance(value, str) else tuple(value)
