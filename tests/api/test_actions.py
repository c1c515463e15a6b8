"""What can be done to an idea over the API: move it, support it, comment, follow."""

import pytest
from sqlalchemy import select

from ideas.extensions import db
from ideas.models import Comment, Follow, Item, Support
from ideas.models.items import COMMENT_MAX, REASON_MAX
from ideas.services import items
from tests import factories
from tests.api.conftest import stored


@pytest.fixture
def idea(org):
    """An idea of Anna's in VOO (whose manager is Carl; Dora manages SBF above it)."""
    return factories.idea(org.anna, title="Nyckelskåp")


def status_of(item):
    db.session.refresh(item)
    return item.status


@pytest.mark.parametrize("who", ["boss", "director", "admin"])
def test_managers_of_the_unit_or_above_and_admins_move_an_idea(
    client, org, bearer, idea, conforms, who
):
    actor = getattr(org, who)
    response = client.post(
        f"/api/v1/ideas/{idea.id}/transitions",
        json={"status": "acknowledged", "comment": "Tack, vi tittar på det."},
        headers=bearer(actor),
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    conforms("ItemDetail", body)
    assert (body["status"], body["status_label"]) == ("acknowledged", "Received")
    last = body["history"][-1]
    assert (last["actor"]["email"], last["from"], last["to"], last["comment"]) == (
        actor.email,
        "submitted",
        "acknowledged",
        "Tack, vi tittar på det.",
    )
    assert status_of(idea) == "acknowledged"


@pytest.mark.parametrize("who", ["anna", "bo", "it_boss", "handler"])
def test_others_may_not_move_an_idea(client, org, bearer, idea, who):
    before = stored()
    response = client.post(
        f"/api/v1/ideas/{idea.id}/transitions",
        json={"status": "accepted", "comment": ""},
        headers=bearer(getattr(org, who)),
    )
    assert response.status_code == 403
    assert response.get_json()["status"] == 403
    assert stored() == before
    assert status_of(idea) == "submitted"


def test_a_whole_life_through_the_api(client, org, bearer, idea):
    headers = bearer(org.boss)
    learning = {
        "accepted": {"comment": "Vi inför det i vår."},
        "implemented": {"outcome": "Skåpen sitter uppe.", "lessons": "Börja i liten skala."},
        "evaluated": {"effect": "Inga borttappade nycklar på ett halvår."},
    }
    for status in ("acknowledged", "assessing", "accepted", "implemented", "evaluated"):
        response = client.post(
            f"/api/v1/ideas/{idea.id}/transitions",
            json={"status": status, **learning.get(status, {})},
            headers=headers,
        )
        assert response.status_code == 200, response.get_json()
    history = response.get_json()["history"]
    assert [h["to"] for h in history] == [
        "submitted",
        "acknowledged",
        "assessing",
        "accepted",
        "implemented",
        "evaluated",
    ]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        # The status machine forbids it.
        ({"status": "evaluated"}, "status", "cannot become"),
        ({"status": "submitted"}, "status", "cannot become"),
        # Declining, forwarding and duplicates must say why.
        ({"status": "declined"}, "comment", "required"),
        ({"status": "declined", "comment": "   "}, "comment", "required"),
        # Checked before any service is asked.
        ({"status": "nope"}, "status", "Input should be"),
        ({"status": 3}, "status", "Input should be"),
        ({}, "status", "Field required"),
        ({"status": "declined", "comment": "x" * (REASON_MAX + 1)}, "comment", "at most"),
        ({"status": "accepted", "note": "typo"}, "note", "Extra inputs"),
    ],
)
def test_refused_transitions_name_the_field_and_change_nothing(
    client, org, bearer, idea, body, field, message
):
    before = stored()
    response = client.post(
        f"/api/v1/ideas/{idea.id}/transitions", json=body, headers=bearer(org.boss)
    )
    assert response.status_code == 422
    error = response.get_json()
    assert error["field"] == field
    assert message in error["error"] and message in error["fields"][field]
    assert stored() == before
    assert status_of(idea) == "submitted"


