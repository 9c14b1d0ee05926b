"""Operator views of the ledger. Nothing here can edit a balance or an entry directly: money
changes only through services (deposit, reverse), and each leaves a transaction and an audit row."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from ledger import services
from ledger.models import Account, Entry, IdempotencyKey, Transaction
from securebank.errors import DomainError
from securebank.money import parse_amount

STAFF_DEPOSIT_MAX = Decimal("9999999999999999.99")


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DepositForm(forms.Form):
    amount = forms.CharField(help_text="Rupees, at most two decimals")
    description = forms.CharField(max_length=255, initial="Deposit")

    def clean_amount(self) -> Decimal:
        try:
            return parse_amount(self.cleaned_data["amount"], maximum=STAFF_DEPOSIT_MAX)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(Account)
class AccountAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "owner", "kind", "balance", "held", "status", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("number", "owner__username", "owner__vpa", "owner__phone")
    actions = ["freeze", "unfreeze", "deposit"]

    def has_change_permission(self, request, obj=None):
        # Actions need change permission; the change form itself has no editable fields.
        return request.user.is_staff

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description="Freeze selected accounts")
    def freeze(self, request, queryset):
        for account in queryset:
            services.account_status_set(account=account, status=Account.Status.FROZEN, actor=request.user, note="admin action")
        self.message_user(request, f"Froze {queryset.count()} account(s).")

    @admin.action(description="Unfreeze selected accounts")
    def unfreeze(self, request, queryset):
        for account in queryset:
            services.account_status_set(account=account, status=Account.Status.ACTIVE, actor=request.user, note="admin action")
        self.message_user(request, f"Unfroze {queryset.count()} account(s).")

    @admin.action(description="Deposit into selected accounts (from the treasury)")
    def deposit(self, request, queryset):
        queryset = queryset.filter(kind=Account.Kind.CUSTOMER)
        form = DepositForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for account in queryset:
                try:
                    services.deposit_create(account=account, amount=form.cleaned_data["amount"],
                                            description=form.cleaned_data["description"], actor=request.user)
                except DomainError as exc:
                    self.message_user(request, f"{account.number}: {exc.message}", messages.ERROR)
                    continue
            self.message_user(request, f"Deposited {form.cleaned_data['amount']} into {queryset.count()} account(s).")
            return None
        return TemplateResponse(request, "admin/ledger/deposit.html", {
            **self.admin_site.each_context(request), "title": "Deposit", "form": form, "accounts": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    readonly_fields = ("account", "amount", "balance_after", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("reference", "kind", "status", "amount", "payer_account", "payee_account", "fraud_decision", "created_at")
    list_filter = ("status", "kind", "channel", "fraud_decision")
    search_fields = ("reference", "id", "payer_account__number", "payee_account__number",
                     "payer_account__owner__username", "payee_account__owner__username")
    date_hierarchy = "created_at"
    inlines = [EntryInline]
    actions = ["reverse"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_staff

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description="Reverse selected completed transactions")
    def reverse(self, request, queryset):
        for txn in queryset:
            try:
                services.transfer_reverse(transaction_id=txn.pk, actor=request.user, reason="Reversed by operator")
            except DomainError as exc:
                self.message_user(request, f"{txn.reference}: {exc.message}", messages.ERROR)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("user", "key", "scope", "state", "response_status", "created_at")
    search_fields = ("key", "user__username")
    list_filter = ("state", "scope")
