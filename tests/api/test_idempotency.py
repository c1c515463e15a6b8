"""Idempotency-Key: a request that created something, sent again with its key, gets
the first answer back and creates nothing more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from ideas import clock
from ideas.extensions import db
from ideas.models import IdempotencyKey, Item
from ideas.services import idempotency
from ideas.services import items as item_service
from tests.api.conftest import stored
from tests.api.test_ideas import GOOD
from worker import tasks

KEY = {"Idempotency-Key": "3f1c0c5e-9a47-4c4e-8d0e-0c2b6a1e7d11"}


def post_idea(client, headers, body=GOOD):
    return client.post("/api/v1/ideas", json=body, headers=headers)


def test_a_retried_submission_gets_the_first_answer_and_creates_one_idea(client, org, bearer):
    headers = {**bearer(org.anna), **KEY}
    first = post_idea(client, headers)
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    after_first = stored()
    again = post_idea(client, headers)  # the answer was lost, say: the client sends it again
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert again.get_json() == first.get_json()
    assert stored() == after_first


def test_without_a_key_each_request_is_a_new_idea(client, org, bearer):
    before = stored()["Item"]
    for _ in range(2):
        assert post_idea(client, bearer(org.anna)).status_code == 201
    assert stored()["Item"] == before + 2


def test_the_key_sent_with_another_request_is_refused_and_changes_nothing(client, org, bearer):
    headers = {**bearer(org.anna), **KEY}
    assert post_idea(client, headers).status_code == 201
    before = stored()
    response = post_idea(client, headers, {**GOOD, "title": "Något helt annat"})
    assert response.status_code == 422
    assert response.get_json()["field"] == "Idempotency-Key"
    comment = client.post("/api/v1/ideas/1/comments", json={"body": "Bra"}, headers=headers)
    assert comment.status_code in (404, 422)  # another path: never the idea's answer
    assert stored() == before


def test_keys_are_each_clients_own(client, org, bearer):
    mine = post_idea(client, {**bearer(org.anna), **KEY})
    theirs = post_idea(client, {**bearer(org.bo), **KEY})
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["id"] != mine.get_json()["id"]
    assert theirs.get_json()["author"]["name"] == org.bo.name


@pytest.mark.parametrize("key", ["", "med mellanslag", "nyckel-å", "x" * 256])
def test_a_malformed_key_is_refused_naming_the_header(client, org, bearer, key):
    before = stored()
    response = post_idea(client, {**bearer(org.anna), "Idempotency-Key": key})
    assert response.status_code == 400
    assert response.get_json()["field"] == "Idempotency-Key"
    assert stored() == before


def test_a_refused_request_is_not_kept_so_the_corrected_one_goes_through(client, org, bearer):
    headers = {**bearer(org.anna), **KEY}
    refused = post_idea(client, headers, {**GOOD, "title": ""})
    assert refused.status_code == 422
    assert post_idea(client, headers).status_code == 201


def test_a_key_is_kept_for_a_day_then_forgotten(client, org, bearer):
    headers = {**bearer(org.anna), **KEY}
    clock.freeze(clock.now())
    first = post_idea(client, headers)
    clock.freeze(clock.now() + idempotency.KEEP - timedelta(minutes=1))
    assert post_idea(client, headers).headers.get("Idempotent-Replayed") == "true"
    clock.freeze(clock.now() + timedelta(minutes=2))
    later = post_idea(client, headers)  # a day on, the key is the client's to use again
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert later.get_json()["id"] != first.get_json()["id"]
    clock.freeze(clock.now() + idempotency.KEEP + timedelta(minutes=1))
    tasks.check_deadlines.run()  # the worker's hourly task forgets what has expired
    assert db.session.scalar(select(func.count(IdempotencyKey.id))) == 0


def test_a_retried_comment_is_one_comment(client, org, bearer):
    headers = {**bearer(org.anna), **KEY}
    idea = post_idea(client, bearer(org.anna)).get_json()
    url = f"/api/v1/ideas/{idea['id']}/comments"
    first = client.post(url, json={"body": "Vi provar i vår"}, headers=headers)
    again = client.post(url, json={"body": "Vi provar i vår"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    listed = client.get(url, headers=bearer(org.anna)).get_json()["items"]
    assert [c["body"] for c in listed] == ["Vi provar i vår"]


@pytest.mark.commits
def test_the_same_key_twice_at_once_creates_one_idea(app, client, org, bearer, monkeypatch):
    """The second of two requests with one key, both past the look-up, loses at its
    commit (the unique key) and answers as the first did; its idea is rolled back."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers take turns: two requests cannot both be past the look-up")
    headers = {**bearer(org.anna), **KEY}
    db.session.commit()
    submit = item_service.submit_idea
    anna = org.anna.id

    def the_other_request_commits_first(*args, **kwargs):
        item = submit(*args, **kwargs)
        with db.engine.begin() as other:
            other.execute(
                insert(IdempotencyKey).values(
                    user_id=anna,
                    key=KEY["Idempotency-Key"],
                    fingerprint=idempotency.fingerprint(
                        "POST", "/api/v1/ideas?", client.application.json.dumps(GOOD).encode()
                    ),
                    status=201,
                    body='{"id": 0}',
                    location="/api/v1/ideas/0",
                    created_at=clock.now(),
                )
            )
        return item

    monkeypatch.setattr(item_service, "submit_idea", the_other_request_commits_first)
    response = post_idea(client, headers)
    assert response.status_code == 201
    assert response.headers["Idempotent-Replayed"] == "true"
    assert response.get_json() == {"id": 0}  # the other request's answer
    db.session.remove()
    assert db.session.scalar(select(func.count(Item.id))) == 0
