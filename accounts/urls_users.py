from django.urls import path

from accounts import views_search

urlpatterns = [
    path("search", views_search.UserSearchView.as_view(), name="users-search"),
]
