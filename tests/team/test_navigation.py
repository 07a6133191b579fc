"""Settings are reachable from the top navigation; the login page names the product and the workspace."""

from __future__ import annotations

from django.urls import reverse

from team.models import WorkspaceSettings


def test_settings_are_in_the_top_navigation_for_who_may_use_them(client, members):
    client.force_login(members["CSM Manager"])
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="nav-settings"' in page and ">Settings</a>" in page


def test_the_login_page_names_the_product_and_workspace_not_a_host(client, db):
    workspace = WorkspaceSettings.load()
    workspace.company_name = "Brightwell Analytics"
    workspace.save()
    page = client.get(reverse("login"), HTTP_HOST="localhost:8000").content.decode()
    assert "Log in to Brightwell Analytics" in page
    assert "localhost:8000" not in page
