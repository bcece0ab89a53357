from django.db import migrations

# For snippets (catalogue.search.HIGHLIGHT_CONFIGS): each search configuration copied, with
# the unaccent dictionary before its own for the token types that can carry accents, so
# ts_headline finds the unaccented index's words in text shown with its accents.
CONFIGS = {
    "simple": "simple",
    "english": "english_stem",
    "spanish": "spanish_stem",
    "portuguese": "portuguese_stem",
    "french": "french_stem",
    "indonesian": "indonesian_stem",
}

CREATE = "".join(
    f"CREATE TEXT SEARCH CONFIGURATION {name}_unaccent (COPY = pg_catalog.{name});\n"
    f"ALTER TEXT SEARCH CONFIGURATION {name}_unaccent\n"
    f"    ALTER MAPPING FOR word, hword, hword_part WITH unaccent, {dictionary};\n"
    for name, dictionary in CONFIGS.items()
)
DROP = "".join(f"DROP TEXT SEARCH CONFIGURATION {name}_unaccent;\n" for name in CONFIGS)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_postgres_extensions"),
        ("catalogue", "0008_search_facet_totals"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
