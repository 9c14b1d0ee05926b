"""Stored notifications: the offline copy of every event a user was sent."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors
from notifications.serializers import (
    MarkReadInput,
    MarkReadOutput,
    NotificationOutput,
    NotificationPageOutput,
    NotificationsQuery,
)
from notifications.services import notifications_mark_read
from securebank.openapi import ERRORS


class NotificationPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


class NotificationListView(APIView):
    @extend_schema(
        summary="The caller's notifications, newest first, with the unread count (cursor-paginated)",
        parameters=[NotificationsQuery],
        responses={200: NotificationPageOutput, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request: Request) -> Response:
        query = NotificationsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.notifications_for_user(user=request.user, unread_only=query.validated_data["unread"])
        paginator = NotificationPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return Response(
            {
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "unread": selectors.notifications_unread_count(user=request.user),
                "results": NotificationOutput(page, many=True).data,
            }
        )


class NotificationReadView(APIView):
    @extend_schema(
        summary="Mark notifications read: {\"ids\": [..]} or {\"all\": true}",
        description="Ids that are not the caller's are ignored. Answers how many changed and how many remain unread.",
        request=MarkReadInput,
        responses={200: MarkReadOutput, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def post(self, request: Request) -> Response:
        data = MarkReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notifications_mark_read(
            user=request.user, ids=data.validated_data.get("ids"), all=data.validated_data.get("all", False)
        )
        return Response({"marked": marked, "unread": selectors.notifications_unread_count(user=request.user)})
