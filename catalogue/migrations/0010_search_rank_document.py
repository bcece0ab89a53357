import django.contrib.postgres.search
from django.db import migrations

# SolutionSearch.rank_document is the title (A), summary and tags (B) part of the document:
# what the ranking weighs, short enough to stay in the row. A trigger keeps it, whoever
# writes the document (index_solution, bulk loads). Not a GeneratedField, whose system
# check asks the database server for its version: `manage.py check` must run without one.
TRIGGER = """
CREATE FUNCTION catalogue_search_rank_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.rank_document := ts_filter(NEW.document, '{a,b}');
    RETURN NEW;
END $$;

CREATE TRIGGER catalogue_search_rank_document BEFORE INSERT OR UPDATE
    ON catalogue_solutionsearch
    FOR EACH ROW EXECUTE FUNCTION catalogue_search_rank_document();

UPDATE catalogue_solutionsearch SET rank_document = ts_filter(document, '{a,b}');
"""
DROP_TRIGGER = """
DROP TRIGGER catalogue_search_rank_document ON catalogue_solutionsearch;
DROP FUNCTION catalogue_search_rank_document();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0009_highlight_text_search_configurations"),
    ]

    operations = [
        migrations.AddField(
            model_name="solutionsearch",
            name="rank_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunSQL(TRIGGER, DROP_TRIGGER),
    ]
