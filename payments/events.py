"""What each user is told, and when: the payloads of the WebSocket events and stored
notifications that payments and money requests produce (documented in docs/payments.md).

Everything here goes through `notifications.services.notification_send` (a Notification row in
the caller's transaction: the outbox; the push after commit, see notifications/outbox.py). Nothing
here moves money or changes state.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from accounts.models import User
from ledger.models import Account, Transaction
from notifications.services import Outgoing, notification_send, notifications_send
from payments.models import MoneyRequest
from securebank import clock
from securebank.money import format_amount, format_rupees

_iso = clock.timestamp  # every moment an event carries, as REST shows it

logger = logging.getLogger(__name__)

Balances = dict[int, tuple[Decimal, Decimal]]


def party(user: User | None) -> dict[str, Any]:
    """A counterparty as a client shows it. The bank itself (deposits) has no VPA."""
    if user is None:
        return {"name": "SecureBank", "vpa": None}
    return {"name": user.display_name, "vpa": user.vpa}


# --- Money requests ----------------------------------------------------------------------------
def money_request_data(request: MoneyRequest) -> dict[str, Any]:
    return {
        "id": str(request.pk),
        "amount": format_amount(request.amount),
        "note": request.note,
        "status": request.status,
        "requester": party(request.requester),
        "payer": party(request.payer),
        "created_at": _iso(request.created_at),
        "expires_at": _iso(request.expires_at),
        "transaction_id": str(request.transaction_id) if request.transaction_id else None,
    }


def money_request_notify(*, request: MoneyRequest, kind: str) -> None:
    """Tell the party (or parties) concerned that `request` was created / paid / declined /
    cancelled / expired / reopened. Caller is inside the transaction that made the change."""
    amount = format_rupees(request.amount)
    requester, payer = request.requester, request.payer
    note = f": {request.note}" if request.note else ""
    messages: list[tuple[Any, str, str]] = []  # (recipient, title, message)
    if kind == "created":
        messages.append((payer, "Money request", f"{requester.display_name} ({requester.vpa}) requests {amount}{note}"))
    elif kind == "paid":
        held = request.transaction is not None and request.transaction.status == Transaction.Status.HELD
        tail = "; the payment is under review" if held else ""
        messages.append((requester, "Request paid", f"{payer.display_name} paid your request for {amount}{tail}"))
    elif kind == "declined":
        messages.append((requester, "Request declined", f"{payer.display_name} declined your request for {amount}"))
    elif kind == "cancelled":
        messages.append((payer, "Request cancelled", f"{requester.display_name} cancelled the request for {amount}"))
    elif kind == "expired":
        messages.append((requester, "Request expired", f"Your request to {payer.display_name} for {amount} expired"))
        messages.append((payer, "Request expired", f"The request from {requester.display_name} for {amount} expired"))
    elif kind == "reopened":
        state = "is open again" if request.status == MoneyRequest.Status.PENDING else "has expired"
        text = f"The payment of the request for {amount} was not completed after review; the request {state}"
        messages.extend([(requester, "Request payment not completed", text), (payer, "Payment not completed", text)])
    else:
        raise ValueError(f"unknown money request notification {kind!r}")
    data = {"kind": f"money_request.{kind}", "request": money_request_data(request)}
    for recipient, title, message in messages:
        notification_send(user_id=recipient.pk, event="notification", data=data, title=title, message=message)


# --- Committed ledger transactions ---------------------------------------------------------------
def payment_data(txn: Transaction, *, counterparty: Any, committed_at: str) -> dict[str, Any]:
    return {
        "transaction_id": str(txn.pk),
        "reference": txn.reference,
        "amount": format_amount(txn.amount),
        "status": txn.status,
        "kind": txn.kind,
        "channel": txn.channel,
        "note": txn.description,
        "counterparty": party(counterparty),
        "created_at": _iso(txn.created_at),
        "completed_at": _iso(txn.completed_at),
        "committed_at": committed_at,
    }


def transaction_events_publish(*, transaction: Transaction, event: str, balances: Balances) -> None:
    """Turn one committed ledger fact into the users' events (see docs/payments.md):

    completed -> payment_sent (payer), payment_received (payee), balance_update (each customer
                 whose balance changed);
    held      -> payment_sent with status "held" (payer; the payee hears when it completes);
    declined  -> notification payment.declined (payer);
    released  -> notification payment.released (payer).
    (A reversal is a transaction of its own: it is announced as "completed".)
    Runs inside the ledger's transaction, as its last step: the rows in one INSERT (they commit
    with the money), the pushes after the commit in one hop. `committed_at` is stamped here,
    just before the commit.
    """
    committed_at = clock.timestamp(clock.now())
    txn = transaction
    payer = txn.payer_account.owner
    payee = txn.payee_account.owner
    amount = format_rupees(txn.amount)
    out: list[Outgoing] = []
    if event == "completed":
        if payer is not None:
            out.append(Outgoing(
                payer.pk, "payment_sent", payment_data(txn, counterparty=payee, committed_at=committed_at),
                "Payment sent", f"{amount} to {party(payee)['name']}",
            ))
        if payee is not None:
            out.append(Outgoing(
                payee.pk, "payment_received", payment_data(txn, counterparty=payer, committed_at=committed_at),
                "Money received", f"{amount} from {party(payer)['name']}",
            ))
    elif event == "held" and payer is not None:
        out.append(Outgoing(
            payer.pk, "payment_sent", payment_data(txn, counterparty=payee, committed_at=committed_at),
            "Payment under review", f"{amount} to {party(payee)['name']} is held for review; the funds are reserved",
        ))
    elif event in {"declined", "released"} and payer is not None:
        title, message = (
            ("Payment declined", f"{amount} to {party(payee)['name']} was declined by risk checks")
            if event == "declined"
            else ("Payment not completed", f"{amount} to {party(payee)['name']} was released after review; nothing was paid")
        )
        data = {"kind": f"payment.{event}", "transaction": payment_data(txn, counterparty=payee, committed_at=committed_at)}
        out.append(Outgoing(payer.pk, "notification", data, title, message))
    out.extend(_balance_updates(txn, balances, committed_at))
    if out:
        notifications_send(out)


def _balance_updates(txn: Transaction, balances: Balances, committed_at: str) -> list[Outgoing]:
    accounts = {txn.payer_account_id: txn.payer_account, txn.payee_account_id: txn.payee_account}
    updates = []
    for account_id, (before, after) in balances.items():
        account: Account | None = accounts.get(account_id)
        if account is None or account.owner_id is None or before == after:
            continue
        # Live only (not stored): the balance itself is always at GET /api/accounts/me.
        data = {
            "account": account.number,
            "previous_balance": format_amount(before),
            "balance": format_amount(after),
            "change": format_amount(after - before),
            "transaction_id": str(txn.pk),
            "reference": txn.reference,
            "committed_at": committed_at,
        }
        updates.append(Outgoing(account.owner_id, "balance_update", data, store=False))
    return updates
