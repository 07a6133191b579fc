import datetime

import factory
from django.utils import timezone

from accounts.models import (
    Account,
    Contact,
    CustomDimension,
    InteractionType,
    Note,
    Stage,
    SupportTicket,
    TicketOption,
    Tier,
)


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    account_id = factory.Sequence(lambda n: f"ACC-{n:05d}")
    name = factory.Sequence(lambda n: f"Company {n:05d}")
    join_date = datetime.date(2024, 1, 15)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    user_id = factory.Sequence(lambda n: f"u{n}")
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@customer.example")


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    body = "Called about renewal."


class DimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomDimension

    key = factory.Sequence(lambda n: f"dim{n}")
    label = factory.Sequence(lambda n: f"Dimension {n}")


def stage(name: str) -> Stage:
    return Stage.objects.get(name=name)


def tier(name: str) -> Tier:
    return Tier.objects.get(name=name)


def interaction_type(name: str = "Call") -> InteractionType:
    return InteractionType.objects.get(name=name)


def ticket_option(kind: str, name: str) -> TicketOption:
    return TicketOption.objects.get(kind=kind, name=name)


def make_ticket(account: Account, **kwargs) -> SupportTicket:
    kwargs.setdefault("subject", "Cannot log in")
    kwargs.setdefault("status", ticket_option("status", "Open"))
    kwargs.setdefault("opened_at", timezone.now())
    return SupportTicket.objects.create(account=account, **kwargs)
