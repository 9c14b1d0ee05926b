"""List the chain's signing keys: the current one and those retired by rotation, in order of
use, each with the number of blocks it signed. The `public_key` column is what goes into
CHAIN_RETIRED_PUBLIC_KEYS when the current key is rotated out (docs/chain.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models import Count

from chain.models import Block
from chain.selectors import chain_public_keys


class Command(BaseCommand):
    help = "List the chain signing keys (current and retired) and how many blocks each signed."

    def handle(self, *args, **options) -> None:
        signed = dict(Block.objects.order_by().values("key_id").annotate(n=Count("pk")).values_list("key_id", "n"))
        for key in chain_public_keys():
            role = "current" if key["current"] else "retired"
            self.stdout.write(f"{role:8} {key['key_id']} {key['public_key']} blocks={signed.pop(key['key_id'], 0)}")
        for key_id, count in sorted(signed.items()):  # left over: keys verify_chain does not know
            self.stdout.write(f"unknown  {key_id} {'?' * 64} blocks={count}")
