"""Defaults installed with the product and limits of the accounts app."""

DEFAULT_STAGES = ["Trial", "Onboarding", "Established", "Renewal"]
DEFAULT_TIERS = ["Enterprise", "Mid-market", "SMB"]
DEFAULT_INTERACTION_TYPES = ["Call", "Meeting", "Email", "QBR", "Onsite visit", "Other"]
DEFAULT_TICKET_OPTIONS = {
    "status": [("Open", False), ("Pending", False), ("Solved", True), ("Closed", True)],
    "priority": [("Low", False), ("Normal", False), ("High", False), ("Urgent", False)],
    "type": [("Question", False), ("Incident", False), ("Problem", False), ("Feature request", False)],
}

# Roles whose landing page becomes the account list (SPEC 10: CSMs work from their accounts).
LANDING_ROLES = ["CSM", "CSM Manager"]

# Documents: what may be uploaded.
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
DOCUMENT_EXTENSIONS = {
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "odt",
    "ods",
    "odp",
    "txt",
    "csv",
    "md",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "webp",
}

# Account list
PER_PAGE_CHOICES = [25, 50, 100]
DEFAULT_PER_PAGE = 50
