"""Catalogue search on PostgreSQL: the index, the query, the facets and "did you mean".

The index is one SolutionSearch row per vetted solution. Its document joins, for the
original language and each translation, the text stemmed with that language's text
search configuration and, once more, with "simple" (no stemming), all unaccented and
weighted: title (A) > summary and tags (B) > the rest (C). A query is parsed with
websearch_to_tsquery (quotes, OR, -exclusion) once per configuration and the results
OR-ed, so "milk banks", "leite humano" and "banco de leche" each meet the words of
their own language.

Each result shown on a page carries a snippet: its summary (and title) as the viewer
reads them, with the query's words marked by ts_headline (SearchResult.with_snippets).

Facets are counted over integer codes (SearchFacetValue): each row carries all its
facet values as one int[] column, so filtering is one GIN containment test. The facet
pass takes every row that matches the words and misses at most one active filter: the
database finds the matches (in SearchFacts, a narrow copy of the search rows kept by a
trigger) and each process keeps every row's id, vetting time, replications and codes in
memory (_Facts, brought up to date from SearchFactsChange at each search); numpy then
counts every facet (each with its own filter removed) and picks the first TOP results in
the chosen order, which the first pages read by id (SearchRows). Relevance is a tier,
then recent vetting: titles that meet the words first, then titles with summaries and
tags, then the rest.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, reduce

import numpy as np
import psycopg
from django.contrib.postgres.search import (
    SearchQuery,
    SearchQueryField,
    SearchRank,
    SearchVectorExact,
)
from django.db import connection, transaction
from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.expressions import Expression, RawSQL
from django.utils import translation
from psycopg.pq import Format

from core.highlight import headline

from .models import (
    SearchFacetValue,
    SearchFacts,
    SearchTerm,
    Solution,
    SolutionSearch,
    TitleOf,
)

CONFIGS = {"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french", "id": "indonesian"}
QUERY_CONFIGS = ["simple", *CONFIGS.values()]
# Each configuration again, with unaccent before its dictionary (migration 0009): the
# text is indexed unaccented, so a snippet must match "educação" to the query's
# "educacao" while showing the text with its accents.
HIGHLIGHT_CONFIGS = {config: f"{config}_unaccent" for config in QUERY_CONFIGS}
SORTS = ("relevance", "newest", "replicated")
FACETS = ("area", "sdg", "country", "hub", "modality", "language", "tag")
# A facet's number is stored in the high bits of its codes: never renumber one.
FACET_NUMBERS = {
    "area": 1,
    "sdg": 2,
    "country": 3,
    "hub": 4,
    "modality": 5,
    "language": 6,
    "tag": 7,
}
CODE_BITS = 24  # SearchFacetValue ids below 2**24; the facet number above
TABLE_COLUMNS = 8  # a facet with at most this many values per row is kept as a table (_Facts)
VALUE_BITS = (1 << CODE_BITS) - 1  # a code's SearchFacetValue id
NO_CODE = -1  # the code of a filter value that no solution has
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def config_for(language: str) -> str:
    return CONFIGS.get((language or "").split("-")[0], "simple")


def strip_accents(text: str) -> str:
    """What PostgreSQL's unaccent does for Latin scripts, on the query side."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- Index ---------------------------------------------------------------------------------


def _texts(revision) -> dict[str, dict[str, str]]:
    """Per language: the A, B and C texts of a revision (original plus translations)."""
    blocks = " ".join(
        f"{b.title} {b.description} {b.enabling_factors} {b.lessons_learned}"
        for b in revision.blocks.all()
    )
    figures = " ".join(f"{f.figure} {f.description}" for f in revision.figures.all())
    tags = " ".join(tag.name for tag in revision.tags.all())
    rest_fields = (
        "challenge",
        "beneficiaries",
        "description",
        "results",
        "lessons_learned",
        "what_failed",
        "preconditions",
    )
    texts = {
        revision.original_language: {
            "A": revision.title,
            "B": f"{revision.summary} {tags}",
            "C": " ".join([*(getattr(revision, f) for f in rest_fields), blocks, figures]),
        }
    }
    by_language: dict[str, dict[str, str]] = {}
    for field_name, versions in (revision.translations or {}).items():
        for language, text in versions.items():
            by_language.setdefault(language, {}).setdefault(field_name, text)
    for language, fields in by_language.items():
        texts[language] = {
            "A": fields.get("title", ""),
            "B": fields.get("summary", ""),
            "C": " ".join(fields.get(f, "") for f in rest_fields),
        }
    return texts


def index_solution(solution: Solution) -> SolutionSearch | None:
    """(Re)write the search row of a solution from its vetted revision, in the caller's transaction."""
    revision = solution.published
    if revision is None:
        SolutionSearch.objects.filter(solution=solution).delete()
        return None
    parts, params = [], []
    for language, weighted in _texts(revision).items():
        for config in dict.fromkeys([config_for(language), "simple"]):
            for weight, text in weighted.items():
                if text.strip():
                    parts.append("setweight(to_tsvector(%s::regconfig, unaccent(%s)), %s)")
                    params += [config, text, weight]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {' || '.join(parts) or 'NULL::tsvector'}", params)
        document = cursor.fetchone()[0]
    values = _facet_values(solution, revision)
    entry, _created = SolutionSearch.objects.update_or_create(
        solution=solution,
        defaults={
            "slug": solution.slug,
            "title": revision.title,
            "summary": revision.summary,
            "language": revision.original_language,
            "country": values["country"][0] if values["country"] else "",
            "area": values["area"][0] if values["area"] else "",
            "sdgs": [int(number) for number in values["sdg"]],
            "hubs": values["hub"],
            "modalities": values["modality"],
            "tags": values["tag"],
            "facet_codes": sorted(facet_codes(values).values()),
            "vetted_at": solution.vetted_at,
            "replications": solution.replications.count(),
            "is_sample": solution.is_sample,
            "translations": {
                field: versions
                for field, versions in (revision.translations or {}).items()
                if field in {"title", "summary"}
            },
        },
    )
    SolutionSearch.objects.filter(pk=entry.pk).update(document=document)
    _remember_words(revision)
    return entry


