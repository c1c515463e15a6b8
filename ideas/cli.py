"""The ``ideas`` command group: serve, worker, users, units, tokens, demo data, digests.

Flask-Migrate adds ``ideas db ...``. Commands call the services, commit once at the
end and roll back on any refused input, so an error changes nothing; a refused input
is one clear line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext
from flask_babel import force_locale
from gunicorn.app.base import BaseApplication

from ideas.extensions import db
from ideas.models import ROLES
from ideas.services.errors import DomainError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_WEB_WORKERS = 2


def _fail(err: DomainError) -> click.ClickException:
    """Undo everything the command wrote, and report ``err`` as one line."""
    db.session.rollback()
    return click.ClickException(str(err.message))


# -- serve ----------------------------------------------------------------------------


class WebApplication(BaseApplication):
    """gunicorn serving the app factory: each worker process builds its own app (and
    so its own database pool) after the fork, instead of sharing the master's."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__(prog="ideas serve")

    def load_config(self) -> None:
        for key, value in self.options.items():
            # A setting this gunicorn version does not have is left out.
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        from ideas import create_app

        return create_app()


def gunicorn_options(host: str, port: int, workers: int) -> dict:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "proc_name": "ideas-web",
        "accesslog": "-",
        # The whistleblowing channel's requests are left out of the access log.
        "logger_class": "ideas.logging_policy.ScrubbingLogger",
        "errorlog": "-",
        # gunicorn 25+ opens a control socket in the home folder by default: two servers
        # on one machine would share it, and nothing here uses it.
        "control_socket_disable": True,
    }


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port.")
@click.option(
    "--workers",
    default=DEFAULT_WEB_WORKERS,
    show_default=True,
    type=click.IntRange(min=1),
    help="Number of gunicorn web processes.",
)
@click.option(
    "--web-only",
    is_flag=True,
    help="Serve the web alone, for production, where the Celery worker and beat run "
    "as processes of their own.",
)
def serve_command(host: str, port: int, workers: int, web_only: bool) -> None:
    """Serve the application with gunicorn (not Flask's development server).

    Without --web-only, one Celery worker with its beat runs beside the web server,
    so the whole product runs on one machine with no other service (the embedded
    default: SQLite, and Celery's SQLAlchemy transport over SQLite)."""
    worker = None
    if not web_only:
        worker = subprocess.Popen(celery_argv(beat=True))  # noqa: S603 - our own argv
        click.echo(f"Started the worker and beat (pid {worker.pid}).")
    click.echo(f"Serving on http://{host}:{port}/ with {workers} web process(es).")
    try:
        WebApplication(gunicorn_options(host, port, workers)).run()
    finally:
        if worker is not None:
            worker.terminate()  # a warm shutdown: the running task finishes first
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


def celery_argv(*, beat: bool) -> list[str]:
    """The Celery worker of this installation, on the app of ``worker/__init__.py``."""
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "worker",
        "worker",
        "--loglevel=INFO",
        "--pool=solo",
    ]
    if beat:
        argv.append("--beat")
    return argv


@click.command("worker")
@click.option(
    "--beat",
    is_flag=True,
    help="Also run the scheduler (beat) in this process: exactly one per site.",
)
def worker_command(beat: bool) -> None:
    """Run a Celery worker (the same as `celery -A worker worker`)."""
    argv = celery_argv(beat=beat)
    os.execv(argv[0], argv)  # noqa: S606 - replaces this process with the worker


@click.group("digest")
def digest_cli() -> None:
    """E-mail digests."""


@digest_cli.command("run")
@click.option(
    "--frequency",
    type=click.Choice(["daily", "weekly", "monthly"]),
    help="Send this frequency's digests now; by default, those due today "
    "(daily; weekly on Mondays; monthly on the 1st), as beat does.",
)
@with_appcontext
def digest_run_command(frequency: str | None) -> None:
    """Send the digests once, with the code beat runs. The last line is the number sent."""
    from ideas import clock
    from ideas.services import digest

    frequencies = [frequency] if frequency else digest.frequencies_due(clock.now())
    total = 0
    for name in frequencies:
        sent = digest.run(name)
        click.echo(f"{name}: {sent} digest(s) sent")
        total += sent
    click.echo(total)


@click.group("files")
def files_cli() -> None:
    """The files of ideas, concerns and comments."""


