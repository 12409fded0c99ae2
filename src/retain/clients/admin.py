from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from retain.clients.models import Client, Contact, OwnershipChange, SubscriptionLine, TimelineEntry


@admin.register(Client)
class ClientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "external_id", "segment", "status", "owner"]
    list_filter = ["status", "segment", "lifecycle_stage"]
    search_fields = ["name", "external_id"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner", "backup_owner"]


admin.site.register([Contact, SubscriptionLine, TimelineEntry], SimpleHistoryAdmin)
# OwnershipChange is itself the audit trail and keeps no simple_history table.
admin.site.register(OwnershipChange)
