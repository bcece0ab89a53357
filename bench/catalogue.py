"""Catalogue search benchmark: generate N realistic multilingual vetted solutions, then time
a fixed mix of 50 queries (server-side, the whole search including facet counts).

    python -m bench.catalogue 100000        (make bench runs it at 100,000)
    python -m bench.catalogue 1000000       (about 12 minutes of generation on 2 cores)

Writes only to the benchmark database (see bench/server.py) and tops up to N.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

COUNTRIES = ["BR", "MX", "ID", "SG", "CN", "CO", "AR", "TR", "ZA", "KR", "IN", "KE", "GH", "VN", "PE", "FR", "SN"]  # fmt: skip
MODALITIES = ["field_visit", "workshop", "joint_study", "secondment", "videoconference", "online_course", "joint_fund"]  # fmt: skip
TAGS = ["research", "peer learning", "financing", "gender", "digital", "rural", "urban", "youth", "climate"]  # fmt: skip
PREFIX = "bench-s2-"  # the generated solutions' slugs (older generators' rows are replaced)

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


# The texts come from Python (bench.corpus.Writer) through COPY into bench_rows; the rest
# (facets, the weighted multilingual document) is built here as index_solution builds it.
GENERATE = """
WITH rows AS (
  SELECT * FROM bench_rows
), solutions AS (
  INSERT INTO catalogue_solution (slug, created_by_id, created, is_sample, vetted_at)
  SELECT %(prefix)s || g, %(user)s, now(), true, now() - (g %% 1500) * interval '1 day'
  FROM rows RETURNING id, slug, vetted_at
)
INSERT INTO catalogue_solutionsearch (solution_id, slug, title, summary, language, country,
  area, sdgs, hubs, modalities, tags, vetted_at, replications, is_sample, translations,
  facet_codes, document)
SELECT s.id, s.slug, r.title, r.summary, %(language)s, r.country, r.area, r.sdgs,
  ARRAY[r.hub], r.modalities, r.tags, s.vetted_at, (r.g %% 4), true,
  CASE WHEN r.translated THEN jsonb_build_object(
    'title', jsonb_build_object(%(language2)s, r.title2),
    'summary', jsonb_build_object(%(language2)s, r.summary2)) ELSE '{}'::jsonb END,
  r.codes,
  setweight(to_tsvector(%(config)s::regconfig, unaccent(r.title)), 'A') ||
  setweight(to_tsvector('simple', unaccent(r.title)), 'A') ||
  setweight(to_tsvector(%(config)s::regconfig, unaccent(r.summary || ' ' || array_to_string(r.tags, ' '))), 'B') ||
  setweight(to_tsvector('simple', unaccent(r.summary || ' ' || array_to_string(r.tags, ' '))), 'B') ||
  setweight(to_tsvector(%(config)s::regconfig, unaccent(r.body)), 'C') ||
  setweight(to_tsvector('simple', unaccent(r.body)), 'C') ||
  CASE WHEN r.translated THEN
    setweight(to_tsvector(%(config2)s::regconfig, unaccent(r.title2)), 'A') ||
    setweight(to_tsvector('simple', unaccent(r.title2)), 'A') ||
    setweight(to_tsvector(%(config2)s::regconfig, unaccent(r.summary2)), 'B') ||
    setweight(to_tsvector('simple', unaccent(r.summary2)), 'B')
  ELSE ''::tsvector END
