"""Signal receivers: committed ledger facts -> payments services. Thin: they only hand on."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def on_transaction_committed(sender: Any, *, transaction: Any, event: str, balances: dict, **kwargs: Any) -> None:
    """`ledger.signals.transaction_committed` (sent after commit) -> users' events."""
    from payments.services import transaction_committed_handle

    try:
        transaction_committed_handle(transaction=transaction, event=event, balances=balances)
    except Exception:
        # The money is committed; a failed notification must not stop other receivers.
        logger.exception("payments: could not publish events for transaction %s (%s)", transaction.pk, event)
