"""The vocabulary of the demo: company names, places, people, titles, and what CSMs and customers write."""

from __future__ import annotations

# Company names are a stem (two parts joined, "Brightwave") and a word that fits the industry ("Logistics").
STEM_STARTS = [
    "Bright", "North", "Blue", "Silver", "Clear", "True", "Iron", "Red", "Green", "High", "Open", "Swift", "Stone",
    "River", "Cedar", "Maple", "Summit", "Harbor", "Pine", "Oak", "Sun", "Star", "Cloud", "Pixel", "Nova", "Lumen",
    "Atlas", "Orbit", "Beacon", "Copper", "Granite", "Willow", "Falcon", "Arrow", "Prime", "Bold", "Key", "Tide",
    "Ever", "West", "East", "South", "Wild", "Gold", "Amber", "Frost", "Ash", "Elm", "Fox", "Hawk",
]  # fmt: skip
STEM_ENDS = [
    "wave", "peak", "field", "bridge", "point", "path", "light", "forge", "works", "line", "gate", "mark", "leaf",
    "spring", "view", "shore", "crest", "wind", "hub", "craft", "loop", "grid", "stack", "ridge", "brook", "haven",
    "port", "vale", "wood", "rock", "fall", "side", "well", "stream", "beam", "sail", "ward", "moor", "glen", "land",
]  # fmt: skip
INDUSTRY_WORDS = {
    "Software": ["Software", "Labs", "Technologies", "Systems", "Cloud"],
    "Financial services": ["Capital", "Financial", "Partners", "Insurance", "Payments"],
    "Healthcare": ["Health", "Medical", "Care", "Clinics", "Diagnostics"],
    "Retail": ["Retail", "Goods", "Outfitters", "Market", "Brands"],
    "Manufacturing": ["Manufacturing", "Industries", "Components", "Materials", "Engineering"],
    "Education": ["Learning", "Academy", "Education", "Schools"],
    "Media": ["Media", "Studios", "Publishing", "Creative"],
    "Logistics": ["Logistics", "Freight", "Shipping", "Transport"],
    "Energy": ["Energy", "Power", "Solar", "Utilities"],
    "Hospitality": ["Hotels", "Hospitality", "Resorts", "Travel"],
    "Telecommunications": ["Networks", "Telecom", "Communications", "Connect"],
    "Professional services": ["Consulting", "Advisory", "Group", "Associates"],
}
INDUSTRIES = list(INDUSTRY_WORDS)
INDUSTRY_WEIGHTS = [24, 12, 10, 9, 9, 6, 6, 7, 4, 4, 4, 5]
# city, country, region (a city appears as often as its region's share of customers)
CITIES = [
    ("Denver", "United States", "North America"),
    ("Austin", "United States", "North America"),
    ("Chicago", "United States", "North America"),
    ("Boston", "United States", "North America"),
    ("Seattle", "United States", "North America"),
    ("Atlanta", "United States", "North America"),
    ("San Diego", "United States", "North America"),
    ("New York", "United States", "North America"),
    ("Toronto", "Canada", "North America"),
    ("Vancouver", "Canada", "North America"),
    ("London", "United Kingdom", "EMEA"),
    ("Manchester", "United Kingdom", "EMEA"),
    ("Berlin", "Germany", "EMEA"),
    ("Munich", "Germany", "EMEA"),
    ("Paris", "France", "EMEA"),
    ("Amsterdam", "Netherlands", "EMEA"),
    ("Dublin", "Ireland", "EMEA"),
    ("Stockholm", "Sweden", "EMEA"),
    ("Singapore", "Singapore", "APAC"),
    ("Sydney", "Australia", "APAC"),
    ("Tokyo", "Japan", "APAC"),
    ("São Paulo", "Brazil", "LATAM"),
    ("Mexico City", "Mexico", "LATAM"),
]
STREETS = ["Market Street", "Harbour Road", "Station Lane", "Park Avenue", "King Street", "Mill Road", "Elm Court"]

FIRST_NAMES = [
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Lucas", "Mia", "Ethan", "Amelia", "Leo", "Chloe",
    "Daniel", "Hannah", "Samuel", "Grace", "Jonas", "Lena", "Felix", "Clara", "Hugo", "Elena", "Marco", "Giulia",
    "Pierre", "Camille", "Lars", "Ingrid", "Piotr", "Anna", "Diego", "Valentina", "Rafael", "Camila", "Aisha",
    "Omar", "Fatima", "Yusuf", "Priya", "Arjun", "Ananya", "Rohan", "Mei", "Wei", "Yuki", "Haruto", "Min-jun",
    "Ji-woo", "Kwame", "Amara", "Chidi", "Ngozi", "Tomás", "Lucía", "Sean", "Niamh", "Erik", "Freya", "David",
    "Sarah", "Michael", "Rachel", "James", "Laura", "Robert", "Julia", "Thomas", "Nina", "Adam", "Maya",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Garcia", "Martinez", "Brown", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas",
    "Moore", "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright", "Lopez", "Hill", "Green", "Baker",
    "Müller", "Schmidt", "Fischer", "Weber", "Dubois", "Laurent", "Moreau", "Rossi", "Bianchi", "Romano", "Larsen",
    "Nilsson", "Kowalski", "Nowak", "Silva", "Santos", "Pereira", "Hernández", "Okafor", "Mensah", "Adeyemi",
    "Haddad", "Khan", "Patel", "Sharma", "Iyer", "Chen", "Wang", "Tanaka", "Sato", "Kim", "Park", "Nguyen",
    "O'Brien", "Murphy", "Kelly", "Novak", "Costa", "Cohen", "Jensen", "Fernández", "Bauer", "Ivanova",
]  # fmt: skip
# role: titles (the first contact is the champion, the second the decision maker)
TITLES = {
    "Champion": ["Customer Operations Manager", "Head of Analytics", "Product Operations Lead", "RevOps Manager"],
    "Decision maker": ["VP Customer Success", "Director of Operations", "VP Sales", "Head of Customer Experience"],
    "Executive sponsor": ["Chief Operating Officer", "Chief Revenue Officer", "CEO", "Chief Customer Officer"],
    "Admin": ["IT Administrator", "Systems Administrator", "CRM Administrator"],
    "Billing": ["Finance Manager", "Accounts Payable Lead", "Controller"],
    "User": [
        "Customer Success Manager", "Account Executive", "Data Analyst", "Support Team Lead", "Marketing Manager",
        "Sales Manager", "Operations Analyst", "Onboarding Specialist", "Account Manager",
    ],
}  # fmt: skip

