"""Demo data for ``flask seed-demo``. Every organisation and person here is invented."""

DEMO_PASSWORD = "hub-demo-2026!"

# name, acronym, stakeholder type, headquarters country (ISO 3166-1 alpha-3)
ORGANISATIONS = [
    ("Alliance 8.7 Secretariat (demo)", "A87S", "other", "CHE"),
    ("Ministry of Labour and Social Welfare of Ruritania (demo)", "MLSW-R", "government", "GHA"),
    ("National Commission against Trafficking in Persons (demo)", "NCATIP", "government", "NGA"),
    ("Secretaría de Trabajo Decente (demo)", "STD", "government", "COL"),
    ("Ministère de l'Emploi et de la Protection sociale (demo)", "MEPS", "government", "SEN"),
    ("Department of Labour Inspection (demo)", "DLI", "government", "NPL"),
    ("Federation of Plantation Workers' Unions (demo)", "FPWU", "workers", "LKA"),
    ("Confédération syndicale des travailleurs du textile (demo)", "CSTT", "workers", "MAR"),
    ("Domestic Workers United Network (demo)", "DWUN", "workers", "PHL"),
    ("Central Sindical de Trabajadores Agrícolas (demo)", "CSTA", "workers", "PER"),
    ("Chamber of Commerce and Industry of the Coast (demo)", "CCIC", "employers", "CIV"),
    ("Employers' Federation for Responsible Business (demo)", "EFRB", "employers", "IND"),
    ("Asociación Nacional de Empresarios Agroexportadores (demo)", "ANEA", "employers", "GTM"),
    ("UN Office for Decent Work Programmes (demo)", "UNODWP", "un_agency", "CHE"),
    ("UN Children's Protection Fund Country Office (demo)", "UNCPF", "un_agency", "BGD"),
    ("International Migration Support Agency (demo)", "IMSA", "un_agency", "CHE"),
    ("Regional Economic Community of West Africa Labour Unit (demo)", "RECWA", "regional", "NGA"),
    ("Andean Regional Observatory on Labour Rights (demo)", "AROLR", "regional", "PER"),
    ("Southeast Asian Forum on Migration (demo)", "SEAFM", "regional", "THA"),
    ("Nordic Development Cooperation Agency (demo)", "NDCA", "development_partner", "NOR"),
    ("Fonds de coopération pour le travail décent (demo)", "FCTD", "development_partner", "FRA"),
    ("Pacific Rights Foundation (demo)", "PRF", "development_partner", "AUS"),
    ("Children First Coalition (demo)", "CFC", "civil_society", "KEN"),
    ("Freedom from Bondage Initiative (demo)", "FBI-D", "civil_society", "PAK"),
    ("Red de Apoyo a Personas Migrantes (demo)", "RAPM", "civil_society", "MEX"),
    ("Association pour l'enfance au travail (demo)", "APET", "civil_society", "BFA"),
    ("Safe Passage Shelter Network (demo)", "SPSN", "civil_society", "MDA"),
    ("Fishers' Rights Watch (demo)", "FRW", "civil_society", "IDN"),
    ("Institute for Labour Statistics and Research (demo)", "ILSR", "academia", "GBR"),
    ("Centro de Estudios sobre Trabajo Forzoso (demo)", "CETF", "academia", "BRA"),
    ("University Centre for Anti-Slavery Research (demo)", "UCASR", "academia", "USA"),
    ("Laboratoire d'analyse des chaînes de valeur (demo)", "LACV", "academia", "BEL"),
    ("Cocoa Sourcing Collective (demo)", "CSC", "private_sector", "NLD"),
    ("Global Apparel Sourcing Group (demo)", "GASG", "private_sector", "DEU"),
    ("Electronics Responsible Minerals Forum (demo)", "ERMF", "private_sector", "JPN"),
    ("Seafood Traceability Partners (demo)", "STP", "private_sector", "NOR"),
    ("Investigative Reporters on Labour Exploitation (demo)", "IRLE", "media", "ZAF"),
    ("Radio Voix des Enfants (demo)", "RVE", "media", "CMR"),
    ("Survivors' Voice Network (demo)", "SVN", "other", "USA"),
    ("Fundación Niñez sin Trabajo (demo)", "FNST", "civil_society", "ARG"),
    ("Gulf Migrant Workers' Help Desk (demo)", "GMWHD", "civil_society", "JOR"),
]

