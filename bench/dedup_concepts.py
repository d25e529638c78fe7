"""Hand-written initiatives for the detector's labelled pairs: each concept is one piece of work, told twice
by different people (an original and a paraphrase), some also in French or Spanish. ``bench/dedup_pairs.py``
turns them into labelled pairs."""
from __future__ import annotations

# (theme, target groups, countries it may run in, original (title, description), paraphrase, translation or None)
CONCEPTS = [
    ("child_labour", ["children"], ["GHA", "CIV"],
     ("Community child labour monitoring in cocoa-growing districts",
      "We will set up community-based child labour monitoring and remediation systems in 40 cocoa farming "
      "communities, train cooperative leaders, and refer identified children to schools and social services."),
     ("Child labour monitoring and remediation for cocoa communities",
      "Forty cocoa-producing villages get a community-run system to identify working children, with cooperative "
      "leaders trained to follow up each case and link children to education and social welfare."),
     ("Suivi communautaire du travail des enfants dans les zones de cacao",
      "Mise en place de systèmes communautaires de suivi et de remédiation du travail des enfants dans 40 "
      "communautés productrices de cacao, formation des responsables de coopératives et orientation des enfants "
      "identifiés vers l'école et les services sociaux.")),
    ("forced_labour", ["migrants"], ["THA", "MYS"],
     ("Ending forced labour on long-haul fishing vessels",
      "The project inspects fishing vessels at port, trains port state control officers to recognise forced labour "
      "indicators, and gives migrant fishers access to grievance mechanisms and legal aid."),
     ("Port inspections against forced labor in the fishing fleet",
      "Port officers learn to spot signs of forced labor during vessel inspections, and migrant crew members can "
      "file complaints and receive legal assistance through a new support desk."),
     None),
    ("trafficking", ["women"], ["NPL", "IND"],
     ("National anti-trafficking hotline",
      "Set up and run a toll-free, multilingual hotline where survivors of human trafficking and their families "
      "can report cases, get counselling and be referred to shelters."),
     ("A free helpline for trafficking survivors",
      "Survivors of trafficking and their relatives will be able to call a free helpline in several languages to "
      "report abuse, receive psychosocial counselling and find a place in a shelter."),
     None),
    ("forced_labour", ["migrants"], ["QAT", "SAU", "NPL"],
     ("Fair recruitment corridor between Nepal and the Gulf",
      "We work with licensed recruitment agencies and employers to eliminate recruitment fees charged to Nepali "
      "migrant workers, publish a list of compliant agencies and train workers before departure."),
     ("Zero recruitment fees for Nepali migrants going to Gulf states",
      "Employers and accredited agencies commit to the employer-pays principle so Nepali workers pay no "
      "recruitment fees; workers receive pre-departure orientation and a public register lists agencies that comply."),
     ("Corredor de contratación equitativa entre Nepal y el Golfo",
      "Trabajamos con agencias de contratación autorizadas y empleadores para eliminar las comisiones de "
      "contratación que pagan los trabajadores migrantes nepalíes y formamos a los trabajadores antes de su partida.")),
    ("child_soldiers", ["children", "adolescents"], ["COD", "CAF"],
     ("Reintegration of children released from armed groups",
      "Children released from armed groups receive interim care, family tracing, psychosocial support and "
      "vocational training so that they can return to their communities and are not re-recruited."),
     ("Helping former child soldiers return home",
      "Boys and girls who leave armed groups are given temporary care while their families are traced, along "
      "with counselling and skills training to support their reintegration and prevent new recruitment."),
     ("Réintégration des enfants libérés des groupes armés",
      "Les enfants libérés des groupes armés bénéficient d'une prise en charge transitoire, de la recherche "
      "familiale, d'un soutien psychosocial et d'une formation professionnelle pour retourner dans leur communauté.")),
    ("modern_slavery", ["other"], ["GBR"],
     ("Modern slavery statement assessment for public procurement",
      "An annual review of the modern slavery statements of the 500 largest suppliers to central government, "
      "scoring their risk assessment, due diligence and remediation, with findings published."),
     ("Checking suppliers' modern slavery statements in government contracts",
      "Each year we assess the modern slavery statements of government's top 500 suppliers against criteria on "
      "risk assessment, due diligence and remedy, and publish the scores."),
     None),
    ("child_labour", ["children"], ["IND", "PAK"],
     ("Eliminating child labour in brick kilns",
      "The programme enrols children of brick kiln workers in seasonal hostels and schools, organises kiln "
      "workers, and works with kiln owners' associations to end the employment of children at kilns."),
     ("Getting children out of brick kiln work and into school",
      "Children of families who migrate to work in brick kilns will stay in seasonal hostels and attend school, "
      "while kiln owners agree to stop hiring children and workers form associations."),
     None),
    ("worst_forms", ["children"], ["COD"],
     ("Removing children from artisanal cobalt mining",
      "In the copper and cobalt belt, the initiative identifies children working in artisanal mines, provides "
      "catch-up education and family livelihood support, and sets up child-labour-free mining zones."),
     ("Child-free artisanal cobalt mines in the copper belt",
      "Children found digging or sorting ore at artisanal cobalt sites are enrolled in accelerated learning while "
      "their families get income support, and selected mine sites are certified as free of child labour."),
     ("Retirer les enfants des mines artisanales de cobalt",
      "Dans la ceinture du cuivre et du cobalt, l'initiative identifie les enfants travaillant dans les mines "
      "artisanales, offre une éducation de rattrapage et un soutien aux moyens de subsistance des familles.")),
    ("trafficking", ["other"], ["ROU", "BGR", "ITA"],
     ("Joint investigation teams against labour trafficking networks",
      "Police and prosecutors from origin and destination countries form joint investigation teams, share "
      "financial intelligence and coordinate arrests to dismantle networks trafficking workers into agriculture."),
     ("Cross-border police cooperation to dismantle labour trafficking rings",
      "Investigators and prosecutors of several countries work together in joint teams, follow the money and time "
      "their operations to break up the rings that traffic farm workers."),
     None),
    ("forced_labour", ["other"], ["UZB"],
     ("Third-party monitoring of the cotton harvest",
      "Independent monitors observe recruitment and working conditions during the cotton harvest, interview "
      "pickers, and report on whether forced labour and child labour have been eliminated."),
     ("Independent monitoring of forced labour in cotton picking",
      "During each harvest, independent observers visit cotton fields, talk to pickers about how they were "
      "recruited and paid, and publish a report on remaining forced and child labour."),
     ("Seguimiento independiente de la cosecha de algodón",
      "Observadores independientes supervisan la contratación y las condiciones de trabajo durante la cosecha de "
      "algodón, entrevistan a los recolectores e informan sobre el trabajo forzoso y el trabajo infantil.")),
    ("child_labour", ["children"], ["BGD"],
     ("Child-labour-free zones in the garment supply chain",
      "Working with factories, subcontractors and local government, the project declares child-labour-free "
      "zones around garment clusters and gets out-of-school children into bridge schools."),
     ("Garment clusters free of child labor",
      "Local authorities, factories and their subcontractors agree to make the areas around garment clusters "
      "free of child labor, and children who dropped out attend bridging classes."),
     None),
    ("modern_slavery", ["domestic_workers", "women"], ["LBN", "JOR"],
     ("Abolishing the kafala system for migrant domestic workers",
      "Advocacy and legal reform to replace sponsorship-based employment of migrant domestic workers with a "
      "standard contract that lets them change employer and keep their passports."),
     ("Reforming sponsorship rules for migrant domestic workers",
      "We campaign for a unified contract and legal changes so that migrant domestic workers are no longer tied "
      "to one sponsor, can move to another employer and keep their own identity documents."),
     None),
    ("trafficking", ["women", "children"], ["UKR", "POL", "ROU"],
     ("Preventing trafficking of refugees fleeing Ukraine",
      "Information points at border crossings and reception centres warn refugees about trafficking risks, "
      "register offers of accommodation and transport, and screen volunteers offering help."),
     ("Anti-trafficking information for Ukrainian refugees at the border",
      "At border posts and reception centres, refugees from Ukraine receive warnings about traffickers, and "
      "offers of housing or rides are registered and volunteers vetted."),
     None),
    ("forced_labour", ["indigenous_peoples"], ["BRA"],
     ("Rescuing workers from slave labour on cattle ranches",
      "Mobile inspection units of labour inspectors, police and prosecutors respond to complaints of slave "
      "labour on remote ranches, free workers, and secure back pay and compensation."),
     ("Mobile inspection teams against slave labor in cattle ranching",
      "Joint teams of inspectors, federal police and labour prosecutors travel to remote cattle farms after "
      "complaints, release workers held in slave-like conditions and obtain unpaid wages and damages."),
     ("Grupos móviles contra el trabajo esclavo en haciendas ganaderas",
      "Unidades móviles de inspectores de trabajo, policía y fiscales responden a denuncias de trabajo esclavo en "
      "haciendas remotas, liberan a los trabajadores y aseguran el pago de salarios y las indemnizaciones.")),
    ("child_labour", ["children"], ["PER", "BOL"],
     ("Keeping children out of informal gold mining in the Andes",
      "Schools in mining towns get after-school programmes, mothers' groups are trained on the dangers of "
      "mercury, and local authorities enforce the ban on children working in gold mines."),
     ("After-school programmes against child labour in Andean gold mining towns",
      "In high-altitude gold mining communities, children attend activities after school, mothers learn about "
      "mercury exposure, and municipalities enforce the prohibition of child work in mining."),
     None),
    ("trafficking", ["other"], ["PHL"],
     ("Fighting online sexual exploitation of children",
      "Specialised police units, internet service providers and payment companies work together to detect "
      "live-streamed child sexual abuse, rescue victims and prosecute offenders."),
     ("Detecting and stopping live-streamed child abuse",
      "Payment firms, internet providers and a dedicated police cybercrime unit cooperate to trace online "
      "sexual exploitation of children, remove victims from harm and bring offenders to court."),
     None),
    ("forced_labour", ["migrants"], ["MYS"],
     ("Forced labour due diligence in palm oil plantations",
      "Plantation companies map their labour recruitment, repay recruitment fees to migrant workers, return "
      "withheld passports and set up worker committees, verified by independent audits."),
     ("Palm oil producers tackle forced labor risks",
      "Growers review how migrant plantation workers were hired, reimburse the fees they paid, stop holding their "
      "passports and create elected worker committees; independent auditors check progress."),
     None),
    ("child_labour", ["children"], ["TUR"],
     ("Child labour in seasonal hazelnut harvesting",
      "Summer schools and child-friendly spaces are opened for the children of seasonal migrant families "
      "who come to pick hazelnuts, and labour contractors sign a code of conduct."),
     ("Summer schools for children of hazelnut pickers",
      "Families who migrate for the hazelnut harvest can send their children to summer schools and safe spaces "
      "instead of the orchards, while harvest labour intermediaries commit to a code of conduct."),
     None),
    ("modern_slavery", ["other"], ["AUS"],
     ("Modern slavery risks in renewable energy supply chains",
      "Research tracing polysilicon and solar panel components to their source, identifying forced labour risks, "
      "and guidance for buyers on traceability and supplier engagement."),
     ("Tracing forced labour in solar panel supply chains",
      "We trace solar modules and polysilicon back to mines and factories, assess where forced labour risks lie, "
      "and publish buyer guidance on traceability and engaging suppliers."),
     None),
    ("trafficking", ["women"], ["NGA", "ITA"],
     ("Return and reintegration of trafficked Nigerian women",
      "Women trafficked to Europe for sexual exploitation receive safe return, shelter, business training and "
      "start-up grants, and their communities are involved to reduce stigma."),
     ("Reintegrating women returning from trafficking in Europe",
      "Nigerian survivors of sex trafficking coming home from Europe are offered shelter, entrepreneurship "
      "training and small grants, while community dialogues tackle the stigma they face."),
     ("Retour et réintégration des femmes nigérianes victimes de traite",
      "Les femmes victimes de traite à des fins d'exploitation sexuelle en Europe bénéficient d'un retour sûr, "
      "d'un hébergement, d'une formation et de subventions de démarrage.")),
    ("child_labour", ["children"], ["MWI", "ZMB"],
     ("Ending child labour in tobacco farming",
      "Tobacco companies, growers' associations and district councils set up child labour monitoring in "
      "tobacco-growing villages and expand school feeding to keep children in class during harvest."),
     ("Child labor in tobacco growing communities",
      "District councils, leaf buyers and farmer associations monitor child labor in villages that grow tobacco, "
      "and school meals are extended so children stay in school in the harvest season."),
     None),
    ("forced_labour", ["other"], ["CHN", "USA"],
     ("Import ban enforcement on goods made with forced labour",
      "Customs authorities detain shipments suspected of being made with forced labour, require importers to "
      "prove clean supply chains, and publish lists of entities subject to withhold release orders."),
     ("Customs enforcement against forced labour imports",
      "Border agencies hold goods believed to have been produced with forced labour until importers document "
      "their supply chains, and release the list of companies under detention orders."),
     None),
    ("child_labour", ["adolescents"], ["KEN", "UGA"],
     ("Decent work for adolescents above the minimum working age",
      "Young people aged 15 to 17 are offered apprenticeships in safe occupations, employers are trained on "
      "hazardous work lists, and labour officers check placements."),
     ("Safe apprenticeships for 15- to 17-year-olds",
      "Teenagers who have reached the minimum age for work get apprenticeships in non-hazardous jobs; employers "
      "learn which tasks are prohibited for them and labour officers visit workplaces."),
     None),
    ("trafficking", ["migrants"], ["MEX", "GTM"],
     ("Protection of unaccompanied migrant children on the northern route",
      "Shelters along the migration route provide unaccompanied children with care, legal orientation and "
      "screening for trafficking, and consular staff are trained to identify victims."),
     ("Safe shelters for unaccompanied children migrating north",
      "Unaccompanied minors travelling towards the northern border find shelters offering care and legal advice, "
      "are screened for signs of trafficking, and consular officials learn to recognise victims."),
     ("Protección de niñas y niños migrantes no acompañados en la ruta hacia el norte",
      "Albergues a lo largo de la ruta migratoria ofrecen a los niños no acompañados atención, orientación "
      "jurídica y detección de la trata de personas, y se capacita al personal consular.")),
    ("modern_slavery", ["other"], ["FRA", "DEU", "NLD"],
     ("Implementing mandatory human rights due diligence laws",
      "Support for companies and regulators to implement the new due diligence duty: sector guidance, a helpdesk "
      "for small suppliers, and a civil society network to monitor compliance."),
     ("Helping companies comply with the due diligence duty",
      "A helpdesk for smaller suppliers, guidance per sector and a watchdog network of NGOs help regulators and "
      "firms put the mandatory human rights due diligence law into practice."),
     ("Mise en œuvre du devoir de vigilance",
      "Accompagnement des entreprises et des autorités dans la mise en œuvre du devoir de vigilance : guides "
      "sectoriels, service d'assistance pour les petits fournisseurs et réseau de la société civile.")),
    ("worst_forms", ["children"], ["SEN", "MLI"],
     ("Protecting talibé children from forced begging",
      "Qur'anic schools are registered and supported, teachers agree to stop sending pupils to beg, and children "
      "found begging on the streets are returned to their families or placed in care."),
     ("Ending forced begging by Qur'anic school pupils",
      "The project registers daaras, supports their teachers in return for an end to street begging, and reunites "
      "talibé children found begging with their families or finds them alternative care."),
     ("Protéger les enfants talibés de la mendicité forcée",
      "Les écoles coraniques sont enregistrées et soutenues, les maîtres s'engagent à ne plus envoyer les élèves "
      "mendier et les enfants trouvés dans la rue sont ramenés dans leur famille.")),
    ("forced_labour", ["other"], ["IND"],
     ("Releasing bonded labourers in stone quarries",
      "Local vigilance committees identify bonded labourers in stone quarries, district officials issue release "
      "certificates, and freed families receive rehabilitation grants and land titles."),
     ("Freeing and rehabilitating bonded quarry workers",
      "Quarry workers trapped in debt bondage are identified by village vigilance committees, released with "
      "official certificates, and helped with rehabilitation money and plots of land."),
     None),
    ("child_labour", ["children"], ["ETH"],
     ("Child labour in traditional weaving workshops",
      "Children trafficked from rural areas to urban weaving workshops are rescued, reunited with their families "
      "and enrolled in school, and workshop owners are trained on labour law."),
     ("Rescuing children from weaving workshops in the city",
      "Boys brought from the countryside to weave in city workshops are removed, sent back to their families "
      "and to school, while workshop owners learn what the labour law requires."),
     None),
    ("trafficking", ["women", "children"], ["KHM", "THA"],
     ("Safe migration information in source villages",
      "Village volunteers run safe migration sessions, help families check job offers and recruiters, and keep "
      "in touch with migrants abroad through a messaging group."),
     ("Community volunteers promote safe migration",
      "In villages that send many migrants, volunteers explain how to migrate safely, check whether recruiters and "
      "jobs are genuine, and stay in contact with people who have left through an online chat group."),
     None),
    ("child_labour", ["children"], ["COL", "ECU"],
     ("Child labour in flower farms",
      "Flower exporters, unions and the labour ministry certify farms free of child labour, offer holiday "
      "programmes to workers' children, and check pesticide exposure."),
     ("Certifying cut-flower farms as free of child labour",
      "The labour ministry, trade unions and flower exporting companies certify plantations without child "
      "workers, run school holiday activities for employees' children and monitor pesticide risks."),
     None),
    ("forced_labour", ["migrants"], ["ITA", "ESP"],
     ("Tackling exploitation of farm workers under the gangmaster system",
      "Mobile outreach teams reach migrant farm workers in informal settlements, provide legal advice, and "
      "connect them with labour inspectors and trade unions to report illegal intermediaries."),
     ("Outreach against illegal labour intermediaries in agriculture",
      "Teams travel to informal camps where migrant harvest workers live, give legal counselling and help them "
      "report exploitative gangmasters to inspectors and unions."),
     ("Lucha contra la explotación de jornaleros por intermediarios ilegales",
      "Equipos móviles llegan a los trabajadores agrícolas migrantes en asentamientos informales, ofrecen "
      "asesoría jurídica y los ponen en contacto con la inspección de trabajo y los sindicatos.")),
    ("modern_slavery", ["other"], ["USA", "CAN"],
     ("Training financial institutions to spot human trafficking",
      "Banks receive red flag indicators of trafficking-related transactions, train their compliance staff, "
      "and share suspicious activity reports with financial intelligence units."),
     ("Following the money: banks detecting trafficking finances",
      "Compliance teams in banks learn typologies and red flags of payments linked to human trafficking, and "
      "file more and better suspicious transaction reports to the financial intelligence unit."),
     None),
    ("child_labour", ["children"], ["MDG"],
     ("Responsible vanilla sourcing without child labour",
      "Vanilla exporters and buyers fund community schools, pay farmers a premium for child-labour-free vanilla, "
      "and run village-level monitoring during the pollination season."),
     ("Vanilla without child labor",
      "Exporters and international buyers pay a premium for vanilla grown without children's work, finance "
      "village schools and monitor farms when flowers are hand-pollinated."),
     None),
    ("trafficking", ["other"], ["SRB", "ALB"],
     ("Standard operating procedures for identifying trafficking victims",
      "National standard operating procedures tell police, social workers, labour inspectors and health staff "
      "how to identify presumed victims of trafficking and refer them to assistance."),
     ("Common procedures to identify and refer victims of trafficking",
      "We draft and roll out procedures so that frontline police, social services, inspectors and nurses "
      "recognise likely trafficking victims and know where to refer them for help."),
     None),
    ("forced_labour", ["other"], ["PRK", "RUS"],
     ("Research on state-imposed forced labour in overseas work",
      "A study documenting the conditions of workers sent abroad by their state, their wages confiscated, and "
      "the companies and sectors that employ them."),
     ("Documenting workers sent abroad under state-imposed forced labor",
      "This research records how state-dispatched overseas workers live and work, how their pay is seized, and "
      "which businesses and industries use their labour."),
     None),
    ("child_labour", ["children", "women"], ["NER", "BFA"],
     ("Cash transfers to reduce child labour in gold panning areas",
      "Mothers in artisanal gold mining villages receive monthly cash transfers conditional on their children "
      "attending school and not working at mining sites."),
     ("Conditional cash for families so children leave gold sites",
      "Families living near artisanal gold washing sites are paid a monthly allowance, through the mother, as long "
      "as children go to school instead of working at the sites."),
     ("Transferts monétaires pour réduire le travail des enfants sur les sites d'orpaillage",
      "Les mères des villages d'orpaillage reçoivent des transferts monétaires mensuels à condition que leurs "
      "enfants aillent à l'école et ne travaillent pas sur les sites miniers.")),
    ("modern_slavery", ["domestic_workers"], ["BRA", "PRY"],
     ("Organising domestic workers to claim their rights",
      "Domestic workers' unions recruit members, run a rights helpline, and campaign for ratification and "
      "enforcement of the domestic workers convention."),
     ("Strengthening domestic workers' unions",
      "We help domestic workers' trade unions grow their membership, staff a helpline on workers' rights, and "
      "push for the domestic workers convention to be ratified and applied."),
     None),
    ("trafficking", ["migrants"], ["LBY", "TUN"],
     ("Assistance to migrants stranded on the central Mediterranean route",
      "Migrants stranded in transit cities receive medical care, protection screening for trafficking and "
      "torture survivors, and voluntary return or resettlement counselling."),
     ("Help for migrants stuck in transit on the Mediterranean route",
      "Migrants unable to move on from transit cities get health care, are screened for signs of trafficking or "
      "torture, and are advised on voluntary return or resettlement options."),
     None),
    ("child_labour", ["children"], ["VNM"],
     ("National child labour survey",
      "A nationally representative household survey measuring the number of children in child labour and "
      "hazardous work, by sector, region and sex, using the statistical standards of the ICLS."),
     ("Measuring child labour: the national household survey",
      "We will run a representative survey of households to estimate how many children are in child labour or "
      "hazardous work, broken down by industry, province and sex, following ICLS statistical standards."),
     None),
]

