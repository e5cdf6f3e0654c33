"""The first pass of the annotation set ranks annotations in numpy columns (annotations._Ranking);
it must pick exactly what the rule says: per (document, annotator) the latest is a version, per
document the latest ground_truth annotation is chosen, else the latest version."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tools.annotations.consolidate import _Ranking


def reference_roles(annotations: list[tuple]) -> dict[tuple[int, int, int], tuple[str, ...]]:
    """The rule written plainly (the dict-of-picks ranking the columns replaced)."""
    by_annotator, ground_truth = {}, {}
    for doc_id, key, annotator, is_truth in annotations:
        who = annotator if annotator is not None else ("annotation", *key[1:])
        if (doc_id, who) not in by_annotator or key > by_annotator[doc_id, who][0]:
            by_annotator[doc_id, who] = (key, doc_id)
        if is_truth and (doc_id not in ground_truth or key > ground_truth[doc_id][0]):
            ground_truth[doc_id] = (key, doc_id)
    roles, latest = {}, {}
    for key, doc_id in by_annotator.values():
        roles[key[1:]] = ("version",)
        if doc_id not in latest or key > latest[doc_id][0]:
            latest[doc_id] = (key, doc_id)
    for doc_id, pick in latest.items():
        chosen = ground_truth.get(doc_id)
        reason = "ground_truth" if chosen is not None else "latest"
        chosen = chosen or pick
        roles[chosen[0][1:]] = (*roles.get(chosen[0][1:], ()), reason)
    return roles


@st.composite
def annotation_sets(draw) -> list[tuple]:
    where = draw(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 6), st.integers(0, 3)), unique=True,
                          max_size=40))
    return [(f"doc-{draw(st.integers(0, 4))}",
             (draw(st.sampled_from([float("-inf"), 0.0, 1.0, 2.0, 1.5e9])), *at),
             draw(st.sampled_from([None, "1", "2", "3"])),
             draw(st.booleans()))
            for at in where]


@settings(max_examples=300, deadline=None)
@given(annotation_sets())
def test_the_columns_rank_as_the_rule_says(annotations):
    ranking = _Ranking()
    for annotation in annotations:
        ranking.add(*annotation)
    roles = ranking.roles()
    expected = reference_roles(annotations)
    for _, key, _, _ in annotations:
        assert roles.get(key[1:]) == expected.get(key[1:], ())
    chosen = roles.chosen_only()
    for _, key, _, _ in annotations:
        assert chosen.get(key[1:]) == tuple(role for role in expected.get(key[1:], ()) if role != "version")
        assert chosen.holds_task(*key[1:3]) == any(
            where[:2] == key[1:3] and any(role != "version" for role in kept) for where, kept in expected.items())


def test_no_annotations_no_roles():
    roles = _Ranking().roles()
    assert roles.get((0, 0, 0)) == () and not roles.holds_task(0, 0)
    assert roles.chosen_only().get((0, 0, 0)) == ()


def test_positions_beyond_the_codes_bounds_are_refused_by_name():
    import pytest

    from corpus_tools.errors import CorpusError

    with pytest.raises(CorpusError) as caught:
        _Ranking().add("doc-0", (0.0, 0, 3, 1 << 16), "1", False)  # a 65,537th annotation in one task
    assert caught.value.code == "too-many-annotations"
    assert "task #4" in caught.value.message