def test_a_transition_with_a_malformed_body_is_a_400(client, org, bearer, idea):
    response = client.post(
        f"/api/v1/ideas/{idea.id}/transitions",
        data="status=accepted",
        headers={**bearer(org.boss), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert status_of(idea) == "submitted"


def test_decline_with_a_reason(client, org, bearer, idea):
    response = client.post(
        f"/api/v1/ideas/{idea.id}/transitions",
        json={"status": "declined", "comment": "Finns redan."},
        headers=bearer(org.boss),
    )
    assert response.status_code == 200
    assert response.get_json()["history"][-1]["comment"] == "Finns redan."


def _supports(item):
    return db.session.scalars(select(Support.user_id).where(Support.item_id == item.id)).all()


def test_support_once_and_withdraw(client, org, bearer, idea, conforms):
    headers = bearer(org.bo)
    url = f"/api/v1/ideas/{idea.id}/support"
    first = client.post(url, headers=headers)
    assert first.status_code == 200
    conforms("ItemDetail", first.get_json())
    assert (first.get_json()["supports"], first.get_json()["supported_by_me"]) == (1, True)
    again = client.post(url, headers=headers)
    assert again.status_code == 200
    assert again.get_json()["supports"] == 1
    assert _supports(idea) == [org.bo.id]

    other = client.post(url, headers=bearer(org.boss)).get_json()
    assert (other["supports"], other["supported_by_me"]) == (2, True)

    withdrawn = client.delete(url, headers=headers)
    assert withdrawn.status_code == 200
    assert (withdrawn.get_json()["supports"], withdrawn.get_json()["supported_by_me"]) == (
        1,
        False,
    )
    # Withdrawing what is not there changes nothing.
    assert client.delete(url, headers=headers).get_json()["supports"] == 1
    assert _supports(idea) == [org.boss.id]
    db.session.refresh(idea)
    assert idea.support_count == 1


def test_a_closed_idea_cannot_be_supported(client, org, bearer, idea):
    items.transition(idea, org.boss, "declined", "Nej.")
    before = stored()
    response = client.post(f"/api/v1/ideas/{idea.id}/support", headers=bearer(org.bo))
    assert response.status_code == 422
    assert response.get_json()["field"] == "status"
    assert stored() == before


def test_comment_and_read_the_comments(client, org, bearer, idea, conforms):
    url = f"/api/v1/ideas/{idea.id}/comments"
    empty = client.get(url, headers=bearer(org.bo))
    assert empty.status_code == 200 and empty.get_json() == {"items": []}

    response = client.post(url, json={"body": "  Bra idé!  "}, headers=bearer(org.bo))
    assert response.status_code == 201
    comment = response.get_json()
    conforms("Comment", comment)
    assert comment["body"] == "Bra idé!"
    assert comment["author"] == {"name": "Bo Berg", "email": "bo@example.se"}
    client.post(url, json={"body": "Håller med."}, headers=bearer(org.boss))

    listed = client.get(url, headers=bearer(org.anna))
    conforms("CommentList", listed.get_json())
    assert [(c["author"]["name"], c["body"]) for c in listed.get_json()["items"]] == [
        ("Bo Berg", "Bra idé!"),
        ("Carl Chef", "Håller med."),
    ]
    detail = client.get(f"/api/v1/ideas/{idea.id}", headers=bearer(org.anna)).get_json()
    assert detail["comments"] == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"body": ""}, "at least 1"),
        ({"body": "   "}, "at least 1"),
        ({"body": "x" * (COMMENT_MAX + 1)}, "at most"),
        ({"body": ["Bra"]}, "valid string"),
        ({}, "Field required"),
    ],
)
def test_bad_comments_are_refused(client, org, bearer, idea, body, message):
    before = stored()
    response = client.post(f"/api/v1/ideas/{idea.id}/comments", json=body, headers=bearer(org.bo))
    assert response.status_code == 422
    assert response.get_json()["field"] == "body"
    assert message in response.get_json()["fields"]["body"]
    assert stored() == before
    assert db.session.scalar(select(Comment.id).where(Comment.item_id == idea.id)) is None


def test_a_duplicate_takes_no_comments(client, org, bearer, idea):
    items.transition(idea, org.boss, "duplicate", "Se förslag 1.")
    before = stored()
    response = client.post(
        f"/api/v1/ideas/{idea.id}/comments", json={"body": "Hej"}, headers=bearer(org.bo)
    )
    assert response.status_code == 422
    assert response.get_json()["field"] == "body"
    assert stored() == before


def test_follow_and_unfollow(client, org, bearer, idea):
    url = f"/api/v1/ideas/{idea.id}/follow"
    headers = bearer(org.bo)
    response = client.post(url, headers=headers)
    assert response.status_code == 200 and response.get_json()["following"] is True
    assert client.post(url, headers=headers).status_code == 200  # again: no change
    assert db.session.get(Follow, (idea.id, org.bo.id)) is not None
    response = client.delete(url, headers=headers)
    assert response.status_code == 200 and response.get_json()["following"] is False
    db.session.expire_all()
    assert db.session.get(Follow, (idea.id, org.bo.id)) is None
    # The author still follows.
    assert db.session.get(Follow, (idea.id, org.anna.id)) is not None


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("post", "/transitions", {"status": "acknowledged"}),
        ("post", "/support", None),
        ("delete", "/support", None),
        ("get", "/comments", None),
        ("post", "/comments", {"body": "Hej"}),
        ("post", "/follow", None),
        ("delete", "/follow", None),
    ],
)
def test_unknown_idea_is_a_404_everywhere(client, org, bearer, method, suffix, body):
    before = stored()
    kwargs = {"json": body} if body is not None else {}
    response = getattr(client, method)(
        f"/api/v1/ideas/424242{suffix}", headers=bearer(org.admin), **kwargs
    )
    assert response.status_code == 404
    assert response.get_json()["status"] == 404
    assert stored() == before


def test_items_that_are_not_ideas_are_not_found(client, org, bearer, idea):
    db.session.execute(Item.__table__.update().where(Item.id == idea.id).values(kind="concern"))
    response = client.get(f"/api/v1/ideas/{idea.id}", headers=bearer(org.admin))
    assert response.status_code == 404
    response = client.post(f"/api/v1/ideas/{idea.id}/support", headers=bearer(org.bo))
    assert response.status_code == 404