@files_cli.command("sweep")
@with_appcontext
def files_sweep_command() -> None:
    """Remove files on disk that no idea, concern or comment names any more and that
    are older than an hour (the worker does it hourly too). Prints how many."""
    from ideas.services import item_files

    click.echo(item_files.sweep_orphans())


# -- users ----------------------------------------------------------------------------


@click.group("users")
def users_cli() -> None:
    """Manage accounts."""


@users_cli.command("create")
@click.option("--email", required=True, help="The e-mail address, used to log in.")
@click.option("--name", required=True, help="The person's full name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters, not a common one; asked for when left out.",
)
@click.option(
    "--role",
    default="employee",
    show_default=True,
    metavar="[" + "|".join(ROLES) + "]",
    help="What the account may do.",
)
@click.option("--unit", "unit_code", metavar="CODE", help="The code of the person's unit.")
@with_appcontext
def create_user_command(
    email: str, name: str, password: str, role: str, unit_code: str | None
) -> None:
    """Create an account."""
    from ideas.services import accounts

    # Checked here as well as in the service, to name the choices.
    if role not in ROLES:
        raise click.ClickException(f"Unknown role: {role}. Choose one of: {', '.join(ROLES)}.")
    try:
        user = accounts.create_user(
            email=email, name=name, password=password, role=role, unit_code=unit_code
        )
    except DomainError as err:
        raise _fail(err) from None
    db.session.commit()
    unit = f" in {user.unit.code}" if user.unit else ""
    click.echo(f"Created {user.role} {user.email} ({user.name}){unit}.")


@users_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only say what the import would do.")
@with_appcontext
def import_users_command(file: Path, dry_run: bool) -> None:
    """Create, update and deactivate people from the HR system's CSV file:
    email,name,unit and, if you like, role (comma or semicolon, UTF-8).

    Active people missing from the file are deactivated (admins never). The file is
    imported whole or not at all: every bad line is reported with its number, and
    nothing is changed. Importing the same file again changes nothing."""
    from ideas.services import people_import

    data = file.read_bytes()
    with force_locale("en"):
        try:
            lines = max(data.count(b"\n"), 1)
            with click.progressbar(length=lines, label=f"Checking {file.name}") as bar:
                plan = people_import.plan(data, None, progress=bar.update)
                bar.update(lines)
            summary = (
                f"{len(plan.create)} created, {len(plan.change)} changed, "
                f"{len(plan.deactivate)} deactivated, {plan.unchanged} unchanged"
            )
            if dry_run:
                db.session.rollback()
                click.echo(f"Would import {file.name}: {summary}.")
                return
            people_import.apply(plan, None)
        except people_import.ImportRefused as err:
            db.session.rollback()
            more = len(err.errors) - 1
            shown = "; ".join(str(e.message) for e in err.errors[:10])
            if more >= 10:
                shown += f"; and {more - 9} more"
            raise click.ClickException(shown) from None
        except DomainError as err:
            raise _fail(err) from None
    db.session.commit()
    click.echo(f"Imported {file.name}: {summary}.")


@users_cli.command("reset-link")
@click.option("--email", required=True, help="The account that needs a new password.")
@with_appcontext
def reset_link_command(email: str) -> None:
    """Print a link for choosing a new password: it works once, for one hour.

    For an operator on the server: an admin's way in while local login is off and the
    identity provider is down, or a person whose e-mail does not arrive. Written to the
    admin audit log. The link is printed once, as the last line; give it only to the
    account's owner."""
    from ideas.services import password_reset

    try:
        url, expires_at = password_reset.operator_link(email)
    except DomainError as err:
        raise _fail(err) from None
    db.session.commit()
    until = f"{expires_at:%Y-%m-%d %H:%M} UTC"
    click.echo(f"A link for {email.strip().lower()}, valid once until {until}:")
    click.echo(url)


# -- units ----------------------------------------------------------------------------


@click.group("units")
def units_cli() -> None:
    """Manage the organisation tree."""


@units_cli.command("create")
@click.option("--code", required=True, help="A short unique code, e.g. OF-HTC.")
@click.option("--name", required=True, help="The unit's name.")
@click.option("--parent", "parent_code", metavar="CODE", help="The unit above this one.")
@click.option("--manager", "manager_email", metavar="EMAIL", help="The manager's e-mail.")
@with_appcontext
def create_unit_command(
    code: str, name: str, parent_code: str | None, manager_email: str | None
) -> None:
    """Create one unit."""
    from ideas.services import accounts

    try:
        unit = accounts.create_unit(
            code=code, name=name, parent_code=parent_code, manager_email=manager_email
        )
    except DomainError as err:
        raise _fail(err) from None
    db.session.commit()
    parent = f" under {unit.parent.code}" if unit.parent else ""
    click.echo(f"Created unit {unit.code} ({unit.name}){parent}.")


