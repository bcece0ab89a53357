"""Catalogue search and pages: multilingual matching, typo tolerance, syntax, facets, visibility."""

import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from catalogue import search
from catalogue.models import Solution, SolutionRevision, SolutionSearch
from catalogue.search import index_solution

from .module_data import data_for_the_module


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    yield from data_for_the_module(django_db_blocker, call_command, "load_demo", verbosity=0)


@pytest.fixture
def demo(_demo_once, db):
    """The demo data, loaded once for the module; each test's changes are rolled back."""


def slugs(q="", **filters):
    return [entry.slug for entry in search.search(q=q, filters=filters).queryset]


@pytest.mark.parametrize(
    "query", ["milk banks", "leite humano", "banco de leche", "bancos de leite", "Milk Bank"]
)
def test_the_milk_bank_sample_is_found_in_three_languages(demo, query):
    assert slugs(query)[0] == "human-milk-banks"


def test_accent_insensitive(demo):
    assert "school-meals-education" in slugs("educacao")
    assert "school-meals-education" in slugs("educação")


def test_misspellings_are_corrected(demo):
    result = search.search(q="sanitaton")
    assert result.suggestion == "sanitation" and result.corrected
    assert [e.slug for e in result.queryset] == ["sanitation-engineering"]


@pytest.mark.parametrize(
    ("q", "filters", "suggestion", "found"),
    [
        ("sanitaton", {"country": "BR"}, "sanitation", ["sanitation-engineering"]),
        ("sanitaton", {"country": "BR", "sdg": "6"}, "sanitation", ["sanitation-engineering"]),
        # Corrected because the corrected words match, though not under these filters.
        ("sanitaton", {"country": "MX"}, "sanitation", []),
        ("sanitaton", {"country": "MX", "sdg": "6"}, "sanitation", []),
        # The words match: nothing to correct, whatever the filters leave.
        ("sanitation", {"country": "MX"}, "", []),
        ("sanitation", {"country": "MX", "sdg": "6"}, "", []),
    ],
)
def test_misspellings_are_corrected_under_filters(demo, q, filters, suggestion, found):
    result = search.search(q=q, filters=filters)
    assert (result.suggestion, result.corrected) == (suggestion, bool(suggestion))
    assert [e.slug for e in result.queryset] == found == [e.slug for e in result.rows()[:10]]


def test_phrase_or_and_exclusion(demo):
    assert slugs('"budget reform"') == ["budget-reform-network"]
    assert slugs('"reform budget"') == []
    assert set(slugs("milk OR forest")) == {"human-milk-banks", "redd-forest-policy"}
    assert slugs("forest") == ["redd-forest-policy"]
    assert slugs("forest -communities") == []
    assert slugs("forest -milk") == ["redd-forest-policy"]


def test_only_vetted_solutions_are_ever_searchable(demo):
    indexed = set(SolutionSearch.objects.values_list("slug", flat=True))
    vetted = set(Solution.objects.exclude(published=None).values_list("slug", flat=True))
    assert indexed == vetted
    for hidden in (
        "statistics-modernisation",
        "urban-planning-ppp",
        "metropolitan-transport",
        "public-security-observatory",
    ):
        assert hidden not in indexed
        assert hidden not in slugs(hidden.split("-")[0])


@pytest.mark.parametrize(
    "slug",
    [
        "statistics-modernisation",
        "urban-planning-ppp",
        "metropolitan-transport",
        "public-security-observatory",
    ],
)
def test_unvetted_solutions_are_404_for_the_public(client, demo, slug):
    assert client.get(reverse("catalogue:detail", args=[slug])).status_code == 404
    page = client.get(reverse("catalogue:search")).content.decode()
    assert f"/solutions/{slug}/" not in page


