"""Words the demo company is made of: its team, client names, products and phrases.

Kept apart from ``retain.demo.generator`` so the generator reads as a process
(who joins, what happens to them, why they leave) rather than as word lists.
Everything here is fixed data; all randomness lives in the generator.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

COMPANY = "Brightwell Instruments"
# RFC 2606 reserves .example: demo addresses can never reach a real mailbox.
STAFF_DOMAIN = "brightwell.example"


def ascii_slug(text: str, separator: str = ".") -> str:
    """``"Tomáš Dvořák"`` -> ``"tomas.dvorak"``: email-safe, lower-case ASCII."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(c if c.isalnum() else " " for c in plain.lower()).split()
    return separator.join(words)


@dataclass(frozen=True)
class StaffMember:
    """One person on the demo company's team (``department`` is a department slug).

    ``diligence`` only matters for account managers: how reliably they hold
    business reviews and check-in calls, which lifts their clients' satisfaction.
    """

    first_name: str
    last_name: str
    department: str
    role: str
    title: str
    diligence: float = 0.0
    leaves: bool = False  # an account manager who leaves mid-history; their clients move

    @property
    def email(self) -> str:
        return f"{ascii_slug(self.first_name)}.{ascii_slug(self.last_name)}@{STAFF_DOMAIN}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# The team: 27 people in all 12 departments, one of whom has left (inactive).
# Fixed rather than drawn, so that the demo logins are the same for every seed.
STAFF: tuple[StaffMember, ...] = (
    StaffMember("Clara", "Weiss", "executive", "admin", "Chief Operating Officer"),
    StaffMember("Daniel", "Okafor", "executive", "manager", "Chief Executive Officer"),
    StaffMember(
        "Sofia", "Marchetti", "account-management", "manager", "Head of Account Management", 0.9
    ),
    StaffMember("Jonas", "Berg", "account-management", "member", "Senior Account Manager", 0.85),
    StaffMember("Priya", "Raman", "account-management", "member", "Account Manager", 0.95),
    StaffMember("Lucas", "Moreau", "account-management", "member", "Account Manager", 0.6),
    StaffMember("Emma", "Novak", "account-management", "member", "Account Manager", 0.8),
    StaffMember("Ethan", "Brooks", "account-management", "member", "Account Manager", 0.4),
    StaffMember("Aisha", "Khan", "account-management", "member", "Key Account Manager", 0.9),
    StaffMember(
        "Marek", "Dvořák", "account-management", "member", "Account Manager", 0.5, leaves=True
    ),
    StaffMember("Oliver", "Hughes", "sales", "manager", "Head of Sales"),
    StaffMember("Mia", "Fischer", "sales", "member", "Account Executive"),
    StaffMember("Tomasz", "Kowalski", "operations", "manager", "Operations Manager"),
    StaffMember("Laura", "Jensen", "operations", "member", "Implementation Specialist"),
    StaffMember("Rafael", "Costa", "shipping", "manager", "Logistics Lead"),
    StaffMember("Nina", "Petrova", "shipping", "member", "Shipping Coordinator"),
    StaffMember("Grace", "Liu", "billing", "manager", "Finance Manager"),
    StaffMember("Samuel", "Adeyemi", "billing", "member", "Billing Specialist"),
    StaffMember("Ingrid", "Solberg", "support", "manager", "Support Lead"),
    StaffMember("Kenji", "Watanabe", "support", "member", "Support Engineer"),
    StaffMember("Chloé", "Martin", "support", "member", "Support Engineer"),
    StaffMember("Victoria", "Hale", "legal", "manager", "Legal Counsel"),
    StaffMember("Henrik", "Larsen", "production", "manager", "Production Manager"),
    StaffMember("Fatima", "Zahra", "procurement", "member", "Procurement Specialist"),
    StaffMember("Arjun", "Mehta", "product", "manager", "Product Manager"),
    StaffMember("Lea", "Schmidt", "product", "member", "Product Designer"),
    StaffMember("Zoe", "Carter", "marketing", "manager", "Customer Marketing Manager"),
)

# The three logins the `demo` command prints: an admin, a manager and a member.
LOGIN_ADMIN = 0  # Clara Weiss
LOGIN_MANAGER = 2  # Sofia Marchetti
LOGIN_MEMBER = 3  # Jonas Berg, who owns clients


def staff_of(department: str) -> list[int]:
    """Indexes into ``STAFF`` of the people who work in ``department`` and have not left."""
    return [i for i, s in enumerate(STAFF) if s.department == department and not s.leaves]


