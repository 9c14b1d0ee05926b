from django.urls import path

from payments import views

urlpatterns = [
    path("resolve", views.ResolveView.as_view(), name="payments-resolve"),
    path("payees", views.PayeesView.as_view(), name="payments-payees"),
    path("send", views.SendView.as_view(), name="payments-send"),
    path("request", views.RequestCreateView.as_view(), name="payments-request"),
    path("pending", views.PendingView.as_view(), name="payments-pending"),
    path("requests/<uuid:request_id>/accept", views.RequestAcceptView.as_view(), name="payments-request-accept"),
    path("requests/<uuid:request_id>/decline", views.RequestDeclineView.as_view(), name="payments-request-decline"),
    path("requests/<uuid:request_id>/cancel", views.RequestCancelView.as_view(), name="payments-request-cancel"),
]
