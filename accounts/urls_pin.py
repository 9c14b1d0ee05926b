from django.urls import path

from accounts import views_pin

urlpatterns = [
    path("", views_pin.PinView.as_view(), name="pin"),
    path("/change", views_pin.PinChangeView.as_view(), name="pin-change"),
    path("/reset", views_pin.PinResetView.as_view(), name="pin-reset"),
    path("/verify", views_pin.PinVerifyView.as_view(), name="pin-verify"),
]
