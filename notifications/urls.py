"""Mounted at `api/notifications` (no trailing slash, the original API's paths): "" and "/read"."""

from django.urls import path
from django.urls.resolvers import RoutePattern, URLPattern

from notifications import views


class _AfterMountRoute(RoutePattern):
    """A route that starts with the "/" its mount point ("api/notifications") leaves out.

    Django's urls.W002 check warns about any route starting with "/"; here it is intended.
    """

    def _check_pattern_startswith_slash(self) -> list:
        return []


urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notifications-list"),
    URLPattern(
        _AfterMountRoute("/read", name="notifications-read", is_endpoint=True),
        views.NotificationReadView.as_view(),
        name="notifications-read",
    ),
]
