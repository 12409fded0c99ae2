from django.urls import path

from retain.playbooks import views

urlpatterns = [
    path("playbooks/", views.playbook_list, name="playbooks"),
    path("playbooks/<slug:slug>/", views.playbook_detail, name="playbook-detail"),
    path("playbooks/<slug:slug>/edit/", views.edit_playbook, name="playbook-edit"),
    path("tasks/", views.my_tasks, name="my-tasks"),
    path("tasks/<int:pk>/complete/", views.complete_task, name="task-complete"),
    path("clients/<int:pk>/playbooks/start/", views.start_playbook, name="playbook-start"),
]
