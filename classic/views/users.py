"""Classic people search: `accounts.selectors.user_search`, the same rules as /api/users/search
(contacts by any part of a name or identifier, strangers only by an exact one, at most 10)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts.selectors import user_search
from accounts.serializers import UserSearchHitOutput, UserSearchQuery
from classic.views.base import ClassicView


class UserSearchView(ClassicView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "search"

    def get(self, request: Request) -> Response:
        query = UserSearchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        hits = user_search(user=request.user, q=query.validated_data["q"])
        users = []
        for hit, shown in zip(hits, UserSearchHitOutput(hits, many=True).data, strict=True):
            users.append({"id": hit.user.pk, "full_name": hit.user.full_name, "username": hit.user.username,
                          "upi_id": hit.user.vpa, "display_name": shown["display_name"], "phone": shown["phone"],
                          "is_contact": hit.is_contact})
        return Response({"success": True, "users": users})