# A sentence many unrelated initiatives add: boilerplate that must weigh little.
BOILERPLATE = ("This initiative contributes to SDG target 8.7 and to the work of Alliance 8.7, and its results "
               "will be shared with all partners through the knowledge platform.")

# Different work in the same sector and place as a concept (by index): the hardest negatives, since they
# share the field's words (cocoa, communities, migrant workers...) without being the same initiative.
NEIGHBOURS = {
    0: ("Income diversification for cocoa-farming households",
        "Cocoa farmers and their wives join village savings and loan associations, learn to grow food crops and "
        "raise small livestock, and get access to a cooperative-run input shop to raise household incomes."),
    1: ("Satellite tracking of fishing vessels to detect illegal fishing",
        "Vessel monitoring data and satellite imagery are analysed to detect illegal, unreported and unregulated "
        "fishing, transhipment at sea and vessels that switch off their transponders."),
    2: ("Training judges on trafficking cases",
        "Judges and prosecutors attend a course on the anti-trafficking law, victim-centred trial procedures and "
        "compensation orders, and a bench book on trafficking cases is published."),
    3: ("Pre-departure health checks for migrant workers",
        "Medical centres accredited by destination countries carry out health screening for Nepali migrant "
        "workers, and the fees and waiting times of the centres are published."),
    4: ("Preventing child marriage in displacement camps",
        "Adolescent girls in displacement camps attend safe spaces and life-skills sessions, and community leaders "
        "and parents take part in dialogues on the harms of child marriage."),
    6: ("Clean cookstoves and fuel efficiency in brick kiln technology",
        "Kiln owners switch to zigzag firing technology that cuts coal use and air pollution, with loans from a "
        "green credit line and training for kiln operators."),
    7: ("Traceability of cobalt from artisanal mines to battery makers",
        "A digital chain-of-custody system tags bags of cobalt ore at artisanal mine sites so that refiners and "
        "battery makers can trace where their cobalt comes from."),
    10: ("Fire and building safety in garment factories",
         "Engineers inspect garment factories for structural, fire and electrical hazards, factories fix the "
         "problems found, and workers' safety committees are elected."),
    11: ("Health insurance for migrant domestic workers",
         "Migrant domestic workers are enrolled in a low-cost health insurance scheme paid by employers, with a "
         "hotline to help them use hospital services."),
    13: ("Deforestation-free cattle supply chains",
         "Meatpackers map the ranches that supply their cattle, including indirect suppliers, and stop buying "
         "from ranches linked to illegal deforestation in the Amazon."),
    16: ("Smallholder palm oil certification",
         "Independent smallholders are trained in good agricultural practices and group certification, raising "
         "yields and giving them access to buyers that require sustainable palm oil."),
    20: ("Reducing pesticide exposure for tobacco farmers",
         "Tobacco growers receive protective equipment and training on safe pesticide handling, and green tobacco "
         "sickness is monitored by village health workers."),
    24: ("Corporate reporting standards on climate and environment",
         "Support for companies preparing their first sustainability reports under the new corporate reporting "
         "directive, with templates on emissions and biodiversity."),
    25: ("Quality education in Qur'anic schools",
         "Qur'anic school teachers are trained to teach reading, writing and arithmetic alongside religious "
         "instruction, and daaras receive textbooks and school meals."),
    27: ("Weavers' cooperatives and fair trade market access",
         "Adult handloom weavers form cooperatives, improve their designs and sell through fair trade shops and an "
         "online marketplace, raising their incomes."),
    29: ("Pension rights for agricultural workers",
         "Seasonal farm workers are registered with the social security system so that their contributions count "
         "towards a pension and unemployment benefits."),
    31: ("Fair trade premium for vanilla cooperatives",
         "Vanilla cooperatives receive a fair trade premium which members invest in drying facilities and "
         "quality training to obtain better prices for cured vanilla."),
    35: ("Microfinance for women in gold mining villages",
         "Women in artisanal gold mining villages form savings groups and receive microloans to start small "
         "businesses such as food stalls and tailoring."),
    38: ("Labour force survey modernisation",
         "The national statistics office moves its quarterly labour force survey to tablets, revises the "
         "questionnaire on informal employment and trains enumerators."),
}
