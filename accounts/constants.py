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

# What the first bytes of a file of each binary type are; text types must hold no NUL byte instead.
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office
ZIP = b"PK\x03\x04"  # Office Open XML and OpenDocument
DOCUMENT_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "doc": (OLE2,),
    "xls": (OLE2,),
    "ppt": (OLE2,),
    "docx": (ZIP,),
    "xlsx": (ZIP,),
    "pptx": (ZIP,),
    "odt": (ZIP,),
    "ods": (ZIP,),
    "odp": (ZIP,),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
}
DOCUMENT_TEXT_EXTENSIONS = {"txt", "csv", "md"}

# Account list
PER_PAGE_CHOICES = [25, 50, 100]
# A bulk action on "all matching accounts" applies to at most this many at once.
BULK_MAX_ACCOUNTS = 5000
DEFAULT_PER_PAGE = 50
