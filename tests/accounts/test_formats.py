"""Numbers and dates on the account pages, the grid and the export read as people typed them."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse

from accounts import services
from accounts.models import CustomDimension

HX = {"HTTP_HX_REQUEST": "true"}


def _seats(account, value: str) -> CustomDimension:
    seats = CustomDimension.objects.create(key="seats", label="Seats", data_type="number")
    services.account_dimensions_set(account=account, values={seats: value})
    return seats


def test_the_grid_shows_numbers_as_typed(manager_client, account):
    _seats(account, "50")
    body = manager_client.get(reverse("accounts:grid")).content.decode()
    assert 'value="50"' in body
    assert "5E+1" not in body
    assert 'value="2024-01-01"' in body  # the date input keeps ISO dates


def test_a_saved_number_cell_answers_with_the_plain_number(manager_client, account):
    _seats(account, "1")
    r = manager_client.post(
        reverse("accounts:grid_cell", args=[account.pk]), {"field": "dim_seats", "value": "500"}, **HX
    )
    body = r.content.decode()
    assert 'value="500"' in body and "E+" not in body


def test_the_list_shows_numbers_with_separators_and_dates_in_one_style(manager_client, manager, account):
    _seats(account, "12500")
    manager_client.post(
        reverse("accounts:columns"),
        {"columns": ["join_date", "dim_seats"], "per_page": 25, "next": reverse("accounts:list")},
    )
    body = manager_client.get(reverse("accounts:list"), {"view": "all"}).content.decode()
    assert "12,500" in body and "1 Jan 2024" in body
    assert "5E+" not in body and "1.25E+4" not in body


def test_the_export_has_iso_dates_and_plain_numbers(manager_client, account):
    _seats(account, "12500")
    account.join_date = datetime.date(2024, 1, 1)
    manager_client.post(
        reverse("accounts:columns"),
        {"columns": ["join_date", "dim_seats"], "per_page": 25, "next": reverse("accounts:list")},
    )
    response = manager_client.get(reverse("accounts:export"), {"view": "all"})
    text = b"".join(response.streaming_content).decode()
    assert "Acme Corp,2024-01-01,12500" in text
    assert Decimal("12500") == Decimal(text.splitlines()[1].split(",")[-1])