DESCRIPTION = (
    "An invented organisation for the Alliance 8.7 Hub demo. It works on **{area}** "
    "in {country} and with partners in the region."
)

AREAS = ["child labour", "forced labour", "human trafficking", "modern slavery", "fair recruitment"]

# Invented people: first names and family names that make obviously made-up pairs.
FIRST_NAMES = ["Aline", "Tomás", "Kofi", "Mei", "Ravi", "Sofía", "Yusuf", "Ingrid", "Nadia", "Oumar",
               "Lucía", "Hana", "Pedro", "Amara", "Jonas", "Leïla", "Chen", "Fatou", "Marta", "Ibrahim"]
FAMILY_NAMES = ["Demoreau", "Ejemplo", "Sampleton", "Placeholder", "Fictivo", "Testwood", "Exampleby",
                "Mockingham", "Dummont", "Prototyp"]

ACTION_GROUPS = [
    ("supply-chains", "Supply Chains",
     "Works to eliminate child labour, forced labour and trafficking from global supply chains, "
     "through knowledge, capacity building, priority countries and sectors, and advocacy."),
    ("migration", "Migration",
     "Addresses the vulnerability of migrants to forced labour and trafficking: research, resource "
     "mobilisation, strategy and policy, tools and technical cooperation."),
    ("rule-of-law-governance", "Rule of Law & Governance",
     "Strengthens laws, policies, labour inspection and access to justice against child labour, "
     "forced labour, modern slavery and human trafficking."),
    ("conflict-humanitarian-settings", "Conflict & Humanitarian Settings",
     "Prevents and responds to child labour, forced labour and trafficking in conflict and "
     "humanitarian crises, including the recruitment and use of child soldiers."),
]

# Who is in which group: group slug -> [(e-mail, role)]. The first ones convene.
GROUP_MEMBERS = {
    "supply-chains": [("focal@unodwp.example.org", "convener"), ("focal@efrb.example.org", "convener"),
                      ("focal@mlswr.example.org", "member"), ("member@mlswr.example.org", "member"),
                      ("focal@csc.example.org", "member"), ("focal@gasg.example.org", "member"),
                      ("focal@ilsr.example.org", "observer")],
    "migration": [("focal@imsa.example.org", "convener"), ("focal@seafm.example.org", "member"),
                  ("focal@rapm.example.org", "member"), ("focal@dwun.example.org", "member"),
                  ("member@mlswr.example.org", "member")],
    "rule-of-law-governance": [("focal@ncatip.example.org", "convener"), ("focal@std.example.org", "member"),
                               ("member@std.example.org", "member"), ("focal@dli.example.org", "member")],
    "conflict-humanitarian-settings": [("focal@uncpf.example.org", "convener"), ("focal@cfc.example.org", "member"),
                                       ("member@cfc.example.org", "member"), ("focal@spsn.example.org", "member")],
}
# Areas and focus countries of the seeded groups.
GROUP_SCOPE = {
    "supply-chains": (["child_labour", "forced_labour"], ["CIV", "GHA", "BGD", "IND"]),
    "migration": (["forced_labour", "trafficking"], ["NPL", "JOR", "THA", "MEX"]),
    "rule-of-law-governance": (["forced_labour", "trafficking", "modern_slavery"], ["NGA", "COL", "PER"]),
    "conflict-humanitarian-settings": (["child_soldiers", "worst_forms", "trafficking"], ["CMR", "MDA", "KEN"]),
}
