"""Input and output shapes for the notifications endpoints (moved from payments: the schemas
are unchanged)."""

from __future__ import annotations

from rest_framework import serializers

from notifications.models import Notification
from securebank.serializers import DatabaseIdField, StrictSerializer


# --- Inputs ------------------------------------------------------------------------------------
class NotificationsQuery(StrictSerializer):
    unread = serializers.BooleanField(required=False, default=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)
    cursor = serializers.CharField(required=False)


class MarkReadInput(StrictSerializer):
    ids = serializers.ListField(child=DatabaseIdField(), required=False, min_length=1, max_length=500, allow_empty=False)
    all = serializers.BooleanField(required=False)
    # Either a non-empty `ids` or `all: true`, not both (validate() below).
    one_of_schemas = ({"required": ["ids"]}, {"required": ["all"], "properties": {"all": {"enum": [True]}}})

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("ids")) == bool(attrs.get("all")):
            raise serializers.ValidationError({"ids": ["Give either ids (a list) or all: true."]})
        return attrs


# --- Outputs -----------------------------------------------------------------------------------
class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.CharField()
    title = serializers.CharField()
    message = serializers.CharField()
    data = serializers.DictField()
    read = serializers.SerializerMethodField()
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationPageOutput(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    unread = serializers.IntegerField()
    results = NotificationOutput(many=True)


class MarkReadOutput(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()