@pytest.mark.parametrize("table_columns", [search.TABLE_COLUMNS, 1])  # 1: lists for most
def test_facet_counts_equal_the_filtered_results(demo, monkeypatch, table_columns):
    monkeypatch.setattr(search, "TABLE_COLUMNS", table_columns)
    monkeypatch.setattr(search._Facts, "_kept", {})  # held facts were laid out otherwise
    rng = random.Random(7)
    values = {
        "area": ["health", "agriculture", "environment", "water-sanitation", ""],
        "sdg": ["3", "11", "13", "17", ""],
        "country": ["BR", "MX", "ID", ""],
        "modality": ["workshop", "field_visit", "joint_fund", ""],
        "language": ["en", "es", "pt-br", ""],
        "tag": ["budget", "forests", ""],
    }
    for _ in range(40):
        filters = {
            name: rng.choice(options) for name, options in values.items() if rng.random() < 0.5
        }
        q = rng.choice(["", "", "network", "bancos OR forest"])
        result = search.search(q=q, filters=filters)
        for facet, counts in result.facets.items():
            for value, count in counts:
                narrowed = {**filters, facet: value}
                assert count == search.search(q=q, filters=narrowed).queryset.count(), (
                    q,
                    filters,
                    facet,
                    value,
                )
    (facts,) = search._Facts._kept.values()
    assert bool(facts.lists) == (table_columns == 1)  # both layouts were counted from


def test_search_page_shows_suggestion_and_empty_state(client, demo):
    page = client.get(reverse("catalogue:search"), {"q": "sanitaton"}).content.decode()
    assert "showing results for “sanitation”" in page
    empty = client.get(reverse("catalogue:search"), {"q": "zzzzqqq"}).content.decode()
    assert "No vetted solution matches." in empty and "Remove some filters." in empty


@pytest.mark.parametrize(
    "params",
    [
        {"sdg": "x"},
        {"sdg": "99999999999"},
        {"sdg": "-3"},
        {"q": "milk\x00"},
        {"country": "B\x00R"},
        {"page": "999"},
        {"sort": "evil"},
        {"q": '"unclosed'},
        {"q": "&|!():*"},
        {"q": "x" * 500},
    ],
)
def test_bad_query_strings_are_harmless(client, demo, params):
    has_nul = any("\x00" in value for value in params.values())
    expected = 400 if has_nul else 200  # NUL is refused before any view (core.middleware)
    assert client.get(reverse("catalogue:search"), params).status_code == expected
    if has_nul:  # and the search itself copes with it too, if called directly: NUL dropped
        clean = {key: value.replace("\x00", "") for key, value in params.items()}
        expected_slugs = slugs(**clean)
        assert expected_slugs  # the demo has milk banks, and solutions from Brazil
        got = [
            entry.slug for entry in search.search(q=params.get("q", ""), filters=params).queryset
        ]
        assert got == expected_slugs


def test_solution_page_shows_the_vetting_record(client, demo):
    page = client.get(reverse("catalogue:detail", args=["human-milk-banks"])).content.decode()
    assert (
        "Vetting record" in page
        and "Evidence of results" in page
        and "Reviewed by Sample reviewer" in page
    )
    assert "Re-validation due" in page


def test_how_we_vet_lists_the_published_criteria(client, db):
    page = client.get(reverse("catalogue:how-we-vet")).content.decode()
    for title in (
        "Relevance to a development challenge",
        "Evidence of results",
        "Capacity of the provider to share",
    ):
        assert title in page


def _copies(source: SolutionSearch, count: int, prefix: str) -> None:
    """`count` more vetted solutions with the text and facets of `source` (bulk)."""
    solutions = Solution.objects.bulk_create(
        Solution(slug=f"{prefix}-{n}", created_by=source.solution.created_by, vetted_at=source.vetted_at)
        for n in range(count)
    )  # fmt: skip
    SolutionSearch.objects.bulk_create(
        SolutionSearch(
            solution=solution, slug=solution.slug, title=f"{source.title} {n}", language="en",
            summary=source.summary, vetted_at=source.vetted_at, document=source.document,
            sdgs=source.sdgs, tags=source.tags, facet_codes=source.facet_codes,
            replications=n % 3,
        )
        for n, solution in enumerate(solutions)
    )  # fmt: skip


