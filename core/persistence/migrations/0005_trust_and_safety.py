from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.domain import GenerationAccess, ModerationState, Platform, ReportState, ReportTarget, SanctionKind
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_accounts_linking')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ModerationAction',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('moderator', fields.ForeignKeyField('models.Account', source_field='moderator_id', null=True, db_constraint=True, to_field='id', related_name='moderation_done', on_delete=OnDelete.SET_NULL)),
                ('moderator_handle', fields.CharField(max_length=32)),
                ('action', fields.CharField(max_length=24)),
                ('target_key', fields.CharField(max_length=48)),
                ('subject', fields.ForeignKeyField('models.Account', source_field='subject_id', null=True, db_constraint=True, to_field='id', related_name='moderation_received', on_delete=OnDelete.SET_NULL)),
                ('subject_handle', fields.CharField(default='', max_length=32)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('platform', fields.CharEnumField(description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('server_id', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'moderation_action', 'app': 'models', 'indexes': [Index(fields=['platform', 'server_id', 'created_at']), Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': 'The audit log: who did what to whom, when and why. Survives deleted accounts.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Report',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reporter', fields.ForeignKeyField('models.Account', source_field='reporter_id', db_constraint=True, to_field='id', related_name='reports_made', on_delete=OnDelete.CASCADE)),
                ('target_kind', fields.CharEnumField(description='POST: post\nCOMMENT: comment\nUSER: user', enum_type=ReportTarget, max_length=16)),
                ('target_key', fields.CharField(max_length=48)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', null=True, db_constraint=True, to_field='id', related_name='reports', on_delete=OnDelete.CASCADE)),
                ('comment', fields.ForeignKeyField('models.Comment', source_field='comment_id', null=True, db_constraint=True, to_field='id', related_name='reports', on_delete=OnDelete.CASCADE)),
                ('subject', fields.ForeignKeyField('models.Account', source_field='subject_id', db_constraint=True, to_field='id', related_name='reports_received', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=500)),
                ('platform', fields.CharEnumField(description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('server_id', fields.CharField(null=True, max_length=64)),
                ('state', fields.CharEnumField(default=ReportState.OPEN, description='OPEN: open\nRESOLVED: resolved', enum_type=ReportState, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'report', 'app': 'models', 'unique_together': (('reporter', 'target_key'),), 'indexes': [Index(fields=['state', 'platform', 'server_id']), Index(fields=['target_key', 'state'])], 'pk_attr': 'id', 'table_description': 'Someone reported a post, a comment or a user: one row per (reporter, target).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Sanction',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='sanctions', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='MUTE: mute\nBAN: ban', enum_type=SanctionKind, max_length=8)),
                ('platform', fields.CharEnumField(null=True, description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('server_id', fields.CharField(null=True, max_length=64)),
                ('until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('created_by', fields.ForeignKeyField('models.Account', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='sanctions_given', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sanction', 'app': 'models', 'indexes': [Index(fields=['account_id', 'until'])], 'pk_attr': 'id', 'table_description': 'A mute or ban: in one server (platform + server_id) or everywhere (server_id None).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Destination',
            name='blocked_words',
            field=fields.JSONField(default=list, db_default=[], encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Destination',
            name='generation_access',
            field=fields.CharEnumField(default=GenerationAccess.EVERYONE, db_default=GenerationAccess.EVERYONE, description='EVERYONE: everyone\nROLE: role\nADMINS: admins\nNOBODY: nobody', enum_type=GenerationAccess, max_length=16),
        ),
        ops.AddField(
            model_name='Destination',
            name='generation_role',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Destination',
            name='member_daily_cap',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Post',
            name='moderation',
            field=fields.CharEnumField(default=ModerationState.VISIBLE, db_default=ModerationState.VISIBLE, description='VISIBLE: visible\nPENDING_REVIEW: pending_review\nHIDDEN: hidden\nREMOVED: removed', enum_type=ModerationState, max_length=16),
        ),
        ops.AddField(
            model_name='Post',
            name='origin_server_id',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['origin_platform', 'origin_server_id']),
        ),
    ]
