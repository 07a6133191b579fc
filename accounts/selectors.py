"""Reads for account pages, lists, exports and other apps. Every read of accounts for a member goes through
`accounts_visible_to`, so a member without "view all accounts" only ever sees the accounts assigned to them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.http import Http404

from accounts.constants import DEFAULT_PER_PAGE
from accounts.models import (
    Account,
    AccountContact,
    AccountCSM,
    AccountDimensionValue,
    AccountListPreference,
    AssignmentHistory,
    Contact,
    CustomDimension,
    DimensionEntity,
    DimensionType,
    Interaction,
    InteractionType,
    NpsResponse,
    Stage,
    StageHistory,
    SupportTicket,
    TicketOption,
    TicketOptionKind,
    Tier,
)
from team.models import TeamPermission, User

HIERARCHY_MAX_DEPTH = 10
# From this length a search is answered by the trigram indexes on name and account id.
TRIGRAM_SEARCH_MIN = 3


class AccountView:
    MY = "my"
    ACTIVE = "active"
    CHURNED = "churned"
    UNASSIGNED = "unassigned"
    ALL = "all"
    DELETED = "deleted"

    LABELS = {
        MY: "My accounts",
        ACTIVE: "Active",
        CHURNED: "Churned",
        UNASSIGNED: "Unassigned",
        ALL: "All",
        DELETED: "Deleted",
    }


def accounts_visible_to(user: User, *, include_deleted: bool = False) -> QuerySet[Account]:
    """Accounts `user` may see: all of them with "view all accounts", else only those where they are a CSM.

    Deleted accounts are left out unless `include_deleted` (the deleted view, the bulk grid, restore).
    """
    qs = Account.objects.all()
    if not include_deleted:
        qs = qs.filter(is_deleted=False)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if not user.has_team_perm(TeamPermission.VIEW_ALL_ACCOUNTS):
        qs = qs.filter(Exists(AccountCSM.objects.filter(account=OuterRef("pk"), user=user)))
    return qs


def account_for(user: User, pk: int, *, include_deleted: bool = True) -> Account:
    """One account `user` may see, with its tier, stage and parent; 404 otherwise."""
    account = (
        accounts_visible_to(user, include_deleted=include_deleted)
        .select_related("tier", "stage", "parent")
        .filter(pk=pk)
        .first()
    )
    if account is None:
        raise Http404("No such account.")
    return account


def csm_candidates() -> QuerySet[User]:
    """Active team members whose role may own accounts: the only ones that can be assigned as CSM."""
    return User.objects.filter(is_active=True, role__own_accounts=True).order_by("full_name", "email")


def dimensions_for(entity: str = DimensionEntity.ACCOUNT) -> list[CustomDimension]:
    """Custom dimensions of accounts or contacts, in display order."""
    return list(CustomDimension.objects.filter(entity=entity).order_by("order", "label"))


def stages_list() -> QuerySet[Stage]:
    """Lifecycle stages in order."""
    return Stage.objects.order_by("order", "name")


def tiers_list() -> QuerySet[Tier]:
    """Tiers in order."""
    return Tier.objects.order_by("order", "name")


def interaction_types_list() -> QuerySet[InteractionType]:
    """Interaction types in order."""
    return InteractionType.objects.order_by("order", "name")


def ticket_options(kind: str) -> QuerySet[TicketOption]:
    """Values of one ticket picklist (status, priority or type) in order."""
    return TicketOption.objects.filter(kind=kind).order_by("order", "name")


# The account list ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the account list: its key, heading, and the expression it sorts by (None: not sortable)."""

    key: str
    label: str
    sort: Any = None
    dimension: CustomDimension | None = None
    # A column another app provides (a metric): sorted through `extra.annotate`, filtered through `extra.filter`.
    extra: Any = None
    provider: Any = None


