from tortoise import migrations
import functools
from json import dumps, loads
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0015_post_remix_and_image_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Impression',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('viewer', fields.ForeignKeyField('models.Account', source_field='viewer_id', null=True, db_constraint=True, to_field='id', related_name='impressions', on_delete=OnDelete.CASCADE)),
                ('place', fields.ForeignKeyField('models.Destination', source_field='place_id', null=True, db_constraint=True, to_field='id', related_name='impressions', on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='impressions', on_delete=OnDelete.CASCADE)),
                ('surface', fields.SmallIntField()),
                ('position', fields.SmallIntField()),
                ('sources', fields.SmallIntField(default=0)),
                ('parts', fields.BinaryField(null=True)),
                ('model', fields.IntField(default=0)),
                ('shown_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('outcome', fields.SmallIntField(default=0)),
                ('outcome_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'impression', 'app': 'models', 'indexes': [Index(fields=['viewer_id', 'post_id']), Index(fields=['shown_at'])], 'pk_attr': 'id', 'table_description': 'One post one surface showed to one viewer (or, for a cross-post, to one channel), and'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RankerModel',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.IntField(unique=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('parameters', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('metric', fields.FloatField(null=True)),
                ('baseline', fields.FloatField(null=True)),
                ('impressions', fields.IntField(default=0)),
                ('active', fields.BooleanField(default=False)),
                ('note', fields.CharField(max_length=200, default='')),
            ],
            options={'table': 'ranker_model', 'app': 'models', 'pk_attr': 'id', 'table_description': "A version of the feed's ranker fitted from impressions (core/feed/fitting.py): its"},
            bases=['Model'],
        ),
    ]
