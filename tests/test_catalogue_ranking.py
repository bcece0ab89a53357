"""Relevance order, and paging through results ranked by the facet pass."""

import random
from datetime import timedelta

import numpy as np
import pytest
from django.contrib.postgres.search import SearchVector
from django.core.management import call_command
from django.core.paginator import Paginator
from django.db import DatabaseError, connection, transaction
from django.db.models import Value
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalogue import search
from catalogue.models import SearchFacts, Solution, SolutionSearch
from tests.factories import UserFactory


def entry(slug, *, title, summary="", body="", days_ago=0, codes=(), replications=0, by=None):
    """A vetted solution's search row with these texts (weighted A, B and C, as indexed)."""
    solution = Solution.objects.create(slug=slug, created_by=by or UserFactory())
    row = SolutionSearch.objects.create(
        solution=solution, slug=slug, title=title, summary=summary, language="en",
        vetted_at=timezone.now() - timedelta(days=days_ago), facet_codes=list(codes),
        replications=replications,
    )  # fmt: skip
    SolutionSearch.objects.filter(pk=row.pk).update(
        document=SearchVector(Value(title), config="english", weight="A")
        + SearchVector(Value(summary), config="english", weight="B")
        + SearchVector(Value(body), config="english", weight="C")
    )
    return row


def slugs(rows):
    return [row.slug for row in rows]


@pytest.mark.django_db
def test_title_matches_first_then_summary_then_body_matches_newest_first():
    entry("in-body-older", title="Seed fairs", body="Quinoa growers meet.", days_ago=10)
    entry("in-title-old", title="Quinoa markets", days_ago=900)
    entry("in-body-newer", title="Farm radio", body="Quinoa prices on air.", days_ago=1)
    entry("in-summary", title="Cooperatives", summary="Quinoa cooperatives.", days_ago=5)
    entry("elsewhere", title="Rice terraces", body="Nothing about the grain in question.")
    result = search.search(q="quinoa")
    expected = ["in-title-old", "in-summary", "in-body-newer", "in-body-older"]
    assert slugs(result.queryset) == expected
    assert slugs(result.rows()[0:10]) == expected
    assert result.total == 4


@pytest.mark.django_db
@pytest.mark.parametrize("sort", search.SORTS)
@pytest.mark.parametrize(("q", "filtered"), [("quinoa", False), ("quinoa", True), ("", True)])
@pytest.mark.parametrize("deepest", [search.DEEPEST, 5])  # 5: pages below 5 from the query
def test_pages_read_by_ranked_id_agree_with_the_search_order(
    monkeypatch, sort, q, filtered, deepest
):
    monkeypatch.setattr(search, "TOP", 3)  # the facet pass ranks the first 3 only
    monkeypatch.setattr(search, "DEEPEST", deepest)
    code = search.facet_codes({"country": ["PE"]})["country", "PE"]
    for n in range(9):
        entry(
            f"s{n}", title="Quinoa" if n % 3 == 0 else "Grains", summary="quinoa" * (n % 2),
            body="quinoa", days_ago=n * 7 % 5, codes=[code] if n != 4 else [],
            replications=n % 4,
        )  # fmt: skip
    result = search.search(q=q, sort=sort, filters={"country": "PE"} if filtered else {})
    expected = slugs(result.queryset)
    assert len(expected) == result.total == (8 if filtered else 9)
    if filtered or q:
        assert result.top is not None and len(result.top) == 3
    paginator = Paginator(result.rows(), 2)
    with CaptureQueriesContext(connection) as read:
        paged = [slug for n in paginator.page_range for slug in slugs(paginator.page(n))]
    assert paged == expected
    # Below TOP, a page has the facet pass rank down to it, or runs the query past DEEPEST.
    passes = [x for x in read.captured_queries if "catalogue_searchfactschange" in x["sql"]]
    if filtered or q:
        stops = [min(start + 2, result.total) for start in range(0, result.total, 2)]
        assert len(passes) == len([stop for stop in stops if 3 < stop <= deepest])
    assert result.rows()[4].slug == expected[4]
    with pytest.raises(IndexError):
        result.rows()[result.total]


@pytest.mark.django_db
def test_the_catalogue_page_counts_its_results_without_a_count_query(client):
    call_command("load_demo", "hubs", "catalogue")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("catalogue:search"), {"q": "network"})
    assert page.status_code == 200 and page.context["page"].paginator.count >= 1
    assert not [q["sql"] for q in queries if "__count" in q["sql"]]  # Django's COUNT query
    body = client.get("/api/v1/solutions/", {"q": "network"}).json()
    assert body["count"] == page.context["page"].paginator.count


@pytest.mark.django_db
def test_the_rank_document_keeps_the_title_and_summary_only():
    row = entry("weights", title="Alpha", summary="Beta", body="Gamma")
    row.refresh_from_db()
    kept = {part.split(":")[0].strip("'") for part in str(row.rank_document).split()}
    assert kept == {"alpha", "beta"}