BASE_COLUMNS = [
    Column("account_id", "Account id", F("account_id")),
    Column("tier", "Tier", F("tier__order")),
    Column("stage", "Stage", F("stage__order")),
    Column("csms", "CSMs"),
    Column("csm_score", "CSM score", F("csm_score")),
    Column("nps", "NPS", F("nps")),
    Column("join_date", "Joined", F("join_date")),
    Column("renewal_date", "Renewal", F("renewal_date")),
    Column("industry", "Industry", F("industry")),
    Column("employees", "Employees", F("employees")),
    Column("status", "Latest status", F("status_date")),
    Column("churned_on", "Churned on", F("churned_on")),
    Column("hierarchy_label", "Hierarchy", F("hierarchy_label")),
    Column("parent", "Parent"),
]
DEFAULT_COLUMNS = [
    "account_id",
    "tier",
    "stage",
    "csms",
    "health",
    "metric_mrr",
    "metric_arr",
    "csm_score",
    "renewal_date",
]
EXTRA_SORT_ALIAS = "_sort_value"


def list_columns(dimensions: list[CustomDimension]) -> dict[str, Column]:
    """Every column the list can show: the built-in ones, the preferred columns other apps provide (MRR, ARR,
    activity rank, ...), one per account custom dimension, then the other provided columns (every numeric metric)."""
    from accounts import panels

    columns = {column.key: column for column in BASE_COLUMNS}
    provided = [(extra, provider) for provider in panels.list_column_providers() for extra in provider.columns()]
    provided.sort(key=lambda pair: (not pair[0].preferred, pair[0].order, pair[0].label.lower()))
    for extra, provider in provided:
        if extra.preferred:
            columns[extra.key] = Column(extra.key, extra.label, F(EXTRA_SORT_ALIAS), extra=extra, provider=provider)
    for dimension in dimensions:
        value_field = {
            DimensionType.NUMBER: "value_number",
            DimensionType.DATE: "value_date",
        }.get(dimension.data_type, "value_text")
        sort = Subquery(
            AccountDimensionValue.objects.filter(account=OuterRef("pk"), dimension=dimension).values(value_field)[:1]
        )
        columns[f"dim_{dimension.key}"] = Column(f"dim_{dimension.key}", dimension.label, sort, dimension)
    for extra, provider in provided:
        if not extra.preferred and extra.key not in columns:
            columns[extra.key] = Column(extra.key, extra.label, F(EXTRA_SORT_ALIAS), extra=extra, provider=provider)
    return columns


def list_preference(user: User) -> tuple[list[str], int]:
    """The member's chosen columns and page size (defaults when never chosen)."""
    pref = AccountListPreference.objects.filter(user=user).first()
    if pref is None:
        return list(DEFAULT_COLUMNS), DEFAULT_PER_PAGE
    return list(pref.columns), pref.per_page


@dataclass
class AccountFilters:
    """What the account list is narrowed and ordered by."""

    view: str = AccountView.ACTIVE
    q: str = ""
    tiers: list[int] = field(default_factory=list)
    stages: list[int] = field(default_factory=list)
    csm: int | None = None
    dimensions: dict[CustomDimension, dict[str, Any]] = field(default_factory=dict)
    # Ranges on provided columns: {column key: (low, high)}, either bound may be None.
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    sort: str = "name"
    descending: bool = False


