"""Configuration: the instance folder, the secret key, the IDEAS_* variables."""

from __future__ import annotations

import os
import stat

import pytest

from ideas import create_app
from ideas.config import normalize_database_url
from ideas.extensions import db


@pytest.fixture
def env(monkeypatch):
    """An environment with no IDEAS_* variables but those a test sets."""
    for name in list(os.environ):
        if name.startswith("IDEAS_"):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def make_app(app):
    """Build apps of our own; the session app's Celery is the default again after."""
    made = []

    def make(config=None):
        new = create_app(config)
        made.append(new)
        return new

    yield make
    app.extensions["celery"].set_default()
    for new in made:
        with new.app_context():
            db.engine.dispose()


def test_instance_path_from_the_environment(env, make_app, tmp_path):
    folder = tmp_path / "not" / "there" / "yet"
    env.setenv("IDEAS_INSTANCE_PATH", str(folder))

    app = make_app()

    assert app.instance_path == str(folder)
    assert folder.is_dir()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{folder / 'ideas.sqlite3'}"
    assert (folder / "secret_key").is_file()


def test_a_relative_instance_path_is_made_absolute(env, make_app, tmp_path):
    env.chdir(tmp_path)
    env.setenv("IDEAS_INSTANCE_PATH", "relative")
    assert make_app().instance_path == str(tmp_path / "relative")


def test_generated_secret_is_kept_and_reused(env, make_app, tmp_path):
    env.setenv("IDEAS_INSTANCE_PATH", str(tmp_path))

    first = make_app().config["SECRET_KEY"]
    second = make_app().config["SECRET_KEY"]

    assert first == second
    assert isinstance(first, str) and len(first) == 64
    path = tmp_path / "secret_key"
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # readable by its owner only


def test_secret_from_the_environment_wins_and_writes_no_file(env, make_app, tmp_path):
    env.setenv("IDEAS_INSTANCE_PATH", str(tmp_path))
    env.setenv("IDEAS_SECRET_KEY", "from-the-environment")
    assert make_app().config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_numeric_secret_stays_a_string(env, make_app, tmp_path):
    env.setenv("IDEAS_INSTANCE_PATH", str(tmp_path))
    env.setenv("IDEAS_SECRET_KEY", "0123456789")
    # from_prefixed_env reads values as JSON; a number must not become an int (nor
    # lose its leading zero).
    assert make_app().config["SECRET_KEY"] == "0123456789"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://ideas:s3cret@db.example:5432/ideas",
         "postgresql+psycopg://ideas:s3cret@db.example:5432/ideas"),
        ("postgres://ideas@db/ideas", "postgresql+psycopg://ideas@db/ideas"),
        ("postgresql+psycopg://ideas@db/ideas", "postgresql+psycopg://ideas@db/ideas"),
        ("sqlite:////var/lib/ideas/ideas.sqlite3", "sqlite:////var/lib/ideas/ideas.sqlite3"),
    ],
)  # fmt: skip
def test_database_url_is_normalized(env, make_app, tmp_path, url, expected):
    assert normalize_database_url(url) == expected
    env.setenv("IDEAS_INSTANCE_PATH", str(tmp_path))
    env.setenv("IDEAS_DATABASE_URL", url)
    app = make_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected
    with app.app_context():
        assert db.engine.url.render_as_string(hide_password=False) == expected


def test_base_url_loses_its_trailing_slash(env, make_app, tmp_path):
    env.setenv("IDEAS_INSTANCE_PATH", str(tmp_path))
    env.setenv("IDEAS_BASE_URL", "https://ideer.ljungby.example/")
    assert make_app().config["BASE_URL"] == "https://ideer.ljungby.example"


def test_an_https_base_url_makes_the_session_cookie_secure(env, make_app, tmp_path):
    env.setenv("IDEAS_INSTANCE_PATH", str(tmp_path))
    env.setenv("IDEAS_BASE_URL", "https://ideer.ljungby.example")
    assert make_app().config["SESSION_COOKIE_SECURE"] is True


def test_two_instances_with_different_variables_share_no_files(env, make_app, tmp_path):
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    env.setenv("IDEAS_INSTANCE_PATH", str(a_dir))
    env.setenv("IDEAS_BASE_URL", "http://127.0.0.1:5001")
    a = make_app()
    env.setenv("IDEAS_INSTANCE_PATH", str(b_dir))
    env.setenv("IDEAS_BASE_URL", "http://127.0.0.1:5002")
    b = make_app()

    assert a.config["SECRET_KEY"] != b.config["SECRET_KEY"]
    assert a.config["BASE_URL"] == "http://127.0.0.1:5001"  # untouched by b
    for app, own in ((a, a_dir), (b, b_dir)):
        celery = app.extensions["celery"]
        paths = [
            app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"),
            celery.conf.broker_url.removeprefix("sqla+sqlite:///"),
            celery.conf.beat_schedule_filename,
            os.path.join(app.instance_path, "secret_key"),
        ]
        for path in paths:
            assert os.path.dirname(path) == str(own), path
    assert {p.name for p in a_dir.iterdir()} == {"secret_key"}
    assert {p.name for p in b_dir.iterdir()} == {"secret_key"}


def test_test_config_overrides_the_environment(env, make_app, tmp_path):
    env.setenv("IDEAS_INSTANCE_PATH", str(tmp_path / "from-env"))
    env.setenv("IDEAS_PER_PAGE", "50")
    app = make_app({"INSTANCE_PATH": str(tmp_path / "given"), "PER_PAGE": 5})
    assert app.instance_path == str(tmp_path / "given")
    assert app.config["PER_PAGE"] == 5
