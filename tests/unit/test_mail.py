"""E-mail: recorded once per event and recipient, sent once, kept when SMTP fails."""

import pytest
from sqlalchemy import select

from ideas.extensions import db
from ideas.models import Email
from ideas.services import mail, routing
from tests import factories


def assigned_email(org):
    idea = factories.idea(org.anna)
    routing.route_item(idea.id)
    return db.session.scalar(select(Email).where(Email.recipient == org.boss.email)), idea


def test_sent_over_smtp_with_text_and_html(org, smtp):
    email, idea = assigned_email(org)
    assert mail.deliver([email.id]) == 1
    (message,) = smtp.to(org.boss.email)
    assert message["Subject"] == f"Nytt förslag att besvara: {idea.title}"
    assert message.get_body(("plain",)).get_content().startswith("Hej Carl Chef!")
    assert (
        f'href="http://127.0.0.1:5000/ideas/{idea.id}"' in message.get_body(("html",)).get_content()
    )
    db.session.expire_all()
    assert db.session.get(Email, email.id).status == "sent"


def test_a_sent_email_is_never_sent_again(org, smtp):
    email, _ = assigned_email(org)
    mail.deliver([email.id])
    assert mail.deliver([email.id]) == 0
    assert len(smtp.to(org.boss.email)) == 1


def test_the_same_event_is_recorded_once(org):
    email, idea = assigned_email(org)
    again = mail.queue_email(
        org.boss, event_key=email.event_key, template="assigned", subject=lambda: "x", item=idea
    )
    assert again is None


def test_an_smtp_outage_keeps_the_email_for_a_retry(org, smtp):
    email, _ = assigned_email(org)
    smtp.refuse = True
    with pytest.raises(mail.DeliveryFailed):
        mail.deliver([email.id])
    db.session.expire_all()
    kept = db.session.get(Email, email.id)
    assert kept.status == "pending" and "451" in kept.last_error
    smtp.refuse = False
    assert mail.deliver([email.id]) == 1
    assert len(smtp.to(org.boss.email)) == 1


def two_emails(org):
    idea = factories.idea(org.anna)
    first, second = (
        mail.queue_email(user, event_key=key, template="assigned", subject=lambda s=s: s, item=idea)
        for user, key, s in [(org.boss, "test:1", "Ett"), (org.anna, "test:2", "Två")]
    )
    db.session.commit()
    return first.id, second.id


# Relays offer PIPELINING (RFC 2920) and get MAIL, RCPT and DATA in one write; a server
# that does not gets one command at a time.
SERVERS = pytest.mark.parametrize("pipelining", [True, False], ids=["pipelining", "one-by-one"])


@SERVERS
def test_a_batch_goes_over_one_connection_with_the_right_envelope(app, org, smtp, pipelining):
    smtp.pipelining = pipelining
    ids = two_emails(org)
    assert mail.deliver(list(ids)) == 2
    sender = app.config["MAIL_FROM"].rpartition("<")[2].rstrip(">") or app.config["MAIL_FROM"]
    assert smtp.envelopes == [(sender, [org.boss.email]), (sender, [org.anna.email])]
    assert [m["Subject"] for m in smtp.messages] == ["Ett", "Två"]
    db.session.expire_all()
    assert {db.session.get(Email, i).status for i in ids} == {"sent"}


# (what the server refuses, to whom; the code it says; what it accepted before; how
# many the retry sends). A refusal stops the batch: what was accepted stays sent, the
# rest waits for the retry, which sends each once.
REFUSALS = {
    "a refused recipient": ("refuse_recipient", "boss", "550", [], 2),
    "a refused recipient half-way": ("refuse_recipient", "anna", "550", ["boss"], 1),
    "a refused end of data": ("refuse_data_to", "boss", "554", [], 2),
}


@SERVERS
@pytest.mark.parametrize("refusal", REFUSALS)
def test_a_refusal_keeps_what_was_sent_sent_and_the_rest_for_a_retry(
    org, smtp, pipelining, refusal
):
    knob, whom, code, accepted, retried = REFUSALS[refusal]
    smtp.pipelining = pipelining
    setattr(smtp, knob, getattr(org, whom).email)
    ids = two_emails(org)
    with pytest.raises(mail.DeliveryFailed):
        mail.deliver(list(ids))
    db.session.expire_all()
    emails = [db.session.get(Email, i) for i in ids]
    sent = [e.recipient for e in emails if e.status == "sent"]
    assert sent == [getattr(org, who).email for who in accepted]
    assert [m["To"] for m in smtp.messages] == sent  # nothing went after the refusal
    refused = emails[len(accepted)]
    assert refused.status == "pending" and code in refused.last_error
    assert all(e.status == "pending" for e in emails[len(accepted) :])
    setattr(smtp, knob, None)
    assert mail.deliver(list(ids)) == retried
    assert [m["To"] for m in smtp.messages] == [org.boss.email, org.anna.email]


