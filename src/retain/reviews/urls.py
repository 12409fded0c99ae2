from django.urls import path

from retain.reviews import views

urlpatterns = [
    path("reviews/", views.reviews_home, name="reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
    path(
        "reviews/actions/<int:pk>/complete/", views.complete_action, name="review-action-complete"
    ),
    path("clients/<int:pk>/reviews/", views.client_reviews, name="client-reviews"),
]
