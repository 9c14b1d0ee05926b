"""Classic payments: balance, send (to a user id), request (from a user id).

Send runs exactly the /api/payments/send path: `idempotent_response` + `payments.services.payment_send`
+ `ledger.presenters.transfer_result` (limits, fraud scoring, holds, notifications, the chain).
The classic app names people by user id; the id is turned into the customer's VPA by the
accounts selector and the VPA is paid like any other payee.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts.selectors import user_get
from classic.presenters import account_numbers, number, transaction_numbers
from classic.serializers import RequestInput, SendInput
from classic.services import payment_pin_gate
from classic.views.base import ClassicView, classic_response
from ledger.exceptions import PayeeNotFound
from ledger.presenters import transfer_result
from ledger.selectors import account_summary_for_user
from payments import services
from payments.exceptions import PayerNotFound
from payments.serializers import MoneyRequestOutput
from securebank.idempotency_http import idempotent_response
from securebank.money import format_rupees


def vpa_of(user_id: int, missing: type[Exception]) -> str:
    user = user_get(user_id=user_id)
    if user is None:
        raise missing()
    return user.vpa


class BalanceView(ClassicView):
    def get(self, request: Request) -> Response:
        account = account_numbers(account_summary_for_user(user=request.user))
        if account is None:
            return Response({"success": True, "total_balance": 0.0, "accounts": []})
        return Response({"success": True, "total_balance": account["balance"], **account, "accounts": [account]})


def send_answer(body: dict[str, Any], code: int) -> dict[str, Any]:
    """The project's transfer answer plus what the classic app reads: `new_balance` (a number)
    and a `message`. A held payment says so: its money is reserved, not sent."""
    if "error" in body:
        return body
    txn = body.get("transaction") or {}
    amount = number(txn.get("amount"))
    rupees = format_rupees(Decimal(txn["amount"]))
    held = code == status.HTTP_202_ACCEPTED
    message = (f"{rupees} is held for a fraud review; you will be told when it is decided." if held
               else f"{rupees} sent.")
    return {
        **body,
        "transaction": transaction_numbers(txn),
        "success": True,
        "status": txn.get("status"),
        "message": message,
        "new_balance": number(body.get("balance")),
        "balance": number(body.get("balance")),
        "available": number(body.get("available")),
        "amount": amount,
    }


class SendView(ClassicView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "payments"

    def post(self, request: Request) -> Response:
        data = SendInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        payee = vpa_of(params["receiver_id"], PayeeNotFound)

        def execute(record: object) -> tuple[int, dict]:
            outcome = services.payment_send(
                payer=request.user, payee=payee, amount=params["amount"], note=params["description"],
                idempotency=record,
            )
            return transfer_result(outcome)

        response = idempotent_response(
            request, scope="classic.payments.send", execute=execute,
            gate=lambda: payment_pin_gate(user=request.user, pin=params.get("pin")),
        )
        response.data = send_answer(response.data, response.status_code)
        return classic_response(response)


class RequestView(ClassicView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "payments"

    def post(self, request: Request) -> Response:
        data = RequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        payer = vpa_of(params["from_user_id"], PayerNotFound)
        money_request = services.money_request_create(
            requester=request.user, payer=payer, amount=params["amount"], note=params["note"],
        )
        answer = dict(MoneyRequestOutput(money_request, context={"user": request.user}).data)
        answer["amount"] = number(answer["amount"])
        who = money_request.payer.display_name
        return Response(
            {"success": True, "message": f"Asked {who} for {format_rupees(money_request.amount)}.", "request": answer},
            status=status.HTTP_201_CREATED,
        )
