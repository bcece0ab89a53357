from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm (typo-tolerant search) and unaccent (accent-insensitive search)."""

    initial = True
    dependencies = []
    operations = [TrigramExtension(), UnaccentExtension()]
