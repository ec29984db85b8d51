from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0018_challenges')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RateVote',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('voter', fields.ForeignKeyField('models.Account', source_field='voter_id', db_constraint=True, to_field='id', related_name='rate_votes', on_delete=OnDelete.CASCADE)),
                ('winner', fields.ForeignKeyField('models.Post', source_field='winner_id', db_constraint=True, to_field='id', related_name='rate_wins', on_delete=OnDelete.CASCADE)),
                ('loser', fields.ForeignKeyField('models.Post', source_field='loser_id', db_constraint=True, to_field='id', related_name='rate_losses', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'rate_vote', 'app': 'models', 'indexes': [Index(fields=['voter_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One answer to "which is better?": `voter` was shown `winner` and `loser` side by side'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Post',
            name='quality',
            field=fields.FloatField(default=0.0, db_default=0.0),
        ),
        ops.AddField(
            model_name='Post',
            name='quality_votes',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
