from django.db import migrations


def forwards(apps, schema_editor):
    from hubs.reference_data import ensure_curators_group, ensure_priority_areas

    ensure_priority_areas(apps)
    ensure_curators_group(apps)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Curators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("hubs", "0001_knowledge_hubs"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
