"""Services of playbooks: save one with its items, launch one on an account, install the examples."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, AccountCSM
from playbooks.models import Playbook, PlaybookItem
from tasks.models import Task, TaskSource
from tasks.services import SubtaskSpec, task_create
from team.models import Role, User

MAX_ITEMS = 100
MAX_OFFSET = 3650


@dataclass(frozen=True)
class ItemSpec:
    title: str
    due_offset_days: int | None = None
    owner_role: Role | None = None


def items_parse(text: str) -> list[ItemSpec]:
    """Items from text, one per line: `title`, or `title | days` or `title | days | role name`.

    Raises ValidationError naming the line that is wrong.
    """
    roles = {role.name.lower(): role for role in Role.objects.all()}
    items = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > 3 or not parts[0]:
            raise ValidationError({"items": f"Line {number}: write “title | days | role” (days and role optional)."})
        days = None
        if len(parts) > 1 and parts[1]:
            if not parts[1].isdigit() or int(parts[1]) > MAX_OFFSET:
                raise ValidationError(
                    {"items": f"Line {number}: the due offset is a whole number of days from 0 to {MAX_OFFSET}."}
                )
            days = int(parts[1])
        role = None
        if len(parts) > 2 and parts[2]:
            role = roles.get(parts[2].lower())
            if role is None:
                raise ValidationError({"items": f"Line {number}: there is no role “{parts[2]}”."})
        items.append(ItemSpec(parts[0][:200], days, role))
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": f"At most {MAX_ITEMS} items."})
    return items


def items_text(playbook: Playbook) -> str:
    lines = []
    for item in playbook.items.select_related("owner_role").order_by("position", "id"):
        parts = [item.title]
        if item.due_offset_days is not None or item.owner_role_id:
            parts.append("" if item.due_offset_days is None else str(item.due_offset_days))
        if item.owner_role_id:
            parts.append(item.owner_role.name)
        lines.append(" | ".join(parts))
    return "\n".join(lines)


@transaction.atomic
def playbook_save(*, playbook: Playbook, items: list[ItemSpec]) -> Playbook:
    """Save a playbook and replace its items, in order."""
    playbook.name = (playbook.name or "").strip()
    playbook.full_clean()
    playbook.save()
    playbook.items.all().delete()
    PlaybookItem.objects.bulk_create(
        [
            PlaybookItem(
                playbook=playbook,
                position=i,
                title=item.title,
                due_offset_days=item.due_offset_days,
                owner_role=item.owner_role,
            )
            for i, item in enumerate(items)
        ]
    )
    return playbook


def playbook_subtasks(playbook: Playbook, account: Account, *, start: datetime.date) -> list[SubtaskSpec]:
    """The playbook's items as subtasks for `account`: due `start` + offset, owned by the account's CSM who has
    the item's role."""
    csms_by_role: dict[int, User] = {}
    for link in AccountCSM.objects.filter(account=account).select_related("user").order_by("assigned_at", "id"):
        if link.user.role_id and link.user.is_active:
            csms_by_role.setdefault(link.user.role_id, link.user)

    def due(item: PlaybookItem) -> datetime.date | None:
        return start + datetime.timedelta(days=item.due_offset_days) if item.due_offset_days is not None else None

    return [
        SubtaskSpec(
            title=item.title,
            due_date=due(item),
            owner=csms_by_role.get(item.owner_role_id) if item.owner_role_id else None,
        )
        for item in playbook.items.order_by("position", "id")
    ]


def account_primary_csm(account: Account) -> User | None:
    """The account's first assigned active CSM, if any."""
    link = (
        AccountCSM.objects.filter(account=account, user__is_active=True)
        .select_related("user")
        .order_by("assigned_at", "id")
        .first()
    )
    return link.user if link else None


@transaction.atomic
def playbook_launch(
    *,
    playbook: Playbook,
    account: Account,
    by: User | None,
    owner: User | None = None,
    due_date: datetime.date | None = None,
) -> Task:
    """Create a task on `account` from the playbook: its items become the subtasks (with their due dates).

    The owner defaults to the account's CSM, else whoever launched it; the task is due with its last item.
    """
    start = timezone.localdate()
    subtasks = playbook_subtasks(playbook, account, start=start)
    dues = [s.due_date for s in subtasks if s.due_date]
    return task_create(
        account=account,
        title=playbook.name,
        description=playbook.description,
        by=by,
        owner=owner or account_primary_csm(account) or by,
        due_date=due_date or (max(dues) if dues else None),
        source=TaskSource.PLAYBOOK,
        source_name=playbook.name,
        subtasks=subtasks,
    )
