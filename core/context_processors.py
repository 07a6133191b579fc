from django.conf import settings
from django.http import HttpRequest

from core.navigation import nav_items_for, nav_widgets


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    items = nav_items_for(user) if user is not None and user.is_authenticated else []
    widgets = nav_widgets() if items else []
    return {"nav_items": items, "nav_widgets": widgets, "site_name": settings.SITE_NAME}
