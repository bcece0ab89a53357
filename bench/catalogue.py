"""Catalogue search benchmark: generate N realistic multilingual vetted solutions, then time
a fixed mix of 50 queries (server-side, the whole search including facet counts).

    python -m bench.catalogue 100000        (make bench runs it at 100,000)
    python -m bench.catalogue 1000000       (about 3 minutes of generation on 2 cores)

Writes only to the benchmark database (see bench/server.py) and tops up to N.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

WORDS = {
    "english": (
        "water health school milk bank farmers forest budget transport sanitation energy disaster "
        "risk community network reform statistics planning training nutrition clinic women youth "
        "climate irrigation vaccine market finance housing road data teachers"
    ),
    "spanish": (
        "agua salud escuela leche banco agricultores bosque presupuesto transporte saneamiento energía "
        "desastre riesgo comunidad red reforma estadística planificación formación nutrición clínica "
        "mujeres jóvenes clima riego vacuna mercado finanzas vivienda camino datos maestros"
    ),
    "portuguese": (
        "água saúde escola leite banco agricultores floresta orçamento transporte saneamento energia "
        "desastre risco comunidade rede reforma estatística planejamento formação nutrição clínica "
        "mulheres jovens clima irrigação vacina mercado finanças habitação estrada dados professores"
    ),
    "french": (
        "eau santé école lait banque agriculteurs forêt budget transport assainissement énergie "
        "catastrophe risque communauté réseau réforme statistique planification formation nutrition "
        "clinique femmes jeunes climat irrigation vaccin marché finances logement route données enseignants"
    ),
    "indonesian": (
        "air kesehatan sekolah susu bank petani hutan anggaran transportasi sanitasi energi bencana "
        "risiko komunitas jaringan reformasi statistik perencanaan pelatihan gizi klinik perempuan "
        "pemuda iklim irigasi vaksin pasar keuangan perumahan jalan data guru"
    ),
}
LANGUAGES = {
    "english": "en",
    "spanish": "es",
    "portuguese": "pt-br",
    "french": "fr",
    "indonesian": "id",
}
AREAS = ["agriculture", "education", "environment", "health", "public-security", "disaster-risk", "public-finance",
         "governance", "social-protection", "statistics", "urban-transport", "water-sanitation", "energy"]  # fmt: skip
COUNTRIES = [
    "BR",
    "MX",
    "ID",
    "SG",
    "CN",
    "CO",
    "AR",
    "TR",
    "ZA",
    "KR",
    "IN",
    "KE",
    "GH",
    "VN",
    "PE",
    "FR",
    "SN",
]
MODALITIES = [
    "field_visit",
    "workshop",
    "joint_study",
    "secondment",
    "videoconference",
    "online_course",
    "joint_fund",
]
TAGS = [
    "research",
    "peer learning",
    "financing",
    "gender",
    "digital",
    "rural",
    "urban",
    "youth",
    "climate",
]

QUERIES = [
    ("milk banks", {}), ("leite humano", {}), ("banco de leche", {}), ("water", {}), ("agua", {"country": "MX"}),
    ("saúde", {}), ("saude", {}), ("santé", {"language": "fr"}), ("kesehatan", {}), ('"milk bank"', {}),
    ('"community network"', {}), ("forest -fire", {}), ("water OR sanitation", {}), ("budget reform", {"area": "public-finance"}),
    ("educacao", {}), ("educação", {"sdg": "4"}), ("sanitaton", {}), ("helth", {}), ("vacine", {}), ("finanças", {}),
    ("climate irrigation", {"modality": "workshop"}), ("clima", {"country": "BR", "sdg": "13"}), ("teachers training", {}),
    ("formation enseignants", {}), ("pelatihan guru", {"country": "ID"}), ("risk", {"area": "disaster-risk", "modality": "field_visit"}),
    ("desastre riesgo comunidad", {}), ("housing", {"country": "ZA", "sdg": "11", "tag": "urban"}), ("data", {}),
    ("statistics", {"language": "en"}), ("estatística", {}), ("market women", {}), ("mercado mujeres", {"tag": "gender"}),
    ("road transport", {"area": "urban-transport"}), ("energia", {}), ("energy -climate", {}), ("nutrition clinic", {}),
    ("nutrição", {"sdg": "2"}), ("youth", {"tag": "youth"}), ("jóvenes", {}), ("", {}), ("", {"area": "health"}),
    ("", {"sdg": "6", "country": "BR"}), ("", {"modality": "joint_fund", "language": "es", "tag": "financing"}),
    ("reforma", {"country": "CO"}), ("rede", {}), ("réseau", {}), ("jaringan komunitas", {}), ("farmers market", {"sdg": "2"}),
    ("irigação", {}),
]  # fmt: skip


def _bar(done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    rate = done / max(time.perf_counter() - started, 1e-6)
    sys.stderr.write(
        f"\r  generating [{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:,}  {rate:,.0f} rows/s"
    )
    sys.stderr.flush()


def generate(target: int, batch: int = 20_000) -> tuple[int, float]:
    """Top the benchmark database up to `target` vetted solutions. Returns (rows made, rows/s)."""
    from django.db import connection, transaction

    from accounts.models import User
    from catalogue.models import Solution
    from catalogue.search import facet_codes

    user, _created = User.objects.get_or_create(
        email="bench@example.org", defaults={"name": "Benchmark"}
    )
    existing = Solution.objects.filter(slug__startswith="bench-sol-").count()
    if existing >= target:
        return 0, 0.0
    started = time.perf_counter()
    made = 0
    configs = list(WORDS)
    hubs = [f"bench-hub-{n}" for n in range(500)]
    codes = facet_codes(
        {
            "area": AREAS, "sdg": [str(n) for n in range(1, 18)], "country": COUNTRIES,
            "hub": hubs, "modality": MODALITIES, "language": list(LANGUAGES.values()), "tag": TAGS,
        }
    )  # fmt: skip
    code_lists = {
        "area_codes": [codes["area", v] for v in AREAS],
        "sdg_codes": [codes["sdg", str(n)] for n in range(1, 18)],
        "country_codes": [codes["country", v] for v in COUNTRIES],
        "hub_codes": [codes["hub", v] for v in hubs],
        "modality_codes": [codes["modality", v] for v in MODALITIES],
        "tag_codes": [codes["tag", v] for v in TAGS],
    }
    with connection.cursor() as cursor:
        for start in range(existing, target, batch):
            stop = min(start + batch, target)
            config = configs[(start // batch) % len(configs)]
            words = WORDS[config].split()
            params = {
                "words": words, "config": config, "language": LANGUAGES[config], "areas": AREAS,
                "countries": COUNTRIES, "modalities": MODALITIES, "tags": TAGS, "user": user.pk,
                "start": start, "stop": stop - 1, **code_lists,
                "language_code": codes["language", LANGUAGES[config]],
            }  # fmt: skip
            with transaction.atomic():
                cursor.execute(
                    """
                    WITH rows AS (
                      SELECT g,
                        initcap((%(words)s::text[])[1 + (g * 7) %% cardinality(%(words)s::text[])]) || ' ' ||
                          (%(words)s::text[])[1 + (g * 13 + 5) %% cardinality(%(words)s::text[])] || ' ' ||
                          (%(words)s::text[])[1 + (g * 29 + 3) %% cardinality(%(words)s::text[])] AS title,
                        (%(words)s::text[])[1 + (g * 3) %% cardinality(%(words)s::text[])] || ' ' ||
                          (%(words)s::text[])[1 + (g * 11 + 1) %% cardinality(%(words)s::text[])] || ' ' ||
                          (%(words)s::text[])[1 + (g * 17 + 2) %% cardinality(%(words)s::text[])] || ' ' ||
                          (%(words)s::text[])[1 + (g * 23 + 7) %% cardinality(%(words)s::text[])] || ' ' ||
                          (%(words)s::text[])[1 + (g * 31 + 9) %% cardinality(%(words)s::text[])] AS summary,
                        (%(words)s::text[])[1 + (g * 37) %% cardinality(%(words)s::text[])] || ' ' ||
                          (%(words)s::text[])[1 + (g * 41 + 4) %% cardinality(%(words)s::text[])] || ' ' ||
                          (%(words)s::text[])[1 + (g * 43 + 6) %% cardinality(%(words)s::text[])] || ' ' ||
                          (%(words)s::text[])[1 + (g * 47 + 8) %% cardinality(%(words)s::text[])] AS body
                      FROM generate_series(%(start)s, %(stop)s) AS g
                    ), solutions AS (
                      INSERT INTO catalogue_solution (slug, created_by_id, created, is_sample, vetted_at)
                      SELECT 'bench-sol-' || g, %(user)s, now(), true, now() - (g %% 1500) * interval '1 day'
                      FROM rows RETURNING id, slug, vetted_at
                    )
                    INSERT INTO catalogue_solutionsearch (solution_id, slug, title, summary, language, country,
                      area, sdgs, hubs, modalities, tags, vetted_at, replications, is_sample, translations,
                      facet_codes, document)
                    SELECT s.id, s.slug, r.title, r.summary, %(language)s,
                      (%(countries)s::text[])[1 + (r.g * 5) %% cardinality(%(countries)s::text[])],
                      (%(areas)s::text[])[1 + (r.g * 7) %% cardinality(%(areas)s::text[])],
                      ARRAY[1 + (r.g %% 17), 1 + ((r.g * 3) %% 17)]::smallint[],
                      ARRAY['bench-hub-' || (r.g %% 500)],
                      ARRAY[(%(modalities)s::text[])[1 + r.g %% 7], (%(modalities)s::text[])[1 + (r.g * 5) %% 7]],
                      ARRAY[(%(tags)s::text[])[1 + (r.g * 2) %% cardinality(%(tags)s::text[])]],
                      s.vetted_at, (r.g %% 4), true, '{}'::jsonb,
                      ARRAY(SELECT DISTINCT unnest(ARRAY[
                        (%(area_codes)s::int[])[1 + (r.g * 7) %% cardinality(%(areas)s::text[])],
                        (%(country_codes)s::int[])[1 + (r.g * 5) %% cardinality(%(countries)s::text[])],
                        (%(sdg_codes)s::int[])[1 + (r.g %% 17)], (%(sdg_codes)s::int[])[1 + ((r.g * 3) %% 17)],
                        (%(hub_codes)s::int[])[1 + (r.g %% 500)],
                        (%(modality_codes)s::int[])[1 + r.g %% 7], (%(modality_codes)s::int[])[1 + (r.g * 5) %% 7],
                        (%(tag_codes)s::int[])[1 + (r.g * 2) %% cardinality(%(tags)s::text[])],
                        %(language_code)s]) ORDER BY 1),
                      setweight(to_tsvector(%(config)s::regconfig, unaccent(r.title)), 'A') ||
                      setweight(to_tsvector('simple', unaccent(r.title)), 'A') ||
                      setweight(to_tsvector(%(config)s::regconfig, unaccent(r.summary)), 'B') ||
                      setweight(to_tsvector('simple', unaccent(r.summary)), 'B') ||
                      setweight(to_tsvector(%(config)s::regconfig, unaccent(r.body)), 'C')
                    FROM rows r JOIN solutions s ON s.slug = 'bench-sol-' || r.g
                    """,
                    params,
                )
            made += stop - start
            _bar(start + (stop - start) - existing, target - existing, started)
        cursor.execute(
            "INSERT INTO catalogue_searchterm (word) SELECT DISTINCT lower(unaccent(w)) FROM "
            "unnest(%s::text[]) AS w ON CONFLICT DO NOTHING",
            [[w for words in WORDS.values() for w in words.split()]],
        )
        cursor.execute("ANALYZE catalogue_solutionsearch")
    sys.stderr.write("\n")
    return made, made / (time.perf_counter() - started)


def measure(rounds: int = 3) -> dict[str, float]:
    """Time the 50-query mix (search + facet counts + first page with its snippets), in ms."""
    from catalogue import search

    timings = []
    for round_number in range(rounds + 1):
        for q, filters in QUERIES:
            started = time.perf_counter()
            result = search.search(q=q, filters=filters)
            list(result.with_snippets()[:20])  # as the catalogue page shows it
            elapsed = (time.perf_counter() - started) * 1000
            if round_number:  # the first round warms the caches
                timings.append(elapsed)
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return {
        "queries": len(timings),
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "max": max(timings),
    }


def main() -> None:
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from .server import manage, stack_environment

    os.environ.update(stack_environment())  # the benchmark database; this process holds the servers
    manage(dict(os.environ), "migrate", "--noinput", "--verbosity", "0")
    import django

    django.setup()
    from catalogue.models import SolutionSearch

    made, rate = generate(target)
    figures = measure()
    total = SolutionSearch.objects.count()
    print(
        f"catalogue search, {total:,} solutions: {figures['queries']} timed queries (50-query mix × 3), "
        f"p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, p99 {figures['p99']:.1f} ms, "
        f"max {figures['max']:.1f} ms; generated {made:,} rows at {rate:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
