"""Tools of the hostile-input walk: a fixture of one real object of each kind a route can name, the query-string
keys a view reads (recorded while it runs), the forms a page renders (parsed from its HTML), and one request whose
writes are undone, with the rows it wrote counted by PostgreSQL."""

from __future__ import annotations

import datetime
import threading
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.db import connection, transaction
from django.http import QueryDict

_recorded = threading.local()

# Tables a request may write whatever it answers: the session, the login throttle's log, and a two-factor
# device's count of wrong codes (the throttle that a refused code must advance).
BOOKKEEPING = ("django_session", "axes_", "otp_")


class RecordingQueryDict(QueryDict):
    """request.GET that remembers each key a view asks for, present or not."""

    def _note(self, key) -> None:
        keys = getattr(_recorded, "keys", None)
        if keys is not None and isinstance(key, str):
            keys.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)


class RecordQueryKeys:
    """Test middleware: swaps request.GET for a recording copy while `recording()` is on."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if getattr(_recorded, "keys", None) is not None:
            recording = RecordingQueryDict(request.META.get("QUERY_STRING", ""), encoding=request.encoding)
            request.GET = recording
        return self.get_response(request)


class recording:
    """Context: the set of query keys read by the views of the requests made inside it."""

    def __enter__(self) -> set[str]:
        _recorded.keys = set()
        return _recorded.keys

    def __exit__(self, *exc) -> None:
        _recorded.keys = None


def rows_written() -> int:
    """Rows inserted, updated or deleted so far in this transaction, outside the bookkeeping tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return sum(n for name, n in cursor.fetchall() if not name.startswith(BOOKKEEPING))


def undone(client, method: str, path: str, data=None, **headers):
    """(response or the exception raised, rows written) of one request whose writes are rolled back."""
    with transaction.atomic():
        before = rows_written()
        try:
            response = (
                getattr(client, method)(path, data, **headers)
                if data is not None
                else getattr(client, method)(path, **headers)
            )
        except Exception as exc:
            response = exc
        written = rows_written() - before if not isinstance(response, Exception) else 0
        transaction.set_rollback(True)
    return response, written


# Forms ------------------------------------------------------------------------------------------------------------


class Form:
    def __init__(self, action: str, method: str) -> None:
        self.action, self.method = action, method
        self.fields: list[tuple[str, str, str]] = []  # (name, kind, default value)
        self.choices: dict[str, list[str]] = {}

    def defaults(self) -> dict[str, list[str]]:
        data: dict[str, list[str]] = {}
        for name, kind, value in self.fields:
            if kind in ("checkbox", "radio") and value is None:
                continue
            data.setdefault(name, []).append(value or "")
        for name, options in self.choices.items():
            if name not in data and options:
                data[name] = [options[0]]
        return data

    def names(self) -> list[str]:
        return sorted({name for name, _, _ in self.fields} | set(self.choices))


class _FormParser(HTMLParser):
    SKIP = {"submit", "button", "image", "reset", "file"}

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.forms, self.form, self.select, self.textarea = page, [], None, None, None
        self.selected: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or (a.get("hx-post") and "post") or "get").lower()
            if "hx-post" in a:
                method, action = "post", a["hx-post"]
            else:
                action = a.get("action") or ""
            self.form = Form(urljoin(self.page, action or self.page), method)
            self.forms.append(self.form)
        elif self.form is None or not a.get("name"):
            return
        elif tag == "input" and (a.get("type") or "text").lower() not in self.SKIP:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self.form.fields.append((a["name"], kind, (a.get("value") or "on") if "checked" in a else None))
            else:
                self.form.fields.append((a["name"], kind, a.get("value") or ""))
        elif tag == "textarea":
            self.textarea = a["name"]
            self.form.fields.append((a["name"], "textarea", ""))
        elif tag == "select":
            self.select = a["name"]
            self.form.choices.setdefault(self.select, [])
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if "selected" in a:
                self.form.choices[self.select].insert(0, value)
            elif value:
                self.form.choices[self.select].append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_of(page_path: str, html: str) -> list[Form]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return [form for form in parser.forms if form.fields or form.choices]


def same_page_queries(page_path: str, html: str) -> list[str]:
    """Query strings of the links and htmx loads on a page that point back to the page itself (its partials)."""
    found = set()
    for marker in ('href="', 'hx-get="'):
        for chunk in html.split(marker)[1:]:
            url = chunk.split('"', 1)[0].replace("&amp;", "&")
            parts = urlsplit(urljoin(page_path, url))
            if parts.path == page_path and parts.query:
                found.add(parts.query)
    return sorted(found)


# Values -----------------------------------------------------------------------------------------------------------

HOSTILE = [
    "9" * 40,
    "1e999999",
    "-1",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "nul\x00byte",
    "名前 ٩(◕‿◕)۶ \u202e 𝔘 " + "x" * 5_000 + "' OR 1=1; DROP TABLE accounts_account; --<script>alert(1)</script>",
    "[" * 1000 + "]" * 1000,
]
# The values that break types, sent into one field at a time; all of HOSTILE goes into every field at once.
PER_FIELD = ["9" * 40, "0001-01-01", "x" * 5_000]


def today() -> datetime.date:
    return datetime.date.today()