def read_units_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of a units file as ``(line number, row)``, after checking its header
    (``services.csvfile``: UTF-8 with or without a BOM, commas or semicolons)."""
    from ideas.services.accounts import IMPORT_COLUMNS
    from ideas.services.csvfile import read_csv

    return read_csv(path.read_bytes(), IMPORT_COLUMNS)


@units_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_units_command(file: Path) -> None:
    """Create or update units from a CSV file: code,name,parent,manager_email.

    Parents may come after their children. The file is imported whole or not at
    all: a bad row is reported with its line number and nothing is changed.
    """
    from ideas.services import accounts

    # The command line speaks English, its errors too (the reader's are translated).
    with force_locale("en"):
        try:
            rows = read_units_csv(file)
            with click.progressbar(rows, label=f"Reading {file.name}", show_pos=True) as bar:
                created, updated = accounts.import_units(bar)
        except DomainError as err:
            raise _fail(err) from None
    db.session.commit()
    click.echo(f"Imported {file.name}: {created} created, {updated} updated.")


# -- tokens ---------------------------------------------------------------------------


@click.group("tokens")
def tokens_cli() -> None:
    """Personal API tokens."""


@tokens_cli.command("create")
@click.option("--email", required=True, help="The account the token acts as.")
@click.option("--name", default="", help="What the token is for, to recognise it later.")
@with_appcontext
def create_token_command(email: str, name: str) -> None:
    """Create a personal API token; it is printed once, as the last line."""
    from ideas.models import user_by_email
    from ideas.services import accounts

    user = user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with e-mail {email}.")
    if not user.active:
        raise click.ClickException(f"The account {user.email} is deactivated.")
    private_key = None
    if user.role == "case_handler":
        # The token must open the handler's cases: their key is opened with their
        # password (asked for here, never stored) and sealed under the new token.
        from ideas.services import reports

        password = click.prompt(f"Password of {user.email}", hide_input=True)
        if accounts.authenticate(user.email, password) is None:
            raise click.ClickException("That is not the account's password.")
        private_key = reports.unlock_at_login(user, password)
    token = accounts.create_api_token(user, name=name, private_key=private_key)
    db.session.commit()
    click.echo(f"API token for {user.email}; it is shown only now (only its hash is kept).")
    click.echo("Use it as: Authorization: Bearer <token>")
    click.echo(token)


# -- demo -----------------------------------------------------------------------------


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Load only when there are no accounts yet.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load a demo organisation (Ljungby kommun) with accounts and ideas."""
    from ideas.services import demo

    if not demo.database_is_empty():
        if if_empty:
            click.echo("There are accounts already; no demo data loaded.")
            return
        raise click.ClickException(
            "The database has accounts already; the demo loads only into an empty one."
        )
    summary = demo.load_demo()
    db.session.commit()
    click.echo(
        f"Demo organisation for Ljungby kommun loaded: {summary.units} units, "
        f"{len(summary.users)} accounts, {summary.ideas} ideas."
    )
    click.echo(f"Log in at {current_app.config['BASE_URL']}/login with, for example:")
    for role, email, name in summary.logins():
        click.echo(f"  {role:<13} {email:<36} {name}")
    click.echo(f"Every demo account has the password: {summary.password}")


def register_commands(app: Flask) -> None:
    for command in (
        serve_command,
        worker_command,
        digest_cli,
        files_cli,
        users_cli,
        units_cli,
        tokens_cli,
        demo_command,
    ):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from ideas import create_app

    return create_app()


# Flask's own ``run`` (the development server) is left out: ``serve`` is how this
# application is served. ``shell`` and ``routes`` stay.
cli = FlaskGroup(
    create_app=_create_app,
    add_default_commands=False,
    name="ideas",
    help="ideas: improvement ideas and concerns.",
)
cli.add_command(shell_command)
cli.add_command(routes_command)


def main() -> None:
    cli(prog_name="ideas")


if __name__ == "__main__":
    main()
