from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0014_sensitive_opt_in')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['remix_of_id', 'like_count']),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['image_id']),
        ),
    ]
