from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_tag_days')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Account',
            name='sensitive_confirmed_at',
            field=fields.DatetimeField(null=True),
        ),
    ]