def _facet_values(solution: Solution, revision) -> dict[str, list[str]]:
    """Per facet, the (non-empty) values of a solution's vetted revision, as text."""
    values = {
        "area": [revision.priority_area.slug] if revision.priority_area_id else [],
        "sdg": [str(n) for n in sorted(revision.sdgs.values_list("number", flat=True))],
        "country": [str(revision.country)] if revision.country else [],
        "hub": sorted(solution.hubs.values_list("slug", flat=True)),
        "modality": list(dict.fromkeys(revision.modalities)),
        "language": [revision.original_language] if revision.original_language else [],
        "tag": sorted({tag.slug for tag in revision.tags.all()}),
    }
    return values


def code_of(facet: str, pk: int) -> int:
    return FACET_NUMBERS[facet] << CODE_BITS | pk


def facet_codes(values: dict[str, list[str]], *, create: bool = True) -> dict[tuple[str, str], int]:
    """The code of each (facet, value); new values get a code when `create` is true."""
    pairs = {(facet, value) for facet, found in values.items() for value in found}
    if not pairs:
        return {}
    query = reduce(
        lambda a, b: a | b,
        (Q(facet=facet, value=value) for facet, value in pairs),
    )
    known = {(row.facet, row.value): row.pk for row in SearchFacetValue.objects.filter(query)}
    if create and len(known) < len(pairs):
        # Only the new values: an INSERT that meets a conflict still takes an id from the
        # sequence, and ids must stay below 2**CODE_BITS however often solutions are indexed.
        SearchFacetValue.objects.bulk_create(
            [SearchFacetValue(facet=f, value=v) for f, v in pairs - known.keys()],
            ignore_conflicts=True,  # another transaction may have added one meanwhile
        )
        known = {(row.facet, row.value): row.pk for row in SearchFacetValue.objects.filter(query)}
    if any(pk >> CODE_BITS for pk in known.values()):
        raise ValueError("a facet value's id does not fit in a code")
    return {(facet, value): code_of(facet, pk) for (facet, value), pk in known.items()}


def _remember_words(revision) -> None:
    words = {
        strip_accents(w.lower())
        for w in WORD.findall(f"{revision.title} {revision.summary} {revision.description}")
    }
    for versions in (revision.translations or {}).values():
        for text in versions.values():
            words |= {strip_accents(w.lower()) for w in WORD.findall(text)}
    SearchTerm.objects.bulk_create([SearchTerm(word=w[:100]) for w in words], ignore_conflicts=True)


# --- Query ---------------------------------------------------------------------------------


def _viewer_text(field_name: str, language: str) -> tuple[RawSQL, RawSQL]:
    """SQL for the text of a search row's field as a viewer in `language` reads it (the
    translation when there is one, else the original: core.translation.in_viewer_language)
    and for the name of the text search configuration that parses that text.

    Raw SQL because the equivalent expression tree costs the ORM several milliseconds to
    resolve and compile on every search; the names in it are the model's, never input.
    """
    table = connection.ops.quote_name(SolutionSearch._meta.db_table)
    column = f"{table}.{connection.ops.quote_name(field_name)}"
    translations = f"{table}.{connection.ops.quote_name('translations')}"
    translated = (
        f"COALESCE(NULLIF({translations} #>> %s::text[], ''), "
        f"NULLIF({translations} #>> %s::text[], ''))"
    )
    keys = [[field_name, language], [field_name, language.split("-")[0]]]
    text = RawSQL(  # noqa: S611
        f"COALESCE({translated}, {column})", keys, output_field=TextField()
    )
    by_language = {code: HIGHLIGHT_CONFIGS[name] for code, name in CONFIGS.items()}
    config = RawSQL(  # noqa: S611
        f"CASE WHEN {translated} IS NOT NULL THEN %s ELSE COALESCE(%s::jsonb ->> "
        f"split_part({table}.{connection.ops.quote_name('language')}, '-', 1), %s) END",
        [
            *keys,
            HIGHLIGHT_CONFIGS[config_for(language)],
            json.dumps(by_language),
            HIGHLIGHT_CONFIGS["simple"],
        ],
        output_field=TextField(),
    )
    return text, config


