from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_digests')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MosaicChannel',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('destination', fields.OneToOneField('models.Destination', source_field='destination_id', db_constraint=True, to_field='id', related_name='mosaic_channel', on_delete=OnDelete.CASCADE)),
                ('server_id', fields.CharField(null=True, max_length=64)),
                ('target', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('topics', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'mosaic_channel', 'app': 'models', 'pk_attr': 'id', 'table_description': "A chat whose admins asked for Mosaic posts: new public posts by the place's members"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='channel',
            field=fields.ForeignKeyField('models.MosaicChannel', source_field='channel_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='post',
            field=fields.ForeignKeyField('models.Post', source_field='post_id', null=True, db_constraint=True, to_field='id', related_name='outbox_messages', on_delete=OnDelete.CASCADE),
        ),
    ]
