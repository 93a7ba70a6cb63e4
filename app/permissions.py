"""Permission vocabulary: every ModelView and ModelRestApi of one entity share a single
permission resource named after the entity, with read / add / edit / delete.

This keeps the role matrix (services.roles) short and makes the Roles UI readable.
"""

VIEW_METHOD_PERMISSIONS = {
    "list": "read",
    "show": "read",
    "download": "read",
    "api": "read",
    "api_read": "read",
    "api_get": "read",
    "api_readvalues": "read",
    "add": "add",
    "api_create": "add",
    "api_column_add": "add",
    "edit": "edit",
    "api_update": "edit",
    "api_column_edit": "edit",
    "action": "edit",
    "action_post": "edit",
    "delete": "delete",
    "api_delete": "delete",
    "muldelete": "delete",
}

API_METHOD_PERMISSIONS = {
    "get": "read",
    "get_list": "read",
    "info": "read",
    "related": "read",
    "distinct": "read",
    "post": "add",
    "put": "edit",
    "delete": "delete",
    "bulk_delete": "delete",
}
