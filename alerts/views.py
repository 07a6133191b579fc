"""Alert pages: the alerts page (tabs, account views, actions, bulk), the rule list and its actions, the rule
builder with its preview, "why not" for an account, and the account page's alerts section."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Account
from accounts.selectors import account_for, accounts_visible_to
from alerts import selectors, services
from alerts.evaluation import rules_catalogue
from alerts.forms import CloseForm, ConvertForm, RuleForm, SnoozeForm
from alerts.models import AlertRule
from core.forms import apply_errors, safe_next
from core.htmx import render_page
from segments.fields import Entity, catalogue_load
from segments.forms import builder_context, decorate, document_from_post, nodes_from_document
from segments.selectors import segments_visible_to

PER_PAGE = 50


def _require_act(request: HttpRequest) -> None:
    if not selectors.alert_can_act(request.user):
        raise PermissionDenied("Your role does not allow acting on alerts (update accounts).")


def _require_configure(request: HttpRequest) -> None:
    if not selectors.rule_can_configure(request.user):
        raise PermissionDenied("Only members who configure product settings change alert rules.")


def _back(request: HttpRequest) -> str:
    return safe_next(request, reverse("alerts:list"))


# The alerts page -------------------------------------------------------------------------------------------------


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "open")
    tab = tab if tab in selectors.TABS else "open"
    view = request.GET.get("view", "all")
    view = view if view in selectors.VIEWS else "all"
    rule_raw = request.GET.get("rule", "")
    rule_id = int(rule_raw) if rule_raw.isdigit() else None
    qs = selectors.alerts_list(request.user, tab=tab, view=view, rule_id=rule_id)
    paginator = Paginator(qs, PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "tab": tab,
        "view": view,
        "tabs": selectors.TABS,
        "views": selectors.VIEWS,
        "rule_id": rule_id,
        "page": page,
        "query": query.urlencode(),
        "can_act": selectors.alert_can_act(request.user),
        "can_configure": selectors.rule_can_configure(request.user),
        "outcomes": CloseForm.base_fields["outcome"].choices,
    }
    return render_page(request, "alerts/alert_list.html", context, partial="alert-table")


def _act(request: HttpRequest, pk: int, action) -> HttpResponse:
    _require_act(request)
    alert = selectors.alert_for(request.user, pk)
    try:
        message = action(alert)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, message)
    return redirect(_back(request))


@login_required
@require_POST
def alert_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    def run(alert):
        services.alert_dismiss(alert=alert, by=request.user)
        return "Alert dismissed."

    return _act(request, pk, run)


@login_required
@require_POST
def alert_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    def run(alert):
        form = SnoozeForm(request.POST)
        if not form.is_valid():
            raise ValidationError("Choose the date to snooze until (until: a valid date).")
        services.alert_snooze(
            alert=alert, by=request.user, until=form.cleaned_data["until"], reason=form.cleaned_data["reason"]
        )
        return f"Alert snoozed until {form.cleaned_data['until']:%Y-%m-%d}."

    return _act(request, pk, run)


@login_required
@require_POST
def alert_close(request: HttpRequest, pk: int) -> HttpResponse:
    def run(alert):
        form = CloseForm(request.POST)
        if not form.is_valid():
            raise ValidationError("Choose an outcome: successful, unsuccessful or false alarm.")
        services.alert_close(alert=alert, by=request.user, outcome=form.cleaned_data["outcome"])
        return "Alert task closed."

    return _act(request, pk, run)


@login_required
@require_POST
def alert_delete(request: HttpRequest, pk: int) -> HttpResponse:
    def run(alert):
        services.alert_delete(alert=alert)
        return "Alert deleted."

    return _act(request, pk, run)


@login_required
def alert_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """Convert an alert to a task: owner, priority, due date, documents; the playbook's items become subtasks."""
    _require_act(request)
    alert = selectors.alert_for(request.user, pk)
    form = ConvertForm(request.POST or None, account=alert.account)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.alert_convert_to_task(alert=alert, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Alert converted to a task.")
            return redirect(task)
    return render(request, "alerts/alert_convert.html", {"alert": alert, "form": form})


BULK = {"dismiss", "snooze", "delete", "close"}


@login_required
@require_POST
def alert_bulk(request: HttpRequest) -> HttpResponse:
    """Dismiss, snooze, close (alert tasks) or delete the ticked alerts the member may see."""
    _require_act(request)
    action = request.POST.get("action", "")
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()][:500]
    if action not in BULK or not ids:
        messages.error(request, "Tick at least one alert and choose an action.")
        return redirect(_back(request))
    snooze = SnoozeForm(request.POST) if action == "snooze" else None
    close = CloseForm(request.POST) if action == "close" else None
    if snooze is not None and not snooze.is_valid():
        messages.error(request, "Choose the date to snooze until.")
        return redirect(_back(request))
    if close is not None and not close.is_valid():
        messages.error(request, "Choose an outcome: successful, unsuccessful or false alarm.")
        return redirect(_back(request))
    done, skipped = 0, 0
    for alert in selectors.alerts_visible_to(request.user).filter(pk__in=ids).select_related("task", "account"):
        try:
            if action == "dismiss":
                services.alert_dismiss(alert=alert, by=request.user)
            elif action == "snooze":
                services.alert_snooze(alert=alert, by=request.user, **snooze.cleaned_data)
            elif action == "close":
                services.alert_close(alert=alert, by=request.user, outcome=close.cleaned_data["outcome"])
            else:
                services.alert_delete(alert=alert)
            done += 1
        except ValidationError:
            skipped += 1
    messages.success(
        request, f"{done} alert{'s' if done != 1 else ''} changed" + (f", {skipped} skipped." if skipped else ".")
    )
    return redirect(_back(request))


