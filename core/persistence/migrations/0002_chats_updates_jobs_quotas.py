from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.domain import ChatKind, JobState, Platform
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Destination',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('platform', fields.CharEnumField(description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('chat_id', fields.CharField(max_length=64)),
                ('kind', fields.CharEnumField(default=ChatKind.GROUP, description='PRIVATE: private\nGROUP: group\nCHANNEL: channel', enum_type=ChatKind, max_length=16)),
                ('title', fields.CharField(default='', max_length=128)),
                ('language', fields.CharField(null=True, max_length=8)),
                ('generation_allowed', fields.BooleanField(default=True)),
                ('nsfw_allowed', fields.BooleanField(default=False)),
                ('paused_reason', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'destination', 'app': 'models', 'unique_together': (('platform', 'chat_id'),), 'pk_attr': 'id', 'table_description': 'A chat, group, channel or server on a platform, with its settings and delivery state.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GenerationJob',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('requester', fields.ForeignKeyField('models.Account', source_field='requester_id', db_constraint=True, to_field='id', related_name='generation_jobs', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(default='generate', max_length=16)),
                ('prompt', fields.TextField(unique=False)),
                ('options', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('parent_post', fields.ForeignKeyField('models.Post', source_field='parent_post_id', null=True, db_constraint=True, to_field='id', related_name='remix_jobs', on_delete=OnDelete.SET_NULL)),
                ('parent_image', fields.CharField(null=True, max_length=64)),
                ('state', fields.CharEnumField(default=JobState.QUEUED, description='QUEUED: queued\nRUNNING: running\nSUCCEEDED: succeeded\nFAILED: failed\nCANCELLED: cancelled', enum_type=JobState, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('error_key', fields.CharField(null=True, max_length=64)),
                ('error_params', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('result_images', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('provider', fields.CharField(null=True, max_length=32)),
                ('model', fields.CharField(null=True, max_length=64)),
                ('origin_platform', fields.CharEnumField(description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('origin_chat_id', fields.CharField(null=True, max_length=64)),
                ('server_id', fields.CharField(null=True, max_length=64)),
                ('reply_target', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'generation_job', 'app': 'models', 'indexes': [Index(fields=['state', 'created_at']), Index(fields=['requester_id', 'state'])], 'pk_attr': 'id', 'table_description': 'One request to an image model, saved before the model is called.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProcessedUpdate',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('platform', fields.CharEnumField(description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('key', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'processed_update', 'app': 'models', 'unique_together': (('platform', 'key'),), 'pk_attr': 'id', 'table_description': 'Platform events already handled (Telegram update_id, Discord interaction id).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='QuotaUsage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('scope', fields.CharField(max_length=96)),
                ('day', fields.DateField()),
                ('used', fields.IntField(default=0)),
            ],
            options={'table': 'quota_usage', 'app': 'models', 'unique_together': (('scope', 'day'),), 'pk_attr': 'id', 'table_description': 'Images used per scope ("account:12", "server:discord:99") per UTC day.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SentMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('platform', fields.CharEnumField(description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('chat_id', fields.CharField(max_length=64)),
                ('message_id', fields.CharField(max_length=64)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', null=True, db_constraint=True, to_field='id', related_name='sent_messages', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'sent_message', 'app': 'models', 'unique_together': (('platform', 'chat_id', 'message_id'),), 'indexes': [Index(fields=['post_id'])], 'pk_attr': 'id', 'table_description': 'A message the bot sent that shows a post: for reactions-as-likes and takedowns.'},
            bases=['Model'],
        ),
    ]