ACCOUNT_MANAGERS = [i for i, s in enumerate(STAFF) if s.department == "account-management"]
ACCOUNT_MANAGER_HEAD = LOGIN_MANAGER
# Enterprise clients go to the senior people.
KEY_ACCOUNT_MANAGERS = [8, 2, 3]  # Aisha, Sofia, Jonas
PORTFOLIO_MANAGERS = [3, 4, 5, 6, 7, 9]  # Jonas, Priya, Lucas, Emma, Ethan, Marek
LEAVER = next(i for i, s in enumerate(STAFF) if s.leaves)

SEGMENTS = ("enterprise", "mid-market", "smb")

# Industry -> words that make a company in it sound right.
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Manufacturing": ("Manufacturing", "Industries", "Metalworks", "Components", "Engineering"),
    "Food & beverage": ("Foods", "Dairy", "Brewing", "Bakeries", "Beverages", "Provisions"),
    "Logistics": ("Logistics", "Freight", "Transport", "Cargo", "Distribution"),
    "Pharmaceuticals": ("Pharma", "Biolabs", "Therapeutics", "Life Sciences"),
    "Energy & utilities": ("Energy", "Power", "Utilities", "Renewables", "Grid Services"),
    "Retail": ("Retail", "Stores", "Trading", "Merchants"),
    "Construction": ("Construction", "Builders", "Building Systems", "Infrastructure"),
    "Agriculture": ("Agri", "Farms", "Growers", "Harvest"),
    "Healthcare": ("Health", "Clinics", "Medical", "Care Group"),
    "Water & environment": ("Water", "Environmental", "Waterworks"),
    "Facilities management": ("Facility Services", "Property Services", "Estates"),
    "Chemicals": ("Chemicals", "Polymers", "Coatings"),
}
INDUSTRY_WEIGHTS = (0.2, 0.12, 0.11, 0.06, 0.08, 0.07, 0.08, 0.05, 0.06, 0.05, 0.06, 0.06)

NAME_PREFIXES = (
    "Alder", "Alpine", "Amber", "Anchor", "Apex", "Arden", "Aster", "Atlas", "Aurora",
    "Baltic", "Beacon", "Birch", "Blue Harbor", "Boreal", "Bridgewater", "Brookfield",
    "Cascade", "Cedar", "Clearwater", "Coastal", "Copper", "Crescent", "Delta", "Eastgate",
    "Elm", "Ember", "Evergreen", "Fairfield", "Falcon", "Fjord", "Foxglove", "Granite",
    "Greenfield", "Harbor", "Hawthorn", "Heath", "Highland", "Horizon", "Iron Valley",
    "Ironwood", "Juniper", "Keystone", "Lakeside", "Linden", "Lumen", "Maple", "Meridian",
    "Millbrook", "Nordic", "Northbridge", "Northstar", "Oakridge", "Orchard", "Pacific",
    "Pinecrest", "Pioneer", "Polar", "Quarry", "Redwood", "Ridgeway", "Riverbend", "Rowan",
    "Sable", "Saffron", "Silverline", "Southwind", "Sparrow", "Stonebridge", "Summit",
    "Sunfield", "Thistle", "Timberline", "Tidewater", "Trident", "Vantage", "Westbrook",
    "Whitmore", "Willow", "Windmill", "Zenith", "Hoffmann", "Lindgren", "Moretti", "Dubois",
    "Jansen", "Novak", "Keller", "Andersen", "Garcia", "Brandt", "Kowalczyk", "Van Dijk",
)  # fmt: skip

# Country (ISO 3166-1 alpha-2) -> (share of clients, legal forms, phone prefix).
COUNTRIES: dict[str, tuple[float, tuple[str, ...], str]] = {
    "DE": (0.18, ("GmbH", "GmbH", "AG", "GmbH & Co. KG"), "+49"),
    "GB": (0.12, ("Ltd", "Ltd", "plc"), "+44"),
    "US": (0.13, ("Inc.", "LLC", "Corp."), "+1"),
    "FR": (0.08, ("SAS", "SA"), "+33"),
    "NL": (0.07, ("B.V.",), "+31"),
    "SE": (0.05, ("AB",), "+46"),
    "DK": (0.03, ("A/S", "ApS"), "+45"),
    "NO": (0.03, ("AS",), "+47"),
    "FI": (0.02, ("Oy",), "+358"),
    "AT": (0.04, ("GmbH",), "+43"),
    "CH": (0.04, ("AG", "GmbH"), "+41"),
    "BE": (0.03, ("NV", "SA"), "+32"),
    "ES": (0.05, ("S.L.", "S.A."), "+34"),
    "IT": (0.05, ("S.p.A.", "S.r.l."), "+39"),
    "PL": (0.04, ("Sp. z o.o.",), "+48"),
    "IE": (0.02, ("Ltd",), "+353"),
    "CA": (0.02, ("Inc.",), "+1"),
}

