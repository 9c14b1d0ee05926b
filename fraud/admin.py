"""Operator views: alerts with approve / reject actions (through the audited review service) and
model versions with their metrics and precision-recall curve. Nothing is edited in place."""

from __future__ import annotations

import base64
import json

from django.contrib import admin, messages
from django.utils.html import format_html

from fraud import services
from fraud.model_services import model_activate
from fraud.models import FraudAlert, FraudModel
from fraud.registry import PR_CURVE_FILE, ModelUnavailable, model_dir
from securebank.errors import DomainError
from securebank.money import format_rupees


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Actions need change permission; the change form has no editable field.
        return request.user.is_staff

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + list(getattr(self, "extra_readonly", ()))


@admin.register(FraudAlert)
class FraudAlertAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("id", "status", "risk_level", "score", "user", "amount", "reference", "created_at", "reviewed_by")
    list_filter = ("status", "risk_level")
    search_fields = ("transaction__reference", "user__username")
    list_select_related = ("transaction", "user", "reviewed_by")
    actions = ["approve", "reject"]

    @admin.display(description="amount")
    def amount(self, alert: FraudAlert) -> str:
        return format_rupees(alert.transaction.amount)

    @admin.display(description="reference")
    def reference(self, alert: FraudAlert) -> str:
        return alert.transaction.reference

    def _review(self, request, queryset, action: str) -> None:
        done = 0
        for alert in queryset:
            try:
                services.alert_review(alert_id=alert.pk, actor=request.user, action=action, note="via admin")
                done += 1
            except DomainError as exc:
                self.message_user(request, f"alert {alert.pk}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{'Approved' if action == 'approve' else 'Rejected'} {done} alert(s).")

    @admin.action(description="Approve: complete the held payments")
    def approve(self, request, queryset):
        self._review(request, queryset, "approve")

    @admin.action(description="Reject: release the held funds")
    def reject(self, request, queryset):
        self._review(request, queryset, "reject")


@admin.register(FraudModel)
class FraudModelAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("version", "is_active", "trained_at", "auprc", "roc_auc", "rows", "data_source")
    list_filter = ("is_active",)
    exclude = ("metrics",)
    extra_readonly = ("metrics_pretty", "pr_curve")
    actions = ["activate"]

    @admin.display(description="test AUPRC")
    def auprc(self, model: FraudModel) -> object:
        return model.metrics.get("test", {}).get("auprc")

    @admin.display(description="test ROC-AUC")
    def roc_auc(self, model: FraudModel) -> object:
        return model.metrics.get("test", {}).get("roc_auc")

    @admin.display(description="metrics")
    def metrics_pretty(self, model: FraudModel) -> str:
        return format_html("<pre>{}</pre>", json.dumps(model.metrics, indent=2, sort_keys=True))

    @admin.display(description="precision-recall curve (test set)")
    def pr_curve(self, model: FraudModel) -> str:
        try:
            png = (model_dir(model.version) / PR_CURVE_FILE).read_bytes()
        except (OSError, ValueError):
            return "(file not found)"
        return format_html('<img alt="PR curve" src="data:image/png;base64,{}">', base64.b64encode(png).decode())

    @admin.action(description="Activate the selected model (it scores every transfer)")
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model to activate.", messages.ERROR)
            return
        model = queryset.first()
        try:
            model_activate(version=model.version, actor=request.user)
        except (DomainError, ModelUnavailable) as exc:
            self.message_user(request, f"Not activated: {getattr(exc, 'message', exc)}", messages.ERROR)
            return
        self.message_user(request, f"Model {model.version} is now active.")
