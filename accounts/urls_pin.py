from django.urls import path

from accounts import views_pin

urlpatterns = [
    path("pin", views_pin.PinView.as_view(), name="pin"),
    path("pin/change", views_pin.PinChangeView.as_view(), name="pin-change"),
    path("pin/reset", views_pin.PinResetView.as_view(), name="pin-reset"),
    path("pin/verify", views_pin.PinVerifyView.as_view(), name="pin-verify"),
]
