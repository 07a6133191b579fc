"""Default roles installed with the product (SPEC: team, roles, security)."""

DEFAULT_ROLES: list[dict] = [
    {
        "name": "CSM",
        "description": "Owns and updates the accounts assigned to them.",
        "own_accounts": True,
        "update_accounts": True,
        "landing_page": "accounts",
    },
    {
        "name": "CSM Manager",
        "description": "Owns accounts, manages users and settings, sees every account.",
        "own_accounts": True,
        "update_accounts": True,
        "view_all_accounts": True,
        "manage_users": True,
        "configure_settings": True,
        "configure_connectors": True,
        "landing_page": "accounts",
    },
    {
        "name": "Executive",
        "description": "Views and updates every account.",
        "update_accounts": True,
        "view_all_accounts": True,
        "landing_page": "home",
    },
    {
        "name": "Guest",
        "description": "Read-only access to every account.",
        "view_all_accounts": True,
        "landing_page": "home",
    },
    {
        "name": "Analyst",
        "description": "Everything but owning accounts.",
        "update_accounts": True,
        "view_all_accounts": True,
        "manage_users": True,
        "configure_settings": True,
        "configure_connectors": True,
        "landing_page": "home",
    },
]

# Backup codes shown when two-factor authentication is enabled.
BACKUP_CODE_COUNT = 10