@contextlib.contextmanager
def _planned(words):
    """Run the queries inside under the search's planner settings (in one transaction).

    With words, never a sequential scan: it would test the words against every row's
    document, which for all but the smallest catalogue is mostly read back from TOAST
    storage, where the GIN index reads only the rows that match. And enough memory for
    the index's bitmap of a broad query to stay exact (a lossy one rechecks whole pages).
    """
    settings = {
        "work_mem": "64MB",
        # On a few cores, parallel workers cost more to start and feed than they save.
        "max_parallel_workers_per_gather": "0",
        **({"enable_seqscan": "off"} if words is not None else {}),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # set_config(..., true) is SET LOCAL: all of them in one round trip.
        cursor.execute(
            "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(settings)),
            [item for pair in settings.items() for item in pair],
        )
        yield


class SearchRows:
    """The results as a Paginator (or DRF pagination) reads them.

    Its length is the number of results, known from the facet pass, so paging costs no
    COUNT query. The facet pass also ranked the results and kept the first TOP of them
    (`top`, their ids in order), so the first pages are read by id; a later page, down to
    the DEEPEST result, has the pass rank that many first (the facts are in memory, so it
    costs about what the search did), and pages further down run the search's query under
    its planner settings.
    """

    def __init__(self, result: SearchResult, queryset, fetch):
        self.result, self.queryset, self.fetch = result, queryset, fetch

    def count(self) -> int:
        return self.result.total

    __len__ = count

    def __getitem__(self, key):
        if not isinstance(key, slice):
            found = self[key : key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        start, stop, _step = key.indices(self.result.total)
        top = self.result.top
        if top is not None and len(top) < min(stop, self.result.total) and stop <= DEEPEST:
            top = self.result.top = self.result.ranked(stop)
        if top is not None and (stop <= len(top) or len(top) >= self.result.total):
            ids = top[start:stop]
            rows = {row.pk: row for row in self.fetch(ids)} if ids else {}
            return [rows[pk] for pk in ids if pk in rows]
        with _planned(self.result.words):
            return list(self.queryset[key])


@dataclass
class SearchResult:
    queryset: object
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str = ""
    corrected: bool = False
    words: object = None  # the tsquery the results match (None: no words)
    total: int = 0  # the number of results
    top: list[int] | None = None  # the ids of the first TOP results, in order, when known
    codes: dict[str, int] = field(default_factory=dict)  # the active filters' codes
    order: str = "newest"  # the order of the results (a key of ORDER_BY)

    def ranked(self, k: int) -> list[int] | None:
        """The ids of the first k results in order, from a facet pass (as `top`)."""
        return _pass(self.words, self.codes, order=self.order, k=k)[1]

    def rows(self, *, snippets: bool = True, language: str | None = None) -> SearchRows:
        """The results to page through (with their snippets unless `snippets` is false)."""
        queryset = self.with_snippets(language) if snippets else self.queryset

        def fetch(ids):
            rows = _shown().filter(pk__in=ids)
            return self._snippets(rows, language) if snippets else rows

        return SearchRows(self, queryset, fetch)

    def with_snippets(self, language: str | None = None):
        """The results, each with `summary_headline` and `title_headline` when there are words.

        Read them through SolutionSearch.snippet and .title_snippet (escaped HTML). The
        texts are the ones the viewer reads, in `language` (by default the active one).
        Only the rows fetched pay for ts_headline: PostgreSQL computes such costly output
        columns after the top-N sort (in a parallel plan, after each worker's own: at most
        a page per worker), or, reading in index order, for the rows that pass the filter
        until the page is full. Page n of a sort costs n pages of headlines (OFFSET).
        """
        if self.queryset.query.is_empty():
            return self.queryset
        return self._snippets(self.queryset, language)

    def _snippets(self, queryset, language: str | None):
        if self.words is None:
            return queryset
        language = language or translation.get_language() or "en"
        summary, summary_config = _viewer_text("summary", language)
        title, title_config = _viewer_text("title", language)
        return queryset.annotate(
            summary_headline=headline(summary, self.words, config=summary_config),
            title_headline=headline(title, self.words, config=title_config),
        )


NEGATION = re.compile(r'(?:^|\s)-("[^"]+"|\S+)')


def _any_language(text: str, search_type: str):
    queries = [
        SearchQuery(text, search_type=search_type, config=config) for config in QUERY_CONFIGS
    ]
    return reduce(lambda a, b: a | b, queries)


def text_query(text: str):
    """websearch syntax in every language; an excluded word is excluded in every language too."""
    value = strip_accents(text)
    excluded = [term.strip('"') for term in NEGATION.findall(value)]
    query = _any_language(NEGATION.sub(" ", value).strip(), "websearch")
    for term in excluded:  # not (a or b or …) = not a and not b and …
        for config in QUERY_CONFIGS:
            query &= ~SearchQuery(term, search_type="phrase", config=config)
    return query


def _filter_codes(filters: dict[str, str]) -> dict[str, int]:
    """Per active filter, the code of its value (NO_CODE when no solution has that value)."""
    wanted = {}
    for name, value in filters.items():
        if name == "sdg" and not (value.isdigit() and 1 <= int(value) <= 17):
            value = ""  # never a stored value
        wanted[name] = [value] if value else []
    known = facet_codes(wanted, create=False)
    return {name: known.get((name, filters[name]), NO_CODE) for name in filters}


TOP = 100  # results ordered by the facet pass: five catalogue pages, or one API page of 100
DEEPEST = 2_000  # how far down a later page still has the facet pass rank the results

# The orders of the results. The facet pass (_first) orders its matches the same way.
ORDER_BY = {
    "relevance": ("-tier", F("vetted_at").desc(nulls_last=True), "pk"),
    "newest": (F("vetted_at").desc(nulls_last=True), "pk"),
    "replicated": ("-replications", F("vetted_at").desc(nulls_last=True), "pk"),
}


TOTALS = """
SELECT coalesce(value.facet, ''), coalesce(value.value, ''), total.n
FROM catalogue_searchfacettotal AS total
LEFT JOIN catalogue_searchfacetvalue AS value ON value.id = total.code & {mask}
WHERE total.n > 0 AND total.code >> {bits} = ANY(%s)
"""


def _shown():
    """Search rows as pages show them: the documents are for matching and ranking in the
    database, never read in Python."""
    return SolutionSearch.objects.defer("document", "rank_document")


def _tiered(rows, words):
    """`rows` with their relevance `tier`: 2 when the title meets the words, 1 when the title,
    summary and tags together do (rank_document), 0 when only the whole document does.
    Within a tier, the most recently vetted come first (ORDER_BY)."""
    return rows.annotate(
        tier=Case(
            When(SearchVectorExact(TitleOf(F("rank_document")), words), then=Value(2)),
            When(SearchVectorExact(F("rank_document"), words), then=Value(1)),
            default=Value(0),
        )
    )


# The ids of the rows a facet pass takes, as one string of 64-bit integers.
MATCHED = (
    "SELECT string_agg(int8send(solution_id), ''::bytea) FROM catalogue_searchfacts WHERE {where}"
)
# The latest change, the version the reader's facts are brought up from (theirs, or -1
# when theirs is gone: then every row), and the facts written and ids removed since;
# then whatever else the search asks in the same statement ({also}), which therefore
# sees the same rows.
CHANGES = """
WITH since (version) AS MATERIALIZED (
    SELECT CASE WHEN EXISTS (SELECT FROM catalogue_searchfactschange WHERE version = %s::bigint)
        THEN %s::bigint ELSE -1 END
)
SELECT (SELECT max(version) FROM catalogue_searchfactschange), (SELECT version FROM since),
    (SELECT string_agg(packed, ''::bytea) FROM catalogue_searchfacts
     WHERE version > (SELECT version FROM since)),
    (SELECT string_agg(int8send(id), ''::bytea)
     FROM catalogue_searchfactschange, unnest(removed) AS id
     WHERE version > (SELECT version FROM since)){also}
"""
ROW = 8  # the tag of the word that starts a row; each word's payload is its VALUE_BITS
CONTAINS = "catalogue_search_codes(packed) @> %s::int[]"  # the facts' GIN-indexed codes
NAMES = "SELECT id, facet, value FROM catalogue_searchfacetvalue WHERE id = ANY(%s)"
# The relevance tiers of the newest PROBE results, and what else the first TOP results
# need: every title match unless TOP of the probed results have one (any other title
# match is then older), and every summary match unless the title matches and the probed
# summary matches fill TOP (any other summary match is then older).
PROBE = 4 * TOP
# ts_filter(rank_document, '{a}') is TitleOf's SQL, so the solution_search_title index serves it.
TIERS = """
WITH probe (id, tier) AS MATERIALIZED (
    SELECT solution_id, CASE WHEN ts_filter(rank_document, '{{a}}') @@ {words} THEN 2
        WHEN rank_document @@ {words} THEN 1 ELSE 0 END
    FROM catalogue_solutionsearch WHERE solution_id = ANY(%s::bigint[])
),
need_titles (yes) AS MATERIALIZED (
    SELECT NOT %s AND count(*) < %s FROM probe WHERE tier = 2
),
titles (id) AS MATERIALIZED (
    SELECT solution_id FROM catalogue_solutionsearch
    WHERE ts_filter(rank_document, '{{a}}') @@ {words} {restricted} AND (SELECT yes FROM need_titles)
),
need_summaries (yes) AS MATERIALIZED (
    SELECT (SELECT yes FROM need_titles) AND (SELECT count(*) FROM titles) < %s
        AND (SELECT count(*) FROM probe WHERE tier = 1) < %s - (SELECT count(*) FROM titles)
)
SELECT (SELECT string_agg(int8send(id), ''::bytea) FROM probe WHERE tier = 2),
    (SELECT string_agg(int8send(id), ''::bytea) FROM probe WHERE tier = 1),
    (SELECT string_agg(int8send(id), ''::bytea) FROM titles),
    (SELECT string_agg(int8send(solution_id), ''::bytea) FROM catalogue_solutionsearch
     WHERE rank_document @@ {words} {restricted} AND (SELECT yes FROM need_summaries))
"""


def _alternatives(tsquery: str) -> list[str]:
    """The top-level OR branches of a tsquery's text ('a' & 'b' | 'c' <-> 'd' | …)."""
    branches, depth, quoted, start = [], 0, False, 0
    for position, char in enumerate(tsquery):
        if char == "'":
            quoted = not quoted  # an escaped quote ('') toggles twice
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(tsquery[start:position].strip())
            start = position + 1
    branches.append(tsquery[start:].strip())
    return [branch for branch in branches if branch]


class CompiledWords(SearchQuery):
    """A search's tsquery (text_query), worked out once by the database and used as a
    constant by every statement and expression of the search (filters, SearchVectorExact,
    headlines; `sql` and `params` in raw statements).

    The query is the same words parsed in six configurations and OR-ed, so most of its
    branches repeat one another ('youth' | 'youth' | …): they are kept once, which halves
    the work of the GIN index on a broad query, and compiling the six-language expression
    once spares about a millisecond per statement.
    """

    def __init__(self, words):
        query = SearchFacts.objects.all().query
        compiler = query.get_compiler(connection=connection)
        sql, params = words.resolve_expression(query).as_sql(compiler, connection)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT ({sql})::text", params)
            (text,) = cursor.fetchone()
        Expression.__init__(self, output_field=SearchQueryField())
        self.text = " | ".join(dict.fromkeys(_alternatives(text)))
        self.sql, self.params = "%s::tsquery", [self.text]

    def resolve_expression(self, *args, **kwargs):
        return self

    def get_source_expressions(self):
        return []

    def as_sql(self, compiler, connection, **extra_context):
        return self.sql, self.params


def _read(sql: str, params) -> tuple:
    """The one row of a statement whose columns are bytea, read in binary rather than as
    hex text (half the bytes to send and no decoding). Django's cursors bind parameters
    on the client, which allows text results only: this one binds them on the server,
    wrapped as Django wraps its own (so tests and the debug toolbar see the query)."""
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    raw.format = Format.BINARY
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _ids(data: bytes | None):
    return np.frombuffer(data or b"", ">i8")


def _member(ids, found):
    """Which of `ids` are in `found`: by a lookup table over found's range of ids (much
    faster than sorting) unless that range is unusually wide."""
    narrow = len(found) and int(found.max()) - int(found.min()) < 50_000_000
    return np.isin(ids, found, kind="table" if narrow else None)


@dataclass
class _Matches:
    """The rows a facet pass read: their ids, vetting times (in microseconds, the smallest
    int64 when not vetted) and replications, and their facet codes with the row of each."""

    ids: np.ndarray
    vetted: np.ndarray
    replications: np.ndarray
    codes: np.ndarray
    sizes: np.ndarray  # how many codes each row has

    @classmethod
    def decode(cls, packed: bytes | None) -> _Matches:
        words = np.frombuffer(packed or b"", ">i4")
        tags = np.frombuffer(packed or b"", np.uint8)[::4]  # the first byte of each word
        starts = np.flatnonzero(tags == ROW)
        if len(starts) and (
            starts[-1] + 6 > len(words)
            or (tags[starts + 5] != ROW + 5).any()
            or not 1 <= int(tags.min()) <= int(tags.max()) <= ROW + 5
        ):
            raise ValueError("search facts that catalogue_search_facts did not write")
        head = (words[starts[:, None] + np.arange(6)] & VALUE_BITS).astype(np.int64)
        flipped = (head[:, 2] << 48 | head[:, 3] << 24 | head[:, 4]).astype(np.uint64)
        return cls(
            ids=head[:, 0] << 24 | head[:, 1],
            vetted=(flipped ^ np.uint64(1 << 63)).view(np.int64),
            replications=head[:, 5],
            codes=words[tags < ROW].astype(np.int32),
            sizes=np.diff(starts, append=len(words)) - 6,
        )

    @cached_property
    def row(self) -> np.ndarray:
        """The row (index into ids) of each code."""
        return np.repeat(np.arange(len(self.ids), dtype=np.int32), self.sizes)


class _Facts:
    """The facts (SearchFacts.packed) of every search row, kept in each process.

    A broad search counts the facets of a large share of the catalogue; reading those
    facts from the database cost more than everything else the search does. Here they
    are read once, then only what changed: each search asks for the changes above the
    version it holds (SearchFactsChange; one statement that finds nothing when nothing
    changed), and a holder whose version is gone (rolled back, or a thousand changes
    behind) reads them all again. At 1,000,000 solutions the copy takes about 130 MB.
    """

    _kept: dict[str, _Facts] = {}  # per database name
    _lock = threading.Lock()

    def __init__(self, matches: _Matches, version: int | None):
        self.matches, self.version = matches, version
        self.starts = np.cumsum(matches.sizes) - matches.sizes  # where each row's codes start
        ids = matches.ids
        # The row of each id, by a table over the ids (they come from a sequence, so the
        # table is about as long as the catalogue), or by sorting if they are too sparse.
        self.index = self.sorted = self.sorted_ids = None
        if not len(ids) or int(ids.max()) < 4 * len(ids) + 1_000_000:
            self.index = np.full(int(ids.max()) + 1 if len(ids) else 0, -1, np.int64)
            self.index[ids] = np.arange(len(ids))
        else:
            self.sorted = np.argsort(ids)
            self.sorted_ids = ids[self.sorted]
        # The facets' values (SearchFacetValue ids plus one) as one table, a row per search
        # row: each facet's values in its own few columns (then 0s), so that the values of
        # many rows are gathered at once. A facet of which some row has many values is
        # kept apart instead: each row's values one after the other, and where they start.
        self.width = int((matches.codes & VALUE_BITS).max()) + 1 if len(matches.codes) else 0
        facet_of = matches.codes >> CODE_BITS
        parts, column = [], 0
        self.columns: dict[int, slice] = {}
        self.lists: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for number in FACET_NUMBERS.values():
            mine = facet_of == number
            values, rows = matches.codes[mine] & VALUE_BITS, matches.row[mine]
            sizes = np.bincount(rows, minlength=len(ids)).astype(np.int32)
            starts = np.cumsum(sizes, dtype=np.int64) - sizes
            most = int(sizes.max()) if len(sizes) else 0
            if most > TABLE_COLUMNS:
                self.lists[number] = (values, starts, sizes)
            elif most:
                part = np.zeros((len(ids), most), np.int32)
                part[rows, np.arange(len(rows)) - starts[rows]] = values + 1
                self.columns[number] = slice(column, column + most)
                parts.append(part)
                column += most
        self.table = np.hstack(parts) if parts else np.zeros((len(ids), 0), np.int32)
        matches.__dict__.pop("row", None)  # as long as the codes: not worth keeping
        self.masks: dict[int, np.ndarray] = {}
        # The facet and value of each SearchFacetValue id met so far: rows are only added,
        # never changed, so this is kept from one version to the next (not when starting over).
        self.names: dict[int, tuple[str, str]] = {}

    @classmethod
    def empty(cls) -> _Facts:
        return cls(_Matches.decode(None), None)

    @classmethod
    def current(cls, also: str = "", params=()) -> tuple[_Facts, tuple]:
        """The facts as of now (in the caller's transaction, which sees its own writes),
        and the values of `also` (a statement of one row) as of the same moment."""
        name = connection.settings_dict["NAME"]
        facts = cls._kept.get(name) or cls.empty()
        seen = -1 if facts.version is None else facts.version
        latest, since, packed, removed, *values = _read(
            CHANGES.format(also=f", ({also})" if also else ""), [seen, seen, *params]
        )
        if latest == facts.version:
            return facts, tuple(values)
        with cls._lock:  # the database is read by every thread at once; changes merged by one
            kept = cls._kept.get(name)
            if kept is not facts and kept is not None and (kept.version or 0) >= (latest or 0):
                return kept, tuple(values)  # another thread has brought them this far
            if since != seen:  # theirs was rolled back, or is long gone: start over
                facts = cls.empty()
            facts = facts.merged(_Matches.decode(packed), _ids(removed), latest)
            cls._kept[name] = facts
            return facts, tuple(values)

    def merged(self, written: _Matches, removed, version) -> _Facts:
        """These facts with the rows written and removed since (a row written then
        removed, or removed then written again, is in both: removals go first)."""
        changed = np.concatenate([written.ids, removed])
        kept = self.select(np.flatnonzero(~np.isin(self.matches.ids, changed)))
        facts = _Facts(
            _Matches(
                *(
                    np.concatenate([getattr(kept, name), getattr(written, name)])
                    for name in ("ids", "vetted", "replications", "codes", "sizes")
                )
            ),
            version,
        )
        facts.names = self.names
        return facts

    def rows_of(self, ids) -> np.ndarray:
        """The rows of these ids (one the copy does not hold yet is left out)."""
        if self.sorted is not None:
            held = self.sorted_ids
            at = np.minimum(np.searchsorted(held, ids), len(held) - 1)
            return self.sorted[at[held[at] == ids]]
        ids = ids[(ids >= 0) & (ids < len(self.index))]
        rows = self.index[ids]
        return rows[rows >= 0]

    def has(self, code: int) -> np.ndarray:
        """Whether each row has this facet code (kept until the facts change)."""
        if code not in self.masks:
            number, value = code >> CODE_BITS, code & VALUE_BITS
            if number in self.columns:
                mask = (self.table[:, self.columns[number]] == value + 1).any(axis=1)
            else:
                mask = np.zeros(len(self.matches.ids), bool)
                if number in self.lists:
                    values, _starts, sizes = self.lists[number]
                    mask[np.repeat(np.arange(len(sizes)), sizes)[values == value]] = True
            self.masks[code] = mask
        return self.masks[code]

    def meeting(self, codes: dict[str, int]) -> np.ndarray:
        """The rows that miss at most one of these filters."""
        met = np.zeros(len(self.matches.ids), np.int8)
        for code in codes.values():
            met += self.has(code)
        return np.flatnonzero(met >= len(codes) - 1)

    def listed(self, number: int, rows) -> np.ndarray:
        """The values of a facet kept apart that these rows have, one row's after another."""
        values, starts, sizes = self.lists[number]
        return values[_spans(starts, sizes, rows)]

    def count(self, rows, codes: dict[str, int]) -> tuple[np.ndarray, np.ndarray, _Matches]:
        """How many of these rows count for each facet value (SearchFacetValue id); which
        of them (positions in `rows`) meet every filter; and their ids, vetting times and
        replications. A row counts for every facet when it meets every filter, and for one
        facet only when it misses that facet's filter alone."""
        missed = np.zeros(len(rows), np.int8)  # 0, the facet number missed, or -1
        for name, code in codes.items():
            lacks = ~np.take(self.has(code), rows)
            missed = np.where(lacks, np.where(missed == 0, FACET_NUMBERS[name], -1), missed)
        meeting = rows[missed == 0] if codes else rows
        counts = np.bincount(np.take(self.table, meeting, axis=0).ravel(), minlength=self.width + 1)
        for number in {FACET_NUMBERS[name] for name in codes} & self.columns.keys():
            found = self.table[rows[missed == number], self.columns[number]]
            counts += np.bincount(found.ravel(), minlength=self.width + 1)
        counts = counts[1:]
        for number in self.lists:
            chosen = rows[(missed == 0) | (missed == number)] if codes else rows
            counts += np.bincount(self.listed(number, chosen), minlength=self.width)
        m, empty = self.matches, np.zeros(0, np.int32)
        matched = _Matches(m.ids[rows], m.vetted[rows], m.replications[rows], empty, empty)
        return counts, np.flatnonzero(missed == 0), matched

    def select(self, rows) -> _Matches:
        """The facts of these rows, codes included."""
        m = self.matches
        codes = m.codes[_spans(self.starts, m.sizes, rows)]
        return _Matches(m.ids[rows], m.vetted[rows], m.replications[rows], codes, m.sizes[rows])


def _spans(starts, sizes, rows) -> np.ndarray:
    """The positions of these rows' items, one row's after another, in an array where
    row r's items are the sizes[r] from starts[r] on."""
    sizes = sizes[rows]
    ends = np.cumsum(sizes)
    return np.repeat(starts[rows] - (ends - sizes), sizes) + np.arange(ends[-1] if len(ends) else 0)


def _newest(k: int, positions, later, ids):
    """The first k of `positions` by `later` (ascending), then id."""
    if len(positions) > k:
        kth = np.partition(later[positions], k - 1)[k - 1]
        positions = positions[later[positions] <= kth]
    return positions[np.lexsort((ids[positions], later[positions]))][:k]


def _first(k: int, positions, matches: _Matches, primary=None) -> list[int]:
    """The ids of the first k of `positions` by `primary` (descending; the tier or the
    replications), vetted_at (newest first, never vetted last) and id: ORDER_BY's orders."""
    ids, later = matches.ids, ~matches.vetted  # ~ reverses the order without overflow
    if primary is None:
        return ids[_newest(k, positions, later, ids)].tolist()
    chosen: list[int] = []
    while len(chosen) < k and len(positions):
        level = primary[positions].max()
        at = primary[positions] == level
        chosen += ids[_newest(k - len(chosen), positions[at], later, ids)].tolist()
        positions = positions[~at]
    return chosen


def facet_counts(
    words, codes: dict[str, int], *, order: str = "newest"
) -> tuple[dict[str, list[tuple[str, int]]], int, list[int] | None, bool | None]:
    """For each facet, its values and counts under the words and all the *other* filters;
    the number of results (under the words and every filter); the ids of the first TOP
    results in `order` (None when not counted here: without words or filters); and
    whether any solution matches the words (None when not known: with two filters or
    more, or no words, the pass does not read every match).

    `words` is the CompiledWords tsquery (None for none), `codes` the active filters' codes
    (_filter_codes). Counts are exact; each facet's 50 largest values come first.
    """
    top = read = None
    if words is None and len(codes) <= 1:
        # Without words, a facet counted under no filter at all counts the whole
        # catalogue: read the totals kept by the database (SearchFacetTotal) instead.
        if not codes:
            counted = _totals([0, *FACET_NUMBERS.values()])
        else:
            ((name, _code),) = codes.items()
            counted, top, read = _pass(None, codes, order=order)
            counted = [row for row in counted if row[0] != name]
            counted += _totals([FACET_NUMBERS[name]])
    else:
        counted, top, read = _pass(words, codes, order=order)
    found: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    total = 0
    for name, value, count in counted:
        if name:
            found[name].append((value, count))
        else:
            total = count
    facets = {
        name: sorted(values, key=lambda item: (-item[1], item[0]))[:50]
        for name, values in found.items()
    }
    matched = bool(read) if words is not None and len(codes) <= 1 else None
    return facets, total, top, matched


def _pass(words, codes: dict[str, int], *, order: str, k: int | None = None):
    """One facet pass (_count) over these words and filters: without words, the rows of a
    single filter are taken by its code alone."""
    if words is None and len(codes) == 1:
        (code,) = codes.values()
        return _count(None, {}, within=code, order=order, k=k)
    return _count(words, codes, order=order, k=k)


def _totals(numbers: list[int]) -> list[tuple[str, str, int]]:
    """The kept catalogue-wide counts of these facets' values (facet 0: all rows)."""
    with connection.cursor() as cursor:
        cursor.execute(TOTALS.format(bits=CODE_BITS, mask=VALUE_BITS), [numbers])
        return cursor.fetchall()


def _count(
    words,
    codes: dict[str, int],
    *,
    within: int | None = None,
    order: str = "newest",
    k: int | None = None,
) -> tuple[list[tuple[str, str, int]], list[int], int]:
    """(facet, value, count) rows from one facet pass, with ("", "", number of results);
    the ids of the first k (TOP) results in `order`; and the number of rows the pass took.
    `within`: only rows with that code.

    The pass takes the rows that match the words and miss at most one active filter: a
    row meeting every filter counts for every facet; a row missing exactly one (say the
    country) counts only for that facet, which is counted with its own filter removed.
    The database finds the rows that match the words (by the GIN indexes of SearchFacts);
    their facts come from the copy kept in memory (_Facts).
    """
    with _planned(words):
        if words is None:
            facts, _none = _Facts.current()
            rows = np.flatnonzero(facts.has(within)) if within is not None else facts.meeting(codes)
        else:
            where, params = [f"document @@ {words.sql}"], [*words.params]
            if len(codes) >= 2:  # with one filter or none, every row misses at most one
                where.append("(" + " OR ".join([CONTAINS] * len(codes)) + ")")
                params += [[c for other, c in codes.items() if other != name] for name in codes]
            facts, (found,) = _Facts.current(MATCHED.format(where=" AND ".join(where)), params)
            rows = facts.rows_of(_ids(found))
        counts, positions, matches = facts.count(rows, codes)
        primary = None
        if order == "replicated":
            primary = matches.replications
        elif order == "relevance" and words is not None and len(positions):
            primary = _tiers(words, codes, matches, positions, k or TOP)
        top = _first(k or TOP, positions, matches, primary)
    values = np.flatnonzero(counts).tolist()
    names = facts.names
    if unknown := [pk for pk in values if pk not in names]:
        with connection.cursor() as cursor:
            cursor.execute(NAMES, [unknown])
            names.update((pk, (facet, value)) for pk, facet, value in cursor.fetchall())
    counted_rows = [(*names[pk], int(counts[pk])) for pk in values if pk in names]
    return [*counted_rows, ("", "", len(positions))], top, len(rows)


def _tiers(words, codes: dict[str, int], matches: _Matches, positions, k: int):
    """The relevance tier (as _tiered: 2, 1 or 0) of each row that can be among the first
    k results, reading as few rows as TIERS allows: the tiers of the newest PROBE (for
    the first TOP; else 4k) results, and the title and summary matches (from the GIN
    indexes of SolutionSearch) only when the probed ones cannot fill k."""
    ids = matches.ids
    probed = ids[_newest(PROBE if k <= TOP else 4 * k, positions, ~matches.vetted, ids)]
    covered = len(probed) == len(positions)
    # The filters are checked on the rows the words' index finds, not by the facets'
    # index too: a common filter value's bitmap would cost more than the rows it saves.
    restricted, restriction = (
        ("AND coalesce(facet_codes, '{}') @> %s::int[]", [list(codes.values())])
        if codes
        else ("", [])
    )
    statement = TIERS.format(words=words.sql, restricted=restricted)
    w = words.params

    def params(fill: int) -> list:  # fill: how many results the probe and titles must give
        # In TIERS' order: the probe's two tiers, need_titles, titles, need_summaries, summaries.
        return [
            *w, *w, probed.tolist(), covered, k, *w, *restriction, fill, fill, *w, *restriction,
        ]  # fmt: skip

    probed_titles, probed_summaries, all_titles, all_summaries = (
        _ids(found) for found in _read(statement, params(k))
    )
    tier = np.zeros(len(ids), np.int64)
    if covered or len(probed_titles) >= k:
        tier[_member(ids, probed_summaries)] = 1
        tier[_member(ids, probed_titles)] = 2
        return tier
    is_result = np.zeros(len(ids), bool)
    is_result[positions] = True
    titled = _member(ids, all_titles) & is_result
    needed = k - int(titled.sum())  # how many summary matches the first k take
    read = len(all_titles) < k and len(probed_summaries) < k - len(all_titles)
    if needed > 0 and len(probed_summaries) < needed and not read:
        # TIERS counted title matches that are not results (an excluded word outside the
        # title), so it took the probe for enough: read every summary match now.
        all_summaries, read = _ids(_read(statement, params(2**62))[3]), True
    tier[_member(ids, all_summaries if read else probed_summaries)] = 1
    tier[titled] = 2
    return tier


def _matching(words, known: bool | None) -> bool:
    """Whether any solution matches the words: `known` from a facet pass, else asked."""
    return _any_match(words) if known is None else known


def _any_match(words) -> bool:
    """Whether any solution matches, asked of the GIN index.

    Left to itself, the planner answers EXISTS with a sequential scan that hopes for an
    early hit, which reads the whole table when nothing matches: the usual case here.
    """
    with _planned(words):
        return SolutionSearch.objects.filter(document=words).exists()


def suggest(text: str) -> str:
    """Replace each unknown word of the query by the closest known one (trigram similarity)."""
    words = WORD.findall(strip_accents(text.lower()))
    if not words:
        return ""
    known = set(SearchTerm.objects.filter(word__in=words).values_list("word", flat=True))
    corrected = text
    changed = False
    for word in words:
        if word in known:
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word FROM catalogue_searchterm WHERE word %% %s "
                "ORDER BY similarity(word, %s) DESC, word LIMIT 1",
                [word, word],
            )
            row = cursor.fetchone()
        if row:
            corrected = re.sub(
                re.escape(word), row[0], strip_accents(corrected), flags=re.IGNORECASE
            )
            changed = True
    return corrected if changed else ""


CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def search(
    *, q: str = "", filters: dict[str, str] | None = None, sort: str = "relevance"
) -> SearchResult:
    """Search vetted solutions; any text from a request is safe to pass (cleaned here)."""
    filters = {k: CONTROL.sub("", v) for k, v in (filters or {}).items() if k in FACETS and v}
    q = CONTROL.sub(" ", q or "").strip()[:200]
    sort = sort if sort in SORTS else "relevance"
    order = "newest" if sort == "relevance" and not q else sort
    result = SearchResult(queryset=None)
    codes = _filter_codes(filters)
    words = CompiledWords(text_query(q)) if q else None
    result.facets, total, top, matched = facet_counts(words, codes, order=order)
    if q and not total and not _matching(words, matched):
        suggestion = suggest(q)
        if suggestion:
            result.suggestion = suggestion
            alternative = CompiledWords(text_query(suggestion))
            facets, alternative_total, alternative_top, matched = facet_counts(
                alternative, codes, order=order
            )
            if _matching(alternative, matched):
                words, q, result.corrected = alternative, suggestion, True
                result.facets, total, top = facets, alternative_total, alternative_top
    queryset = _shown()
    if q:
        queryset = queryset.filter(document=words)
        if order == "relevance":
            queryset = _tiered(queryset, words)
        result.words = words
    if codes:
        queryset = queryset.filter(facet_codes__contains=list(codes.values()))
    result.total, result.top, result.codes, result.order = total, top, codes, order
    if not total:  # known from the facet pass: spare the database a search for nothing
        queryset = queryset.none()
    result.queryset = queryset.order_by(*ORDER_BY[order])
    return result


def related(entry: SolutionSearch, *, limit: int = 3) -> list[SolutionSearch]:
    """Vetted solutions whose text is closest to this one's title and tags (one query)."""
    words = sorted(
        {w for w in WORD.findall(strip_accents(f"{entry.title} {' '.join(entry.tags)}").lower())}
    )[:12]
    if not words:
        return []
    query = SearchQuery(" | ".join(words), search_type="raw", config="simple")
    return list(
        SolutionSearch.objects.filter(document=query)
        .exclude(pk=entry.pk)
        .annotate(rank=SearchRank(F("document"), query))
        .order_by("-rank", "pk")
        .only("slug", "title", "language")[:limit]
    )
