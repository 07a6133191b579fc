"""The installed example lists "Renewal in the next 90 days", "Usage down 30 % month over month" and "Onboarding for
more than 60 days" hold live accounts only: churned accounts are left out. A list someone has edited keeps its
conditions."""

from django.db import migrations

LIVE_ONLY = {"type": "date", "field": "churned_on", "op": "is_empty"}
KEYS = {
    "renewal_90": "Live (not churned) accounts whose renewal date falls between today and 90 days from now.",
    "usage_down_30": "Live accounts with session time in the last 30 days at least 30 % below the 30 days before.",
    "onboarding_60": "Live accounts still in the Onboarding stage that joined more than 60 days ago.",
}
OLD_DESCRIPTIONS = {
    "renewal_90": "Accounts whose renewal date falls between today and 90 days from now.",
    "usage_down_30": "Session time in the last 30 days at least 30 % below the 30 days before.",
    "onboarding_60": "Accounts still in the Onboarding stage that joined more than 60 days ago.",
}


def live_only(apps, schema_editor):
    Segment = apps.get_model("segments", "Segment")
    for segment in Segment.objects.filter(example_key__in=list(KEYS)):
        root = (segment.conditions or {}).get("root") or {}
        children = root.get("children")
        if root.get("type") != "group" or root.get("match") != "all" or not isinstance(children, list):
            continue  # edited into another shape: leave it as its owner made it
        if LIVE_ONLY in children:
            continue
        root["children"] = [LIVE_ONLY, *children]
        fields = ["conditions"]
        if segment.description == OLD_DESCRIPTIONS[segment.example_key]:
            segment.description = KEYS[segment.example_key]
            fields.append("description")
        segment.save(update_fields=fields)


def include_churned_again(apps, schema_editor):
    Segment = apps.get_model("segments", "Segment")
    for segment in Segment.objects.filter(example_key__in=list(KEYS)):
        root = (segment.conditions or {}).get("root") or {}
        children = root.get("children")
        if isinstance(children, list) and LIVE_ONLY in children:
            root["children"] = [c for c in children if c != LIVE_ONLY]
            segment.save(update_fields=["conditions"])


class Migration(migrations.Migration):
    dependencies = [("segments", "0004_pipeline_errors")]

    operations = [migrations.RunPython(live_only, include_churned_again)]
