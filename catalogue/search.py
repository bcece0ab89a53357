"""Catalogue search on PostgreSQL: the index, the query, the facets and "did you mean".

The index is one SolutionSearch row per vetted solution. Its document joins, for the
original language and each translation, the text stemmed with that language's text
search configuration and, once more, with "simple" (no stemming), all unaccented and
weighted: title (A) > summary and tags (B) > the rest (C). A query is parsed with
websearch_to_tsquery (quotes, OR, -exclusion) once per configuration and the results
OR-ed, so "milk banks", "leite humano" and "banco de leche" each meet the words of
their own language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import reduce

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, FloatField, Value
from django.db.models.functions import Cast, Extract, Now

from .models import SearchTerm, Solution, SolutionSearch

CONFIGS = {"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french", "id": "indonesian"}
QUERY_CONFIGS = ["simple", *CONFIGS.values()]
SORTS = ("relevance", "newest", "replicated")
FACETS = ("area", "sdg", "country", "hub", "modality", "language", "tag")
_FACET_COLUMNS = {
    "area": ("area", False),
    "sdg": ("sdgs", True),
    "country": ("country", False),
    "hub": ("hubs", True),
    "modality": ("modalities", True),
    "language": ("language", False),
    "tag": ("tags", True),
}
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
    entry, _created = SolutionSearch.objects.update_or_create(
        solution=solution,
        defaults={
            "slug": solution.slug,
            "title": revision.title,
            "summary": revision.summary,
            "language": revision.original_language,
            "country": str(revision.country or ""),
            "area": revision.priority_area.slug if revision.priority_area_id else "",
            "sdgs": sorted(revision.sdgs.values_list("number", flat=True)),
            "hubs": sorted(solution.hubs.values_list("slug", flat=True)),
            "modalities": list(revision.modalities),
            "tags": sorted(tag.slug for tag in revision.tags.all()),
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


@dataclass
class SearchResult:
    queryset: object
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str = ""
    corrected: bool = False


NEGATION = re.compile(r'(?:^|\s)-("[^"]+"|\S+)')


def _any_language(text: str, search_type: str):
    queries = [
        SearchQuery(text, search_type=search_type, config=config) for config in QUERY_CONFIGS
    ]
    return reduce(lambda a, b: a | b, queries)


def _tsquery(text: str):
    """websearch syntax in every language; an excluded word is excluded in every language too."""
    value = strip_accents(text)
    excluded = [term.strip('"') for term in NEGATION.findall(value)]
    query = _any_language(NEGATION.sub(" ", value).strip(), "websearch")
    for term in excluded:  # not (a or b or …) = not a and not b and …
        for config in QUERY_CONFIGS:
            query &= ~SearchQuery(term, search_type="phrase", config=config)
    return query


def _filtered(queryset, filters: dict[str, str], skip: str | None = None):
    for name, value in filters.items():
        if name == skip or not value:
            continue
        column, is_array = _FACET_COLUMNS[name]
        if name == "sdg":
            if not value.isdigit() or not 1 <= int(value) <= 17:
                return queryset.none()
            value = int(value)
        lookup = f"{column}__contains" if is_array else column
        queryset = queryset.filter(**{lookup: [value] if is_array else value})
    return queryset


ARRAY_COUNT = "SELECT '{name}', v::text, count(*) FROM base, unnest(base.{column}) AS v GROUP BY v"
SCALAR_COUNT = (
    "SELECT '{name}', {column}::text, count(*) FROM base WHERE {column} <> '' GROUP BY {column}"
)


def _counts_sql(names, subset) -> tuple[str, list]:
    """One pass over a filtered set, counting the values of several facets."""
    sql, params = (
        subset.order_by().values(*(_FACET_COLUMNS[n][0] for n in names)).query.sql_with_params()
    )
    parts = []
    for name in names:
        column, is_array = _FACET_COLUMNS[name]
        # Names and columns come from _FACET_COLUMNS, never from the request.
        parts.append((ARRAY_COUNT if is_array else SCALAR_COUNT).format(name=name, column=column))
    return f"WITH base AS MATERIALIZED ({sql}) " + " UNION ALL ".join(parts), list(params)  # noqa: S608


def facet_counts(base, filters: dict[str, str]) -> dict[str, list[tuple[str, int]]]:
    """For each facet, its values and counts under the query and all the *other* filters.

    The facets nobody filters on share one pass over the fully filtered set; each active
    facet needs one more pass, over the set filtered by the others only.
    """
    active = [name for name in FACETS if filters.get(name)]
    groups = [([name for name in FACETS if name not in active], _filtered(base, filters))]
    groups += [([name], _filtered(base, filters, skip=name)) for name in active]
    found: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    for names, subset in groups:
        if not names:
            continue
        try:
            sql, params = _counts_sql(names, subset)
        except EmptyResultSet:
            continue
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for name, value, count in cursor.fetchall():
                found[name].append((value, count))
    return {
        name: sorted(values, key=lambda item: (-item[1], item[0]))[:50]
        for name, values in found.items()
    }


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
    q = CONTROL.sub(" ", q or "")
    base = SolutionSearch.objects.all()
    result = SearchResult(queryset=None)
    q = (q or "").strip()[:200]
    if q:
        matched = base.filter(document=_tsquery(q))
        if not matched.exists():
            suggestion = suggest(q)
            if suggestion:
                result.suggestion = suggestion
                alternative = base.filter(document=_tsquery(suggestion))
                if alternative.exists():
                    matched, q, result.corrected = alternative, suggestion, True
        base = matched
        rank = SearchRank(F("document"), _tsquery(q))
        age_years = Cast(Extract(Now() - F("vetted_at"), "epoch"), FloatField()) / Value(
            31_536_000.0
        )
        base = base.annotate(rank=rank * (Value(1.0) + Value(0.3) / (Value(1.0) + age_years)))
    result.facets = facet_counts(base, filters)
    queryset = _filtered(base, filters)
    if sort not in SORTS:
        sort = "relevance"
    if sort == "replicated":
        queryset = queryset.order_by("-replications", F("vetted_at").desc(nulls_last=True), "pk")
    elif sort == "newest" or not q:
        queryset = queryset.order_by(F("vetted_at").desc(nulls_last=True), "pk")
    else:
        queryset = queryset.order_by("-rank", "pk")
    result.queryset = queryset
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
