from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_taste_tags')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Reaction',
            name=None,
            fields=['account_id', 'created_at'],
        ),
        ops.AddIndex(
            model_name='Reaction',
            index=Index(fields=['account_id', 'created_at', 'post_id']),
        ),
        ops.AddIndex(
            model_name='Reaction',
            index=Index(fields=['post_id', 'created_at', 'account_id']),
        ),
    ]
