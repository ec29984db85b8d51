from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_job_leases')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LinkAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('identity', fields.ForeignKeyField('models.Identity', source_field='identity_id', db_constraint=True, to_field='id', related_name='link_attempts', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'link_attempt', 'app': 'models', 'indexes': [Index(fields=['identity_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A try at redeeming a code, for the rate limit (5 an hour per identity).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LinkCode',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=16)),
                ('issuer', fields.ForeignKeyField('models.Identity', source_field='issuer_id', db_constraint=True, to_field='id', related_name='link_codes', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'link_code', 'app': 'models', 'pk_attr': 'id', 'table_description': "A one-time code that joins the identity redeeming it to the issuer's account."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Account',
            name='show_linked_handles',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Identity',
            name='username',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Post',
            name='remix_parent_gone',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
