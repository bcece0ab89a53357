"""Matchmaking: which vetted solutions and hubs best answer a knowledge request, and why.

The challenge is compared with every vetted solution's search document (the catalogue's
multilingual index) and with the published hubs' profiles: its words are stemmed in each
language the catalogue knows and OR-ed into one query, leaving out any word that one of
those languages treats as a stop word ("the", "de", "yang"…), so only words that carry
meaning count. PostgreSQL ranks the candidates; the rank is then weighted by what the
request states — priority area, SDGs, desired modalities and language — and each
suggestion keeps the reasons it scored ("matched because …").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import prefetch_related_objects

from catalogue.search import CONFIGS, WORD

LANGUAGE_CONFIGS = list(CONFIGS.values())
MAX_WORDS = 60
CANDIDATES = 50
KEEP_SOLUTIONS = 5
KEEP_HUBS = 5
# Weights: text similarity (0..1) dominates; the stated facets break ties and lift near misses.
# PostgreSQL's Indonesian configuration stems but has no stop-word list: the commonest words.
INDONESIAN_STOP_WORDS = frozenset(
    [
        "ada",
        "adalah",
        "agar",
        "akan",
        "antara",
        "atau",
        "bagi",
        "bahwa",
        "banyak",
        "belum",
        "bisa",
        "dalam",
        "dan",
        "dapat",
        "dari",
        "dengan",
        "harus",
        "hanya",
        "ini",
        "itu",
        "juga",
        "kami",
        "karena",
        "ke",
        "kepada",
        "kita",
        "lebih",
        "masih",
        "mereka",
        "oleh",
        "pada",
        "para",
        "perlu",
        "saat",
        "sebagai",
        "seperti",
        "serta",
        "setiap",
        "sudah",
        "telah",
        "tersebut",
        "tidak",
        "untuk",
        "yang",
    ]
)
W_TEXT, W_AREA, W_SDG, W_MODALITY, W_LANGUAGE, W_PROVIDES = 1.0, 0.25, 0.1, 0.1, 0.05, 0.5


@dataclass
class Candidate:
    pk: int
    score: float
    reasons: dict = field(default_factory=dict)


def _request_text(request) -> str:
    return f"{request.title} {request.challenge} {request.tried}"


def meaningful_words(text: str) -> list[str]:
    """Distinct words of three letters or more that no catalogue language treats as a stop word."""
    words = [
        w
        for w in dict.fromkeys(w.lower() for w in WORD.findall(text))
        if w not in INDONESIAN_STOP_WORDS
    ][: MAX_WORDS * 2]
    if not words:
        return []
    checks = " AND ".join(
        f"numnode(plainto_tsquery('{config}', unaccent(w))) > 0" for config in LANGUAGE_CONFIGS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT w FROM unnest(%s::text[]) WITH ORDINALITY AS t(w, n) WHERE {checks} ORDER BY n",  # noqa: S608 (constants only)
            [words],
        )
        return [row[0] for row in cursor.fetchall()][:MAX_WORDS]


def _word_queries(words: list[str]) -> list[str]:
    """Per word, a tsquery (as text) OR-ing its stem in every language and its unstemmed form."""
    if not words:
        return []
    configs = ["simple", *LANGUAGE_CONFIGS]
    parts = " || ".join(f"plainto_tsquery('{c}', unaccent(w))" for c in configs)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ({parts})::text FROM unnest(%s::text[]) WITH ORDINALITY AS t(w, n) ORDER BY n",  # noqa: S608 (constants only)
            [words],
        )
        return [row[0] for row in cursor.fetchall()]


def _structured(request, *, area: str, sdgs, modalities, languages) -> tuple[float, dict]:
    score, reasons = 0.0, {}
    if request.priority_area_id and area == request.priority_area.slug:
        score += W_AREA
        reasons["area"] = True
    wanted_sdgs = {s.number for s in request.sdgs.all()}
    shared_sdgs = sorted(wanted_sdgs & set(sdgs or ()))
    if shared_sdgs:
        score += W_SDG * min(len(shared_sdgs), 2)
        reasons["sdgs"] = shared_sdgs
    shared_modalities = [m for m in request.modalities if m in set(modalities or ())]
    if shared_modalities:
        score += W_MODALITY
        reasons["modalities"] = shared_modalities
    language = (request.language or "").split("-")[0]
    if language and any((lang or "").split("-")[0] == language for lang in languages):
        score += W_LANGUAGE
        reasons["language"] = True
    return score, reasons


def suggest_solutions(request, words: list[str], queries: list[str]) -> list[Candidate]:
    """The best-matching vetted solutions (the catalogue's index holds only vetted ones)."""
    if not queries:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH q AS (SELECT string_agg('(' || x || ')', ' | ')::tsquery AS query
                       FROM unnest(%s::text[]) AS x WHERE x <> '')
            SELECT s.solution_id, ts_rank(s.document, q.query, 1) AS rank, s.area, s.sdgs,
                   s.modalities, s.language, s.translations,
                   ARRAY(SELECT w FROM unnest(%s::text[], %s::text[]) AS t(w, wq)
                         WHERE wq <> '' AND s.document @@ wq::tsquery) AS matched
            FROM catalogue_solutionsearch s, q
            WHERE s.document @@ q.query
            ORDER BY rank DESC, s.solution_id
            LIMIT %s
            """,
            [queries, words, queries, CANDIDATES],
        )
        rows = cursor.fetchall()
    if not rows:
        return []
    top_rank = max(row[1] for row in rows) or 1.0
    top_matched = max(len(row[7]) for row in rows) or 1
    candidates = []
    for pk, rank, area, sdgs, modalities, language, translations, matched in rows:
        text = 0.5 * rank / top_rank + 0.5 * len(matched) / top_matched
        if isinstance(
            translations, str
        ):  # raw SQL returns jsonb as text with Django's psycopg setup
            translations = json.loads(translations)
        languages = {language, *((translations or {}).get("title") or {}).keys()}
        bonus, reasons = _structured(
            request, area=area, sdgs=sdgs, modalities=modalities, languages=languages
        )
        reasons["words"] = matched[:8]
        candidates.append(Candidate(pk=pk, score=round(W_TEXT * text + bonus, 4), reasons=reasons))
    candidates.sort(key=lambda c: (-c.score, c.pk))
    return candidates[:KEEP_SOLUTIONS]


def suggest_hubs(request, words, queries, solutions: list[Candidate]) -> list[Candidate]:
    """Published hubs that provide: those behind the suggested solutions, and those whose
    profile and areas match the challenge."""
    from catalogue.models import Solution
    from hubs.models import Hub

    by_hub: dict[int, Candidate] = {}
    providers = Solution.hubs.through.objects.filter(
        solution_id__in=[c.pk for c in solutions]
    ).values_list("hub_id", "solution_id")
    solution_scores = {c.pk: c.score for c in solutions}
    for hub_id, solution_id in providers:
        candidate = by_hub.setdefault(hub_id, Candidate(pk=hub_id, score=0.0))
        best = max(candidate.reasons.get("_best", 0.0), solution_scores[solution_id])
        candidate.reasons["_best"] = best
        candidate.reasons.setdefault("solutions", []).append(solution_id)

    text_rank: dict[int, tuple[float, list[str]]] = {}
    if queries:
        document = (
            "to_tsvector('simple', unaccent(h.name || ' ' || h.acronym || ' ' || h.description))"
            " || to_tsvector(CASE split_part(h.original_language, '-', 1) "
            + " ".join(f"WHEN '{code}' THEN '{cfg}'::regconfig" for code, cfg in CONFIGS.items())
            + " ELSE 'simple'::regconfig END, unaccent(h.description))"
        )
        with connection.cursor() as cursor:
            cursor.execute(  # the interpolated document uses only constant configuration names
                f"""
                WITH q AS (SELECT string_agg('(' || x || ')', ' | ')::tsquery AS query
                           FROM unnest(%s::text[]) AS x WHERE x <> ''),
                d AS (SELECT h.id, {document} AS document FROM hubs_hub h
                      WHERE h.is_published AND h.direction <> 'receiver')
                SELECT d.id, ts_rank(d.document, q.query, 1),
                       ARRAY(SELECT w FROM unnest(%s::text[], %s::text[]) AS t(w, wq)
                             WHERE wq <> '' AND d.document @@ wq::tsquery)
                FROM d, q WHERE d.document @@ q.query
                ORDER BY 2 DESC, d.id LIMIT %s
                """,  # noqa: S608
                [queries, words, queries, CANDIDATES],
            )
            rows = cursor.fetchall()
        top = max((row[1] for row in rows), default=0.0) or 1.0
        text_rank = {pk: (rank / top, matched) for pk, rank, matched in rows}

    hubs = (
        Hub.objects.filter(pk__in=set(by_hub) | set(text_rank), is_published=True)
        .exclude(direction=Hub.Direction.RECEIVER)
        .exclude(pk=request.hub_id or 0)
        .prefetch_related("priority_areas")
    )
    results = []
    for hub in hubs:
        candidate = by_hub.get(hub.pk) or Candidate(pk=hub.pk, score=0.0)
        reasons = candidate.reasons
        best = reasons.pop("_best", 0.0)
        relative, matched = text_rank.get(hub.pk, (0.0, []))
        areas = {area.slug for area in hub.priority_areas.all()}
        bonus, structured = _structured(
            request,
            area=request.priority_area.slug
            if request.priority_area_id and request.priority_area.slug in areas
            else "",
            sdgs=(),
            modalities=(),
            languages=hub.languages or [hub.original_language],
        )
        reasons.update(structured)
        if matched:
            reasons["words"] = matched[:8]
        score = W_PROVIDES * best + 0.3 * relative + bonus
        if score <= W_AREA + W_LANGUAGE and not best and not matched:
            continue  # an area alone is not a match
        results.append(Candidate(pk=hub.pk, score=round(score, 4), reasons=reasons))
    results.sort(key=lambda c: (-c.score, c.pk))
    return results[:KEEP_HUBS]


def suggestions_for(request) -> tuple[list[Candidate], list[Candidate]]:
    # Every candidate is compared with the request's SDGs: read them once, not per candidate.
    prefetch_related_objects([request], "sdgs")
    words = meaningful_words(_request_text(request))
    queries = _word_queries(words)
    solutions = suggest_solutions(request, words, queries)
    hubs = suggest_hubs(request, words, queries, solutions)
    return solutions, hubs
