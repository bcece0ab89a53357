from django.db import migrations


def forwards(apps, schema_editor):
    from catalogue.reference_data import ensure_all

    ensure_all(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_solutions_and_vetting"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