GOALS = [
    "one view of every customer's health for the success team",
    "renewal forecasts the leadership can trust",
    "fewer surprise churns in the SMB segment",
    "adoption reporting for the quarterly board pack",
    "faster onboarding of new customers",
    "replacing spreadsheets with automated alerts",
]
INTEGRATIONS = ["Salesforce", "HubSpot", "Zendesk", "Stripe", "Segment", "Intercom", "Snowflake"]
FEATURES = ["scheduled reports", "dashboard sharing", "alert rules", "the bulk editor", "list exports", "playbooks"]

# Ticket subjects with a description, by type (Question, Incident, Problem, Feature request).
TICKETS = {
    "Question": [
        ("How do I share a dashboard with read-only access?", "A manager needs to see the dashboard without editing."),
        ("Where can I change the billing contact?", "Our finance contact changed and invoices go to the old one."),
        ("Can we import historical usage from CSV?", "We have two years of usage in our warehouse."),
        ("How are active users counted?", "The numbers differ from what our product analytics shows."),
    ],
    "Incident": [
        ("Dashboard does not load for some users", "Several users see a spinner that never finishes since Monday."),
        ("Scheduled report was not sent this morning", "The weekly report to leadership did not arrive."),
        ("Login fails with SSO", "Users get an error after the identity provider redirects back."),
        ("Export times out on large lists", "Exporting the full customer list fails after a minute."),
    ],
    "Problem": [
        ("Totals in the revenue report look wrong", "MRR in the report does not match our billing system."),
        ("Sync from the CRM stopped", "No account updates from the CRM since the weekend."),
        ("Duplicate contacts after the import", "The same people appear twice on several accounts."),
        ("Usage data is delayed by a day", "Yesterday's activity only appears in the afternoon."),
    ],
    "Feature request": [
        ("Filter the account list by renewal quarter", "We plan renewals by quarter and filter by hand today."),
        ("Custom fields on tasks", "We want to track the type of outreach on each task."),
        ("More chart types on dashboards", "A funnel chart would help our onboarding reviews."),
    ],
}

CHECK_INS = {
    "steady": [
        ("Monthly check-in", "Adoption is steady; {champion} is happy with {feature}. No blockers."),
        ("Feature walkthrough: {feature}", "Showed {feature} to {champion}'s team; they will roll it out."),
        ("Roadmap preview", "Walked {champion} through the next quarter's roadmap; interest in {feature}."),
        ("Training for new users", "Trained five new users on the team of {champion}."),
        ("Expansion conversation", "{decision} asked for a quote for more seats next quarter."),
        ("Usage review", "Usage is up month on month; shared the numbers with {decision}."),
    ],
    "risky": [
        ("Usage review", "Usage keeps falling; {champion} says the team is busy with other priorities."),
        ("Escalation follow-up", "Followed up on the open tickets with {champion}; they are frustrated by delays."),
        ("Adoption concerns", "Only a few users log in. Agreed on a re-training session with {champion}."),
        ("Executive sync", "{decision} questioned the value for money ahead of the renewal."),
    ],
}

NOTES = {
    "happy": [
        "{champion} presented our dashboards to their leadership; strong advocate.",
        "Good candidate for a case study once the renewal is signed.",
        "Interested in the Enterprise plan for the whole company next year.",
    ],
    "risky": [
        "Renewal at risk: {decision} is reviewing every tool's budget.",
        "Usage dropped after their reorganisation; no clear owner on their side.",
        "Evaluating a competitor according to {champion}.",
    ],
    "onboarding": [
        "Onboarding plan agreed: integration first, then training of team leads.",
        "Waiting on their IT team to finish SSO before inviting users.",
    ],
}
STATUSES = {
    "happy": [("On track", "Adoption growing; next step is the QBR."), ("Expanding", "Talking about more seats.")],
    "risky": [("At risk", "Usage falling and tickets open; plan agreed with the champion.")],
    "onboarding": [("Onboarding", "Integration in progress; training booked.")],
    "trial": [("Trial", "Evaluating against their current spreadsheets.")],
}