CATALOGUE_PAGES = [
    {"q": "network"},
    {"q": "network", "country": "ZA", "sort": "replicated"},
    {"q": "network", "page": "7"},  # past the results the facet pass ranks
    {"area": "public-finance"},
    {},
]


@pytest.mark.parametrize("params", CATALOGUE_PAGES)
def test_catalogue_page_queries_do_not_grow(client, demo, params):
    source = SolutionSearch.objects.get(slug="budget-reform-network")
    if "page" in params:  # enough for page 7 to exist with few solutions too
        _copies(source, 150, "few")
    client.get(reverse("catalogue:search"), params)  # the facet value names, read once
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("catalogue:search"), params).status_code == 200
    _copies(source, 1000, "copy")
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("catalogue:search"), params)
    assert page.status_code == 200 and page.context["page"].paginator.count > 1000 * bool(
        params.get("q") or params.get("area")
    )
    assert len(few) == len(many)


def test_api_searches_like_the_page_and_hides_unvetted(client, demo):
    body = client.get("/api/v1/solutions/", {"q": "banco de leche"}).json()
    assert [r["slug"] for r in body["results"]] == ["human-milk-banks"]
    assert body["facets"]["area"] == [["health", 1]]
    detail = client.get("/api/v1/solutions/human-milk-banks/").json()
    assert detail["building_blocks"] and detail["vetting_record"][0]["assessments"]
    for hidden in ("statistics-modernisation", "urban-planning-ppp", "public-security-observatory"):
        assert client.get(f"/api/v1/solutions/{hidden}/").status_code == 404
    assert client.post("/api/v1/solutions/", {}).status_code in (401, 405)


def test_feed_and_exports_carry_only_vetted_solutions(client, demo):
    vetted = set(SolutionSearch.objects.values_list("slug", flat=True))
    feed = client.get("/feeds/solutions/").content.decode()
    assert "<feed" in feed and "/solutions/human-milk-banks/" in feed
    assert "statistics-modernisation" not in feed and "public-security-observatory" not in feed
    data = client.get(reverse("catalogue:export-json")).json()
    assert {row["slug"] for row in data["solutions"]} == vetted
    csv_body = client.get(reverse("catalogue:export-csv"), {"country": "BR"}).content.decode()
    assert csv_body.splitlines()[0].startswith("slug,title")
    assert "statistics-modernisation" not in csv_body


@pytest.mark.parametrize(
    "params", [{}, {"q": "network", "page_size": "100"}, {"q": "network", "page": "3"}]
)
def test_api_list_queries_do_not_grow(client, demo, params):
    source = SolutionSearch.objects.get(slug="budget-reform-network")
    if "page" in params:  # enough for page 3 to exist with few solutions too
        _copies(source, 50, "few")
    client.get("/api/v1/solutions/", params)  # the facet value names, read once
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/solutions/", params).status_code == 200
    _copies(source, 1000, "api-copy")
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/solutions/", params).json()
    assert body["count"] > 1000 and len(body["results"]) >= 20
    assert len(few) == len(many)


@pytest.mark.parametrize("sort", ["relevance", "newest", "replicated", ""])
def test_every_sort_works_with_and_without_words(client, demo, sort):
    for q in ("", "network"):
        assert client.get("/api/v1/solutions/", {"q": q, "sort": sort}).status_code == 200


def test_an_unknown_sort_is_refused_with_a_json_error(client, demo):
    for q in ("", "network"):
        response = client.get("/api/v1/solutions/", {"q": q, "sort": "evil"})
        assert response.status_code == 400
        assert "sort" in response.json()


