from django.db import migrations

# Keep rank_document in the row (compressed if need be) rather than out of line in TOAST
# storage: ranking reads it for every match, and a TOAST fetch per row cost a sixth of a
# broad search's time. The UPDATE rewrites the existing rows so they take the new storage.
FORWARD = """
ALTER TABLE catalogue_solutionsearch ALTER COLUMN rank_document SET STORAGE MAIN;
UPDATE catalogue_solutionsearch SET rank_document = ts_filter(document, '{a,b}');
"""
BACKWARD = "ALTER TABLE catalogue_solutionsearch ALTER COLUMN rank_document SET STORAGE EXTENDED;"


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0010_search_rank_document")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