FROM rows r JOIN solutions s ON s.slug = %(prefix)s || r.g
"""


# The usual SDG of each priority area (a solution has it and one more).
AREA_SDGS = {
    "agriculture": 2, "disaster-risk": 13, "education": 4, "energy": 7, "environment": 15,
    "governance": 16, "health": 3, "public-finance": 17, "public-security": 16,
    "social-protection": 1, "statistics": 17, "urban-transport": 11, "water-sanitation": 6,
}  # fmt: skip


def _facets(rng, area: str, language: str) -> dict[str, list[str]]:
    """The facet values of one generated solution (as catalogue.search._facet_values gives them)."""
    sdgs = {AREA_SDGS[area], rng.randint(1, 17)}
    return {
        "area": [area],
        "sdg": [str(n) for n in sorted(sdgs)],
        "country": [rng.choice(COUNTRIES)],
        "hub": [f"bench-hub-{rng.randrange(500)}"],
        "modality": rng.sample(MODALITIES, rng.randint(1, 3)),
        "language": [language],
        "tag": sorted(rng.sample(TAGS, rng.randint(1, 2))),
    }


def generate(target: int, batch: int = 5_000) -> tuple[int, float]:
    """Top the benchmark database up to `target` vetted solutions. Returns (rows made, rows/s).

    Each solution is in one language (a fifth have their title and summary translated into
    another), about one priority area, and written as bench.corpus describes; its search
    row is built as catalogue.search.index_solution builds one.
    """

    from django.db import connection, transaction

    from accounts.models import User
    from catalogue.models import Solution, SolutionSearch
    from catalogue.search import facet_codes

    from . import corpus

    user, _created = User.objects.get_or_create(
        email="bench@example.org", defaults={"name": "Benchmark"}
    )
    stale = SolutionSearch.objects.filter(slug__startswith="bench-").exclude(
        slug__startswith=PREFIX
    )
    if stale.exists():  # rows of an older generator: a different corpus
        sys.stderr.write("  removing the solutions of an older generator\n")
        stale.delete()
        Solution.objects.filter(slug__startswith="bench-").exclude(slug__startswith=PREFIX).delete()
    existing = Solution.objects.filter(slug__startswith=PREFIX).count()
    if existing >= target:
        return 0, 0.0
    started = time.perf_counter()
    made = 0
    configs = corpus.CONFIGS
    languages = corpus.LANGUAGE_CODES
    hubs = [f"bench-hub-{n}" for n in range(500)]
    codes = facet_codes(
        {
            "area": corpus.AREAS, "sdg": [str(n) for n in range(1, 18)], "country": COUNTRIES,
            "hub": hubs, "modality": MODALITIES, "language": list(languages.values()), "tag": TAGS,
        }
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_rows (g int, area text, translated bool, title text, "
            "summary text, body text, title2 text, summary2 text, country text, sdgs smallint[], "
            "hub text, modalities text[], tags text[], codes int[]) ON COMMIT DELETE ROWS"
        )
        for start in range(existing, target, batch):
            stop = min(start + batch, target)
            turn = start // batch
            config = configs[turn % len(configs)]  # the original language of this batch
            shift = 1 + (turn // len(configs)) % (len(configs) - 1)  # and of its translations
            config2 = configs[(turn + shift) % len(configs)]
            writer = corpus.Writer(config, seed=start)
            writer2 = corpus.Writer(config2, seed=-start - 1)
            params = {
                "config": config, "config2": config2, "language": languages[config],
                "language2": languages[config2], "user": user.pk, "prefix": PREFIX,
            }  # fmt: skip
            with transaction.atomic():
                with cursor.copy("COPY bench_rows FROM STDIN") as copy:
                    for g in range(start, stop):
                        area = corpus.AREAS[(g * 7) % len(corpus.AREAS)]
                        pick = writer.rng.randrange(12)
                        translated = g % 5 == 0
                        facets = _facets(writer.rng, area, languages[config])
                        copy.write_row(
                            (
                                g, area, translated, writer.title(area, pick),
                                writer.summary(area), writer.body(area),
                                writer2.title(area, pick) if translated else "",
                                writer2.summary(area) if translated else "",
                                facets["country"][0], [int(n) for n in facets["sdg"]],
                                facets["hub"][0], facets["modality"], facets["tag"],
                                sorted({codes[name, value] for name, values in facets.items() for value in values}),
                            )
                        )  # fmt: skip
                cursor.execute(GENERATE, params)
            made += stop - start
            _bar(start + (stop - start) - existing, target - existing, started)
        cursor.execute(
            "INSERT INTO catalogue_searchterm (word) SELECT DISTINCT lower(unaccent(w)) FROM "
            "unnest(%s::text[]) AS w WHERE length(w) >= 3 ON CONFLICT DO NOTHING",
            [sorted({w for config in configs for w in corpus.ranked_words(config)})],
        )
        # As autovacuum leaves them a little later (its visibility map lets the scans skip
        # checking each new row's transaction), so that the figures are the steady state's.
        cursor.execute(
            "VACUUM (ANALYZE) catalogue_solutionsearch, catalogue_searchfacts, catalogue_searchterm"
        )
    sys.stderr.write("\n")
    return made, made / (time.perf_counter() - started)


def measure(rounds: int = 3) -> dict[str, float]:
    """Time the 50-query mix (search + facet counts + first page with its snippets), in ms."""
    from catalogue import search

    timings, slowest = [], []
    for round_number in range(rounds + 1):
        for q, filters in QUERIES:
            started = time.perf_counter()
            result = search.search(q=q, filters=filters)
            result.rows()[:20]  # the first page, as the catalogue shows it
            elapsed = (time.perf_counter() - started) * 1000
            if round_number:  # the first round warms the caches
                timings.append(elapsed)
                slowest.append((elapsed, q, filters))
    slowest.sort(key=lambda item: -item[0])
    for elapsed, q, filters in slowest[:8]:  # what decides p95 (the 8th slowest of 150)
        sys.stderr.write(f"  {elapsed:7.1f} ms  {q!r} {filters or ''}\n")
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return {
        "queries": len(timings),
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "max": max(timings),
    }


def main() -> None:
    argument = sys.argv[1] if len(sys.argv) > 1 else "100000"
    if not argument.isdigit() or not 1 <= int(argument) <= 10_000_000:
        sys.exit(
            f"python -m bench.catalogue N: N is a number of solutions, 1 to 10,000,000 (got {argument!r})"
        )
    target = int(argument)
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