WORDS = ["Quinoa growers", "Rice terraces", "Millet fairs", "Quinoa and rice", "Seed banks"]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(8))
def test_the_first_results_agree_with_the_search_order_however_their_tiers_are_read(
    monkeypatch, seed
):
    """The facet pass reads the relevance tiers of the newest results only (PROBE), or
    every title and summary match too: whichever it does, its first results are the
    search's order. Small TOP and PROBE make 40 solutions take every path."""
    rng = random.Random(seed)
    monkeypatch.setattr(search, "TOP", 4)
    monkeypatch.setattr(search, "PROBE", rng.choice([4, 6, 10, 400]))
    editor = UserFactory()
    for n in range(40):
        entry(
            f"s{n}", title=rng.choice(WORDS), summary=rng.choice(WORDS), body=rng.choice(WORDS),
            days_ago=rng.randrange(6), by=editor,
        )  # fmt: skip
    for q in ("quinoa", "quinoa -rice", "quinoa OR millet", '"quinoa growers"', "rice"):
        result = search.search(q=q)
        expected = slugs(result.queryset)
        assert slugs(result.rows()[0:4]) == expected[:4], (q, search.PROBE)
        assert result.total == len(expected)
        k = rng.randrange(5, 30)  # a later page has the pass rank further down (PROBE 4k)
        by_id = {row.pk: row.slug for row in SolutionSearch.objects.all()}
        assert [by_id[pk] for pk in result.ranked(k)] == expected[:k], (q, k)


@pytest.mark.django_db
def test_a_title_match_with_an_excluded_word_elsewhere_does_not_count_as_a_first_result(
    monkeypatch,
):
    """Title matches that are not results (their body has the excluded word) cannot fill
    the first results: the summary matches are read after all."""
    monkeypatch.setattr(search, "TOP", 2)
    monkeypatch.setattr(search, "PROBE", 2)
    entry("excluded-1", title="Quinoa growers", body="rice", days_ago=9)
    entry("excluded-2", title="Quinoa markets", body="rice", days_ago=9)
    entry("newest", title="Farm radio", body="quinoa", days_ago=0)
    entry("newer", title="Farm radio", body="quinoa", days_ago=1)
    entry("summary", title="Seed fairs", summary="Quinoa seed", days_ago=5)
    entry("title", title="Quinoa cooperatives", days_ago=8)
    reads = []
    original = search._read
    monkeypatch.setattr(
        search, "_read", lambda sql, params: reads.append(sql) or original(sql, params)
    )
    result = search.search(q="quinoa -rice")
    assert slugs(result.rows()[0:2]) == ["title", "summary"] == slugs(result.queryset)[:2]
    tiers = [sql for sql in reads if sql == search.TIERS.format(words="%s::tsquery", restricted="")]
    assert len(tiers) == 2  # the tiers, and the summary matches read again


def test_alternatives_split_a_tsquery_at_its_top_level_ors_only():
    text = "'milk' & 'bank' | 'milk' & 'bank' | ( 'a' | 'b' ) & 'c' | 'it''s | x' <-> 'd'"
    assert search._alternatives(text) == [
        "'milk' & 'bank'", "'milk' & 'bank'", "( 'a' | 'b' ) & 'c'", "'it''s | x' <-> 'd'",
    ]  # fmt: skip
    assert search._alternatives("") == []


@pytest.mark.django_db
def test_the_facts_follow_their_search_row():
    code = search.facet_codes({"country": ["PE"], "sdg": ["4"]})
    row = entry("facts", title="Quinoa", days_ago=3, codes=code.values(), replications=2)

    def facts():
        found = search._Matches.decode(bytes(SearchFacts.objects.get(pk=row.pk).packed))
        assert found.row.tolist() == [0] * len(found.codes)
        (pk,), (vetted,), (replications,) = found.ids, found.vetted, found.replications
        return int(pk), int(vetted), int(replications), found.codes.tolist()

    row.refresh_from_db()
    vetted = round(row.vetted_at.timestamp() * 1_000_000)
    assert facts() == (row.pk, vetted, 2, list(code.values()))
    SolutionSearch.objects.filter(pk=row.pk).update(
        facet_codes=[code["country", "PE"]], replications=5
    )
    assert facts() == (row.pk, vetted, 5, [code["country", "PE"]])
    assert search.search(q="quinoa", filters={"country": "PE"}).total == 1
    assert search.search(q="quinoa", filters={"sdg": "4"}).total == 0
    Solution.objects.filter(pk=row.pk).delete()
    assert not SearchFacts.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_indexing_again_takes_no_new_facet_value_ids():
    search.facet_codes({"country": ["PE"], "tag": ["rural"]})
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('catalogue_searchfacetvalue', 'id'))")
        before = cursor.fetchone()[0]
        for _ in range(3):
            search.facet_codes({"country": ["PE"], "tag": ["rural"]})
        cursor.execute("SELECT nextval(pg_get_serial_sequence('catalogue_searchfacetvalue', 'id'))")
        assert cursor.fetchone()[0] == before + 1


