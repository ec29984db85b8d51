from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0012_reaction_covering_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TagDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tag', fields.CharField(max_length=64)),
                ('day', fields.DateField()),
                ('posts', fields.IntField(default=0)),
            ],
            options={'table': 'tag_day', 'app': 'models', 'unique_together': (('tag', 'day'),), 'pk_attr': 'id', 'table_description': "How many posts carried a #tag on a day (UTC): how crowded the tag is, for the feed's"},
            bases=['Model'],
        ),
    ]
