"""Registries through which apps above accounts add to the account page and the account list.

accounts sits low in the layers (DESIGN.md): usage, revenue and metrics know about accounts, never the reverse. So
an app that has something to show on the account page (a section, a fact on the overview, a column of the contacts
table) or in the list's summary panel registers it here in its AppConfig.ready(), and the accounts views render
whatever is registered, in order. Every hook receives the account (or the contacts of one page, or the accounts the
member may see) and must read in a bounded number of queries, whatever the data size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest

    from accounts.models import Account, Contact


def _always(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class Fact:
    """One labelled figure, already formatted for display (e.g. "MRR", "$1,200.00").

    `trend` is -1, 0 or 1 when the figure has a direction (shown as ↓ → ↑), None otherwise; `hint` explains it.
    """

    label: str
    value: str
    trend: int | None = None
    hint: str = ""
    raw: Any = None

    @property
    def trend_arrow(self) -> str:
        return {1: "↑", -1: "↓", 0: "→"}.get(self.trend, "")

    @property
    def trend_label(self) -> str:
        return {1: "rising", -1: "falling", 0: "flat"}.get(self.trend, "")


@dataclass(frozen=True)
class AccountPanel:
    """A section of the account page: `template` is included with `account`, `can_update` and `panel` (the dict
    `context(request, account)` answers; {} without one) in its context."""

    key: str
    label: str
    template: str
    context: Callable[[HttpRequest, Account], dict] | None = None
    order: int = 100
    allowed: Callable[[Any], bool] = field(default=_always)


@dataclass(frozen=True)
class OverviewFacts:
    """Facts shown on the account page's overview: `facts(account)` answers a list of Fact."""

    key: str
    facts: Callable[[Account], list[Fact]]
    order: int = 100


@dataclass(frozen=True)
class ContactColumn:
    """A column of the account page's contacts table: `values(account, contacts)` answers {contact pk: Fact} for the
    contacts shown (one page of them), in a fixed number of queries."""

    key: str
    label: str
    values: Callable[[Account, list[Contact]], dict[int, Fact]]
    order: int = 100


@dataclass(frozen=True)
class ListSummaryPanel:
    """A block of the account list's summary column, loaded on its own after the table (its own URL, with the
    list's query string): `template` is included with `panel`, the dict `context(request, accounts)` answers for the
    accounts of the list's current view and filters that the member may see ({} without one). It must answer from
    precomputed values in a bounded number of queries: it runs for every view and filter change."""

    key: str
    label: str
    template: str
    context: Callable[[HttpRequest, QuerySet[Account]], dict] | None = None
    order: int = 100


_panels: dict[str, AccountPanel] = {}
_overview: dict[str, OverviewFacts] = {}
_contact_columns: dict[str, ContactColumn] = {}
_list_summary: dict[str, ListSummaryPanel] = {}
_list_views: list[Callable[[Any], list[dict]]] = []


def register_account_panel(
    key: str,
    label: str,
    template: str,
    context: Callable[[HttpRequest, Account], dict] | None = None,
    order: int = 100,
    *,
    allowed: Callable[[Any], bool] | None = None,
) -> None:
    """Add (or replace, by key) a section of the account page."""
    _panels[key] = AccountPanel(key, label, template, context, order, allowed or _always)


def register_overview_facts(key: str, facts: Callable[[Account], list[Fact]], order: int = 100) -> None:
    """Add (or replace, by key) facts on the account page's overview."""
    _overview[key] = OverviewFacts(key, facts, order)


def register_contact_column(
    key: str, label: str, values: Callable[[Account, list[Contact]], dict[int, Fact]], order: int = 100
) -> None:
    """Add (or replace, by key) a column of the account page's contacts table."""
    _contact_columns[key] = ContactColumn(key, label, values, order)


def register_list_summary_panel(
    key: str,
    label: str,
    template: str,
    context: Callable[[HttpRequest, QuerySet[Account]], dict] | None = None,
    order: int = 100,
) -> None:
    """Add (or replace, by key) a block of the account list's summary column."""
    _list_summary[key] = ListSummaryPanel(key, label, template, context, order)


def account_panels(user: Any) -> list[AccountPanel]:
    """The account page sections `user` may see, in order."""
    return sorted((p for p in _panels.values() if p.allowed(user)), key=lambda p: (p.order, p.key))