def account_list(
    *, user: User, filters: AccountFilters, columns: dict[str, Column], base: QuerySet[Account] | None = None
) -> QuerySet[Account]:
    """The accounts of the list page and its export: visible to `user`, in the chosen view, filtered and sorted.

    Views: my (assigned to the member, not churned), active, churned, unassigned (no CSM, not churned),
    all, deleted; or `base`, the accounts of another view (a saved list) already limited to what the member may
    see. Sorting is stable (ties broken by id) and puts empty values last.
    """
    qs = base if base is not None else accounts_visible_to(user, include_deleted=filters.view == AccountView.DELETED)
    view = filters.view
    if view == AccountView.DELETED:
        qs = qs.filter(is_deleted=True)
    elif view == AccountView.MY:
        qs = qs.filter(churned_on__isnull=True).filter(
            Exists(AccountCSM.objects.filter(account=OuterRef("pk"), user=user))
        )
    elif view == AccountView.ACTIVE:
        qs = qs.filter(churned_on__isnull=True)
    elif view == AccountView.CHURNED:
        qs = qs.filter(churned_on__isnull=False)
    elif view == AccountView.UNASSIGNED:
        qs = qs.filter(churned_on__isnull=True).exclude(Exists(AccountCSM.objects.filter(account=OuterRef("pk"))))
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(account_id__icontains=q))
    if filters.tiers:
        qs = qs.filter(tier_id__in=filters.tiers)
    if filters.stages:
        qs = qs.filter(stage_id__in=filters.stages)
    if filters.csm:
        qs = qs.filter(Exists(AccountCSM.objects.filter(account=OuterRef("pk"), user_id=filters.csm)))
    for dimension, spec in filters.dimensions.items():
        values = AccountDimensionValue.objects.filter(account=OuterRef("pk"), dimension=dimension)
        if dimension.data_type == DimensionType.NUMBER:
            if spec.get("min") is not None:
                values = values.filter(value_number__gte=spec["min"])
            if spec.get("max") is not None:
                values = values.filter(value_number__lte=spec["max"])
        elif dimension.data_type == DimensionType.DATE:
            if spec.get("min") is not None:
                values = values.filter(value_date__gte=spec["min"])
            if spec.get("max") is not None:
                values = values.filter(value_date__lte=spec["max"])
        elif dimension.data_type == DimensionType.PICKLIST:
            values = values.filter(value_text=spec["value"])
        else:
            values = values.filter(value_text__icontains=spec["value"])
        qs = qs.filter(Exists(values))
    for key, (low, high) in filters.ranges.items():
        ranged = columns.get(key)
        if ranged is not None and ranged.extra is not None:
            qs = ranged.extra.filter(qs, low, high)
    column = _sort_column(filters, columns)
    if column is None:
        name = F("name")
        if len(q) >= TRIGRAM_SEARCH_MIN:
            # The same order, but not read from the names' index: walking it, the database expects matches spread
            # evenly and reads every name before the first one (30,000 rows for a company family under G); the
            # matches come from the trigram index, and sorting them costs what they number. A shorter search
            # (no trigram) matches most names, so walking the names' index is then the quick way.
            name = Concat(F("name"), Value(""))
        return qs.order_by(name.desc() if filters.descending else name.asc(), "id")
    if column.extra is not None:
        qs = column.extra.annotate(qs, EXTRA_SORT_ALIAS)
    expr = column.sort
    order = [expr.desc(nulls_last=True) if filters.descending else expr.asc(nulls_last=True), F("name").asc()]
    return qs.order_by(*order, "id")


def _sort_column(filters: AccountFilters, columns: dict[str, Column]) -> Column | None:
    """The column the list is sorted by; None when by name (asked for, or the column is unknown or not sortable)."""
    column = columns.get(filters.sort)
    if filters.sort == "name" or column is None or column.sort is None:
        return None
    return column


class SortedInTwoParts:
    """The accounts of a list sorted by a provided column (a metric), for the paginator: first those with a value,
    in the value's order, then those without one, by name, each part read on its own.

    One query ordering a left join of every account with its value ("nulls last") makes the database join and sort
    every account of the view for each page: half a second at 100,000 accounts. Read apart, each part walks an index
    in the wanted order (the values' (metric, value) index; the names' index) and stops after one page. The total
    is the list's own count, without the join; the second part's start is known from the first part's last page
    (counted only when a page lies wholly past it)."""

    ordered = True

    def __init__(self, *, counted: QuerySet[Account], valued: QuerySet[Account], empty: QuerySet[Account]) -> None:
        self.counted, self.valued, self.empty = counted, valued, empty

    def count(self) -> int:
        return self.counted.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Account]:
        if not isinstance(index, slice) or index.stop is None:
            raise TypeError("A page of the list is read by a bounded slice.")
        start, stop = index.start or 0, index.stop
        rows = list(self.valued[start:stop])
        if len(rows) < stop - start:
            valued_total = start + len(rows) if rows or not start else self.valued.count()
            offset = max(start - valued_total, 0)
            rows += list(self.empty[offset : offset + stop - start - len(rows)])
        return rows