@login_required
def account_alerts(request: HttpRequest, account_pk: int) -> HttpResponse:
    """The account page's alerts section: its open alerts and alert tasks, and the latest closed ones."""
    account = account_for(request.user, account_pk, include_deleted=False)
    alerts = selectors.alerts_visible_to(request.user).filter(account=account).select_related("rule", "task")
    context = {
        "account": account,
        "open": list(alerts.filter(status="open").order_by("-triggered_at")[:50]),
        "recent": list(alerts.exclude(status="open").order_by("-triggered_at")[:10]),
        "can_act": selectors.alert_can_act(request.user),
        "rules": list(AlertRule.objects.order_by("name").values("pk", "name")),
    }
    return render_page(request, "alerts/account_alerts.html", context, partial="account-alerts")


# Rules -----------------------------------------------------------------------------------------------------------


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = list(selectors.rules_list())
    catalogue = rules_catalogue(rules)
    for rule in rules:
        rule.current_problem = selectors.rule_problem(rule, catalogue=catalogue)
    context = {"rules": rules, "can_configure": selectors.rule_can_configure(request.user)}
    return render(request, "alerts/rule_list.html", context)


def _rule_page(request: HttpRequest, rule: AlertRule, form: RuleForm, root=None, status: int = 200) -> HttpResponse:
    catalogue = catalogue_load(entity=Entity.ACCOUNT)
    root = root or nodes_from_document(rule.conditions)
    decorate(root, catalogue)
    context = {
        "rule": rule,
        "form": form,
        "root": root,
        "problem": selectors.rule_problem(rule) if rule.pk else "",
        **builder_context(catalogue),
    }
    return render(request, "alerts/rule_form.html", context, status=status)


