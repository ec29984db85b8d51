from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.domain import Audience, Platform
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('handle', fields.CharField(unique=True, max_length=32)),
                ('display_name', fields.CharField(max_length=64)),
                ('language', fields.CharField(null=True, max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'account', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person. Owns one Identity per platform.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ActionToken',
            fields=[
                ('token', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=24)),
                ('command', fields.CharField(max_length=64)),
                ('args', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('owner', fields.ForeignKeyField('models.Account', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='action_tokens', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'action_token', 'app': 'models', 'pk_attr': 'token', 'table_description': 'A button: a short token standing for (command, arguments, who may press it).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Block',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('blocker', fields.ForeignKeyField('models.Account', source_field='blocker_id', db_constraint=True, to_field='id', related_name='blocks_made', on_delete=OnDelete.CASCADE)),
                ('blocked', fields.ForeignKeyField('models.Account', source_field='blocked_id', db_constraint=True, to_field='id', related_name='blocks_received', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'block', 'app': 'models', 'unique_together': (('blocker', 'blocked'),), 'indexes': [Index(fields=['blocked_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Follow',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('follower', fields.ForeignKeyField('models.Account', source_field='follower_id', db_constraint=True, to_field='id', related_name='following', on_delete=OnDelete.CASCADE)),
                ('followee', fields.ForeignKeyField('models.Account', source_field='followee_id', db_constraint=True, to_field='id', related_name='followers', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'follow', 'app': 'models', 'unique_together': (('follower', 'followee'),), 'indexes': [Index(fields=['followee_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Identity',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='identities', on_delete=OnDelete.CASCADE)),
                ('platform', fields.CharEnumField(description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('platform_user_id', fields.CharField(max_length=64)),
                ('display_name', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'identity', 'app': 'models', 'unique_together': (('platform', 'platform_user_id'),), 'pk_attr': 'id', 'table_description': 'How an Account appears on one platform: (platform, platform user id).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StoredImage',
            fields=[
                ('sha256', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('format', fields.CharField(max_length=8)),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('size_bytes', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'stored_image', 'app': 'models', 'pk_attr': 'sha256', 'table_description': 'An image file, addressed by the SHA-256 of its (metadata-free) bytes.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Post',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('author', fields.ForeignKeyField('models.Account', source_field='author_id', db_constraint=True, to_field='id', related_name='posts', on_delete=OnDelete.CASCADE)),
                ('image', fields.ForeignKeyField('models.StoredImage', source_field='image_id', null=True, db_constraint=True, to_field='sha256', related_name='posts', on_delete=OnDelete.SET_NULL)),
                ('prompt', fields.TextField(null=True, unique=False)),
                ('caption', fields.TextField(default='', unique=False)),
                ('audience', fields.CharEnumField(default=Audience.PUBLIC, description='PRIVATE: private\nFOLLOWERS: followers\nPUBLIC: public', enum_type=Audience, max_length=16)),
                ('origin_platform', fields.CharEnumField(description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('origin_chat_id', fields.CharField(null=True, max_length=64)),
                ('remix_of', fields.ForeignKeyField('models.Post', source_field='remix_of_id', null=True, db_constraint=True, to_field='id', related_name='remixes', on_delete=OnDelete.SET_NULL)),
                ('allow_remix', fields.BooleanField(default=True)),
                ('provider', fields.CharField(null=True, max_length=32)),
                ('model', fields.CharField(null=True, max_length=64)),
                ('like_count', fields.IntField(default=0)),
                ('comment_count', fields.IntField(default=0)),
                ('remix_count', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'post', 'app': 'models', 'indexes': [Index(fields=['author_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Comment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='comments', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.Account', source_field='author_id', db_constraint=True, to_field='id', related_name='comments', on_delete=OnDelete.CASCADE)),
                ('text', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'comment', 'app': 'models', 'indexes': [Index(fields=['post_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reaction',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='reactions', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='reactions', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(default='like', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'reaction', 'app': 'models', 'unique_together': (('post', 'account', 'kind'),), 'indexes': [Index(fields=['account_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A like (native platform reactions map to it).'},
            bases=['Model'],
        ),
    ]
