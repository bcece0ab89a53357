from django.db import migrations


def forwards(apps, schema_editor):
    from hubs.reference_data import ensure_questionnaire_v1

    ensure_questionnaire_v1(apps)


def backwards(apps, schema_editor):
    apps.get_model("hubs", "Questionnaire").objects.filter(version=1, assessments=None).delete()


class Migration(migrations.Migration):
    dependencies = [("hubs", "0004_self_assessment")]
    operations = [migrations.RunPython(forwards, backwards)]
