"""Reads of lists: which lists a member sees, what a list holds for a member, and the interface other apps use.

A list shows only what the viewer may see: accounts through `accounts_visible_to`, contacts through the accounts
they belong to. Private lists are visible to their owner only.

Interface for the account list (wired by a registry in the accounts app; segments sits above accounts):
- `account_list_views(user)` -> [{"key", "label", "url", "queryset"}]: one view per account list the member sees;
  `queryset(as_of=None)` answers the matching accounts visible to the member (raises ConditionError, a
  ValueError, when the list is broken; `problem` then says why).
- `segment_queryset_for(user, segment_id, as_of=None)` -> the same queryset for one list id (Http404 when the
  member may not see the list; ConditionError when it is broken).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountContact, Contact
from accounts.selectors import accounts_visible_to
from segments.compiler import RGroup, base_queryset, compile_q, reasons_for_resolved, resolve
from segments.fields import Catalogue, Entity, catalogue_load
from segments.models import ListSizeHistory, Segment, Visibility
from segments.schema import ConditionError, Conditions, parse
from team.models import TeamPermission, User


def today() -> datetime.date:
    return timezone.now().date()


def segments_visible_to(user: User) -> QuerySet[Segment]:
    """Lists `user` may open: their own and every shared one."""
    if not user.is_authenticated or not user.is_active:
        return Segment.objects.none()
    return Segment.objects.filter(Q(owner=user) | Q(visibility=Visibility.SHARED)).select_related("owner")


def segment_for(user: User, pk: int) -> Segment:
    """One list `user` may open; 404 otherwise (a private list of someone else does not exist for them)."""
    segment = segments_visible_to(user).filter(pk=pk).first()
    if segment is None:
        raise Http404("No such list.")
    return segment


def segment_can_edit(user: User, segment: Segment) -> bool:
    """The owner edits their list; a shared list (or an example without owner) also by "configure settings"."""
    if not user.is_authenticated or not user.is_active:
        return False
    if segment.owner_id == user.pk:
        return True
    return segment.is_shared and user.has_team_perm(TeamPermission.CONFIGURE_SETTINGS)


def conditions_resolve(data: Any, *, entity: str, catalogue: Catalogue | None = None) -> tuple[Conditions, RGroup]:
    """Parse and check a conditions document; raises ConditionError naming the part that is wrong."""
    conditions = parse(data)
    return conditions, resolve(conditions, catalogue=catalogue or catalogue_load(entity=entity))


def segment_problem(segment: Segment, *, catalogue: Catalogue | None = None) -> str:
    """What is broken in a list (e.g. “Condition 2 (metric): the metric “events” was deleted”), or ""."""
    try:
        conditions_resolve(segment.conditions, entity=segment.entity, catalogue=catalogue)
    except ConditionError as exc:
        return exc.label
    return ""


def visible_rows(user: User, entity: str) -> QuerySet:
    """Every account (or contact) `user` may see, before any condition."""
    accounts = accounts_visible_to(user)
    if entity == Entity.CONTACT:
        return Contact.objects.filter(
            Exists(AccountContact.objects.filter(contact=OuterRef("pk"), account__in=accounts.values("pk")))
        )
    return accounts


def conditions_queryset(
    *, user: User | None, data: Any, entity: str, as_of: datetime.date | None = None, catalogue: Catalogue | None = None
) -> QuerySet:
    """The rows matching a conditions document on `as_of` (default today), as one query.

    With a `user`, only what they may see; without one (the daily size history), every live row.
    Raises ConditionError when the document is invalid or names something that no longer exists.
    """
    _, root = conditions_resolve(data, entity=entity, catalogue=catalogue)
    as_of = as_of or today()
    if user is None:
        qs = base_queryset(entity)
        if entity == Entity.ACCOUNT:
            qs = qs.filter(is_deleted=False)
    else:
        qs = visible_rows(user, entity)
    return qs.filter(compile_q(root, entity=entity, as_of=as_of))


@contextmanager
def list_query_settings() -> Iterator[None]:
    """Run list queries without PostgreSQL's JIT compiler, and plan cursors for all their rows.

    Correlated metric subqueries make the planner's cost estimate large, which switches JIT on; compiling then
    costs more (~600 ms on 100,000 accounts) than the query itself. A server-side cursor (`.iterator()`) is
    planned by default for its first tenth of rows, which picks nested loops that cost seconds when every row is
    read (as evaluation does): a fraction of 1 plans it as the plain query. Both are set for this transaction
    only (SET LOCAL), in one statement.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('jit', 'off', true), set_config('cursor_tuple_fraction', '1', true)")
        yield


