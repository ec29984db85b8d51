from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0016_impressions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Post',
            name='shown',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Post',
            name='fan_likes',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['taste_bucket', 'created_at']),
        ),
    ]
