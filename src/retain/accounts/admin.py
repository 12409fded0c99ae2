from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from retain.accounts.models import Department, User


@admin.register(User)
class TeamMemberAdmin(UserAdmin):
    list_display = ["email", "first_name", "last_name", "department", "role", "is_active"]
    list_filter = ["role", "department", "is_active"]
    fieldsets = [
        *(UserAdmin.fieldsets or ()),
        ("Retain", {"fields": ["department", "role", "title"]}),
    ]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "head", "is_active"]
