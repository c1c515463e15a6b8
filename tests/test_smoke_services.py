import pytest

from ideas.models import Status
from ideas.services import items
from ideas.services.errors import DomainError, NotAllowed
from tests import factories


def test_submit_and_transition(org):
    idea = factories.idea(org.anna)
    assert idea.status == "submitted"
    assert [v.name for v in idea.values] == ["Vi är framåt"]
    with pytest.raises(NotAllowed):
        items.transition(idea, org.bo, "acknowledged")
    items.transition(idea, org.boss, "acknowledged", "Tack!")
    with pytest.raises(DomainError) as err:
        items.transition(idea, org.boss, "declined")
    assert err.value.field == "comment"
    items.transition(idea, org.director, Status.ASSESSING)
    assert [h.to_status for h in idea.history] == ["submitted", "acknowledged", "assessing"]
