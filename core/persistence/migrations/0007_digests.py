from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.domain import DigestState, OutboxState, Platform, RunState
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_feed')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeliveredItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('destination', fields.ForeignKeyField('models.Destination', source_field='destination_id', db_constraint=True, to_field='id', related_name='delivered_items', on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'delivered_item', 'app': 'models', 'unique_together': (('destination', 'post'),), 'pk_attr': 'id', 'table_description': 'A post already sent to a destination in a digest: it is never sent there again.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DigestSubscription',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('destination', fields.ForeignKeyField('models.Destination', source_field='destination_id', db_constraint=True, to_field='id', related_name='digest_subscriptions', on_delete=OnDelete.CASCADE)),
                ('owner', fields.ForeignKeyField('models.Account', source_field='owner_id', db_constraint=True, to_field='id', related_name='digest_subscriptions', on_delete=OnDelete.CASCADE)),
                ('personal', fields.BooleanField(default=True)),
                ('target', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('schedule', fields.CharField(max_length=120)),
                ('schedule_text', fields.CharField(max_length=160)),
                ('timezone', fields.CharField(max_length=64)),
                ('quiet_start', fields.IntField(null=True)),
                ('quiet_end', fields.IntField(null=True)),
                ('size', fields.IntField(default=6)),
                ('topics', fields.CharField(default='', max_length=200)),
                ('state', fields.CharEnumField(default=DigestState.ACTIVE, description='ACTIVE: active\nPAUSED: paused', enum_type=DigestState, max_length=16)),
                ('paused_reason', fields.CharField(null=True, max_length=200)),
                ('last_run_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('next_run_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'digest_subscription', 'app': 'models', 'indexes': [Index(fields=['state', 'next_run_at']), Index(fields=['owner_id', 'state']), Index(fields=['destination_id'])], 'pk_attr': 'id', 'table_description': 'A digest that goes to one destination on a schedule (see core/digests).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DigestRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscription', fields.ForeignKeyField('models.DigestSubscription', source_field='subscription_id', db_constraint=True, to_field='id', related_name='runs', on_delete=OnDelete.CASCADE)),
                ('period', fields.CharField(max_length=32)),
                ('scheduled_for', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('state', fields.CharEnumField(default=RunState.CLAIMED, description='CLAIMED: claimed\nQUEUED: queued\nDELIVERED: delivered\nSKIPPED: skipped\nFAILED: failed', enum_type=RunState, max_length=16)),
                ('reason', fields.CharField(null=True, max_length=200)),
                ('items', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('claimed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'digest_run', 'app': 'models', 'unique_together': (('subscription', 'period'),), 'indexes': [Index(fields=['state', 'claimed_at']), Index(fields=['subscription_id', 'scheduled_for'])], 'pk_attr': 'id', 'table_description': 'One digest of one subscription for one period: the unique key makes it happen once.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DirectChat',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='direct_chats', on_delete=OnDelete.CASCADE)),
                ('platform', fields.CharEnumField(description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('target', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'direct_chat', 'app': 'models', 'unique_together': (('account', 'platform'),), 'pk_attr': 'id', 'table_description': 'Where a person can be reached privately on a platform (learned when they write us).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NotificationBatch',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('recipient', fields.ForeignKeyField('models.Account', source_field='recipient_id', db_constraint=True, to_field='id', related_name='notification_batches', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification_batch', 'app': 'models', 'indexes': [Index(fields=['recipient_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'The notifications of one person sent together in one message.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('recipient', fields.ForeignKeyField('models.Account', source_field='recipient_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('actor', fields.ForeignKeyField('models.Account', source_field='actor_id', db_constraint=True, to_field='id', related_name='notifications_caused', on_delete=OnDelete.CASCADE)),
                ('post_id', fields.BigIntField(null=True)),
                ('batch', fields.ForeignKeyField('models.NotificationBatch', source_field='batch_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification', 'app': 'models', 'indexes': [Index(fields=['batch_id', 'recipient_id'])], 'pk_attr': 'id', 'table_description': "Something happened to someone's post or profile, waiting for the next batch."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NotificationPreference',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='notification_preferences', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('enabled', fields.BooleanField(default=True)),
            ],
            options={'table': 'notification_preference', 'app': 'models', 'unique_together': (('account', 'kind'),), 'pk_attr': 'id', 'table_description': 'A kind of notification someone switched off (no row: on).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('platform', fields.CharEnumField(description='CONSOLE: console\nTELEGRAM: telegram\nDISCORD: discord', enum_type=Platform, max_length=16)),
                ('chat_key', fields.CharField(max_length=64)),
                ('group_chat', fields.BooleanField(default=False)),
                ('target', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reply', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('dedupe_key', fields.CharField(unique=True, max_length=96)),
                ('state', fields.CharEnumField(default=OutboxState.PENDING, description='PENDING: pending\nSENDING: sending\nSENT: sent\nFAILED: failed', enum_type=OutboxState, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(null=True, max_length=200)),
                ('run', fields.ForeignKeyField('models.DigestRun', source_field='run_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_message', 'app': 'models', 'indexes': [Index(fields=['platform', 'state', 'next_attempt_at']), Index(fields=['state', 'lease_until'])], 'pk_attr': 'id', 'table_description': 'A message to send outside any conversation, written before it is sent.'},
            bases=['Model'],
        ),
    ]
