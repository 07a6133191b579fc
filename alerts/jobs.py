"""Alert jobs: evaluate the active rules (every few minutes, and on Run now)."""

from celery import shared_task


@shared_task(name="alerts.jobs.evaluate_rules", ignore_result=True)
def evaluate_rules(*, rule_ids: list[int] | None = None) -> dict:
    """Evaluate every active rule (or the given ones); a broken rule is recorded and skipped."""
    from alerts.evaluation import rules_evaluate

    return rules_evaluate(rule_ids=rule_ids)


@shared_task(name="alerts.jobs.evaluate_rule", ignore_result=True)
def evaluate_rule(*, rule_id: int) -> int:
    """Run now: evaluate one rule, active or not; quietly nothing when it was deleted."""
    from alerts.evaluation import rule_evaluate
    from alerts.models import AlertRule

    rule = AlertRule.objects.filter(pk=rule_id).first()
    return rule_evaluate(rule=rule).fired if rule else 0