def account_list_pages(
    *, user: User, filters: AccountFilters, columns: dict[str, Column], base: QuerySet[Account] | None = None
) -> QuerySet[Account] | SortedInTwoParts:
    """What the list page paginates: the accounts of `account_list` in the same order, with their tier, stage and
    parent; sorted by a provided column (a metric), read in two parts (SortedInTwoParts) so a page costs what the
    page holds, not what the view holds."""
    related = ("tier", "stage", "parent")
    column = _sort_column(filters, columns)
    if column is None or column.extra is None or column.extra.without is None:
        return account_list(user=user, filters=filters, columns=columns, base=base).select_related(*related)
    unsorted = account_list(user=user, filters=replace(filters, sort="name"), columns=columns, base=base).order_by()
    value = F(EXTRA_SORT_ALIAS)
    valued = (
        column.extra.annotate(unsorted, EXTRA_SORT_ALIAS)
        .filter(**{f"{EXTRA_SORT_ALIAS}__isnull": False})
        .order_by(value.desc() if filters.descending else value.asc(), "name", "id")
    )
    empty = column.extra.without(unsorted).order_by("name", "id")
    return SortedInTwoParts(
        counted=unsorted, valued=valued.select_related(*related), empty=empty.select_related(*related)
    )


def account_list_page(accounts: list[Account], columns: list[Column]) -> list[Account]:
    """Load what the chosen columns show for one page of accounts, in a fixed number of queries (one per kind of
    column, not per column): each account gets `.csm_list`, `.dims` ({key: value}) and `.extras` ({key: Fact})."""
    ids = [a.pk for a in accounts]
    keys = {c.key for c in columns}
    csm_map: dict[int, list[User]] = {pk: [] for pk in ids}
    if "csms" in keys:
        for link in AccountCSM.objects.filter(account_id__in=ids).select_related("user").order_by("user__full_name"):
            csm_map[link.account_id].append(link.user)
    dims = [c.dimension for c in columns if c.dimension is not None]
    dim_map: dict[int, dict[str, Any]] = {pk: {} for pk in ids}
    if dims:
        for value in AccountDimensionValue.objects.filter(account_id__in=ids, dimension__in=dims).select_related(
            "dimension"
        ):
            dim_map[value.account_id][f"dim_{value.dimension.key}"] = value.value
    extras: dict[int, dict[str, Any]] = {pk: {} for pk in ids}
    by_provider: dict[int, tuple[Any, list[str]]] = {}
    for column in columns:
        if column.provider is not None:
            by_provider.setdefault(id(column.provider), (column.provider, []))[1].append(column.key)
    for provider, provider_keys in by_provider.values():
        for key, facts in provider.values(provider_keys, ids).items():
            for pk, fact in facts.items():
                if pk in extras:
                    extras[pk][key] = fact
    for account in accounts:
        account.csm_list = csm_map[account.pk]
        account.dims = dim_map[account.pk]
        account.extras = extras[account.pk]
    return accounts


def accounts_by_stage(qs: QuerySet[Account]) -> list[tuple[str, int]]:
    """How many of `qs` are in each stage (stage order; accounts without a stage last)."""
    counts = dict(qs.order_by().values_list("stage_id").annotate(n=Count("id")))
    rows = [(stage.name, counts.get(stage.pk, 0)) for stage in stages_list()]
    if counts.get(None):
        rows.append(("No stage", counts[None]))
    return rows


