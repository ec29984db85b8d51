from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.domain import ChallengeState, Platform
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0017_new_posts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Challenge',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=96)),
                ('theme', fields.CharField(max_length=100)),
                ('platform', fields.CharEnumField(null=True, description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('server_id', fields.CharField(null=True, max_length=64)),
                ('created_by', fields.ForeignKeyField('models.Account', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='challenges', on_delete=OnDelete.SET_NULL)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('state', fields.CharEnumField(default=ChallengeState.RUNNING, description='RUNNING: running\nENDING: ending\nFINISHED: finished', enum_type=ChallengeState, max_length=16)),
                ('collage', fields.CharField(null=True, max_length=64)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'challenge', 'app': 'models', 'indexes': [Index(fields=['state', 'ends_at']), Index(fields=['platform', 'server_id', 'state'])], 'pk_attr': 'id', 'table_description': 'One themed challenge: the own one of a server or group (`server_id` set), or global.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChallengeEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('challenge', fields.ForeignKeyField('models.Challenge', source_field='challenge_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='challenge_entries', on_delete=OnDelete.CASCADE)),
                ('platform', fields.CharEnumField(description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('chat_id', fields.CharField(null=True, max_length=64)),
                ('disqualified_reason', fields.CharField(null=True, max_length=200)),
                ('votes', fields.IntField(null=True)),
                ('rank', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'challenge_entry', 'app': 'models', 'unique_together': (('challenge', 'post'),), 'indexes': [Index(fields=['challenge_id', 'disqualified_reason']), Index(fields=['rank'])], 'pk_attr': 'id', 'table_description': 'A post entered in a challenge, by the author of the post (account merges follow).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChallengeFollow',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('destination', fields.OneToOneField('models.Destination', source_field='destination_id', db_constraint=True, to_field='id', related_name='challenge_follow', on_delete=OnDelete.CASCADE)),
                ('server_id', fields.CharField(null=True, max_length=64)),
                ('target', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'challenge_follow', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A chat that follows challenges: it gets entries and results through the outbox.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChallengeVote',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.ForeignKeyField('models.ChallengeEntry', source_field='entry_id', db_constraint=True, to_field='id', related_name='vote_rows', on_delete=OnDelete.CASCADE)),
                ('voter', fields.ForeignKeyField('models.Account', source_field='voter_id', db_constraint=True, to_field='id', related_name='challenge_votes', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('counts_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('voided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'challenge_vote', 'app': 'models', 'unique_together': (('entry', 'voter'),), 'indexes': [Index(fields=['voter_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'The vote of one person for one entry (linked accounts are one Account: one vote).'},
            bases=['Model'],
        ),
    ]
