"""OpenAPI links: which response feeds which next request.

A link says "the `id` in this response is the `transaction_id` of that operation". Client
generators and the schema-driven fuzzer (.ci/fuzz_api.py, schemathesis's stateful phase) follow
them, so a fuzzer reaches transactions, proofs, money requests, QR codes and fraud alerts that
exist instead of guessing ids that 404.

All links live here, keyed by operationId, and one postprocessing hook adds them to the schema:
the flows read in one place, and a renamed operation or parameter fails
securebank/tests/test_openapi_links.py instead of silently breaking a chain.
"""

from __future__ import annotations

from typing import Any

Link = dict[str, Any]

# Body expressions (OpenAPI runtime expressions) reused by several links.
_TX_FROM_TRANSFER = "$response.body#/transaction/id"
_REGISTERED = "$response.body#/user/username"


def _link(operation_id: str, description: str, *, parameters: dict[str, str] | None = None,
          body: dict[str, Any] | None = None) -> Link:
    link: Link = {"operationId": operation_id, "description": description}
    if parameters:
        link["parameters"] = parameters
    if body is not None:
        link["requestBody"] = body
        # Send exactly this body: merged into a generated one it could gain a conflicting field
        # ("identifier" beside "username") and be refused for that, not for the link's values.
        link["x-schemathesis"] = {"merge_body": False}
    return link


def _to_transaction(expression: str) -> Link:
    return _link("transactions_retrieve", "The transaction just made.",
                 parameters={"path.transaction_id": expression})


# operationId -> status code -> link name -> link.
LINKS: dict[str, dict[str, dict[str, Link]]] = {
    # register -> login -> send / transfer / request money (the new customer as the counterparty)
    "auth_register_create": {"201": {
        "Login": _link("auth_login_create", "Log in with the credentials just registered.",
                       body={"username": "$request.body#/username", "password": "$request.body#/password"}),
        "PayTheNewCustomer": _link("payments_send_create", "Send money to the customer just registered.",
                                   body={"payee": _REGISTERED, "amount": "1.00"}),
        "TransferToTheNewCustomer": _link("transactions_transfer_create", "Transfer to the customer just registered.",
                                          body={"to_username": _REGISTERED, "amount": "1.00"}),
        "RequestFromTheNewCustomer": _link("payments_request_create", "Ask the customer just registered for money.",
                                           body={"payer": _REGISTERED, "amount": "1.00"}),
    }},
    "auth_login_create": {"200": {
        "PayTheLoggedInCustomer": _link("payments_send_create", "Send money to the customer who logged in.",
                                        body={"payee": _REGISTERED, "amount": "1.00"}),
        "Refresh": _link("auth_refresh_create", "Refresh the pair just issued.",
                         body={"refresh": "$response.body#/refresh"}),
        "Logout": _link("auth_logout_create", "Log out the session just opened.",
                        body={"refresh": "$response.body#/refresh"}),
    }},
    # send / transfer / pay a QR / a voice payment -> the transaction -> its proof
    **{
        operation_id: {status: {"GetTransaction": _to_transaction(_TX_FROM_TRANSFER)} for status in ("201", "202")}
        for operation_id in ("payments_send_create", "transactions_transfer_create", "payments_requests_accept_create",
                             "speech_execute_create")
    },
    "blockchain_verify_qr_create": {
        "200": {
            "PayTheQR": _link("blockchain_verify_qr_create", "Pay the code just previewed (an open amount needs one).",
                              body={"qr_data": "$request.body#/qr_data", "amount": "1.00", "confirm": True}),
        },
        "201": {"GetTransaction": _to_transaction(_TX_FROM_TRANSFER)},
        "202": {"GetTransaction": _to_transaction(_TX_FROM_TRANSFER)},
    },
    "transactions_history_list": {"200": {
        "GetTransaction": _to_transaction("$response.body#/results/0/id"),
    }},
    "transactions_retrieve": {"200": {
        "GetProof": _link("transactions_proof_retrieve", "The Merkle proof of this transaction's block.",
                          parameters={"path.transaction_id": "$response.body#/id"}),
    }},
    # money request -> accept / decline / cancel
    "payments_request_create": {"201": {
        name: _link(operation_id, description, parameters={"path.request_id": "$response.body#/request/id"})
        for name, operation_id, description in (
            ("Cancel", "payments_requests_cancel_create", "The requester withdraws the request."),
            ("Accept", "payments_requests_accept_create", "The payer pays the request."),
            ("Decline", "payments_requests_decline_create", "The payer refuses the request."),
        )
    }},
    "payments_pending_retrieve": {"200": {
        name: _link(operation_id, description, parameters={"path.request_id": "$response.body#/incoming/0/id"})
        for name, operation_id, description in (
            ("AcceptIncoming", "payments_requests_accept_create", "Pay the first request made of you."),
            ("DeclineIncoming", "payments_requests_decline_create", "Refuse the first request made of you."),
        )
    } | {
        "CancelOutgoing": _link("payments_requests_cancel_create", "Withdraw your first request.",
                                parameters={"path.request_id": "$response.body#/outgoing/0/id"}),
    }},
    # QR: generate -> preview (verify) -> pay
    "blockchain_generate_qr_create": {"201": {
        "VerifyQR": _link("blockchain_verify_qr_create", "Preview the code just generated.",
                          body={"qr_data": "$response.body#/qr_data"}),
    }},
    # fraud: the alert queue -> review (staff)
    "fraud_alerts_list": {"200": {
        name: _link("fraud_alerts_review_create", description,
                    parameters={"path.alert_id": "$response.body#/results/0/id"}, body={"action": action})
        for name, action, description in (
            ("Approve", "approve", "Release the first alert's held transaction."),
            ("Reject", "reject", "Reverse the first alert's held transaction."),
        )
    }},
    # the chain: head / list -> one block
    "blockchain_head_retrieve": {"200": {
        "GetBlock": _link("blockchain_blocks_retrieve", "The head block.",
                          parameters={"path.index": "$response.body#/block/index"}),
    }},
    "blockchain_chain_list": {"200": {
        "GetBlock": _link("blockchain_blocks_retrieve", "The first block listed.",
                          parameters={"path.index": "$response.body#/results/0/index"}),
    }},
}


def _operations_by_id(result: dict) -> dict[str, dict]:
    return {
        operation["operationId"]: operation
        for path_item in result.get("paths", {}).values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def postprocess_links(result: dict, generator: object, request: object, public: bool) -> dict:
    """Add LINKS to the responses they start from. A source operation or status the schema does
    not have is skipped here (a view a deployment leaves out); the test checks they all exist."""
    operations = _operations_by_id(result)
    for operation_id, by_status in LINKS.items():
        operation = operations.get(operation_id)
        if operation is None:
            continue
        for status, links in by_status.items():
            response = operation.get("responses", {}).get(status)
            if response is not None:
                response.setdefault("links", {}).update(links)
    return result
