"""The genesis block (index 0, no transactions), signed with the configured chain key, and
the chain-head row that points at it."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def create_genesis(apps, schema_editor):
    from chain.keys import chain_signer
    from chain.services import genesis_fields

    Block = apps.get_model("chain", "Block")
    ChainHead = apps.get_model("chain", "ChainHead")
    if ChainHead.objects.filter(pk=1).exists():
        return
    block = Block.objects.filter(index=0).first()
    if block is None:
        block = Block.objects.create(
            **genesis_fields(timestamp=timezone.now(), difficulty=settings.BLOCKCHAIN_DIFFICULTY, signer=chain_signer())
        )
    ChainHead.objects.create(pk=1, block=block)


class Migration(migrations.Migration):
    dependencies = [("chain", "0001_initial")]
    operations = [migrations.RunPython(create_genesis, migrations.RunPython.noop)]
