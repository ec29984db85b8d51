from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0021_account_counters')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PersonTie',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account_a', fields.ForeignKeyField('models.Account', source_field='account_a_id', db_constraint=True, to_field='id', related_name='ties_a', on_delete=OnDelete.CASCADE)),
                ('account_b', fields.ForeignKeyField('models.Account', source_field='account_b_id', db_constraint=True, to_field='id', related_name='ties_b', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'person_tie', 'app': 'models', 'unique_together': (('account_a', 'account_b'),), 'pk_attr': 'id', 'table_description': "Two accounts that are not linked, but that the person's own actions showed to be one"},
            bases=['Model'],
        ),
    ]
