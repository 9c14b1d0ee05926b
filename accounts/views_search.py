"""GET /api/users/search: the payee picker. Thin: parse, call accounts.selectors.user_search."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.selectors import user_search
from accounts.serializers import UserSearchHitOutput, UserSearchOutput, UserSearchQuery
from securebank.openapi import ERRORS


class UserSearchView(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "search"

    @extend_schema(
        summary="Find a payee: your contacts by name, username, VPA or phone; anyone by exact VPA, phone or username",
        description="Contacts are the people you have paid, been paid by, asked money of or been asked "
        "by. Anyone else is found only by an identifier that names them exactly (a prefix of a "
        "stranger's name finds nothing). At most 10 results; phones are shown as their last four digits.",
        parameters=[UserSearchQuery],
        responses={200: UserSearchOutput, 400: ERRORS[400], 401: ERRORS[401], 429: ERRORS[429]},
    )
    def get(self, request: Request) -> Response:
        query = UserSearchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        hits = user_search(user=request.user, q=query.validated_data["q"])
        return Response({"results": UserSearchHitOutput(hits, many=True).data})