@pytest.mark.django_db
def test_a_facet_code_out_of_range_is_refused_rather_than_misread():
    row = entry("range", title="Quinoa")
    with pytest.raises(DatabaseError, match="out of range"), transaction.atomic():
        SolutionSearch.objects.filter(pk=row.pk).update(facet_codes=[9 << 24 | 1])
    with pytest.raises(ValueError, match="did not write"):
        search._Matches.decode((8 << 24).to_bytes(4, "big") + (1 << 24).to_bytes(4, "big"))


def counted(**filters):
    """The number of results of a search without words (counted from the kept facts)."""
    return search.search(filters=filters).total


@pytest.mark.django_db
def test_the_kept_facts_follow_every_change_and_read_only_what_changed(monkeypatch):
    code = search.facet_codes({"country": ["PE"], "tag": ["rural"]})
    both = list(code.values())
    entry("one", title="Quinoa", codes=both)
    entry("two", title="Quinoa", codes=[code["country", "PE"]])
    assert counted(country="PE", tag="rural") == 1
    assert search.search(q="quinoa", filters={"country": "PE"}).total == 2
    read = []
    original = search._read
    monkeypatch.setattr(
        search, "_read", lambda sql, params: read.append(result := original(sql, params)) or result
    )
    three = entry("three", title="Quinoa", codes=both)
    assert counted(country="PE", tag="rural") == 2
    (latest, since, packed, removed) = read[-1]  # only the new row's facts were read
    assert since < latest and removed is None
    assert search._Matches.decode(bytes(packed)).ids.tolist() == [three.pk]
    read.clear()
    assert counted(country="PE", tag="rural") == 2
    assert read[-1][2] is None  # nothing changed: nothing read
    SolutionSearch.objects.filter(slug="two").update(facet_codes=both)
    assert counted(country="PE", tag="rural") == 3
    Solution.objects.filter(slug="one").delete()
    assert counted(country="PE", tag="rural") == 2
    assert search.search(q="quinoa", filters={"tag": "rural"}).total == 2


@pytest.mark.django_db
def test_kept_facts_of_a_rolled_back_write_are_dropped():
    code = search.facet_codes({"country": ["PE"]})["country", "PE"]
    entry("kept", title="Quinoa", codes=[code])
    assert counted(country="PE") == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        entry("undone", title="Quinoa", codes=[code])
        assert counted(country="PE") == 2  # the writing transaction sees its own write
        raise RuntimeError
    assert counted(country="PE") == 1
    assert search.search(q="quinoa").total == 1


@pytest.mark.django_db
def test_a_reader_behind_the_kept_changes_reads_everything_again():
    code = search.facet_codes({"country": ["PE"]})["country", "PE"]
    entry("early", title="Quinoa", codes=[code])
    assert counted(country="PE") == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT catalogue_search_facts_change(ARRAY[%s]::bigint[]) "
            "FROM generate_series(1, 1005)",
            [SolutionSearch.objects.get(slug="early").pk],
        )  # a thousand changes that all say "early" was removed
        cursor.execute(
            "SELECT count(*), max(version) - min(version) FROM catalogue_searchfactschange"
        )
        assert cursor.fetchone() == (1001, 1000)
    entry("late", title="Quinoa", codes=[code])
    # Its version is gone, so the reader reads every row rather than the removals.
    assert counted(country="PE") == 2


@pytest.mark.parametrize("ids", [[5, 3, 9], [5, 3, 2**40]])  # a table over ids, or sorting
def test_kept_facts_find_the_rows_of_ids_however_sparse(ids):
    empty = np.zeros(len(ids), np.int64)
    facts = search._Facts(
        search._Matches(
            np.array(ids), empty, empty, np.array([7, 8, 9], np.int32), np.ones(len(ids), np.int64)
        ),
        1,
    )
    asked = np.array([ids[2], 4, ids[0], 2**41, -1], ">i8")
    assert facts.rows_of(asked).tolist() == [2, 0]
    assert facts.select(np.array([2, 0])).codes.tolist() == [9, 7]


@pytest.mark.django_db
def test_facet_value_names_are_read_once():
    code = search.facet_codes({"country": ["PE"]})["country", "PE"]
    entry("named", title="Quinoa", codes=[code])
    assert search.search(q="quinoa").facets["country"] == [("PE", 1)]
    with CaptureQueriesContext(connection) as second:
        assert search.search(q="quinoa").facets["country"] == [("PE", 1)]
    assert not [q for q in second.captured_queries if "FROM catalogue_searchfacetvalue" in q["sql"]]
    code = search.facet_codes({"country": ["BO"]})["country", "BO"]
    entry("new-value", title="Quinoa", codes=[code])
    assert search.search(q="quinoa").facets["country"] == [("BO", 1), ("PE", 1)]
