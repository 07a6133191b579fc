"""SQL helpers the pipeline relies on, against PostgreSQL."""

from django.db import connection

from core.sql import statistics_refresh_if_stale
from usage.models import Event


def reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


def test_a_table_the_planner_thinks_empty_is_analyzed_once(db):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE usage_event")
        cursor.execute(
            "INSERT INTO usage_event (source_id, event_id, account_id, user_id, action, module, feature, session_id, "
            "product, occurred_at, received_at) SELECT 1, 'e' || g, 'A', 'u', 'feature', '', 'x', '', '', now(), "
            "now() FROM generate_series(1, 500) g"
        )
    assert reltuples("usage_event") < 500
    assert statistics_refresh_if_stale("usage_event", written=500) is True
    assert reltuples("usage_event") == 500
    # Statistics that know at least as many rows as were written are left alone.
    assert statistics_refresh_if_stale("usage_event", written=500) is False
    assert Event.objects.count() == 500
