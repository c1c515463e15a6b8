"""docker-compose.yml and the Dockerfile, checked without a Docker engine: every
command our containers run exists, they are configured only by IDEAS_* variables
the app reads, and no secret is written in the files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
import pytest
import yaml
from flask.cli import ScriptInfo

from ideas import cli as ideas_cli

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
OURS = {
    name: s for name, s in SERVICES.items() if "build" in s or s.get("image", "") == "ideas:latest"
}  # noqa: E501

# The variables the application reads, from ideas/config.py (DEFAULTS and load_config),
# ideas/tasks.py (the broker) and ideas/__init__.py (the instance folder).
APP_VARIABLES = {
    "IDEAS_DATABASE_URL",
    "IDEAS_SECRET_KEY",
    "IDEAS_BASE_URL",
    "IDEAS_BROKER_URL",
    "IDEAS_SMTP_URL",
    "IDEAS_INSTANCE_PATH",
    "IDEAS_MAIL_FROM",
    "IDEAS_TRUSTED_PROXIES",
}
INTERPOLATION = re.compile(r"\$\{[A-Z_][A-Z0-9_]*(:?[-?][^}]*)?\}")
PLACEHOLDER = re.compile(r"^__FROM_ENV_\d+__$")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$", re.IGNORECASE)


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def without_interpolations(value: str) -> str:
    """``value`` with each ``${VAR...}`` replaced by a plain placeholder (URLs parse)."""
    counter = iter(range(1000))
    return INTERPOLATION.sub(lambda _m: f"__FROM_ENV_{next(counter)}__", value)


def from_env(value: str) -> bool:
    """Is ``value`` exactly one interpolation from the environment or .env?"""
    return bool(PLACEHOLDER.match(without_interpolations(value)))


def command(service: dict) -> list[str]:
    cmd = service["command"]
    return cmd.split() if isinstance(cmd, str) else list(cmd)


def resolve(group: click.Group, args: list[str], ctx: click.Context) -> click.Command:
    """Walk ``args`` through a click group as the shell would, checking that every
    subcommand and option exists. Returns the command reached."""
    command_: click.Command = group
    expects_value = False
    for token in args:
        if expects_value:
            expects_value = False
            continue
        if token.startswith("-"):
            name = token.split("=", 1)[0]
            options = {
                o: p
                for p in command_.params
                if isinstance(p, click.Option)
                for o in (*p.opts, *p.secondary_opts)
            }
            assert name in options, f"{command_.name} has no option {name}"
            expects_value = not options[name].is_flag and "=" not in token
        elif isinstance(command_, click.Group):
            sub = command_.get_command(ctx, token)
            assert sub is not None, f"{command_.name} has no command {token}"
            command_ = sub
        else:
            assert any(isinstance(p, click.Argument) for p in command_.params), (
                f"{command_.name} takes no argument {token}"
            )
    assert not expects_value, f"{args}: an option lacks its value"
    return command_


def test_the_expected_services_are_there():
    assert {"postgres", "redis", "web", "worker", "beat", "mail", "migrate"} <= set(SERVICES)
    assert set(OURS) == {"web", "worker", "beat", "migrate"}


@pytest.mark.parametrize("name", ["web", "migrate"])
def test_ideas_commands_exist(app, name):
    args = command(SERVICES[name])
    assert args[0] == "ideas"
    ctx = ideas_cli.cli.make_context(
        "ideas", [], obj=ScriptInfo(create_app=lambda: app), resilient_parsing=True
    )
    with ctx:
        reached = resolve(ideas_cli.cli, args[1:], ctx)
    assert not isinstance(reached, click.Group), f"{args} names a group, not a command"


def test_web_serves_production_style():
    args = command(SERVICES["web"])
    assert args[:2] == ["ideas", "serve"] and "--web-only" in args
    assert args[args.index("--host") + 1] == "0.0.0.0"  # noqa: S104 - in a container
    port = args[args.index("--port") + 1]
    assert any(p.endswith(f":{port}") for p in SERVICES["web"]["ports"])


@pytest.mark.parametrize(("name", "subcommand"), [("worker", "worker"), ("beat", "beat")])
def test_celery_commands_exist(name, subcommand):
    from celery.bin.celery import celery as celery_group

    args = command(SERVICES[name])
    assert args[:3] == ["celery", "-A", "worker"]
    assert args[3] == subcommand
    with click.Context(celery_group, info_name="celery") as ctx:
        resolve(celery_group, args[1:], ctx)


def test_the_celery_entry_module_gives_a_celery_app(tmp_path):
    # In a process of its own: building the worker's app must not touch this session.
    code = (
        "import sys, importlib, celery\n"
        "module = importlib.import_module(sys.argv[1])\n"
        "assert isinstance(module.celery, celery.Celery), type(module.celery)\n"
        "print(module.celery.main, sorted(module.celery.conf.beat_schedule))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDEAS_")}
    env["IDEAS_INSTANCE_PATH"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", code, "worker"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ideas ")


def test_migrations_run_before_the_services_that_need_them():
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"


def test_our_services_are_configured_only_by_ideas_variables():
    for name, service in OURS.items():
        env = environment(service)
        assert env, name
        for variable in env:
            assert variable.startswith("IDEAS_"), f"{name} sets {variable}"
            assert variable in APP_VARIABLES, f"{name} sets {variable}, which the app never reads"
        assert {"IDEAS_DATABASE_URL", "IDEAS_BROKER_URL", "IDEAS_SECRET_KEY"} <= set(env)
        assert urlsplit(without_interpolations(env["IDEAS_DATABASE_URL"])).hostname == "postgres"
        assert urlsplit(env["IDEAS_BROKER_URL"]).scheme == "redis"
        assert urlsplit(env["IDEAS_SMTP_URL"]).hostname == "mail"


def test_the_app_reads_every_variable_in_the_list():
    """Keeps APP_VARIABLES honest: each is a key the package's code looks up."""
    from ideas.config import DEFAULTS

    source = "\n".join(p.read_text() for p in (ROOT / "ideas").rglob("*.py"))
    for variable in APP_VARIABLES:
        key = variable.removeprefix("IDEAS_")
        assert key in DEFAULTS or f'"{key}"' in source or f'"{variable}"' in source, variable


