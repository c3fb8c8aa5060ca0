"""``filter_questions`` against ``setup_filter_questions_data``.

Expected results are computed in Python from the fixture's questions with an independent
statement of the visibility rule, then compared with what the SQL query returns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from backend.app.models import Difficulty, Question, User
from backend.app.services.questions import (
    MAX_PAGE_SIZE,
    QuestionFilters,
    QuestionOrder,
    TagMatch,
    filter_questions,
    tag_counts,
)
from backend.tests.fixtures.questions import (
    BODY_ONLY_WORD,
    FILTER_QUESTION_COUNT,
    SUBJECTS,
    FilterQuestionsData,
)

VIEWERS = ("anonymous", "author", "member", "reader", "outsider")
Predicate = Callable[[Question], bool]


def viewer_of(data: FilterQuestionsData, name: str) -> User | None:
    return None if name == "anonymous" else getattr(data, name)


def groups_of(data: FilterQuestionsData, name: str) -> set[int]:
    """Group ids by how the fixture set memberships up (not read back from the ORM)."""
    return {
        "anonymous": set(),
        "author": set(),
        "member": {data.group.id},
        "reader": {data.group.id},
        "outsider": {data.other_group.id},
    }[name]


def can_see(data: FilterQuestionsData, name: str, question: Question) -> bool:
    if question.group_id is None:
        return True
    viewer = viewer_of(data, name)
    if viewer is None:
        return False
    return question.author_id == viewer.id or question.group_id in groups_of(data, name)


def expected(data: FilterQuestionsData, name: str, predicate: Predicate) -> set[int]:
    return {q.id for q in data.questions if can_see(data, name, q) and predicate(q)}


def run(
    session: Session, data: FilterQuestionsData, name: str, filters: QuestionFilters
) -> tuple[set[int], int]:
    page = filter_questions(session, filters, viewer=viewer_of(data, name), limit=MAX_PAGE_SIZE)
    assert len(page.items) == page.total  # everything fits on one page
    return {q.id for q in page.items}, page.total


def check(
    session: Session,
    data: FilterQuestionsData,
    filters: QuestionFilters,
    predicate: Predicate,
    viewer: str = "reader",
) -> set[int]:
    ids, total = run(session, data, viewer, filters)
    want = expected(data, viewer, predicate)
    assert ids == want
    assert total == len(want)
    return ids


@pytest.mark.parametrize("viewer", VIEWERS)
def test_without_filters_each_viewer_sees_their_visible_questions(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, viewer: str
) -> None:
    ids = check(db_session, setup_filter_questions_data, QuestionFilters(), lambda q: True, viewer)
    assert 0 < len(ids) <= FILTER_QUESTION_COUNT


def test_the_data_set_exercises_every_visibility_rule(
    setup_filter_questions_data: FilterQuestionsData,
) -> None:
    data = setup_filter_questions_data
    in_group = [q for q in data.questions if q.group_id == data.group.id]
    in_other = [q for q in data.questions if q.group_id == data.other_group.id]
    assert in_group
    assert in_other
    assert {q.author_id for q in in_group} == {data.member.id}
    assert {q.author_id for q in in_other} == {data.outsider.id}


def test_anonymous_viewers_never_see_group_questions(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    page = filter_questions(db_session, viewer=None, limit=MAX_PAGE_SIZE)
    assert page.items
    assert all(q.group_id is None for q in page.items)
    public = [q for q in setup_filter_questions_data.questions if q.group_id is None]
    assert page.total == len(public)


def test_members_see_group_questions_they_did_not_write(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    data = setup_filter_questions_data
    page = filter_questions(db_session, viewer=data.reader, limit=MAX_PAGE_SIZE)
    seen_in_group = {q.id for q in page.items if q.group_id == data.group.id}
    assert seen_in_group == {q.id for q in data.questions if q.group_id == data.group.id}
    assert all(q.group_id != data.other_group.id for q in page.items)


def test_group_owners_do_not_see_other_groups(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    data = setup_filter_questions_data
    member_ids = {
        q.id for q in filter_questions(db_session, viewer=data.member, limit=MAX_PAGE_SIZE).items
    }
    outsider_ids = {
        q.id for q in filter_questions(db_session, viewer=data.outsider, limit=MAX_PAGE_SIZE).items
    }
    group_ids = {q.id for q in data.questions if q.group_id == data.group.id}
    other_ids = {q.id for q in data.questions if q.group_id == data.other_group.id}
    assert group_ids <= member_ids
    assert not other_ids & member_ids
    assert other_ids <= outsider_ids
    assert not group_ids & outsider_ids


@pytest.mark.parametrize("viewer", VIEWERS)
def test_sql_visibility_agrees_with_the_model_method(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, viewer: str
) -> None:
    data = setup_filter_questions_data
    user = viewer_of(data, viewer)
    ids, _ = run(db_session, data, viewer, QuestionFilters())
    assert ids == {q.id for q in data.questions if q.is_visible_to(user)}


@pytest.mark.parametrize("subject", SUBJECTS)
def test_filter_by_subject(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, subject: str
) -> None:
    ids = check(
        db_session,
        setup_filter_questions_data,
        QuestionFilters(subject=subject),
        lambda q: q.subject == subject,
    )
    assert ids


def test_subject_filter_ignores_case_and_spaces(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    check(
        db_session,
        setup_filter_questions_data,
        QuestionFilters(subject="  PhySics "),
        lambda q: q.subject == "physics",
    )


def test_unknown_subject_matches_nothing(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    page = filter_questions(db_session, QuestionFilters(subject="astrology"), viewer=None)
    assert page.total == 0
    assert page.items == []


@pytest.mark.parametrize("difficulty", list(Difficulty))
def test_filter_by_one_difficulty(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, difficulty: Difficulty
) -> None:
    ids = check(
        db_session,
        setup_filter_questions_data,
        QuestionFilters(difficulties=(difficulty,)),
        lambda q: q.difficulty is difficulty,
    )
    assert ids


def test_filter_by_several_difficulties(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    wanted = (Difficulty.EASY, Difficulty.HARD)
    ids = check(
        db_session,
        setup_filter_questions_data,
        QuestionFilters(difficulties=wanted),
        lambda q: q.difficulty in wanted,
    )
    medium = {q.id for q in setup_filter_questions_data.questions if q.difficulty.value == "medium"}
    assert ids
    assert not ids & medium


def test_all_difficulties_is_the_same_as_no_difficulty_filter(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    data = setup_filter_questions_data
    all_levels, _ = run(db_session, data, "member", QuestionFilters(difficulties=tuple(Difficulty)))
    unfiltered, _ = run(db_session, data, "member", QuestionFilters())
    assert all_levels == unfiltered


@pytest.mark.parametrize(
    "tags",
    [("algebra",), ("exam",), ("review",), ("optics", "genetics"), ("review", "exam")],
)
def test_filter_by_any_of_the_tags(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, tags: tuple[str, ...]
) -> None:
    ids = check(
        db_session,
        setup_filter_questions_data,
        QuestionFilters(tags=tags, tag_match=TagMatch.ANY),
        lambda q: bool(set(tags) & set(q.tag_names)),
    )
    assert ids


@pytest.mark.parametrize("tags", [("exam", "review"), ("algebra", "exam"), ("mechanics", "exam")])
def test_filter_by_all_of_the_tags(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, tags: tuple[str, ...]
) -> None:
    ids = check(
        db_session,
        setup_filter_questions_data,
        QuestionFilters(tags=tags, tag_match=TagMatch.ALL),
        lambda q: set(tags) <= set(q.tag_names),
    )
    any_ids, _ = run(db_session, setup_filter_questions_data, "reader", QuestionFilters(tags=tags))
    assert ids
    assert ids < any_ids


def test_two_topic_tags_never_match_all(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    # Every question carries exactly one topic tag, so no question has both.
    filters = QuestionFilters(tags=("optics", "genetics"), tag_match=TagMatch.ALL)
    assert filter_questions(db_session, filters, viewer=None).total == 0


def test_tag_filter_normalises_names(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    data = setup_filter_questions_data
    messy, _ = run(db_session, data, "author", QuestionFilters(tags=(" EXAM ", "exam", "")))
    clean, _ = run(db_session, data, "author", QuestionFilters(tags=("exam",)))
    assert messy == clean
    assert clean


def test_unknown_tag_matches_nothing(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    filters = QuestionFilters(tags=("astrology",))
    assert filter_questions(db_session, filters, viewer=None).total == 0


@pytest.mark.parametrize("author", ["author", "member", "outsider"])
def test_filter_by_author(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, author: str
) -> None:
    author_id = getattr(setup_filter_questions_data, author).id
    ids = check(
        db_session,
        setup_filter_questions_data,
        QuestionFilters(author_id=author_id),
        lambda q: q.author_id == author_id,
    )
    assert ids


@pytest.mark.parametrize("term", ["integral", "VECTOR", "Enzyme", "problem 00"])
def test_search_in_titles_ignores_case(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, term: str
) -> None:
    needle = term.lower()
    ids = check(
        db_session,
        setup_filter_questions_data,
        QuestionFilters(search=term),
        lambda q: needle in q.title.lower() or needle in q.body.lower(),
    )
    assert ids


def test_search_finds_words_that_are_only_in_the_body(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    page = filter_questions(
        db_session, QuestionFilters(search=BODY_ONLY_WORD), viewer=None, limit=MAX_PAGE_SIZE
    )
    assert page.items
    assert all(BODY_ONLY_WORD not in q.title.lower() for q in page.items)
    assert all(BODY_ONLY_WORD in q.body for q in page.items)


@pytest.mark.parametrize("term", ["%", "_", "pro%lem"])
def test_search_treats_wildcards_literally(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, term: str
) -> None:
    assert filter_questions(db_session, QuestionFilters(search=term), viewer=None).total == 0


@pytest.mark.parametrize(
    ("filters", "predicate"),
    [
        (
            QuestionFilters(subject="physics", difficulties=(Difficulty.HARD,)),
            lambda q: q.subject == "physics" and q.difficulty is Difficulty.HARD,
        ),
        (
            QuestionFilters(subject="mathematics", tags=("exam",), search="integral"),
            lambda q: (
                q.subject == "mathematics" and "exam" in q.tag_names and "Integral" in q.title
            ),
        ),
        (
            QuestionFilters(
                difficulties=(Difficulty.EASY, Difficulty.MEDIUM),
                tags=("exam", "review"),
                tag_match=TagMatch.ALL,
            ),
            lambda q: (
                q.difficulty is not Difficulty.HARD and {"exam", "review"} <= set(q.tag_names)
            ),
        ),
    ],
    ids=["subject+difficulty", "subject+tag+search", "difficulties+all-tags"],
)
def test_combined_filters(
    db_session: Session,
    setup_filter_questions_data: FilterQuestionsData,
    filters: QuestionFilters,
    predicate: Predicate,
) -> None:
    assert check(db_session, setup_filter_questions_data, filters, predicate, viewer="member")


def test_author_filter_combines_with_visibility(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    data = setup_filter_questions_data
    filters = QuestionFilters(author_id=data.member.id)
    as_anonymous, _ = run(db_session, data, "anonymous", filters)
    as_reader, _ = run(db_session, data, "reader", filters)
    group_questions = {q.id for q in data.questions if q.group_id == data.group.id}
    assert as_reader - as_anonymous == group_questions


def _sort_key(order: QuestionOrder) -> Callable[[Question], tuple[object, ...]]:
    if order is QuestionOrder.NEWEST:
        return lambda q: (-q.created_at.timestamp(), -q.id)
    if order is QuestionOrder.OLDEST:
        return lambda q: (q.created_at.timestamp(), q.id)
    if order is QuestionOrder.TITLE:
        return lambda q: (q.title, q.id)
    return lambda q: (q.difficulty.rank, -q.created_at.timestamp(), -q.id)


@pytest.mark.parametrize("order", list(QuestionOrder))
def test_ordering(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, order: QuestionOrder
) -> None:
    data = setup_filter_questions_data
    page = filter_questions(db_session, viewer=data.member, order=order, limit=MAX_PAGE_SIZE)
    visible = [q for q in data.questions if can_see(data, "member", q)]
    assert [q.id for q in page.items] == [q.id for q in sorted(visible, key=_sort_key(order))]


def test_difficulty_order_is_by_level_not_alphabetical(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    page = filter_questions(
        db_session, viewer=None, order=QuestionOrder.DIFFICULTY, limit=MAX_PAGE_SIZE
    )
    levels = [q.difficulty for q in page.items]
    first = {level: levels.index(level) for level in Difficulty}
    assert first[Difficulty.EASY] < first[Difficulty.MEDIUM] < first[Difficulty.HARD]


@pytest.mark.parametrize("page_size", [7, 25])
def test_pages_cover_everything_exactly_once(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, page_size: int
) -> None:
    data = setup_filter_questions_data
    seen: list[int] = []
    offset = 0
    while True:
        page = filter_questions(db_session, viewer=data.reader, limit=page_size, offset=offset)
        assert page.total == len(expected(data, "reader", lambda q: True))
        seen.extend(q.id for q in page.items)
        if not page.has_more:
            break
        assert len(page.items) == page_size
        offset += page_size
    everything = filter_questions(db_session, viewer=data.reader, limit=MAX_PAGE_SIZE)
    assert seen == [q.id for q in everything.items]


def test_offset_past_the_end_gives_an_empty_page_with_the_total(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData
) -> None:
    page = filter_questions(db_session, viewer=None, offset=FILTER_QUESTION_COUNT)
    assert page.items == []
    assert page.total > 0
    assert not page.has_more


@pytest.mark.parametrize(
    ("limit", "offset"), [(0, 0), (MAX_PAGE_SIZE + 1, 0), (10, -1)], ids=["zero", "big", "neg"]
)
def test_invalid_paging_is_rejected(db_session: Session, limit: int, offset: int) -> None:
    with pytest.raises(ValueError, match=r"limit|offset"):
        filter_questions(db_session, viewer=None, limit=limit, offset=offset)


@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_tag_counts_cover_visible_questions(
    db_session: Session, setup_filter_questions_data: FilterQuestionsData, viewer: str
) -> None:
    data = setup_filter_questions_data
    counts = Counter(
        name for q in data.questions if can_see(data, viewer, q) for name in q.tag_names
    )
    result = tag_counts(db_session, viewer=viewer_of(data, viewer))
    assert dict(result) == dict(counts)
    assert result == sorted(result, key=lambda item: (-item[1], item[0]))
