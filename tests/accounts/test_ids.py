import pytest
from django.core.exceptions import ValidationError

from accounts.ids import normalize_external_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12345.0", "12345"),
        (" 12345 ", "12345"),
        (12345, "12345"),
        (12345.0, "12345"),
        ("acme-1", "acme-1"),
        ("v1.2", "v1.2"),
        ("00123", "00123"),
        ("12345.000", "12345"),
    ],
)
def test_it_normalises_ids(raw, expected):
    assert normalize_external_id(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", None, "1.2345E+4", 12.5, True, "a\x00b", "x" * 101])
def test_it_refuses_bad_ids(raw):
    with pytest.raises(ValidationError):
        normalize_external_id(raw)