def test_no_literal_secret():
    for name, service in SERVICES.items():
        for variable, value in environment(service).items():
            if SECRET_NAME.search(variable):
                assert from_env(value), f"{name}: {variable} is written in the file"
            plain = without_interpolations(value)
            password = urlsplit(plain).password if "://" in plain else None
            if password is not None:
                assert PLACEHOLDER.match(password), f"{name}: a password in {variable}"
    # Required, not defaulted: a forgotten secret stops compose instead of using a blank.
    for service in OURS.values():
        assert ":?" in environment(service)["IDEAS_SECRET_KEY"]


def test_health_checks():
    web_check = " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "/healthz" in web_check and ":8000" in web_check
    for name in ("postgres", "redis", "worker"):
        assert SERVICES[name]["healthcheck"]["test"], name


def test_the_topology_of_the_scale_out_test():
    """What tests/scale/test_scale_out.py starts and the README describes: two web
    instances on ports of their own, two workers, one beat."""
    assert SERVICES["web"]["deploy"]["replicas"] == 2
    assert SERVICES["web"]["ports"] == ["8000-8001:8000"]
    assert SERVICES["worker"]["deploy"]["replicas"] == 2
    scale_test = (ROOT / "tests" / "scale" / "test_scale_out.py").read_text()
    assert scale_test.count("start_web(") == 2 and scale_test.count("start_beat(") == 1
    assert scale_test.count("start_worker(") == 2


def test_exactly_one_beat_and_it_keeps_its_schedule():
    assert "deploy" not in SERVICES["beat"] or SERVICES["beat"]["deploy"].get("replicas") == 1
    assert any(v.endswith(":/var/lib/ideas") for v in SERVICES["beat"]["volumes"])


def test_the_dockerfile_installs_the_project():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", dockerfile, re.MULTILINE)
    for path in ("pyproject.toml", "ideas", "worker", "migrations"):
        assert re.search(rf"^COPY .*\b{re.escape(path)}\b", dockerfile, re.MULTILINE), path
    assert re.search(r"pip install (--no-deps )?(-e )?\.(\s|$)", dockerfile)
    assert re.search(r"^USER (?!root)", dockerfile, re.MULTILINE)  # not as root
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".env", ".venv", "instance", ".git"):
        assert path in ignored


def test_every_web_process_and_the_worker_share_the_attachments(app):
    """Attachments are files: with several web containers they must all see the same
    folder, and the worker deletes them when retention runs out."""
    instance = environment(SERVICES["web"])["IDEAS_INSTANCE_PATH"]
    folder = f"{instance}/uploads"  # UPLOAD_FOLDER's default, as ideas/config.py sets it
    assert app.config["UPLOAD_FOLDER"].endswith("/uploads")
    for name in ("web", "worker"):
        mounts = {m.split(":")[1]: m.split(":")[0] for m in SERVICES[name].get("volumes", [])}
        assert mounts.get(folder) == "uploads", name
    assert "uploads" in COMPOSE["volumes"]
