"""Drop two indexes no query reads, which every import paid for.

- ``BibRecord.title_sort``: sorting by title is the search index's; the B-tree over these
  long keys took more of an import's writes than the records themselves.
- ``RecordIdentifier.record``: the unique (record, kind, value) index starts with it.

Only the indexes go: on SQLite an AlterField would copy the whole table.
"""

from django.db import migrations, models

# (table, column, PostgreSQL's extra LIKE index for a varchar)
INDEXES = [("catalog_bibrecord", "title_sort", True), ("catalog_recordidentifier", "record_id", False)]


def _names(schema_editor, table, column, like):
    names = [schema_editor._create_index_name(table, [column])]
    if like and schema_editor.connection.vendor == "postgresql":
        names.append(schema_editor._create_index_name(table, [column], suffix="_like"))
    return names


def drop_indexes(apps, schema_editor):
    qn = schema_editor.quote_name
    for table, column, like in INDEXES:
        for name in _names(schema_editor, table, column, like):
            schema_editor.execute(f"DROP INDEX IF EXISTS {qn(name)}")


def create_indexes(apps, schema_editor):
    qn = schema_editor.quote_name
    for table, column, like in INDEXES:
        plain, *others = _names(schema_editor, table, column, like)
        schema_editor.execute(f"CREATE INDEX {qn(plain)} ON {qn(table)} ({qn(column)})")
        for name in others:
            schema_editor.execute(f"CREATE INDEX {qn(name)} ON {qn(table)} ({qn(column)} varchar_pattern_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0002_ever_public"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="bibrecord",
                    name="title_sort",
                    field=models.CharField(max_length=200),
                ),
                migrations.AlterField(
                    model_name="recordidentifier",
                    name="record",
                    field=models.ForeignKey(db_index=False, on_delete=models.deletion.CASCADE,
                                            related_name="identifiers", to="catalog.bibrecord"),
                ),
            ],
        ),
    ]