def conditions_count(*, user: User | None, data: Any, entity: str, as_of: datetime.date | None = None) -> int:
    """How many rows match (see `conditions_queryset`); raises ConditionError when the document is broken."""
    qs = conditions_queryset(user=user, data=data, entity=entity, as_of=as_of)
    with list_query_settings():
        return qs.count()


def segment_queryset_for(user: User, segment_id: int, as_of: datetime.date | None = None) -> QuerySet:
    """The accounts (or contacts) of list `segment_id` that `user` may see, on `as_of` (default today)."""
    segment = segment_for(user, segment_id)
    return conditions_queryset(user=user, data=segment.conditions, entity=segment.entity, as_of=as_of)


def account_list_views(user: User) -> list[dict[str, Any]]:
    """The member's account lists as extra views of the account list, mine first then shared, by name.

    Each: key ("list-<id>"), label, url (the list's page), queryset (a callable of `as_of=None`), problem.
    One query; conditions are only evaluated when `queryset` is called.
    """
    views = []
    segments = segments_visible_to(user).filter(entity=Entity.ACCOUNT).order_by("name", "id")
    for segment in sorted(segments, key=lambda s: (s.owner_id != user.pk, s.name.lower())):
        views.append(
            {
                "key": f"list-{segment.pk}",
                "label": segment.name,
                "url": reverse("segments:detail", args=[segment.pk]),
                "queryset": _builder(user, segment),
            }
        )
    return views


def _builder(user: User, segment: Segment) -> Callable[..., QuerySet]:
    def build(as_of: datetime.date | None = None) -> QuerySet:
        return conditions_queryset(user=user, data=segment.conditions, entity=segment.entity, as_of=as_of)

    return build


def reasons_for(
    conditions: Any, account: Any, as_of: datetime.date | None = None, *, entity: str = Entity.ACCOUNT
) -> list[str]:
    """Why `account` (or a contact, with `entity`) matches `conditions` on `as_of`: one readable line per condition
    that holds in the branches that make the whole true, with its values, e.g.
    “Events (sum, last 14 days) < 1: 0”. Empty when it does not match. One query (plus the catalogue)."""
    _, root = conditions_resolve(conditions, entity=entity)
    pk = getattr(account, "pk", account)
    return reasons_for_resolved(root, entity=entity, pk=pk, as_of=as_of or today())


def size_history(segment: Segment) -> list[ListSizeHistory]:
    """The list's recorded daily sizes, oldest first (the last two years)."""
    return list(segment.size_history.order_by("-date")[:730])[::-1]


def sizes_visible_to(user: User) -> bool:
    """Whether `user` may see the recorded sizes of lists: they count every account (or contact), so only a member
    who sees all accounts may; for the others a recorded size would tell how many accounts they cannot see."""
    return user.has_team_perm(TeamPermission.VIEW_ALL_ACCOUNTS)


def size_chart(segment: Segment, user: User) -> dict | None:
    """The list's size over time as a plotly figure (a dict for components/chart.html), or None without data or
    for a member who may not see the recorded sizes (`sizes_visible_to`)."""
    if not sizes_visible_to(user):
        return None
    history = [row for row in size_history(segment) if row.size is not None]
    if not history:
        return None
    return {
        "data": [
            {
                "type": "scatter",
                "x": [row.date.isoformat() for row in history],
                "y": [row.size for row in history],
                "mode": "lines+markers" if len(history) < 60 else "lines",
                "name": "Size",
                "line": {"color": "#1f6f8b"},
            }
        ],
        "layout": {
            "height": 260,
            "margin": {"l": 40, "r": 10, "t": 10, "b": 30},
            "xaxis": {"type": "date"},
            "yaxis": {"rangemode": "tozero"},
        },
        "config": {"displayModeBar": False},
    }
