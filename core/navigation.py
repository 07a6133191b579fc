"""The registry of navigation areas and landing pages.

Each app registers the areas it provides in its AppConfig.ready(), so navigation lists only areas that exist and
the base layout never imports a higher app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    """A top-level area: a label, a URL name, and a test deciding who may see it."""

    key: str
    label: str
    url_name: str
    order: int = 100
    allowed: Callable[[object], bool] = field(default=lambda user: True)
    landing: bool = True
    description: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _items[item.key] = item


def nav_items_for(user: object) -> list[NavItem]:
    return sorted((item for item in _items.values() if item.allowed(user)), key=lambda item: item.order)


def landing_choices() -> list[tuple[str, str]]:
    """Pages a role may land on after login."""
    items = sorted((item for item in _items.values() if item.landing), key=lambda item: item.order)
    return [(item.key, item.label) for item in items]


def landing_url(key: str) -> str | None:
    item = _items.get(key)
    return item.url if item else None


@dataclass(frozen=True)
class SettingsLink:
    """A page in the settings sidebar, grouped under a heading."""

    key: str
    label: str
    url_name: str
    section: str
    order: int = 100
    allowed: Callable[[object], bool] = field(default=lambda user: True)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_settings: dict[str, SettingsLink] = {}


def register_settings(link: SettingsLink) -> None:
    _settings[link.key] = link


def settings_links_for(user: object) -> list[tuple[str, list[SettingsLink]]]:
    """Visible settings links grouped by section, in order."""
    sections: dict[str, list[SettingsLink]] = {}
    for link in sorted(_settings.values(), key=lambda link: link.order):
        if link.allowed(user):
            sections.setdefault(link.section, []).append(link)
    return list(sections.items())


_nav_widgets: dict[str, tuple[int, str]] = {}


def register_nav_widget(key: str, template: str, order: int = 100) -> None:
    """Add a template to the navigation bar beside the member menu (the notification bell)."""
    _nav_widgets[key] = (order, template)


def nav_widgets() -> list[str]:
    return [template for _, template in sorted(_nav_widgets.values())]


@dataclass(frozen=True)
class HomePanel:
    """A block of the home page, loaded on its own after the page (htmx): `template` is included with `panel`, the
    dict `context(request)` answers for the member. An app above core registers it in its AppConfig.ready()."""

    key: str
    label: str
    template: str
    context: Callable[[object], dict]
    order: int = 100


_home_panels: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    """Add (or replace, by key) a block of the home page."""
    _home_panels[panel.key] = panel


def home_panels() -> list[HomePanel]:
    return sorted(_home_panels.values(), key=lambda panel: (panel.order, panel.key))


def home_panel(key: str) -> HomePanel | None:
    return _home_panels.get(key)