def test_related_solutions_and_recording_an_adaptation(client, demo):
    from django.contrib.auth.models import Group

    from .factories import UserFactory

    page = client.get(reverse("catalogue:detail", args=["budget-reform-network"])).content.decode()
    assert "Record an adaptation" not in page  # not for visitors
    url = reverse("catalogue:add-replication", args=["budget-reform-network"])
    client.force_login(UserFactory())
    response = client.post(url, {"institution": "X", "country": "KE", "year": 2013, "result": "Y"})
    assert response.status_code == 403
    curator = UserFactory()
    curator.groups.add(Group.objects.get(name="Curators"))
    client.force_login(curator)
    client.post(
        url,
        {"institution": "Ministry of Finance", "country": "KE", "year": "x", "result": "Adopted."},
    )
    page = client.get(reverse("catalogue:detail", args=["budget-reform-network"])).content.decode()
    assert "No adaptation has been recorded yet." in page
    client.post(
        url,
        {
            "institution": "National Treasury",
            "country": "KE",
            "year": 2013,
            "result": "A budget calendar.",
        },
    )
    page = client.get(reverse("catalogue:detail", args=["budget-reform-network"])).content.decode()
    assert "Adapted by National Treasury in Kenya, 2013" in page
    assert SolutionSearch.objects.get(slug="budget-reform-network").replications == 1
    assert search.search(sort="replicated").queryset.first().slug == "budget-reform-network"
    related = client.get(reverse("catalogue:detail", args=["human-milk-banks"])).context["related"]
    assert all(entry.slug != "human-milk-banks" for entry in related)


