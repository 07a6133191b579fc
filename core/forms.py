"""Helpers shared by every app's views and forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import Form
from django.forms.models import ModelChoiceIterator
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def apply_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else at the top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` parameter when it is a path of this site ("/..."), else `fallback`. Anything else (another host, a
    bare word that redirect() would take for a view name, control characters) falls back."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    ):
        return target
    return fallback


class ListedChoiceIterator(ModelChoiceIterator):
    """The choices of a model choice field read by one plain query, kept on the field's queryset for the form's
    life. Django's own iterator reads them through `iterator()`, which on PostgreSQL opens a server-side cursor
    (three round trips) on every pass, and a select passes twice (its options, then whether it may be required).
    For the short lists of a page's forms (types, statuses, a few contacts)."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose choices are read once (ListedChoiceIterator)."""

    iterator = ListedChoiceIterator


class ListedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose choices are read once (ListedChoiceIterator)."""

    iterator = ListedChoiceIterator