def test_an_unreachable_smtp_server_keeps_the_email(app, org, monkeypatch):
    from tests.smtp import free_port

    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    email, _ = assigned_email(org)
    with pytest.raises(mail.DeliveryFailed):
        mail.deliver([email.id])
    db.session.expire_all()
    assert db.session.get(Email, email.id).status == "pending"


def test_without_smtp_mail_is_written_to_files_admins_can_read(
    app, client, auth, org, monkeypatch, tmp_path
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    email, idea = assigned_email(org)
    mail.deliver([email.id])
    (written,) = list((tmp_path / "mail").glob("*.eml"))
    assert b"Subject:" in written.read_bytes()
    auth.login(org.anna.email)
    assert client.get("/admin/mail").status_code == 403
    auth.logout()
    auth.login(org.admin.email)
    page = client.get("/admin/mail").get_data(as_text=True)
    assert org.boss.email in page and idea.title in page
    message = client.get(f"/admin/mail/{written.name}").get_data(as_text=True)
    assert "Hej Carl Chef!" in message
    assert client.get("/admin/mail/../secret_key").status_code == 404


def test_english_for_those_who_chose_it(org):
    org.boss.locale = "en"
    email, idea = assigned_email(org)
    assert email.subject == f"New idea to answer: {idea.title}"


def test_smtp_with_credentials(app, org, monkeypatch):
    from tests.smtp import SMTPServer

    server = SMTPServer(user="ideas", password="hemligt/%:@lösen".replace("ö", "o")).start()
    try:
        email, _ = assigned_email(org)
        monkeypatch.setitem(app.config, "SMTP_URL", server.url)
        assert mail.deliver([email.id]) == 1
        assert len(server.inbox.to(org.boss.email)) == 1
    finally:
        server.stop()


def test_a_built_message_reads_back_as_written(app):
    from email import message_from_bytes, policy

    from ideas import mailer

    app.config["MAIL_FROM"] = "Idéer i Ljungby <ideas@ljungby.example>"
    # A body that tries to end its part early: the boundaries begin with "=_", which
    # quoted-printable never leaves as it is.
    forged = "".join(f"\n--=_{mailer._BOUNDARY_PREFIX}.{n}--\n" for n in range(5))
    text = "Hej Åsa!\n\n.en punkt först\n= och " + "ö" * 120 + forged + "\nslut  "
    html = '<p class="x">Hej Åsa! ' + "å" * 200 + forged + "</p>"
    message = mailer.build_message(
        to="asa@example.se",
        subject="Din sammanfattning från Ljungby kommuns idésystem: ärenden och förslag",
        text=text,
        html=html,
        headers={"List-Unsubscribe": "<http://x/unsubscribe/" + "t" * 150 + ">"},
    )
    assert message.recipient == "asa@example.se" and message.sender == "ideas@ljungby.example"
    assert b"\r\n" in message.data and b"\n" not in message.data.replace(b"\r\n", b"")
    parsed = message_from_bytes(message.data, policy=policy.default)
    assert parsed["From"] == "Idéer i Ljungby <ideas@ljungby.example>"
    assert parsed["To"] == "asa@example.se"
    assert parsed["Subject"] == (
        "Din sammanfattning från Ljungby kommuns idésystem: ärenden och förslag"
    )
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Date"] and parsed["Message-ID"]
    assert parsed["List-Unsubscribe"] == "<http://x/unsubscribe/" + "t" * 150 + ">"
    assert parsed.get_content_type() == "multipart/alternative"
    # Line breaks in MIME text are CRLF, as they travel.
    assert parsed.get_body(("plain",)).get_content() == (text + "\n").replace("\n", "\r\n")
    assert parsed.get_body(("html",)).get_content() == (html + "\n").replace("\n", "\r\n")
    with pytest.raises(ValueError):
        mailer.build_message(to="a@example.se", subject="a\nBcc: b@x", text="", html="")
