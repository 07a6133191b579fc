"""Health score pages, one module per concept: configurations (list, editor, preview, backfills) and the account
page's health tab."""
