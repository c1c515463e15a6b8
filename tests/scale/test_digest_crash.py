"""A digest run killed half-way (SIGKILL after its first batch is sent), then run
again, sends each user's digest once: counted per recipient at the SMTP server.

The kill comes while the run waits for the server to take the next message, with
every message the server has accepted marked sent. (Between the server's "250" and
that mark, a few milliseconds, a kill leaves one message accepted and unmarked, and
it goes again: SMTP gives no way to ask the server. ``mail.deliver`` keeps that to
one message at any time.)"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.scale.topology import (
    fresh_database,
    require_services,
    site_env,
    smtp_server,
    sql,
    wait_until,
)
from tests.servers import IDEAS, run_cli

pytestmark = pytest.mark.services
USERS = 30
BATCH = 5
CLAIM_TIMEOUT = 3
DELAY = 0.5  # before the server takes each MAIL FROM: where the kill comes


def _seed(database: str, broker: str, instance) -> None:
    """One unit of USERS weekly readers, and a new idea in it for their digests."""
    from ideas import create_app
    from ideas.extensions import db
    from ideas.services import accounts, items

    app = create_app(
        {
            "DATABASE_URL": database,
            "BROKER_URL": broker,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "seed",
            "OUTBOX_RELAY": False,
        }
    )
    with app.app_context():
        accounts.create_unit(code="VOO", name="Vård och omsorg")
        people = [
            accounts.create_user(
                email=f"reader{n:02d}@example.se",
                name=f"Reader {n}",
                password=None,
                role="employee",
                unit_code="VOO",
            )
            for n in range(USERS)
        ]
        for person in people:
            person.digest_frequency = "weekly"
        db.session.flush()
        items.submit_idea(
            people[0], title="Nyckelskåp", description="Koder.", unit="VOO", values=["Vi vill"]
        )
        db.session.commit()
        db.engine.dispose()


def test_a_digest_run_killed_half_way_and_run_again_sends_each_digest_once(tmp_path):
    database_server, broker_server = require_services()
    smtp = smtp_server(delay=DELAY)
    try:
        with fresh_database(database_server) as database:
            env = site_env(
                tmp_path / "cli",
                database,
                broker_server,
                smtp.url,
                IDEAS_DIGEST_BATCH_SIZE=str(BATCH),
                IDEAS_EMAIL_CLAIM_TIMEOUT_SECONDS=str(CLAIM_TIMEOUT),
            )
            run_cli(env, "db", "upgrade")
            _seed(database, broker_server, tmp_path / "seed")
            inbox = smtp.inbox

            first = subprocess.Popen(  # noqa: S603
                [*IDEAS, "digest", "run", "--frequency", "weekly"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

            def first_batch_sent_and_marked() -> bool:
                received = len(inbox.messages)
                if received < BATCH + 1:
                    return False
                ((marked,),) = sql(database, "SELECT count(*) FROM emails WHERE status = 'sent'")
                return marked == received == len(inbox.messages)

            try:
                wait_until(
                    first_batch_sent_and_marked, 60, "the first batch is sent", interval=0.05
                )
            finally:
                os.killpg(first.pid, signal.SIGKILL)
                first.wait(timeout=30)
            before = len(inbox.messages)
            time.sleep(CLAIM_TIMEOUT + 1)  # the killed run's claims have timed out

            output = run_cli(env, "digest", "run", "--frequency", "weekly", timeout=120)
            time.sleep(1)
            expected = {
                r[0]
                for r in sql(
                    database,
                    "SELECT e.recipient FROM digest_deliveries d "
                    "JOIN emails e ON e.id = d.email_id",
                )
            }
            counts = inbox.per_recipient()
            twice = {k: v for k, v in counts.items() if v > 1}
            missing = expected - set(counts)
            summary = (
                f"{USERS} weekly readers, batches of {BATCH}, SMTP {DELAY} s per message: "
                f"killed the run after {before} sent; the second run said "
                f"{output.strip().splitlines()[-1]}; {len(expected)} digests recorded, "
                f"{sum(counts.values())} received by {len(counts)} recipients, "
                f"{len(twice)} twice, {len(missing)} missing"
            )
            print(summary)
            assert len(expected) == USERS - 1, summary  # the author has no news of their own
            assert not twice, f"{twice}; {summary}"
            assert not missing, f"{sorted(missing)}; {summary}"
    finally:
        smtp.stop()
