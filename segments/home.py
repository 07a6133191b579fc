"""The home page's "Your book" block: the member's accounts, the MRR of their book, their renewals in the next 90 days
and their accounts whose usage is falling, each a link to the account list that shows exactly those accounts.

Every figure is computed from the very account list its link opens (the same view, filters and scoping, through
accounts.views.list.list_state), so a number and the list behind it cannot disagree. Renewals and falling usage are
the example lists installed with the product ("Renewal in the next 90 days", "Usage down 30 % month over month"),
narrowed to the member's own accounts when they own accounts; a member who deleted one sees how to get it back.
Registered with core's home page in SegmentsConfig.ready().
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, QueryDict
from django.urls import reverse

from segments.selectors import segments_visible_to

EXAMPLES = [
    ("renewal_90", "Renewals in the next 90 days", "Live accounts whose renewal date falls in the next 90 days."),
    (
        "usage_down_30",
        "Usage falling",
        "Live accounts with session time in the last 30 days at least 30 % below the 30 days before.",
    ),
]


@dataclass(frozen=True)
class BookNumber:
    """One figure of the member's book: `value` (a count, or an amount when `money`), the list behind it (`url`),
    and `problem`, set when the figure cannot be computed (then `value` is None)."""

    key: str
    label: str
    value: Any
    url: str
    hint: str = ""
    money: bool = False
    problem: str = ""


def _list(request: HttpRequest, params: dict[str, Any]) -> tuple[str, Any, str]:
    """The account list of `params` for the member: its URL, its accounts and the problem of its view, if any."""
    from accounts.views.list import list_state

    query = urlencode(params)
    state = list_state(request, QueryDict(query))
    return f"{reverse('accounts:list')}?{query}", state["qs"], state["view_problem"]


def book_numbers(request: HttpRequest) -> dict:
    """The figures of the "Your book" block for the member asking (a few counts and one sum, each over the list its
    link opens)."""
    from metrics.panels import revenue_trend

    user = request.user
    owns = user.role is not None and user.role.own_accounts
    book = {"view": "mine"} if owns else {"view": "active"}
    numbers = []
    url, accounts, _ = _list(request, book)
    numbers.append(
        BookNumber(
            key="accounts",
            label="Accounts in your book" if owns else "Active accounts",
            value=accounts.count(),
            url=url,
            hint="Live accounts you are a CSM of." if owns else "Live accounts you may see.",
        )
    )
    # The same accounts, sorted by MRR.
    points = revenue_trend(accounts=accounts)
    url = f"{url}&{urlencode({'sort': '-metric_mrr'})}"
    mrr = points[-1][1] if points else None
    numbers.append(
        BookNumber(
            key="mrr",
            label="MRR of your book" if owns else "MRR",
            value=None if mrr is None else Decimal(repr(mrr)),
            url=url,
            hint="Each account counted once; from the nightly pipeline.",
            money=True,
            problem="" if mrr is not None else "No MRR yet: the pipeline records it once subscriptions exist.",
        )
    )
    examples = {
        segment.example_key: segment
        for segment in segments_visible_to(user).filter(example_key__in=[key for key, _, _ in EXAMPLES])
    }
    for key, label, hint in EXAMPLES:
        segment = examples.get(key)
        if segment is None:
            numbers.append(
                BookNumber(
                    key=key,
                    label=label,
                    value=None,
                    url=reverse("segments:index"),
                    problem="Its example list was deleted: create a list with these conditions to count them again.",
                )
            )
            continue
        params = {"view": f"list-{segment.pk}", **({"csm": user.pk} if owns else {})}
        url, accounts, problem = _list(request, params)
        numbers.append(
            BookNumber(
                key=key,
                label=label,
                value=None if problem else accounts.count(),
                url=url,
                hint=hint,
                problem=problem,
            )
        )
    return {"numbers": numbers, "owns": owns}
