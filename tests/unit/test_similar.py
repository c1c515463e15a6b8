"""Similar ideas: what someone about to submit an idea is shown first."""

import pytest

from ideas.extensions import db
from ideas.services import items
from ideas.services.similar import significant_words, similar_ideas
from tests import factories


def titles(found):
    return [item.title for item in found]


def test_an_idea_with_a_similar_title_is_found_and_an_unrelated_one_is_not(org):
    keys = factories.idea(org.anna, title="Digitala nyckelskåp i hemtjänsten")
    factories.idea(org.anna, title="Vegetarisk matsedel i skolan")
    found = similar_ideas("Nyckelskåp för hemtjänsten")
    assert found == [keys]
    assert similar_ideas("Cykelparkering vid stadshuset") == []


def test_the_title_that_shares_most_words_comes_first(org):
    one = factories.idea(org.anna, title="Nyckelskåp vid entrén")
    both = factories.idea(org.anna, title="Nyckelskåp i hemtjänsten")
    found = similar_ideas("Nyckelskåp för hemtjänsten")
    assert found[0] == both
    assert one in found


def test_concerns_are_never_suggested(org):
    items.submit_concern(
        org.anna, title="Nyckelskåp i hemtjänsten", description="Låset kärvar.", unit="VOO",
        values=["Vi vill"],
    )  # fmt: skip
    assert similar_ideas("Nyckelskåp i hemtjänsten") == []


def test_ideas_merged_as_duplicates_are_never_suggested(org):
    original = factories.idea(org.anna, title="Nyckelskåp i hemtjänsten")
    twin = factories.idea(org.bo, title="Nyckelskåp i hemtjänsten")
    items.transition(twin, org.boss, "duplicate", f"Samma som #{original.id}")
    assert similar_ideas("Nyckelskåp i hemtjänsten") == [original]


def test_the_idea_itself_can_be_left_out(org):
    first = factories.idea(org.anna, title="Nyckelskåp i hemtjänsten")
    second = factories.idea(org.bo, title="Nyckelskåp i hemtjänsten")
    assert similar_ideas(first.title, exclude_id=first.id) == [second]


@pytest.mark.parametrize("title", ["", "   ", "ab", "i på en", "?!", "IT"])
def test_short_input_finds_nothing(org, title):
    factories.idea(org.anna, title="IT i på en ab")
    assert similar_ideas(title) == []


def test_the_limit_is_honoured(org):
    for n in range(7):
        factories.idea(org.anna, title=f"Nyckelskåp {n}")
    assert len(similar_ideas("Nyckelskåp")) == 5
    assert len(similar_ideas("Nyckelskåp", limit=3)) == 3
    assert similar_ideas("Nyckelskåp", limit=0) == []


def test_odd_characters_are_words_never_search_syntax(org):
    factories.idea(org.anna, title="Nyckelskåp i hemtjänsten")
    for title in ('"OR*(-)NEAR', "title : nyckel*", "nyckel' OR 1=1 --", "a%b_c ~ ^ \\"):
        similar_ideas(title)  # no error
    assert titles(similar_ideas('"Nyckelskåp" (hemtjänsten)*')) == ["Nyckelskåp i hemtjänsten"]


def test_significant_words_are_the_longer_ones_lowercased_once():
    assert significant_words("Ny app i hemtjänsten: APP för ny hemtjänsten") == [
        "app",
        "hemtjänsten",
        "för",
    ]


def test_what_a_suggestion_shows_is_loaded_in_a_fixed_number_of_queries(org, count_queries):
    for n in range(2):
        factories.idea(org.anna, title=f"Nyckelskåp {n}", values=("Vi vill", "Vi är öppna"))
    db.session.expire_all()

    def run():
        with count_queries() as q:
            found = similar_ideas("Nyckelskåp")
            shown = [(i.unit.name, [v.name for v in i.values], i.author.name) for i in found]
        return q.count, shown

    small, shown = run()
    assert len(shown) == 2
    for n in range(2, 6):
        factories.idea(org.bo, title=f"Nyckelskåp {n}", unit="IT", values=("Vi är framåt",))
    db.session.expire_all()
    large, shown = run()
    assert len(shown) == 5
    assert large == small <= 2


@pytest.mark.postgres_only
def test_swedish_word_forms_and_typos_are_found(org):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("Swedish stemming and trigrams are PostgreSQL's; SQLite matches prefixes")
    visits = factories.idea(org.anna, title="Längre besök hos brukarna")
    keys = factories.idea(org.anna, title="Digitala nyckelskåp")
    assert similar_ideas("Mer tid för brukare") == [visits]  # brukare, brukarna: one stem
    assert similar_ideas("Digitla nyckelskpå") == [keys]  # two typos: trigrams still see it
