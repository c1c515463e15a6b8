"""The ``ideas`` command group."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    pass


def _create_app():
    from ideas import create_app

    return create_app()


def main() -> None:
    FlaskGroup(
        create_app=_create_app, name="ideas", help="ideas: improvement ideas and concerns."
    )()
