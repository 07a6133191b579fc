from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "team"
    verbose_name = "Team"

    def ready(self) -> None:
        from core.demo import register_report, register_seeder
        from core.navigation import NavItem, SettingsLink, register, register_settings
        from team.demo import report, seed_team
        from team.models import TeamPermission

        register_seeder("team", 0, seed_team)
        register_report("team", 0, report)

        def can(permission):
            return lambda user: user.has_team_perm(permission)

        register(NavItem(key="home", label="Home", url_name="home", order=0))
        register(
            NavItem(
                key="team",
                label="Team",
                url_name="team:members",
                order=900,
                allowed=can(TeamPermission.MANAGE_USERS),
                landing=False,
            )
        )
        for key, label, url_name, section, order, allowed in [
            ("profile", "Profile", "team:profile", "You", 0, None),
            ("security", "Two-factor authentication", "team:security", "You", 1, None),
            ("password", "Password", "password_change", "You", 2, None),
            ("members", "Members", "team:members", "Team", 10, can(TeamPermission.MANAGE_USERS)),
            ("roles", "Roles", "team:roles", "Team", 11, can(TeamPermission.MANAGE_USERS)),
            ("groups", "Groups", "team:groups", "Team", 12, can(TeamPermission.MANAGE_USERS)),
            ("workspace", "Workspace", "team:workspace", "Product", 20, can(TeamPermission.CONFIGURE_SETTINGS)),
        ]:
            register_settings(
                SettingsLink(
                    key=key,
                    label=label,
                    url_name=url_name,
                    section=section,
                    order=order,
                    **({"allowed": allowed} if allowed else {}),
                )
            )
