from tortoise import migrations
from tortoise.migrations import operations as ops
from core.domain import OutboxOperation, OutboxState
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_crossposts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ShownPost',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('message', fields.ForeignKeyField('models.SentMessage', source_field='message_id', db_constraint=True, to_field='id', related_name='shown', on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='shown_in', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'shown_post', 'app': 'models', 'unique_together': (('message', 'post'),), 'indexes': [Index(fields=['post_id'])], 'pk_attr': 'id', 'table_description': 'A post that a sent message shows besides its own (a digest collage shows several).'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='OutboxMessage',
            name='state',
            field=fields.CharEnumField(default=OutboxState.PENDING, description='PENDING: pending\nSENDING: sending\nSENT: sent\nFAILED: failed\nWITHDRAWN: withdrawn', enum_type=OutboxState, max_length=16),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='operation',
            field=fields.CharEnumField(default=OutboxOperation.SEND, description='SEND: send\nRETRACT: retract', enum_type=OutboxOperation, max_length=16),
        ),
        ops.AddField(
            model_name='Post',
            name='sensitive',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='SentMessage',
            name='server_id',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
