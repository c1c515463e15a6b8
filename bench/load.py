"""Load the benchmark database: 50,000 users in a unit tree five levels deep and
100,000 items (ideas and concerns over every status and value, with supports,
comments, follows and histories), with COPY, in a minute or two.

    .venv/bin/python bench/load.py [--if-empty] [--items N] [--users N]

The database (``BENCH_DATABASE_URL``, default ``postgresql://postgres@127.0.0.1:5432/
ideas_bench``) is dropped and created again, migrated with ``ideas db upgrade``, then
filled. Every account's password is ``BENCH_PASSWORD`` below.

Search words: ``SÖKORD_VANLIGT`` ("schemaläggning") is in a quarter of all items,
``SÖKORD_SÄLLSYNT`` ("snöskoter") in a handful.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/ideas_bench"
BENCH_PASSWORD = "bench-lösenord-2026"  # noqa: S105 - the bench database's own accounts
COMMON_WORD = "schemaläggning"
RARE_WORD = "snöskoter"
RARE_COUNT = 5
ADMIN_EMAIL = "admin@bench.example.se"
# The manager of the first förvaltning (level 2 of 5): a big inbox, a big dashboard.
INBOX_MANAGER_EMAIL = "chef-1@bench.example.se"
EMPLOYEE_EMAIL = "anstalld-1@bench.example.se"

# Branching per level: kommun -> 8 förvaltningar -> 5 avdelningar -> 4 enheter ->
# 3 arbetsgrupper: 689 units, five levels.
BRANCHING = [8, 5, 4, 3]
LEVEL_NAMES = ["Kommunen", "Förvaltning", "Avdelning", "Enhet", "Arbetsgrupp"]

VOCABULARY = """
arbetsplats rutin personal omsorg skola förskola kök matsal lokal städning ventilation
belysning parkering cykel buss bemanning introduktion nyanställd handledning möte
protokoll dokumentation journal läkemedel hemtjänst boende brukare elev vårdnadshavare
lärare rektor fritids bibliotek simhall idrottshall gata belysningsstolpe snöröjning
avfall återvinning sortering papper plast matsvinn kaffe fika rast friskvård sjukfrånvaro
arbetsmiljö stress hörsel buller ergonomi skrivbord datorer skrivare nätverk inloggning
lösenord e-tjänst blankett ansökan handläggning beslut väntetid telefon växel reception
besökare skyltning tillgänglighet ramp hiss trappa dörr nyckel larm brand utrymning
övning kompetens utbildning kurs mentor kollega samverkan överlämning rapport statistik
budget inköp leverantör avtal faktura beställning lager material förbrukning energi
värme kyla fönster tak vatten läcka reparation underhåll fastighet trädgård lekplats
gräsklippning sandlåda grind staket säkerhet trygghet bemötande språk tolk information
hemsida nyhetsbrev anslagstavla intranät kalender semester vikarie ersättare kvällspass
helg nattpass sovande vaken jour beredskap transport bil bränsle elbil laddning resor
""".split()  # noqa: SIM905 - a word list reads better as text
VERBS = [
    "Förbättra",
    "Inför",
    "Förenkla",
    "Samordna",
    "Digitalisera",
    "Flytta",
    "Byt",
    "Ordna",
    "Minska",
    "Öka",
    "Dela",
    "Prova",
    "Utveckla",
    "Se över",
    "Ta bort",
]
PREPS = ["på", "för", "i", "vid", "inom", "kring"]
BENEFITS = [
    "Sparar tid för personalen",
    "Färre fel",
    "Nöjdare brukare",
    "Lägre kostnader",
    "Bättre arbetsmiljö",
    "Mindre stress",
    "Tryggare för eleverna",
    "",
]
COMMENTS = [
    "Bra idé, det här har vi saknat länge.",
    "Vi gör så på vår enhet, det fungerar.",
    "Hur skulle det fungera på helger?",
    "Jag stöttar förslaget helt.",
    "Det behövs mer personal för att klara det.",
    "Kan vi prova i en månad först?",
    "Det finns redan en rutin, men den följs inte.",
    "Tack för att du lyfter det!",
]
FIRST = [
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Johan",
    "Eva",
    "Anders",
    "Sara",
    "Per",
    "Lena",
    "Mikael",
    "Emma",
    "Olof",
    "Ingrid",
    "Ali",
    "Fatima",
    "Mohammed",
    "Elin",
    "Nils",
]
LAST = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Lindberg",
    "Holm",
]

IDEA_STATUSES = [
    ("submitted", 10),
    ("acknowledged", 10),
    ("assessing", 12),
    ("accepted", 12),
    ("declined", 15),
    ("forwarded", 5),
    ("duplicate", 5),
    ("implemented", 18),
    ("evaluated", 13),
]
CONCERN_STATUSES = [
    ("submitted", 15),
    ("acknowledged", 15),
    ("assessing", 20),
    ("accepted", 15),
    ("declined", 15),
    ("forwarded", 5),
    ("duplicate", 2),
    ("implemented", 10),
    ("evaluated", 3),
]
# The way to each status, after "submitted" (routing's "assigned" comes first).
PATHS = {
    "submitted": [],
    "acknowledged": ["acknowledged"],
    "assessing": ["acknowledged", "assessing"],
    "accepted": ["acknowledged", "assessing", "accepted"],
    "declined": ["acknowledged", "assessing", "declined"],
    "forwarded": ["acknowledged", "forwarded"],
    "duplicate": ["duplicate"],
    "implemented": ["acknowledged", "assessing", "accepted", "implemented"],
    "evaluated": ["acknowledged", "assessing", "accepted", "implemented", "evaluated"],
}
DECIDED = {"accepted", "declined", "forwarded", "duplicate", "implemented", "evaluated"}


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def _admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def is_loaded(url: str, items: int, users: int) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            n_items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
            n_users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
            ok = conn.execute(
                "SELECT 1 FROM users WHERE email = %s", (INBOX_MANAGER_EMAIL,)
            ).fetchone()
    except psycopg.Error:
        return False
    return n_items >= items and n_users >= users and ok is not None


def recreate(url: str) -> None:
    admin, name = _admin_url(url)
    if not name.startswith("ideas_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the bench only uses ideas_bench*")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "IDEAS_DATABASE_URL": url, "IDEAS_SECRET_KEY": "bench"}
    subprocess.run(  # noqa: S603 - our own command
        [str(ROOT / ".venv/bin/ideas"), "db", "upgrade"],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def _password_hash() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(BENCH_PASSWORD)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def build_units(rng: random.Random):
    """``[(id, code, name, parent_id, level)]``, root first, breadth first."""
    units = [(1, "KOMMUN", "Ljungby kommun", None, 0)]
    level_ids = [1]
    for level, fan in enumerate(BRANCHING, start=1):
        next_ids = []
        for parent in level_ids:
            for _ in range(fan):
                uid = len(units) + 1
                units.append((uid, f"U{uid:04d}", f"{LEVEL_NAMES[level]} {uid}", parent, level))
                next_ids.append(uid)
        level_ids = next_ids
    return units


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCABULARY, k=n))


def load(url: str, n_items: int, n_users: int, seed: int = 2026) -> dict:
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    t0 = time.monotonic()
    units = build_units(rng)
    leaves = [u[0] for u in units if u[4] == len(BRANCHING)]
    parent_of = {u[0]: u[3] for u in units}
    # Every unit has a manager, except one leaf in ten (its items go one level up).
    unmanaged = set(rng.sample(leaves, len(leaves) // 10))
    pw = _password_hash()
    users = []  # (id, email, name, role, unit_id, deputy_id, absent)
    manager_of: dict[int, int] = {}
    users.append((1, ADMIN_EMAIL, "Bench Admin", "admin", 1, None, False))
    inbox_taken = False
    for uid, _code, _unit_name, _parent, level in units:
        if uid in unmanaged:
            continue
        user_id = len(users) + 1
        email = f"chef-{user_id}@bench.example.se"
        if level == 1 and not inbox_taken:
            email, inbox_taken = INBOX_MANAGER_EMAIL, True
        users.append((user_id, email, _name(rng), "manager", uid, None, False))
        manager_of[uid] = user_id
    # One manager in fifty is away, with the manager above as deputy.
    for i, row in enumerate(users):
        if row[3] == "manager" and row[4] != 1 and rng.random() < 0.02:
            unit = parent_of[row[4]]
            while unit is not None and unit not in manager_of:
                unit = parent_of[unit]
            if unit is not None:
                users[i] = (*row[:5], manager_of[unit], True)
    first_employee = len(users) + 1
    while len(users) < n_users:
        user_id = len(users) + 1
        email = (
            EMPLOYEE_EMAIL if user_id == first_employee else f"anstalld-{user_id}@bench.example.se"
        )
        users.append((user_id, email, _name(rng), "employee", rng.choice(leaves), None, False))
    employees = list(range(first_employee, len(users) + 1))
    absent = {u[0]: u[5] for u in users if u[6]}

    def handler(unit_id: int, author: int) -> tuple[int | None, int | None]:
        unit = unit_id
        while unit is not None:
            m = manager_of.get(unit)
            if m is not None:
                m = absent.get(m, m)
                if m != author:
                    return m, unit
            unit = parent_of[unit]
        return None, None

    categories = [
        (1, "Arbetsmiljö", None),
        (2, "IT och e-tjänster", 2),
        (3, "Lokaler", 3),
        (4, "Kompetens", None),
        (5, "Miljö och energi", None),
    ]
    values_ids = [1, 2, 3]

    # Items, with everything that hangs off them.
    common = set(rng.sample(range(1, n_items + 1), n_items // 4))
    rare = set(rng.sample(sorted(set(range(1, n_items + 1)) - common), RARE_COUNT))
    items, item_values, supports, comments, history, follows = [], [], [], [], [], []
    span = timedelta(days=730)
    ideas_so_far: list[int] = []
    specs = []
    for _ in range(n_items):
        kind = "concern" if rng.random() < 0.15 else "idea"
        table = IDEA_STATUSES if kind == "idea" else CONCERN_STATUSES
        status = rng.choices([s for s, _ in table], [w for _, w in table])[0]
        # Newer items are more often still open: the age follows the status.
        if status in ("submitted", "acknowledged"):
            created = now - timedelta(days=rng.random() ** 2 * 90, seconds=rng.randint(0, 86400))
        else:
            created = now - span * rng.random() - timedelta(days=2)
        specs.append((created, kind, status))
    # Ids in the order of submission, as the application hands them out.
    specs.sort()
    for item_id, (created, kind, status) in enumerate(specs, start=1):
        unit_id = rng.choice(leaves) if rng.random() < 0.85 else rng.choice(units[:209])[0]
        author = rng.choice(employees)
        assignee, handling = handler(unit_id, author)
        title = f"{rng.choice(VERBS)} {rng.choice(VOCABULARY)} {rng.choice(PREPS)} " + words(
            rng, rng.randint(1, 3)
        )
        desc_words = [words(rng, rng.randint(8, 14)) + "." for _ in range(rng.randint(2, 5))]
        if item_id in common:
            desc_words.insert(rng.randint(0, len(desc_words)), f"Gäller {COMMON_WORD}.")
        if item_id in rare:
            title = f"{title} med {RARE_WORD}"
        description = " ".join(desc_words).capitalize()
        benefit = rng.choice(BENEFITS) if kind == "idea" else ""
        category = rng.choice(categories)[0] if kind == "idea" and rng.random() < 0.3 else None
        steps = PATHS[status]
        t = created
        hist = [(author, "submitted", None, "submitted", "", t)]
        routed = t + timedelta(seconds=rng.randint(1, 30))
        hist.append((None, "assigned", None, None, "", routed))
        t = routed
        answered = decided = implemented = evaluated = None
        previous = "submitted"
        total = max(now - t, timedelta(hours=1))
        for step in steps:
            t = t + total * (rng.random() / (len(steps) + 1))
            actor = assignee or 1
            reason = rng.choice(COMMENTS) if step in DECIDED else ""
            hist.append((actor, "status", previous, step, reason, t))
            previous = step
            if answered is None:
                answered = t
            if step in DECIDED and decided is None and step != "implemented":
                decided = t
            if step == "implemented":
                implemented = t
            if step == "evaluated":
                evaluated = t
        first_due = created + timedelta(days=14)
        decision_due = created + timedelta(days=60)
        evaluation_due = implemented + timedelta(days=182) if implemented else None
        merged_into = rng.choice(ideas_so_far) if status == "duplicate" and ideas_so_far else None
        adopted_from = None
        driver = rng.choice(employees) if rng.random() < 0.03 else None
        n_sup = 0
        mark = len(follows)
        if kind == "idea":
            n_sup = min(int(rng.paretovariate(1.6)) - 1 + rng.randint(0, 3), 400)
            for user in rng.sample(employees, n_sup):
                supports.append((item_id, user, created + (now - created) * rng.random()))
                if rng.random() < 0.2:
                    follows.append((item_id, user, created))
        n_com = rng.choice([0, 0, 0, 1, 1, 2, 3, 5])
        for _ in range(n_com):
            comments.append(
                (
                    item_id,
                    rng.choice(employees),
                    rng.choice(COMMENTS),
                    created + (now - created) * rng.random(),
                )
            )
        followers = {f[1] for f in follows[mark:]}
        if author not in followers:
            follows.append((item_id, author, created))
        if assignee not in (None, author, *followers) and rng.random() < 0.5:
            follows.append((item_id, assignee, routed))
        for value in rng.sample(values_ids, rng.choice([1, 1, 2, 2, 3])):
            item_values.append((item_id, value))
        for actor, action, frm, to, comment, at in hist:
            history.append((item_id, actor, at, action, frm, to, comment))
        outcome = lessons = effect = ""
        hours = money = None
        if implemented:
            outcome, lessons = "Infört på enheten.", "Börja smått och följ upp."
            hours, money = rng.randint(0, 500), rng.randint(0, 200_000)
        if evaluated:
            effect = "Färre avvikelser än före."
        if kind == "idea":
            ideas_so_far.append(item_id)
        items.append(
            (
                item_id,
                kind,
                title[:160],
                description,
                benefit,
                status,
                unit_id,
                author,
                assignee,
                category,
                handling,
                routed,
                first_due,
                answered,
                decision_due,
                decided,
                implemented,
                evaluation_due,
                evaluated,
                kind == "concern" and rng.random() < 0.3,
                False,
                driver,
                merged_into,
                adopted_from,
                outcome,
                lessons,
                effect,
                hours,
                money,
                n_sup,
                n_com,
                created,
                t,
            )
        )
    item_cols = (
        "id, kind, title, description, benefit, status, unit_id, author_id, assignee_id, "
        "category_id, handling_unit_id, routed_at, first_answer_due, answered_at, "
        "decision_due, decided_at, implemented_at, evaluation_due, evaluated_at, "
        "confidential, about_manager, driver_id, merged_into_id, adopted_from_id, outcome, "
        "lessons, effect, hours_saved, money_saved, support_count, comment_count, "
        "created_at, updated_at"
    )
    generated = time.monotonic() - t0

    tables = [
        (
            "users (id, email, name, password_hash, role, unit_id, active, created_at, "
            "digest_frequency, absent, deputy_id)",
            [
                (u[0], u[1], u[2], pw, u[3], u[4], True, now - span, "weekly", u[6], u[5])
                for u in users
            ],
        ),
        (f"items ({item_cols})", items),
        ("item_values (item_id, value_id)", item_values),
        ("supports (item_id, user_id, created_at)", supports),
        ("follows (item_id, user_id, created_at)", follows),
        ("comments (item_id, author_id, body, created_at)", comments),
        (
            "item_history (item_id, actor_id, created_at, action, from_status, to_status, comment)",
            history,
        ),
    ]
    total_rows = sum(len(rows) for _, rows in tables)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO units (id, code, name, parent_id) VALUES (%s, %s, %s, %s)",
            [u[:4] for u in units],
        )
        with click.progressbar(
            length=total_rows, label="Loading rows", show_pos=True, show_percent=True
        ) as bar:
            for target, rows in tables:
                for start in range(0, len(rows), 20_000):
                    chunk = rows[start : start + 20_000]
                    with cur.copy(f"COPY {target} FROM STDIN") as copy:
                        for row in chunk:
                            copy.write_row(row)
                    bar.update(len(chunk))
                if target.startswith("users"):
                    cur.executemany(
                        "UPDATE units SET manager_id = %s WHERE id = %s",
                        [(m, u) for u, m in manager_of.items()],
                    )
                    cur.executemany(
                        "INSERT INTO categories (id, name, owner_unit_id, active) "
                        "VALUES (%s, %s, %s, true)",
                        categories,
                    )
        for table in ("units", "users", "items", "comments", "item_history", "categories"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {
        "units": len(units),
        "users": len(users),
        "items": len(items),
        "supports": len(supports),
        "comments": len(comments),
        "history": len(history),
        "follows": len(follows),
        "generate_s": round(generated, 1),
        "total_s": round(time.monotonic() - t0, 1),
    }


@click.command()
@click.option("--if-empty", is_flag=True, help="Do nothing when the data is there already.")
@click.option("--items", "n_items", default=100_000, show_default=True)
@click.option("--users", "n_users", default=50_000, show_default=True)
def main(if_empty: bool, n_items: int, n_users: int) -> None:
    url = database_url()
    if if_empty and is_loaded(url, n_items, n_users):
        click.echo(f"{url}: loaded already")
        return
    t0 = time.monotonic()
    click.echo(f"Creating {url} and migrating it ...")
    recreate(url)
    counts = load(url, n_items, n_users)
    click.echo(
        "Loaded "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f" in {time.monotonic() - t0:.0f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
