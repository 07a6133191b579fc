"""Playbooks: named checklists launched on an account (by hand or by an alert rule) as a task with subtasks."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from core.models import TimeStampedModel


class Playbook(TimeStampedModel):
    """A named, ordered checklist; launching it on an account creates a task whose subtasks are its items.

    Example playbooks installed with the product have an `example_key`.
    """

    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    example_key = models.CharField(max_length=60, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("playbooks:edit", args=[self.pk])


class PlaybookItem(models.Model):
    """One step of a playbook: due `due_offset_days` after launch (optional), owned by the account's CSM of
    `owner_role` (optional; else the task's owner)."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    due_offset_days = models.PositiveSmallIntegerField(null=True, blank=True)
    owner_role = models.ForeignKey("team.Role", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["playbook", "position", "id"]

    def __str__(self) -> str:
        return self.title
