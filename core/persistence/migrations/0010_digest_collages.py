from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0009_policy_and_retraction')]

    initial = False

    operations = [
        ops.AddField(
            model_name='DigestRun',
            name='collage',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
