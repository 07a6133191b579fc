"""Demo team: a CSM Manager login, members of every default role, and team groups."""

from __future__ import annotations

from team.models import Role, TeamGroup, User, WorkspaceSettings
from team.services import roles_install_defaults

DEMO_EMAIL = "demo@natero.local"
DEMO_PASSWORD = "natero-demo-2026"

TEAM = [
    ("Maya Okafor", "maya@natero.local", "CSM"),
    ("Lucas Bernard", "lucas@natero.local", "CSM"),
    ("Priya Raman", "priya@natero.local", "CSM"),
    ("Jonas Weber", "jonas@natero.local", "CSM"),
    ("Tom Whitfield", "tom@natero.local", "Executive"),
    ("Ana Costa", "ana@natero.local", "Analyst"),
    ("Gina Moretti", "gina@natero.local", "Guest"),
]


def report() -> list[tuple[str, int]]:
    return [("team members", User.objects.count())]


def seed_team(**options) -> None:
    roles_install_defaults()
    workspace = WorkspaceSettings.load()
    workspace.company_name = "Acme Analytics"
    workspace.save()
    demo, created = User.objects.get_or_create(
        email=DEMO_EMAIL,
        defaults={
            "full_name": "Dana Demo",
            "role": Role.objects.get(name="CSM Manager"),
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        demo.set_password(DEMO_PASSWORD)
        demo.save()
    members = [demo]
    for name, email, role_name in TEAM:
        member, made = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "role": Role.objects.get(name=role_name)}
        )
        if made:
            member.set_password(DEMO_PASSWORD)
            member.save()
        members.append(member)
    for group_name, description, picks in [
        ("Onboarding", "New accounts in their first 90 days", [1, 2]),
        ("Renewals", "Accounts renewing this quarter", [0, 3]),
        ("Leadership", "Escalations", [0, 5]),
    ]:
        group, _ = TeamGroup.objects.get_or_create(name=group_name, defaults={"description": description})
        group.members.add(*(members[i] for i in picks))
