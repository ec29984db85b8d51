import functools
from json import dumps, loads

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_digest_collages')]

    initial = False

    operations = [
        ops.AddField(
            model_name='TasteProfile',
            name='tags',
            field=fields.JSONField(default=dict, db_default={}, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