def account_panel(user: Any, key: str) -> AccountPanel | None:
    """One account page section by key, if registered and allowed for `user`."""
    panel = _panels.get(key)
    return panel if panel is not None and panel.allowed(user) else None


def overview_facts() -> list[OverviewFacts]:
    return sorted(_overview.values(), key=lambda p: (p.order, p.key))


def contact_columns() -> list[ContactColumn]:
    return sorted(_contact_columns.values(), key=lambda c: (c.order, c.key))


def list_summary_panels() -> list[ListSummaryPanel]:
    return sorted(_list_summary.values(), key=lambda p: (p.order, p.key))


def list_summary_panel(key: str) -> ListSummaryPanel | None:
    """One block of the account list's summary column by key, if registered."""
    return _list_summary.get(key)


def register_list_views(provider: Callable[[Any], list[dict]]) -> None:
    """Add views to the account list, next to My / Active / Churned / Unassigned (saved lists do).

    `provider(user)` answers the member's extra views, each a dict with `key`, `label`, `url` (the view's own page)
    and `queryset`: a callable answering the accounts of the view that the member may see; it may raise ValueError
    with a message when the view cannot be evaluated (a saved list whose metric was deleted).
    """
    _list_views.append(provider)


def extra_list_views(user: Any) -> list[dict]:
    return [view for provider in _list_views for view in provider(user)]


@dataclass(frozen=True)
class ListColumn:
    """A column of the account list that an app above accounts provides (metrics: one per numeric metric), sortable
    and filterable by a number range like the number dimensions (`<key>_min`, `<key>_max` in the query string).

    `annotate(qs, alias)` adds the column's value to the accounts as `alias` (for sorting: one join, no per-row
    subquery); `filter(qs, low, high)` keeps the accounts whose value lies in [low, high] (either may be None);
    `without(qs)`, when given, keeps the accounts that have no value, so the list can read a page sorted by the
    column in two parts (with a value, in the value's order; then the others) instead of sorting every account;
    `preferred` columns are offered first in the column chooser. Their cells come from the provider's `values`.
    """

    key: str
    label: str
    annotate: Callable[[QuerySet, str], QuerySet]
    filter: Callable[[QuerySet, float | None, float | None], QuerySet]
    preferred: bool = False
    order: int = 100
    without: Callable[[QuerySet], QuerySet] | None = None


@dataclass(frozen=True)
class ListColumnProvider:
    """`columns()` answers the provider's list columns; `values(keys, account_ids)` answers {column key: {account
    pk: Fact}} for one page of accounts (or one batch of an export) in a fixed number of queries."""

    columns: Callable[[], list[ListColumn]]
    values: Callable[[list[str], list[int]], dict[str, dict[int, Fact]]]


_list_column_providers: list[ListColumnProvider] = []


def register_list_columns(
    columns: Callable[[], list[ListColumn]], values: Callable[[list[str], list[int]], dict[str, dict[int, Fact]]]
) -> None:
    """Add columns to the account list (metrics registers one per numeric metric)."""
    _list_column_providers.append(ListColumnProvider(columns, values))


def list_column_providers() -> list[ListColumnProvider]:
    return list(_list_column_providers)


@dataclass(frozen=True)
class AccountChart:
    """A trend chart of the account page, loaded on its own after the page (htmx, its own URL), so the page's request
    neither waits for it nor gains a query: `template` is included with `account` and `chart`, the dict
    `context(request, account)` answers. It must read precomputed values (roll-ups, metric values, movements) in a
    bounded number of queries."""

    key: str
    label: str
    template: str
    context: Callable[[HttpRequest, Account], dict]
    order: int = 100


_account_charts: dict[str, AccountChart] = {}


def register_account_chart(
    key: str, label: str, template: str, context: Callable[[HttpRequest, Account], dict], order: int = 100
) -> None:
    """Add (or replace, by key) a trend chart of the account page."""
    _account_charts[key] = AccountChart(key, label, template, context, order)


def account_charts() -> list[AccountChart]:
    return sorted(_account_charts.values(), key=lambda c: (c.order, c.key))


def account_chart(key: str) -> AccountChart | None:
    """One trend chart of the account page by key, if registered."""
    return _account_charts.get(key)
