"""The metrics engine's daily steps, with hand-computed expectations."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Account, Interaction, InteractionType, SupportTicket, TicketOption, TicketOptionKind
from metrics import services
from metrics.models import Metric, MetricCurrent, MetricKind, MetricValue

DAY = datetime.date(2026, 3, 10)
UTC = datetime.UTC


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)


def values(key: str, day: datetime.date = DAY) -> dict[str, float]:
    rows = MetricValue.objects.filter(metric__key=key, date=day).values_list("account__account_id", "value")
    return dict(rows)


@pytest.fixture
def accounts(db):
    a = Account.objects.create(account_id="A", name="Alpha", csm_score=80, nps=9)
    b = Account.objects.create(account_id="B", name="Beta", csm_score=40)
    gone = Account.objects.create(account_id="X", name="Deleted", csm_score=10, is_deleted=True)
    return {"A": a, "B": b, "X": gone}


@pytest.fixture
def tickets(accounts):
    open_, closed = (
        TicketOption.objects.get_or_create(kind=TicketOptionKind.STATUS, name=name, defaults={"is_closed": shut})[0]
        for name, shut in [("Open", False), ("Solved", True)]
    )
    a = accounts["A"]
    SupportTicket.objects.create(account=a, subject="1", status=open_, opened_at=at(DAY - datetime.timedelta(days=3)))
    SupportTicket.objects.create(account=a, subject="2", status=open_, opened_at=at(DAY, 9))  # opened today
    # Closed later than the day: still open at the end of DAY.
    SupportTicket.objects.create(
        account=a,
        subject="3",
        status=closed,
        opened_at=at(DAY - datetime.timedelta(days=1)),
        closed_at=at(DAY + datetime.timedelta(days=1)),
    )
    # Closed during the day: not open at its end.
    SupportTicket.objects.create(
        account=accounts["B"],
        subject="4",
        status=closed,
        opened_at=at(DAY - datetime.timedelta(days=5)),
        closed_at=at(DAY, 8),
    )
    # Opened after the day: not counted.
    SupportTicket.objects.create(
        account=accounts["B"], subject="5", status=open_, opened_at=at(DAY + datetime.timedelta(days=1))
    )


def test_scores_are_stored_for_live_accounts_only(accounts):
    services.metric_values_compute(as_of=DAY)
    assert values("csm_score") == {"A": 80, "B": 40}
    assert values("nps") == {"A": 9}


def test_ticket_metrics_count_as_of_the_end_of_the_day(tickets):
    services.metric_values_compute(as_of=DAY)
    assert values("open_tickets") == {"A": 3}
    assert values("tickets_created") == {"A": 1}


def test_interactions_and_days_since_touchpoint(accounts):
    call, _ = InteractionType.objects.get_or_create(name="Call")
    a, b = accounts["A"], accounts["B"]
    Interaction.objects.create(account=a, type=call, subject="QBR", date=at(DAY - datetime.timedelta(days=4)))
    Interaction.objects.create(account=a, type=call, subject="Check-in", date=at(DAY, 23))
    Interaction.objects.create(account=b, type=call, subject="Kickoff", date=at(DAY - datetime.timedelta(days=12), 1))
    Interaction.objects.create(account=b, type=call, subject="Future", date=at(DAY + datetime.timedelta(days=2)))
    services.metric_values_compute(as_of=DAY)
    assert values("interactions") == {"A": 1}
    assert values("days_since_touchpoint") == {"A": 0, "B": 12}


def test_days_since_last_activity_counts_from_the_last_day_with_events(accounts):
    from usage.models import AccountUsageDaily

    a, b = accounts["A"], accounts["B"]
    child = Account.objects.create(account_id="C", name="Child", parent=b)
    AccountUsageDaily.objects.create(account=a, date=DAY - datetime.timedelta(days=3), events=5)
    AccountUsageDaily.objects.create(account=a, date=DAY - datetime.timedelta(days=1), events=0)  # a day without any
    AccountUsageDaily.objects.create(account=a, date=DAY + datetime.timedelta(days=1), events=9)  # after the day
    AccountUsageDaily.objects.create(account=b, date=DAY - datetime.timedelta(days=400), events=5)  # past a year
    AccountUsageDaily.objects.create(account=child, date=DAY - datetime.timedelta(days=8), events=2)
    services.metric_values_compute(as_of=DAY)
    # The parent's last activity is its child's, eight days ago.
    assert values("days_since_activity") == {"A": 3, "B": 8, "C": 8}


def test_running_a_day_twice_leaves_identical_tables(tickets, accounts):
    services.metric_values_compute(as_of=DAY)
    first = sorted(MetricValue.objects.values_list("metric_id", "account_id", "date", "value"))
    Account.objects.filter(pk=accounts["B"].pk).update(csm_score=None)
    services.metric_values_compute(as_of=DAY)
    services.metric_values_compute(as_of=DAY)
    second = sorted(MetricValue.objects.values_list("metric_id", "account_id", "date", "value"))
    assert len(second) == len(first) - 1  # B's score is gone, nothing doubled
    assert values("csm_score") == {"A": 80}


def test_computed_metrics_are_evaluated_per_account_in_order(accounts):
    services.catalogue_sync()
    services.metric_save_computed(metric=Metric(key="score_gap", name="Score gap", formula="csm_score - nps * 10"))
    services.metric_save_computed(
        metric=Metric(key="gap_share", name="Gap share", formula="score_gap / csm_score * 100")
    )
    services.metric_values_compute(as_of=DAY)
    services.computed_values_compute(as_of=DAY)
    assert values("score_gap") == {"A": -10}  # B has no NPS: no value
    assert values("gap_share") == {"A": -12.5}


def test_computed_division_by_zero_gives_no_value(accounts):
    Account.objects.filter(pk=accounts["B"].pk).update(csm_score=0, nps=5)
    services.catalogue_sync()
    services.metric_save_computed(metric=Metric(key="ratio", name="Ratio", formula="nps / csm_score"))
    services.metric_values_compute(as_of=DAY)
    services.computed_values_compute(as_of=DAY)
    assert values("ratio") == {"A": pytest.approx(9 / 80)}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("csm_score +", "ends too early"),
        ("unknown_metric * 2", "Unknown metric “unknown_metric”"),
        ("csm_score / 0", "Division by zero"),
    ],
)
def test_a_bad_formula_is_refused_with_a_clear_message(db, source, message):
    services.catalogue_sync()
    with pytest.raises(ValidationError) as error:
        services.metric_save_computed(metric=Metric(key="bad", name="Bad", formula=source))
    assert message in error.value.message_dict["formula"][0]
    assert not Metric.objects.filter(key="bad").exists()


def test_computed_metrics_cannot_refer_to_each_other_in_a_circle(db):
    services.catalogue_sync()
    first = services.metric_save_computed(metric=Metric(key="one", name="One", formula="csm_score + 1"))
    services.metric_save_computed(metric=Metric(key="two", name="Two", formula="one + 1"))
    first.formula = "two + 1"
    with pytest.raises(ValidationError, match="circle"):
        services.metric_save_computed(metric=first)


def test_current_values_point_at_the_latest_day(accounts):
    services.metric_values_compute(as_of=DAY - datetime.timedelta(days=1))
    services.current_values_refresh(as_of=DAY - datetime.timedelta(days=1))
    Account.objects.filter(pk=accounts["A"].pk).update(csm_score=95)
    services.metric_values_compute(as_of=DAY)
    services.current_values_refresh(as_of=DAY)
    Account.objects.filter(pk=accounts["B"].pk).update(csm_score=None)
    services.metric_values_compute(as_of=DAY + datetime.timedelta(days=1))
    current = dict(MetricCurrent.objects.filter(metric__key="csm_score").values_list("account__account_id", "value"))
    assert current == {"A": 95, "B": 40}
    # A rerun of DAY after B's score was cleared that day falls back to B's older value.
    services.metric_values_compute(as_of=DAY)
    services.current_values_refresh(as_of=DAY)
    current = dict(MetricCurrent.objects.filter(metric__key="csm_score").values_list("account__account_id", "value"))
    assert current == {"A": 95, "B": 40}
    as_of = dict(MetricCurrent.objects.filter(metric__key="csm_score").values_list("account__account_id", "as_of"))
    assert as_of == {"A": DAY, "B": DAY - datetime.timedelta(days=1)}


def test_current_values_the_closed_day_did_not_confirm_expire_except_custom_ones(accounts):
    yesterday, today = DAY - datetime.timedelta(days=1), DAY + datetime.timedelta(days=1)
    services.metric_values_compute(as_of=yesterday)
    services.current_values_refresh(as_of=yesterday)
    seats = Metric.objects.create(key="seats", name="Seats", kind=MetricKind.CUSTOM)
    MetricValue.objects.create(metric=seats, account=accounts["B"], date=yesterday, value=12)
    services.current_values_refresh(as_of=yesterday)
    Account.objects.filter(pk=accounts["B"].pk).update(csm_score=None)
    services.metric_values_compute(as_of=DAY)
    services.current_values_refresh(as_of=DAY)
    # The hourly run of the next day has been through already: its values stay.
    Account.objects.filter(pk=accounts["A"].pk).update(csm_score=99)
    services.metric_values_compute(as_of=today)
    services.current_values_refresh(as_of=today)
    assert services.current_values_expire(as_of=DAY) == 1
    current = {
        (key, account): value
        for key, account, value in MetricCurrent.objects.filter(metric__key__in=["csm_score", "seats"]).values_list(
            "metric__key", "account__account_id", "value"
        )
    }
    # B's score was cleared on DAY: it has no current score; its custom metric keeps its older value.
    assert current == {("csm_score", "A"): 99, ("seats", "B"): 12}


def test_the_planner_learns_of_the_new_day_once_its_values_are_stored(accounts):
    from django.db import connection

    def known_days() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(most_common_vals::text, '') || COALESCE(histogram_bounds::text, '') FROM pg_stats "
                "WHERE tablename = %s AND attname = 'date'",
                # The day's month: each partition keeps its own statistics.
                [f"metrics_metricvalue_p{DAY:%Y%m}"],
            )
            row = cursor.fetchone()
            return row[0] if row else ""

    services.metric_values_compute(as_of=DAY)
    assert DAY.isoformat() not in known_days()
    assert services.metric_statistics_refresh(as_of=DAY) == 0
    assert DAY.isoformat() in known_days()


def test_builtin_metrics_cannot_be_deleted_but_custom_ones_are_soft_deleted(db):
    services.catalogue_sync()
    with pytest.raises(ValidationError):
        services.metric_delete(metric=Metric.objects.get(key="nps"))
    custom = Metric.objects.create(key="seats", name="Seats", kind=MetricKind.CUSTOM)
    services.metric_delete(metric=custom)
    custom.refresh_from_db()
    assert custom.deleted_at is not None and not custom.is_active


def test_custom_metric_values_pushed_during_the_day_are_stored(accounts):
    from usage.services import metric_values_upsert

    def moment(day, hour):
        return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)

    metric_values_upsert(
        source_id=1,
        values=[
            {"metric": "Seats Purchased", "account_id": "A", "timestamp": moment(DAY, 9), "value": 10},
            {"metric": "Seats Purchased", "account_id": "A", "timestamp": moment(DAY, 17), "value": 12},
            {
                "metric": "Seats Purchased",
                "account_id": "B",
                "timestamp": moment(DAY - datetime.timedelta(days=1), 9),
                "value": 5,
            },
            {"metric": "Seats Purchased", "account_id": "nobody", "timestamp": moment(DAY, 9), "value": 99},
        ],
    )
    services.custom_values_compute(as_of=DAY)
    metric = Metric.objects.get(key="seats_purchased")
    assert (metric.name, metric.kind) == ("Seats Purchased", MetricKind.CUSTOM)
    assert values("seats_purchased") == {"A": 12}  # the day's last value; B pushed nothing that day
    services.custom_values_compute(as_of=DAY - datetime.timedelta(days=1))
    services.current_values_refresh(as_of=DAY - datetime.timedelta(days=1))
    services.current_values_refresh(as_of=DAY)
    current = dict(MetricCurrent.objects.filter(metric=metric).values_list("account__account_id", "value"))
    assert current == {"A": 12, "B": 5}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Seats Purchased", "seats_purchased"),
        ("api:calls-v2", "api_calls_v2"),
        ("2fa users", "m_2fa_users"),
        ("Plan.Tier", "plan.tier"),
    ],
)
def test_custom_metric_keys_are_derived_from_names(name, key):
    assert services.custom_key(name) == key
