"""ideas digest run: the job beat runs, once, from the command line."""

from datetime import UTC, datetime, timedelta

from ideas import clock
from ideas.services import items, routing
from tests import factories

MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def test_digest_run_sends_and_prints_the_count_last(invoke, org, smtp):
    clock.freeze(MONDAY - timedelta(days=2))
    idea = factories.idea(org.anna, title="Nyckelskåp")
    routing.route_item(idea.id)
    items.transition(idea, org.boss, "acknowledged", "Tack")
    clock.freeze(MONDAY)
    result = invoke("digest", "run", "--frequency", "weekly")
    assert result.exit_code == 0, result.output
    sent = int(result.output.strip().splitlines()[-1])
    assert sent == len(smtp.messages) > 0
    again = invoke("digest", "run", "--frequency", "weekly")
    assert again.output.strip().splitlines()[-1] == "0"
    assert len(smtp.messages) == sent


def test_without_a_frequency_it_runs_what_is_due_today(invoke, org, smtp):
    clock.freeze(MONDAY)
    result = invoke("digest", "run")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("daily:") and lines[1].startswith("weekly:")


def test_an_unknown_frequency_is_refused(invoke, org):
    result = invoke("digest", "run", "--frequency", "hourly")
    assert result.exit_code != 0
    assert "hourly" in result.output