FIRST_NAMES = (
    "Anna", "Lukas", "Sophie", "Jan", "Marie", "Felix", "Laura", "David", "Julia", "Paul",
    "Emily", "James", "Olivia", "Thomas", "Charlotte", "Michael", "Hannah", "Peter", "Eva",
    "Martin", "Sara", "Erik", "Ingrid", "Lars", "Astrid", "Mikkel", "Freja", "Pierre",
    "Camille", "Antoine", "Léa", "Marco", "Giulia", "Luca", "Francesca", "Carlos", "Lucía",
    "Javier", "Elena", "Piotr", "Katarzyna", "Tomasz", "Agnieszka", "Sean", "Aoife", "Liam",
    "Emma", "Noah", "Ava", "Daniel", "Grace", "Samuel", "Chloe", "Ben", "Isabel", "Ravi",
    "Mei", "Omar", "Leila", "Kai", "Nora", "Jonas", "Mila", "Oskar", "Alma", "Hugo",
    "Elsa", "Matteo", "Clara", "Ruben", "Fleur", "Sven", "Hanna", "Patrick", "Rachel",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans",
    "Miller", "Anderson", "Clark", "Lewis", "Walker", "Hall", "Young", "Andersson", "Johansson",
    "Karlsson", "Nilsson", "Hansen", "Nielsen", "Jensen", "Pedersen", "Martin", "Bernard",
    "Dubois", "Laurent", "Lefebvre", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
    "García", "Fernández", "López", "Martínez", "Sánchez", "Nowak", "Kowalski", "Wiśniewski",
    "Wójcik", "Murphy", "Kelly", "O'Brien", "Byrne", "de Vries", "van den Berg", "Bakker",
    "Janssens", "Peeters", "Virtanen", "Korhonen", "Haugen", "Olsen", "Gruber", "Huber",
    "Bauer", "Keller", "Brunner", "Patel", "Chen", "Nguyen", "Kim", "Singh", "Novak",
)  # fmt: skip
CONTACT_ROLES = (
    "Head of Operations", "Plant Manager", "IT Manager", "Procurement Lead", "CFO",
    "Maintenance Lead", "Quality Manager", "Facilities Director", "Operations Analyst",
    "Site Engineer", "Managing Director", "Supply Chain Manager", "Data Engineer",
)  # fmt: skip

# What the demo company sells: product -> share of the client's base MRR (see the generator).
PLATFORM = "Platform"
ADD_ONS: dict[str, float] = {
    "Support plan": 0.15,
    "Analytics add-on": 0.12,
    "Integrations": 0.10,
    "Device fleet lease": 0.18,
}
PLATFORM_SEAT_PRICE = 45.0  # EUR per seat per month, list price

HARDWARE = (
    "SensorNode S2",
    "SensorNode S2-X (ATEX)",
    "Gateway G3",
    "Vibration probe VP-10",
    "Flow meter FM-4",
    "Temperature logger TL-8",
    "Mounting kit",
    "Battery pack BP-2",
)
CARRIERS = ("DHL Freight", "DB Schenker", "UPS", "Kuehne+Nagel", "DSV", "FedEx")

# Event types: (name, share of a subscription client's rows, mean value per row at full use).
EVENT_TYPES: tuple[tuple[str, float, float], ...] = (
    ("login", 0.30, 2.0),
    ("dashboard_viewed", 0.24, 4.0),
    ("report_viewed", 0.15, 2.0),
    ("alert_acknowledged", 0.13, 3.0),
    ("export", 0.06, 0.5),
    ("device_registered", 0.02, 1.0),
    ("api_call", 0.10, 250.0),
    ("order_placed", 0.0, 0.0),
)

