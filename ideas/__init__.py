"""ideas: improvement ideas, concerns and a lawful anonymous channel."""

from __future__ import annotations

import os

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """The application factory. ``config`` overrides everything else (tests use it)."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("IDEAS_INSTANCE_PATH")
    if instance_path:
        instance_path = os.path.abspath(instance_path)
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    from ideas.config import load_config

    load_config(app, config)
    if app.config.get("TESTING") and app.config.get("CHEAP_PASSWORD_HASHING"):
        from ideas import crypto, receipt
        from ideas.services.passwords import use_cheap_hashing_for_tests

        use_cheap_hashing_for_tests()
        # Argon2 at its cheapest for keys and receipt codes too: the same code paths.
        crypto.KDF_TIME_COST, crypto.KDF_MEMORY_KIB = 1, 8
        receipt.TIME_COST, receipt.MEMORY_KIB = 1, 8
    register_extensions(app)
    register_blueprints(app)

    from ideas import errors, security, templating

    errors.register_errorhandlers(app)
    security.init_app(app)
    templating.init_app(app)

    from ideas.cli import register_commands
    from ideas.tasks import celery_init_app

    register_commands(app)
    celery_init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    from ideas import database
    from ideas.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), os.pardir, "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    from ideas.web import allow_files

    app.before_request(allow_files)  # before csrf, which reads the form
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from ideas.i18n import select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)


def register_blueprints(app: Flask) -> None:
    from ideas.blueprints import (
        about,
        admin,
        api,
        auth,
        bank,
        cases,
        dashboard,
        files,
        health,
        ideas,
        main,
        notifications,
        report,
        sso,
        triage,
    )
    from ideas.extensions import csrf

    app.register_blueprint(auth.bp)
    app.register_blueprint(sso.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(ideas.bp)
    app.register_blueprint(ideas.bp, name="concerns", url_prefix="/concerns")
    app.register_blueprint(health.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(report.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(bank.bp)
    app.register_blueprint(files.bp)
    app.register_blueprint(triage.bp)
    app.register_blueprint(about.bp)
    app.register_blueprint(notifications.bp)
    # The API authenticates with bearer tokens only, never the session cookie, so
    # cross-site requests cannot ride on a browser session: CSRF tokens do not apply.
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