def _rule_save(request: HttpRequest, rule: AlertRule) -> HttpResponse:
    form = RuleForm(request.POST, instance=rule, user=request.user)
    document = document_from_post(request.POST)
    root = nodes_from_document(document)
    if form.is_valid():
        rule = form.instance
        rule.conditions = document
        try:
            rule.type = services.alert_type_for(form.cleaned_data["type_name"])
            services.rule_save(rule=rule, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Rule “{rule.name}” saved.")
            return redirect("alerts:rules")
    else:
        try:
            services.rule_conditions_check(document)
        except ValidationError as exc:
            apply_errors(form, exc)
    return _rule_page(request, rule, form, root=root, status=400)


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    _require_configure(request)
    rule = AlertRule(conditions={})
    if request.method == "POST":
        return _rule_save(request, rule)
    return _rule_page(request, rule, RuleForm(instance=rule, user=request.user))


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configure(request)
    rule = get_object_or_404(AlertRule, pk=pk)
    if request.method == "POST":
        return _rule_save(request, rule)
    return _rule_page(request, rule, RuleForm(instance=rule, user=request.user))


@login_required
@require_POST
def rule_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the accounts the rule being built matches now (among those the member sees), with the count and why."""
    document = document_from_post(request.POST)
    segment_raw = request.POST.get("segment", "")
    segment = (
        segments_visible_to(request.user).filter(entity=Entity.ACCOUNT, pk=int(segment_raw)).first()
        if segment_raw.isdigit()
        else None
    )
    preview = selectors.rule_preview(
        user=request.user,
        conditions=document,
        trigger_for_churned=request.POST.get("trigger_for_churned") == "on",
        segment=segment,
    )
    return render(request, "alerts/rule_form.html#preview", {"preview": preview})


@login_required
@require_POST
def rule_copy(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configure(request)
    copy = services.rule_copy(rule=get_object_or_404(AlertRule, pk=pk), by=request.user)
    messages.success(request, f"“{copy.name}” created (inactive).")
    return redirect("alerts:rule_edit", copy.pk)


@login_required
@require_POST
def rule_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Run now: evaluate the rule in a job (active or not)."""
    _require_configure(request)
    from django.db import transaction

    from alerts.jobs import evaluate_rule

    rule = get_object_or_404(AlertRule, pk=pk)
    transaction.on_commit(lambda: evaluate_rule.delay(rule_id=rule.pk))
    messages.success(request, f"“{rule.name}” is running; new alerts appear on the alerts page.")
    return redirect(safe_next(request, reverse("alerts:rules")))


@login_required
@require_POST
def rule_delete_alerts(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configure(request)
    rule = get_object_or_404(AlertRule, pk=pk)
    count = services.rule_delete_alerts(rule=rule)
    messages.success(request, f"{count} alert{'s' if count != 1 else ''} of “{rule.name}” deleted, with their tasks.")
    return redirect("alerts:rules")


@login_required
@require_POST
def rule_bulk(request: HttpRequest) -> HttpResponse:
    """Delete, activate or deactivate the ticked rules."""
    _require_configure(request)
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    action = request.POST.get("action", "")
    rules = AlertRule.objects.filter(pk__in=ids)
    if not ids or action not in ("delete", "activate", "deactivate"):
        messages.error(request, "Tick at least one rule and choose an action.")
    elif action == "delete":
        count = services.rules_delete(rules=rules)
        messages.success(request, f"{count} rule{'s' if count != 1 else ''} deleted with their alerts.")
    else:
        count = services.rules_set_active(rules=rules, active=action == "activate")
        messages.success(request, f"{count} rule{'s' if count != 1 else ''} {action}d.")
    return redirect("alerts:rules")


@login_required
def rule_why_not(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick an account (id or name) and see why it has no open alert of this rule now."""
    rule = get_object_or_404(AlertRule.objects.select_related("type", "segment"), pk=pk)
    q = request.GET.get("account", "").strip()[:200]
    answer = None
    candidates = []
    if q:
        visible = accounts_visible_to(request.user)
        # An exact account id is looked up among all accounts, so the answer can say it is hidden from the member.
        exact = (
            Account.objects.filter(is_deleted=False, account_id=q).first()
            or visible.filter(pk=int(q) if q.isdigit() else -1).first()
        )
        if exact is None:
            candidates = list(visible.filter(Q(name__icontains=q) | Q(account_id__icontains=q)).order_by("name")[:10])
            if len(candidates) == 1:
                exact = candidates[0]
        if exact is not None:
            candidates = []
            answer = {"account": exact, "why": selectors.why_not(user=request.user, rule=rule, account=exact)}
    context = {"rule": rule, "q": q, "answer": answer, "candidates": candidates}
    return render(request, "alerts/rule_why_not.html", context)