def test_translations_are_shown_in_the_viewers_language(client, demo):
    english = client.get(
        reverse("catalogue:search"), {"q": "leite"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Human milk bank network" in english
    page = client.get(
        reverse("catalogue:detail", args=["human-milk-banks"]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert (
        "Red de bancos de leche humana" in page and "Rede de bancos de leite humano" in page
    )  # with the original
    portuguese = client.get(
        reverse("catalogue:search"), {"q": "leite"}, HTTP_ACCEPT_LANGUAGE="pt"
    ).content.decode()
    assert (
        "Rede de bancos de <mark>leite</mark> humano" in portuguese
        and "Human milk bank network" not in portuguese
    )


def test_reindex_rebuilds_every_vetted_solution(demo):
    from io import StringIO

    SolutionSearch.objects.update(translations={}, document=None)
    out = StringIO()
    call_command("reindex_solutions", stdout=out)
    assert (
        f"Reindexed {Solution.objects.exclude(published=None).count()} solution(s)."
        in out.getvalue()
    )
    assert slugs("banco de leche") == ["human-milk-banks"]
    assert (
        SolutionSearch.objects.get(slug="human-milk-banks").translations["title"]["en"]
        == "Human milk bank network"
    )


def test_facet_codes_hold_exactly_the_rows_facet_values(demo):
    from catalogue.models import SearchFacetValue

    names = {
        search.code_of(v.facet, v.pk): (v.facet, v.value) for v in SearchFacetValue.objects.all()
    }
    for entry in SolutionSearch.objects.all():
        expected = {("area", entry.area), ("country", entry.country), ("language", entry.language)}
        expected |= {("sdg", str(n)) for n in entry.sdgs} | {("hub", h) for h in entry.hubs}
        expected |= {("modality", m) for m in entry.modalities} | {("tag", t) for t in entry.tags}
        expected = {(facet, value) for facet, value in expected if value}
        assert sorted(names[code] for code in entry.facet_codes) == sorted(expected)


def test_an_unknown_filter_value_finds_nothing_but_keeps_its_own_facet(demo):
    result = search.search(q="", filters={"country": "ZZ"})
    assert list(result.queryset) == []
    assert sum(n for _v, n in result.facets["country"]) == SolutionSearch.objects.count()
    assert result.facets["area"] == []


def test_kept_facet_totals_follow_every_change(demo):
    from io import StringIO

    def kept():
        return sorted(search._totals([0, *search.FACET_NUMBERS.values()]))

    def recounted():
        counted, _top, _read = search._count(None, {})
        return sorted(counted)

    assert kept() == recounted()
    entry = SolutionSearch.objects.get(slug="human-milk-banks")
    SolutionSearch.objects.filter(pk=entry.pk).update(facet_codes=entry.facet_codes[:1])
    assert kept() == recounted()
    SolutionSearch.objects.filter(pk=entry.pk).delete()
    assert kept() == recounted()
    call_command("reindex_solutions", stdout=StringIO())
    assert kept() == recounted()
    assert ("", "", SolutionSearch.objects.count()) in kept()


def snippets(q, language, slug):
    """The snippet and title snippet of one result of `q`, for a viewer in `language`."""
    with translation.override(language):
        result = search.search(q=q)
        entry = next(e for e in result.with_snippets() if e.slug == slug)
        return str(entry.snippet), str(entry.title_snippet)


@pytest.mark.parametrize(
    ("q", "language", "summary", "title"),
    [
        (
            "milk banks",
            "en",
            "Human <mark>milk</mark> <mark>banks</mark> collect, pasteurise and distribute "
            "donated <mark>milk</mark> for premature babies.",
            "Human <mark>milk</mark> <mark>bank</mark> network",
        ),
        (
            "leite humano",
            "pt",
            "Bancos de <mark>leite</mark> <mark>humano</mark> coletam, pasteurizam e "
            "distribuem <mark>leite</mark> doado para bebês prematuros.",
            "Rede de bancos de <mark>leite</mark> <mark>humano</mark>",
        ),
        (
            "banco de leche",
            "es",
            "Los <mark>bancos</mark> de <mark>leche</mark> humana recolectan, pasteurizan y "
            "distribuyen <mark>leche</mark> donada.",
            "Red de <mark>bancos</mark> de <mark>leche</mark> humana",
        ),
    ],
)
def test_snippets_mark_the_words_in_the_text_the_viewer_reads(demo, q, language, summary, title):
    assert snippets(q, language, "human-milk-banks") == (summary, title)


def test_snippets_mark_accented_words_for_unaccented_queries(demo):
    for q in ("educacao", "educação", "EDUCACAO"):
        summary, title = snippets(q, "pt", "school-meals-education")
        assert "<mark>educação</mark>" in summary and "<mark>educação</mark>" in title


def test_no_snippets_without_words_or_without_a_match_in_the_shown_text(client, demo):
    assert all(
        entry.snippet is None and entry.title_snippet is None
        for entry in search.search(q="").with_snippets()
    )
    page = client.get(reverse("catalogue:search"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<mark>" not in page and "Human milk banks collect" in page
    # Found by its Portuguese words, read in English: the English summary, nothing marked.
    assert snippets("leite", "en", "human-milk-banks") == ("None", "None")


def test_a_long_snippet_is_cut_around_the_first_word_found(demo):
    fillers = [f"filler{n}" for n in range(60)]
    SolutionSearch.objects.filter(slug="human-milk-banks").update(
        translations={}, summary=" ".join([*fillers, "donated", "milk", "here.", *fillers])
    )
    summary, _title = snippets("milk banks", "en", "human-milk-banks")
    # 40 words: 10 before the first marked one, then the rest.
    assert summary == " ".join(
        ["…", *fillers[51:], "donated", "<mark>milk</mark>", "here.", *fillers[:28], "…"]
    )


def test_snippets_escape_the_solutions_text(client, demo):
    author = Solution.objects.get(slug="human-milk-banks").created_by
    solution = Solution.objects.create(slug="hostile", created_by=author, vetted_at=timezone.now())
    solution.published = SolutionRevision.objects.create(
        solution=solution,
        number=1,
        status="vetted",
        created_by=author,
        original_language="en",
        title='Irrigation <img src=x onerror="alert(1)">',
        summary="Irrigation <script>alert(1)</script> for <b>farmers</b> & \ue000co-ops\ue001.",
    )
    solution.save(update_fields=["published"])
    index_solution(solution)
    page = client.get(
        reverse("catalogue:search"), {"q": "irrigation"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert (
        "<mark>Irrigation</mark> &lt;script&gt;alert(1)&lt;/script&gt; for &lt;b&gt;farmers&lt;/b&gt;"
        " &amp; co-ops." in page
    )
    assert "<mark>Irrigation</mark> &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>" not in page
    assert page.count("<mark>") == page.count("</mark>") == 2
