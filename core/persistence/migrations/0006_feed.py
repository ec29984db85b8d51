from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_trust_and_safety')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FeedSession',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.OneToOneField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='feed_session', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField(default=0)),
                ('pages', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('seen', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('version', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'feed_session', 'app': 'models', 'pk_attr': 'id', 'table_description': "The pages of one viewer's current `/feed` session, and what they were shown lately."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PostTerm',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='terms', on_delete=OnDelete.CASCADE)),
                ('term', fields.CharField(max_length=64)),
                ('tag', fields.BooleanField(default=False)),
            ],
            options={'table': 'post_term', 'app': 'models', 'unique_together': (('post', 'term'),), 'indexes': [Index(fields=['term', 'post_id'])], 'pk_attr': 'id', 'table_description': "A word of a post's prompt or caption, or one of its #tags: for /search and /tag."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TasteProfile',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.OneToOneField('models.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='taste', on_delete=OnDelete.CASCADE)),
                ('destination', fields.OneToOneField('models.Destination', source_field='destination_id', null=True, db_constraint=True, to_field='id', related_name='taste', on_delete=OnDelete.CASCADE)),
                ('embedding_model', fields.CharField(null=True, max_length=64)),
                ('vector', fields.BinaryField(null=True)),
                ('total_weight', fields.FloatField(default=0.0)),
                ('authors', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('buckets', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('terms', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('engaged', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('steering_text', fields.TextField(default='', unique=False)),
                ('steering', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'taste_profile', 'app': 'models', 'pk_attr': 'id', 'table_description': 'What one account (or one channel) likes, and how its owner tuned their feed.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Post',
            name='embedding',
            field=fields.BinaryField(null=True),
        ),
        ops.AddField(
            model_name='Post',
            name='embedding_model',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Post',
            name='hot',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Post',
            name='newcomer',
            field=fields.BooleanField(null=True),
        ),
        ops.AddField(
            model_name='Post',
            name='taste_bucket',
            field=fields.SmallIntField(null=True),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['audience', 'hot']),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['taste_bucket', 'hot']),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['newcomer', 'created_at']),
        ),
    ]
