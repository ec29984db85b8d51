from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0019_rate_votes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Account',
            name='follower_count',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Account',
            name='following_count',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Account',
            name='post_count',
            field=fields.IntField(default=0, db_default=0),
        ),
        # The counters start true: counted once here, kept on every write from now on.
        ops.RunSQL(
            'UPDATE "account" SET '
            '"post_count" = (SELECT COUNT(*) FROM "post" WHERE "post"."author_id" = "account"."id" '
            'AND "post"."deleted_at" IS NULL), '
            '"follower_count" = (SELECT COUNT(*) FROM "follow" '
            'WHERE "follow"."followee_id" = "account"."id"), '
            '"following_count" = (SELECT COUNT(*) FROM "follow" '
            'WHERE "follow"."follower_id" = "account"."id")'
        ),
    ]
