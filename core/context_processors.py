from django.conf import settings
from django.http import HttpRequest

from core.navigation import nav_items_for, nav_widgets, settings_links_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    items = nav_items_for(user) if signed_in else []
    widgets = nav_widgets() if items else []
    # "Settings" in the top navigation opens the first settings page the member may use (none: no entry).
    sections = settings_links_for(user) if signed_in else []
    settings_links = [link for _, links in sections for link in links]
    return {
        "nav_items": items,
        "nav_widgets": widgets,
        "site_name": settings.SITE_NAME,
        # Auth views put the request's host in "site_name": pages show the product by this name instead.
        "product_name": settings.SITE_NAME,
        "settings_home": settings_links[0].url if settings_links else "",
        "settings_urls": [link.url for link in settings_links],
    }