CHURN_REASONS: dict[str, tuple[str, ...]] = {
    "late_delivery": (
        "Repeated late deliveries disrupted their maintenance schedule; moved to a supplier "
        "with local stock.",
        "Two shipments arrived weeks late during their plant shutdown; they will not risk it "
        "again.",
    ),
    "wrong_delivery": (
        "Wrong items shipped more than once; they lost confidence in our fulfilment.",
        "After the mixed-up gateway shipment their operations lead refused to renew.",
    ),
    "billing_error": (
        "Invoice errors and slow credit notes; their finance team blocked the renewal.",
        "Overcharged on seats two quarters running; procurement moved them to a competitor.",
    ),
    "unanswered_ticket": (
        "Support tickets went unanswered for weeks; switched to a vendor with a 24/7 desk.",
        "Felt ignored by support during an outage at their main site.",
    ),
    "product_defect": (
        "Recurring sensor failures after the firmware update; they replaced our devices.",
        "Gateway reboots corrupted their data twice; their engineers lost trust in the platform.",
    ),
    "owner_change": (
        "Felt neglected after their account manager changed; the relationship never recovered.",
        "Nobody followed up after the handover; a competitor's rep was there instead.",
    ),
    "drift": (
        "Low adoption: the platform never became part of their routine and the budget was cut.",
        "Usage faded after their champion left; they did not see enough value to renew.",
    ),
}
# What clients say when they do not say the real reason.
STATED_REASONS = (
    "Budget cuts across the group; all non-essential tools cancelled.",
    "Acquired by a group that standardises on another vendor.",
    "Price: a competitor offered a lower price for a similar setup.",
)

TICKET_TOPICS = (
    "Gateway offline after a network change",
    "Dashboard shows no data for line 3",
    "Cannot export the monthly report to Excel",
    "Alert thresholds reset after the update",
    "New user cannot sign in",
    "Sensor readings drifting on the cold-storage probes",
    "API returns 429 during the nightly sync",
    "Question about data retention",
    "Battery warnings on several nodes",
    "Wrong time zone in the weekly report",
)
DEFECTS = (
    ("production", "Batch fault: SensorNode S2 units failing calibration"),
    ("production", "Gateway G3 units rebooting every few hours"),
    ("production", "Cracked housings on vibration probes from one batch"),
    ("product", "Dashboard outage after release 4.2"),
    ("product", "Report exports silently truncated at 10,000 rows"),
    ("product", "Alert e-mails delayed by up to six hours"),
)
FEATURE_REQUESTS = (
    "Asked for per-site dashboards their plant managers can share",
    "Wants SSO with their Azure AD",
    "Requested an SAP PM integration for work orders",
    "Would like alert escalation by SMS",
    "Asked for a mobile view of the alert list",
    "Wants custom report templates in German",
    "Requested longer raw-data retention for audits",
)
MEETING_GOOD = (
    "Very positive: they plan to roll out to two more sites next year.",
    "Happy with uptime and alerts; asked about the analytics add-on.",
    "Operations lead praised the support team; discussed a case study.",
    "Adoption strong across shifts; agreed on next quarter's goals.",
)
MEETING_MIXED = (
    "Generally fine; a few open points about report formats.",
    "Usage steady; they want better training for new technicians.",
    "Reviewed open tickets and the delivery plan for next quarter.",
)
MEETING_BAD = (
    "Tense meeting: they listed recent delivery and support problems.",
    "Client questioned the value of the platform; renewal at risk.",
    "They raised the unresolved incidents and asked for a discount.",
)
HANDOVER_ITEMS = (
    "renewal paperwork is with legal",
    "an open delivery complaint needs a follow-up call",
    "the next business review still needs a date",
    "they are waiting for a price on the analytics add-on",
    "nothing open; relationship is calm",
    "two open support tickets to watch",
)
BILLING_ERRORS = (
    "Billed {high} seats instead of {low}; credit note issued.",
    "Invoice sent twice and the client paid both; refund requested.",
    "Wrong VAT rate applied; corrected invoice sent.",
    "Annual prepayment not taken into account; the client was dunned by mistake.",
)
SURVEY_COMMENTS = {
    "promoter": (
        "Would recommend us to peers.",
        "Alerts saved them a production stop last month.",
        "Great support team.",
    ),
    "passive": (
        "Fine overall; wants faster deliveries.",
        "Useful, but reports could be simpler.",
        "OK value for money.",
    ),
    "detractor": (
        "Too many delivery problems.",
        "Support is slow to answer.",
        "Invoices are often wrong.",
        "Devices keep failing.",
    ),
}
