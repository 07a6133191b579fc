"""Example alert rules and playbooks installed with the product (inactive until a member turns them on)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from alerts.models import AlertRule, AlertType
from metrics.registry import builtin
from playbooks.models import Playbook
from playbooks.services import ItemSpec, playbook_save

HEALTH_METRIC_KEYS = ("health_score",)
HEALTH_RED_KEY = "health_red"


def _doc(*children: dict) -> dict:
    return {"version": 1, "root": {"type": "group", "match": "all", "children": list(children)}}


def _red_max() -> int:
    """The highest red health score under the installation's band cut-offs."""
    from healthscore.services import settings_get

    return settings_get().red_max


def _examples() -> list[dict[str, Any]]:
    examples = [
        {
            "key": "renewal_60",
            "name": "Renewal in 60 days",
            "type": "Renewal",
            "description": "The account renews within the next 60 days: prepare the renewal.",
            "conditions": _doc(
                {"type": "date", "field": "renewal_date", "op": "within", "window": {"kind": "next_days", "days": 60}}
            ),
            "retrigger": 300,
            "playbook": (
                "Renewal preparation",
                [
                    ("Review usage and health", 0),
                    ("Call the sponsor about the renewal", 7),
                    ("Send the renewal quote", 14),
                ],
            ),
        },
        {
            "key": "usage_down_30",
            "name": "Usage down 30 % month over month",
            "type": "Churn",
            "description": "Session time in the last 30 days is at least 30 % below the 30 days before.",
            "conditions": _doc(
                {
                    "type": "metric_trend",
                    "metric": "session_time",
                    "aggregation": "sum",
                    "window": {"kind": "last_days", "days": 30},
                    "direction": "below",
                    "percent": 30,
                }
            ),
            "retrigger": 30,
            "playbook": (
                "Usage recovery",
                [("Find out which modules dropped", 1), ("Call the main users", 3), ("Offer a training session", 7)],
            ),
        },
        {
            "key": "no_interaction_45",
            "name": "No interaction in 45 days",
            "type": "Engagement",
            "description": "Nobody on the team has logged an interaction with the account for 45 days.",
            "conditions": _doc(
                {
                    "type": "metric",
                    "metric": "interactions",
                    "aggregation": "sum",
                    "window": {"kind": "last_days", "days": 45},
                    "op": "is",
                    "value": 0,
                }
            ),
            "retrigger": 45,
            "playbook": ("Re-engage", [("Check in with the sponsor", 2), ("Plan a business review", 10)]),
        },
    ]
    # Built-in metrics are read from the registry: their catalogue rows may not exist before the first pipeline run
    # (evaluation adds them when a rule needs them).
    health = next((key for key in HEALTH_METRIC_KEYS if builtin(key)), None)
    if health:
        examples.append(
            {
                "key": HEALTH_RED_KEY,
                "name": "Health score red",
                "type": "Churn",
                "description": "The account's newest health score (scored daily for the day before) is in the red "
                "band, 0 to the red cut-off; the rule follows the cut-off when it changes in the health settings.",
                "conditions": _doc(
                    {
                        "type": "metric",
                        "metric": health,
                        "aggregation": "latest",
                        # Scores are written for the day that ended: the last 3 days hold the newest one even when
                        # today's run has not finished yet.
                        "window": {"kind": "last_days", "days": 3},
                        "op": "between",
                        "value": 0,
                        "value2": _red_max(),
                    }
                ),
                "retrigger": 14,
                "playbook": (
                    "Health recovery",
                    [("Read the health breakdown", 0), ("Agree a recovery plan with the sponsor", 5)],
                ),
            }
        )
    return examples


@transaction.atomic
def examples_install() -> int:
    """Create the example rules and playbooks that do not exist yet (never overwrites edits); answers how many
    rules were created."""
    from alerts.services import alert_type_for, alert_types_install

    alert_types_install()
    created = 0
    for example in _examples():
        if AlertRule.objects.filter(example_key=example["key"]).exists():
            continue
        name, items = example["playbook"]
        playbook = Playbook.objects.filter(example_key=example["key"]).first()
        if playbook is None:
            playbook = Playbook(name=name, example_key=example["key"], description=example["description"])
            if Playbook.objects.filter(name=name).exists():
                playbook.name = f"{name} (example)"
            playbook_save(playbook=playbook, items=[ItemSpec(title, days) for title, days in items])
        AlertRule.objects.create(
            example_key=example["key"],
            name=example["name"],
            type=alert_type_for(example["type"])
            if not AlertType.objects.filter(name=example["type"]).exists()
            else AlertType.objects.get(name=example["type"]),
            description=example["description"],
            conditions=example["conditions"],
            playbook=playbook,
            retrigger_delay_days=example["retrigger"],
            auto_generate_task=False,
            is_active=False,
        )
        created += 1
    return created


def examples_install_after_migrate(**kwargs: Any) -> None:
    if kwargs.get("using", "default") != "default":
        return
    examples_install()


def red_band_follow(*, previous: int, current: int) -> int:
    """The example rule "Health score red" follows the band cut-offs: a health score condition of the form "between 0
    and the previous red cut-off" becomes "between 0 and the new one". A bound the rule's editor chose (anything but
    the previous cut-off) is kept. Answers how many conditions changed."""
    rule = AlertRule.objects.filter(example_key=HEALTH_RED_KEY).first()
    if rule is None or previous == current:
        return 0
    changed = 0
    for node in _nodes(rule.conditions.get("root", {})):
        if (
            node.get("type") == "metric"
            and node.get("metric") in HEALTH_METRIC_KEYS
            and node.get("op") == "between"
            and node.get("value") == 0
            and node.get("value2") == previous
        ):
            node["value2"] = current
            changed += 1
    if changed:
        rule.save(update_fields=["conditions"])
    return changed


def _nodes(node: dict) -> list[dict]:
    """A condition document's node and every node below it."""
    found = [node]
    for child in node.get("children", []):
        found += _nodes(child)
    return found


def cutoffs_remember(sender: type, instance: Any, **kwargs: Any) -> None:
    """pre_save of the health settings: remember the red cut-off being replaced."""
    previous = sender.objects.filter(pk=instance.pk).values_list("red_max", flat=True).first() if instance.pk else None
    instance._red_max_before = previous


def cutoffs_follow(sender: type, instance: Any, **kwargs: Any) -> None:
    """post_save of the health settings: the example red-band rule follows a changed red cut-off."""
    previous = getattr(instance, "_red_max_before", None)
    if previous is not None:
        red_band_follow(previous=previous, current=instance.red_max)
