from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0022_person_ties')]

    initial = False

    # A Discord interaction's token (a secret, valid 15 minutes), kept with the job so that a
    # workers-only process's status edit can be made on the ephemeral response; removed when
    # the job's last status edit is made or the token has expired.
    operations = [
        ops.AddField(
            model_name='GenerationJob',
            name='status_token',
            field=fields.TextField(null=True),
        ),
        ops.AddField(
            model_name='GenerationJob',
            name='status_token_until',
            field=fields.DatetimeField(null=True),
        ),
        # The housekeeping removes expired tokens every tick: only rows holding one count.
        ops.RunSQL(
            'CREATE INDEX "idx_generation_job_status_token" ON "generation_job" '
            '("status_token_until") WHERE "status_token" IS NOT NULL'
        ),
    ]
