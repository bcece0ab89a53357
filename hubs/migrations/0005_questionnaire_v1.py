from django.db import migrations


def forwards(apps, schema_editor):
    from hubs.assessment_questionnaire import QUESTIONNAIRE_V1

    Questionnaire = apps.get_model("hubs", "Questionnaire")
    Pillar = apps.get_model("hubs", "Pillar")
    Question = apps.get_model("hubs", "Question")
    Level = apps.get_model("hubs", "Level")
    questionnaire, created = Questionnaire.objects.get_or_create(
        version=1, defaults={"title": "Knowledge hub self-assessment", "is_active": True}
    )
    if not created:
        return
    for pillar_position, data in enumerate(QUESTIONNAIRE_V1):
        pillar = Pillar.objects.create(
            questionnaire=questionnaire,
            code=data["code"],
            kind=data["kind"],
            title=data["title"],
            summary=data.get("summary", ""),
            position=pillar_position,
        )
        for question_position, item in enumerate(data["questions"]):
            question = Question.objects.create(
                pillar=pillar,
                code=item["code"],
                text=item["text"],
                help=item.get("help", ""),
                position=question_position,
            )
            Level.objects.bulk_create(
                Level(question=question, value=value, description=description)
                for value, description in enumerate(item["levels"])
            )


def backwards(apps, schema_editor):
    apps.get_model("hubs", "Questionnaire").objects.filter(version=1, assessments=None).delete()


class Migration(migrations.Migration):
    dependencies = [("hubs", "0004_self_assessment")]
    operations = [migrations.RunPython(forwards, backwards)]