# The account page ------------------------------------------------------------------------------------------------


def account_hierarchy(user: User, account: Account) -> tuple[list[Account], list[Account], int]:
    """The account's ancestors (root first), its children visible to `user` (up to 50) and their number.

    Ancestors a member may not see are left out; the climb stops after HIERARCHY_MAX_DEPTH levels.
    """
    chain: list[int] = []
    node_id = account.parent_id
    seen = {account.pk}
    while node_id and node_id not in seen and len(chain) < HIERARCHY_MAX_DEPTH:
        seen.add(node_id)
        chain.append(node_id)
        node_id = Account.objects.filter(pk=node_id).values_list("parent_id", flat=True).first()
    visible = {a.pk: a for a in accounts_visible_to(user).filter(pk__in=chain)}
    ancestors = [visible[pk] for pk in reversed(chain) if pk in visible]
    children_qs = accounts_visible_to(user).filter(parent=account).select_related("stage").order_by("name")
    children = list(children_qs[:50])
    return ancestors, children, len(children) if len(children) < 50 else children_qs.count()


def account_contacts(account: Account, *, limit: int = 50) -> tuple[list[Contact], int]:
    """An account's contacts, most recently seen first (up to `limit`), and how many there are."""
    qs = Contact.objects.filter(account_links__account=account).order_by(F("last_seen").desc(nulls_last=True), "name")
    contacts = list(qs[:limit])
    total = len(contacts) if len(contacts) < limit else AccountContact.objects.filter(account=account).count()
    return contacts, total


def account_interactions(account: Account, *, q: str = "", limit: int = 25) -> QuerySet[Interaction]:
    """The interactions timeline of an account, newest first, optionally searched in subject and body."""
    qs = (
        Interaction.objects.filter(account=account)
        .select_related("type", "author")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.only("id", "name", "email")))
    )
    q = q.strip()
    if q:
        qs = qs.filter(Q(subject__icontains=q) | Q(body__icontains=q))
    return qs[:limit]


def account_tickets(account: Account, *, limit: int = 25) -> QuerySet[SupportTicket]:
    """An account's support tickets, newest first."""
    return SupportTicket.objects.filter(account=account).select_related("status", "priority", "type", "requester")[
        :limit
    ]


def account_stage_history(account: Account) -> QuerySet[StageHistory]:
    """Stage periods of an account, newest first."""
    return StageHistory.objects.filter(account=account).select_related("stage")[:50]


def account_nps_history(account: Account) -> QuerySet[NpsResponse]:
    """NPS responses of an account, newest first."""
    return NpsResponse.objects.filter(account=account).select_related("contact")[:50]


def account_assignment_history(account: Account) -> QuerySet[AssignmentHistory]:
    """CSM assignment periods of an account, newest first."""
    return AssignmentHistory.objects.filter(account=account).select_related("user", "changed_by")[:50]


def account_csms(account: Account) -> list[User]:
    """The account's current CSMs."""
    return list(User.objects.filter(csm_links__account=account).order_by("full_name", "email"))


def account_dimension_values(account: Account) -> list[tuple[CustomDimension, Any]]:
    """Every account dimension with this account's value (None when unset), in display order."""
    stored = AccountDimensionValue.objects.filter(account=account).select_related("dimension")
    values = {v.dimension_id: v.value for v in stored}
    return [(d, values.get(d.pk)) for d in dimensions_for(DimensionEntity.ACCOUNT)]


def account_contact_choices(account: Account) -> QuerySet[Contact]:
    """Contacts of an account, for pickers (interactions, ticket requesters)."""
    return Contact.objects.filter(account_links__account=account).order_by("name", "email")


def open_ticket_statuses() -> QuerySet[TicketOption]:
    """Ticket statuses that count as open."""
    return TicketOption.objects.filter(kind=TicketOptionKind.STATUS, is_closed=False)
