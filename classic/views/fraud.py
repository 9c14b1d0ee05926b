"""Classic fraud: `health` is public (it says only whether a model serves); `analyze` needs the
caller's token, like /api/fraud/check, so it is never an anonymous oracle for probing the model.
The classic app sends no token to analyze: it gets 401 and uses its own client-side estimate,
while the real payment is scored server-side anyway (payments/send)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from classic.serializers import AnalyzeInput
from classic.views.base import ClassicView, PublicView
from classic.views.payments import vpa_of
from fraud.scoring import model_health
from fraud.selectors import payment_check
from ledger.exceptions import PayeeNotFound

RECOMMENDATIONS = {
    "allow": "APPROVE: low risk.",
    "hold": "REVIEW: the payment would be held for a fraud review.",
    "decline": "BLOCK: the payment would be declined.",
}


class FraudHealthView(PublicView):
    def get(self, request: Request) -> Response:
        state, _detail = model_health()  # the detail names the model: not for anonymous callers
        return Response({"status": "healthy" if state == "ok" else "degraded", "model_loaded": state == "ok"})


class AnalyzeView(ClassicView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "payments"

    def post(self, request: Request) -> Response:
        data = AnalyzeInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        payee = vpa_of(params["recipient_id"], PayeeNotFound)
        score = payment_check(payer=request.user, amount=params["amount"], to_vpa=payee)
        probability = None if score.probability is None else round(score.probability, 4)
        return Response({
            "success": True,
            "is_fraud": score.decision != "allow",
            "fraud_probability": probability,
            "risk_level": score.risk_level,
            "risk_factors": list(score.reasons),
            "recommendation": RECOMMENDATIONS[score.decision],
            "should_block": score.decision == "decline",
            "requires_review": score.decision == "hold",
            "decision": score.decision,
        })
