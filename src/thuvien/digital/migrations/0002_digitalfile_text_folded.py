from django.db import migrations, models


def fill(apps, schema_editor):
    from thuvien.digital.textmatch import folded_words

    DigitalFile = apps.get_model("digital", "DigitalFile")
    for page in DigitalFile.objects.exclude(text="").only("pk", "text").iterator():
        DigitalFile.objects.filter(pk=page.pk).update(text_folded=folded_words(page.text))


class Migration(migrations.Migration):

    dependencies = [("digital", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="digitalfile",
            name="text_folded",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
