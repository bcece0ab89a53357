"""Self-assessment questionnaire for knowledge hubs (version 1), loaded by migration 0005.

Eight pillars: five institutional, three operational. Each question has five maturity
levels, from 0 (absent) to 4 (fully mature), listed in order. Never edit it once released:
add a new version (in the admin, or QUESTIONNAIRE_V2 with a migration) instead.
"""

QUESTIONNAIRE_V1 = [
    {
        "code": "organisation",
        "kind": "institutional",
        "title": "Organisational model",
        "summary": (
            "How the hub is set up: its mandate, place in government, governance, legal form and "
            "who decides what."
        ),
        "questions": [
            {
                "code": "organisation-mandate",
                "text": "Does the hub have a clear, formal mandate for knowledge exchange?",
                "help": (
                    "Evidence might be a law, decree, cabinet decision or official strategy naming "
                    "the hub’s role."
                ),
                "levels": [
                    (
                        "No written mandate; exchanges happen through personal contacts and "
                        "one-off requests from partners."
                    ),
                    (
                        "Knowledge exchange is mentioned in general policy documents, but no unit "
                        "is named as responsible for it."
                    ),
                    (
                        "A written instruction names a unit responsible for exchanges, but its "
                        "scope and limits are vague or disputed."
                    ),
                    (
                        "A formal mandate sets out the hub’s role, scope and duties, and other "
                        "ministries generally recognise it."
                    ),
                    (
                        "The mandate is formal, widely known, reviewed from time to time and "
                        "backed by a national strategy for sharing solutions."
                    ),
                ],
            },
            {
                "code": "organisation-placement",
                "text": (
                    "Is the hub placed in government where it can reach both decision makers and "
                    "the institutions that hold knowledge?"
                ),
                "help": (
                    "Consider whom the hub reports to and whether line ministries respond to its "
                    "requests."
                ),
                "levels": [
                    (
                        "The hub has no clear place in government, and no senior official is "
                        "accountable for its work."
                    ),
                    (
                        "The hub sits deep inside one unit and struggles to get attention from "
                        "other ministries or senior officials."
                    ),
                    (
                        "The hub reports to a senior official, but line ministries often bypass it "
                        "or ignore its requests."
                    ),
                    (
                        "The hub’s position gives it regular access to decision makers and working "
                        "links with most institutions that hold knowledge."
                    ),
                    (
                        "The placement was chosen deliberately, gives the hub authority across "
                        "government and links it to foreign policy and national planning."
                    ),
                ],
            },
            {
                "code": "organisation-governance",
                "text": (
                    "Is there a governance body that sets the hub’s direction and oversees its "
                    "work?"
                ),
                "help": (
                    "Look for a steering committee or board, its members, how often it meets and "
                    "records of its decisions."
                ),
                "levels": [
                    (
                        "No governance body exists; priorities are set informally by whoever "
                        "happens to be in charge."
                    ),
                    (
                        "A committee exists on paper but rarely meets and has little influence on "
                        "what the hub does."
                    ),
                    (
                        "A steering body meets now and then and approves plans, but key ministries "
                        "or partners are not represented."
                    ),
                    (
                        "A steering body that includes the main ministries meets regularly, "
                        "approves annual plans and reviews progress."
                    ),
                    (
                        "The governance body sets strategy, reviews results and includes key "
                        "stakeholders; its decisions are followed and made public."
                    ),
                ],
            },
            {
                "code": "organisation-decision-rights",
                "text": (
                    "Do the hub’s legal form and decision rights let it act, for example to sign "
                    "agreements, manage funds and engage experts?"
                ),
                "help": (
                    "Check which decisions the hub can take alone, which need approval elsewhere, "
                    "and how long approvals take."
                ),
                "levels": [
                    (
                        "The hub cannot sign agreements, hold funds or commit experts; every step "
                        "needs approval from elsewhere."
                    ),
                    (
                        "The hub can take minor decisions, but agreements, spending and travel "
                        "need lengthy approvals from other bodies."
                    ),
                    (
                        "Decision rights are written down for routine matters, but approvals still "
                        "cause delays that partners notice."
                    ),
                    (
                        "The hub’s legal form lets it sign agreements, manage its budget and "
                        "engage experts within agreed limits."
                    ),
                    (
                        "Legal form and decision rights fit the hub’s work; it acts quickly, and "
                        "the arrangement is reviewed as the hub grows."
                    ),
                ],
            },
        ],
    },
    {
        "code": "partnerships",
        "kind": "institutional",
        "title": "Partnerships",
        "summary": (
            "How the hub works with other hubs, multilateral and bilateral partners, the private "
            "sector, academia and civil society, including triangular arrangements."
        ),
        "questions": [
            {
                "code": "partnerships-peer-hubs",
                "text": (
                    "Does the hub work with knowledge hubs and cooperation agencies in other "
                    "countries?"
                ),
                "help": (
                    "Evidence might be joint activities, memoranda of understanding or regular "
                    "contact with counterpart institutions."
                ),
                "levels": [
                    (
                        "No contact with hubs or cooperation agencies in other countries beyond "
                        "occasional meetings at conferences."
                    ),
                    (
                        "A few informal contacts with other hubs, mostly through individual staff "
                        "and not followed up."
                    ),
                    (
                        "Some agreements or joint activities with peer hubs, but they depend on a "
                        "few people and lapse easily."
                    ),
                    (
                        "Active relationships with several peer hubs, including regular sharing of "
                        "information, joint activities and referral of requests."
                    ),
                    (
                        "The hub is a recognised member of peer networks, develops solutions "
                        "jointly with other hubs and helps new hubs start."
                    ),
                ],
            },
            {
                "code": "partnerships-development-partners",
                "text": (
                    "Does the hub have working partnerships with multilateral organisations and "
                    "bilateral donors?"
                ),
                "help": (
                    "Consider whether partners provide funding, advice or convening power, and who "
                    "sets the agenda."
                ),
                "levels": [
                    (
                        "No relationships with multilateral organisations or bilateral donors on "
                        "knowledge exchange."
                    ),
                    (
                        "Partners occasionally fund the hub or invite it to single events, with "
                        "the agenda set mostly by the partner."
                    ),
                    (
                        "The hub has a few ongoing partnerships, but they are tied to projects and "
                        "not to its own priorities."
                    ),
                    (
                        "Partnerships with several multilateral and bilateral partners support the "
                        "hub’s own plan, with clear roles for each side."
                    ),
                    (
                        "Long-term partnerships are built around the hub’s strategy, combine "
                        "funding and expertise, and are reviewed jointly against results."
                    ),
                ],
            },
            {
                "code": "partnerships-triangular",
                "text": (
                    "Does the hub use triangular arrangements, in which a third party supports an "
                    "exchange between two countries?"
                ),
                "help": (
                    "Look for exchanges where a donor or multilateral adds funding, expertise or "
                    "facilitation, with roles agreed in writing."
                ),
                "levels": [
                    (
                        "The hub has never taken part in a triangular arrangement and does not "
                        "know how they work."
                    ),
                    (
                        "The hub has joined triangular exchanges organised by others, with little "
                        "say in how they were designed."
                    ),
                    (
                        "The hub has co-designed a few triangular exchanges, but roles, costs and "
                        "follow-up were agreed case by case."
                    ),
                    (
                        "The hub regularly uses triangular arrangements with clearly agreed roles, "
                        "cost-sharing and responsibility for follow-up."
                    ),
                    (
                        "Triangular cooperation is a standard option, with model agreements, "
                        "trusted partners and lessons from past arrangements used in new ones."
                    ),
                ],
            },
            {
                "code": "partnerships-private-academia",
                "text": (
                    "Does the hub involve the private sector, universities, think tanks and civil "
                    "society?"
                ),
                "help": (
                    "Evidence might be universities documenting solutions, firms providing experts "
                    "or civil society groups joining exchanges."
                ),
                "levels": [
                    (
                        "The hub works only with government bodies; non-government actors are not "
                        "involved at all."
                    ),
                    (
                        "Non-government actors take part occasionally, usually because of a "
                        "personal contact rather than a deliberate choice."
                    ),
                    (
                        "The hub has some arrangements with universities or firms, but they cover "
                        "few areas and are rarely renewed."
                    ),
                    (
                        "Universities, think tanks, firms or civil society regularly help document "
                        "solutions, provide experts or host visits."
                    ),
                    (
                        "A broad network of non-government partners contributes at each stage of "
                        "exchanges, with clear rules on roles and conflicts of interest."
                    ),
                ],
            },
        ],
    },
    {
        "code": "coordination",
        "kind": "institutional",
        "title": "Coordination",
        "summary": (
            "How the hub brings together the national institutions that provide knowledge, manages "
            "outside support, and builds on existing institutions."
        ),
        "questions": [
            {
                "code": "coordination-knowledge-map",
                "text": (
                    "Does the hub know which national institutions hold knowledge that other "
                    "countries want?"
                ),
                "help": (
                    "Look for an up-to-date list of ministries, agencies and local governments "
                    "with proven solutions and willing experts."
                ),
                "levels": [
                    (
                        "No overview of which institutions have relevant experience; the hub "
                        "relies on whoever it already knows."
                    ),
                    (
                        "The hub knows a handful of well-known institutions, but the list is "
                        "informal and incomplete."
                    ),
                    (
                        "A list of institutions that provide knowledge exists, but it is out of "
                        "date and says little about their solutions."
                    ),
                    (
                        "An up-to-date list covers the main institutions, their solutions, contact "
                        "points and willingness to share."
                    ),
                    (
                        "The list is kept current together with the institutions, covers national "
                        "and local levels and is used for every request."
                    ),
                ],
            },
            {
                "code": "coordination-mechanism",
                "text": (
                    "Is there a working mechanism for coordinating the national institutions that "
                    "take part in exchanges?"
                ),
                "help": (
                    "Evidence might be focal points in each institution, regular meetings, shared "
                    "procedures or an inter-ministerial team."
                ),
                "levels": [
                    (
                        "Institutions act on their own; the hub often learns about exchanges only "
                        "after they have happened."
                    ),
                    (
                        "Coordination happens through ad hoc calls and letters when a request "
                        "arrives, with no standing arrangement."
                    ),
                    (
                        "Some institutions have named focal points, but meetings are irregular and "
                        "procedures differ from one to another."
                    ),
                    (
                        "An inter-institutional team or network of focal points meets regularly "
                        "and follows shared procedures for exchanges."
                    ),
                    (
                        "Coordination is routine and trusted: institutions plan exchanges "
                        "together, share information openly and settle disagreements by agreed "
                        "rules."
                    ),
                ],
            },
            {
                "code": "coordination-external-support",
                "text": (
                    "Does the hub coordinate requests from other countries and offers of support "
                    "from outside partners?"
                ),
                "help": (
                    "Consider whether requests and offers pass through the hub or go straight to "
                    "ministries without being recorded."
                ),
                "levels": [
                    (
                        "Requests and offers go directly to individual ministries, and nobody "
                        "keeps track of them."
                    ),
                    (
                        "The hub hears about some requests and offers, but many bypass it and are "
                        "handled separately."
                    ),
                    (
                        "Most requests and offers pass through the hub, but there is no clear "
                        "process for sorting and answering them."
                    ),
                    (
                        "The hub records all requests and offers, screens them against priorities "
                        "and passes each to the right institution."
                    ),
                    (
                        "The hub is a single, well-known entry point for partners, answers "
                        "promptly and uses its records of requests to plan its offer."
                    ),
                ],
            },
            {
                "code": "coordination-existing-institutions",
                "text": (
                    "Is the hub built on existing institutions and systems rather than set up "
                    "alongside them?"
                ),
                "help": (
                    "Check whether the hub uses normal budget, planning and staffing systems and "
                    "builds on units already doing exchange work."
                ),
                "levels": [
                    (
                        "The hub is a stand-alone project unit, outside government systems and "
                        "likely to end when outside funding stops."
                    ),
                    (
                        "The hub uses some government systems, but much of its work runs through "
                        "separate arrangements managed by partners."
                    ),
                    (
                        "The hub sits in an existing institution, but its procedures are still "
                        "mostly separate from normal government work."
                    ),
                    (
                        "The hub works through normal planning, budget and staffing systems and "
                        "builds on units already active in exchanges."
                    ),
                    (
                        "Knowledge exchange is part of how government normally works, and the hub "
                        "would survive changes in leadership or funding."
                    ),
                ],
            },
        ],
    },
    {
        "code": "people",
        "kind": "institutional",
        "title": "People",
        "summary": (
            "The staff, skills, incentives and experts the hub needs to organise exchanges well."
        ),
        "questions": [
            {
                "code": "people-dedicated-staff",
                "text": "Does the hub have enough dedicated staff to manage exchanges?",
                "help": (
                    "Count the staff whose main job is knowledge exchange and compare with the "
                    "number of exchanges handled."
                ),
                "levels": [
                    (
                        "No staff are assigned; exchange tasks are added to other jobs whenever "
                        "requests arrive."
                    ),
                    "One or two people work on exchanges part-time, alongside their other duties.",
                    (
                        "A small dedicated team exists, but it is overstretched and depends on "
                        "temporary or partner-funded posts."
                    ),
                    (
                        "A dedicated team in permanent posts matches the current volume of "
                        "exchanges and has clear job descriptions."
                    ),
                    (
                        "Staffing is planned ahead as demand grows, with stable posts, clear roles "
                        "and proper handover when people leave."
                    ),
                ],
            },
            {
                "code": "people-skills",
                "text": (
                    "Do staff have the skills to broker exchanges, such as facilitation, "
                    "languages, negotiation and knowledge management?"
                ),
                "help": (
                    "Evidence might be a skills review, training records or partners’ feedback on "
                    "how exchanges were run."
                ),
                "levels": [
                    (
                        "The skills needed to broker exchanges have never been identified, and "
                        "staff receive no related training."
                    ),
                    (
                        "Some staff bring relevant skills from past jobs, but there is no training "
                        "and gaps are not known."
                    ),
                    (
                        "The main skills gaps are known and some training is offered, but it is "
                        "occasional and not followed up."
                    ),
                    (
                        "Staff have the core skills, receive regular training and learn on the job "
                        "from experienced colleagues."
                    ),
                    (
                        "A skills plan guides hiring and training; staff are recognised brokers of "
                        "exchanges and help train people in other hubs."
                    ),
                ],
            },
            {
                "code": "people-incentives",
                "text": (
                    "Are civil servants and experts encouraged and rewarded for sharing their "
                    "knowledge with other countries?"
                ),
                "help": (
                    "Consider whether time spent on exchanges counts in performance reviews, "
                    "promotion or workload planning."
                ),
                "levels": [
                    (
                        "Sharing knowledge abroad is seen as extra work, and supervisors may "
                        "discourage staff from taking part."
                    ),
                    (
                        "Taking part depends on individual goodwill; there is no recognition and "
                        "workloads are not adjusted."
                    ),
                    (
                        "Some institutions allow time for exchanges, but practice varies and "
                        "contributions are rarely recognised formally."
                    ),
                    (
                        "Time for exchanges is agreed with supervisors, and contributions are "
                        "recognised in performance reviews."
                    ),
                    (
                        "Clear rules on time, allowances and recognition apply across government, "
                        "and experts see exchanges as good for their careers."
                    ),
                ],
            },
            {
                "code": "people-expert-roster",
                "text": (
                    "Does the hub keep a roster of experts and knowledge managers it can call on?"
                ),
                "help": (
                    "Look for a list of experts with their fields, languages, availability and "
                    "past assignments, and who keeps it current."
                ),
                "levels": [
                    (
                        "No roster exists; the hub finds experts by asking around each time a "
                        "request comes in."
                    ),
                    (
                        "An informal list of names is held by individual staff, with little "
                        "information on expertise or availability."
                    ),
                    (
                        "A roster exists but is incomplete, rarely updated and does not record how "
                        "experts performed in past exchanges."
                    ),
                    (
                        "A current roster covers the main fields, languages and availability, and "
                        "knowledge managers in key institutions are named."
                    ),
                    (
                        "The roster is updated regularly, includes feedback from past exchanges "
                        "and is shared with partner institutions and peer hubs."
                    ),
                ],
            },
        ],
    },
    {
        "code": "financing",
        "kind": "institutional",
        "title": "Financing",
        "summary": (
            "Where the hub’s money comes from, how predictable it is, and how individual exchanges "
            "are paid for."
        ),
        "questions": [
            {
                "code": "financing-national-budget",
                "text": "Does the hub receive funding from the national budget?",
                "help": (
                    "Check whether there is a budget line for the hub and its exchanges, and how "
                    "it has changed in recent years."
                ),
                "levels": [
                    (
                        "No national budget for knowledge exchange; all activities depend on "
                        "outside funding or other units’ budgets."
                    ),
                    (
                        "Some national money is used for exchanges, but it is borrowed from other "
                        "budget lines case by case."
                    ),
                    (
                        "A budget line exists for the hub, but it covers only staff or running "
                        "costs, not exchanges."
                    ),
                    (
                        "A dedicated budget line covers staff and a core programme of exchanges "
                        "and is agreed in the annual budget."
                    ),
                    (
                        "National funding for the hub and its exchanges is secured in medium-term "
                        "budget plans and grows with demand."
                    ),
                ],
            },
            {
                "code": "financing-sources",
                "text": (
                    "Does the hub draw on several sources of funding, such as cost-sharing with "
                    "partner countries, fees and development partners?"
                ),
                "help": (
                    "Evidence might be agreements where the requesting country pays travel, the "
                    "provider covers salaries or a partner co-funds."
                ),
                "levels": [
                    (
                        "The hub relies on a single source of funding and has not looked at other "
                        "options."
                    ),
                    (
                        "Other sources are used now and then, such as a partner paying for one "
                        "visit, with no agreed approach."
                    ),
                    (
                        "Cost-sharing with partner countries or development partners is common, "
                        "but it is negotiated separately for each exchange."
                    ),
                    (
                        "Clear rules for cost-sharing are in place, and the hub uses several "
                        "sources, including partner funds, fees and contributions in kind."
                    ),
                    (
                        "A balanced mix of sources keeps the hub from depending on one funder, "
                        "with standard agreements and open pricing where fees apply."
                    ),
                ],
            },
            {
                "code": "financing-predictability",
                "text": (
                    "Is the hub’s funding predictable enough to plan exchanges a year or more "
                    "ahead?"
                ),
                "help": (
                    "Consider how often planned exchanges were cancelled or delayed for lack of "
                    "money, and how far ahead funds are known."
                ),
                "levels": [
                    (
                        "Funding is uncertain from month to month, and exchanges are often "
                        "cancelled or postponed at short notice."
                    ),
                    (
                        "Funding is known only for the current year and often arrives late, which "
                        "makes planning difficult."
                    ),
                    (
                        "Annual funding is usually reliable, but longer exchanges and follow-up "
                        "cannot be planned beyond the year."
                    ),
                    (
                        "Funding is known at least a year ahead, and there are multi-year "
                        "commitments for the main programmes."
                    ),
                    (
                        "Multi-year funding from national and partner sources allows long-term "
                        "planning, with a reserve for urgent requests."
                    ),
                ],
            },
            {
                "code": "financing-exchange-options",
                "text": "Does the hub have ready ways to pay for different types of exchange?",
                "help": (
                    "Look for instruments such as a small-grants window, a joint fund with "
                    "partners or standard rules on who pays for what."
                ),
                "levels": [
                    (
                        "No financing options exist; money has to be found from scratch for every "
                        "exchange."
                    ),
                    (
                        "Money is found case by case, usually by asking a donor to cover a "
                        "specific event."
                    ),
                    (
                        "One or two financing options exist, but they suit only certain kinds of "
                        "exchange, such as short visits."
                    ),
                    (
                        "Several options, such as a joint fund and standard cost-sharing rules, "
                        "cover most types of exchange the hub offers."
                    ),
                    (
                        "A clear menu of financing options matches each type of exchange, is known "
                        "to partners and can be used quickly."
                    ),
                ],
            },
        ],
    },
    {
        "code": "knowledge",
        "kind": "operational",
        "title": "Validating and packaging knowledge",
        "summary": (
            "How the hub finds solutions worth sharing, checks that they work, writes them up, and "
            "learns from what did not work."
        ),
        "questions": [
            {
                "code": "knowledge-identify",
                "text": "Does the hub systematically look for development solutions worth sharing?",
                "help": (
                    "Evidence might be calls for proposals to ministries, reviews of national "
                    "programmes or regular contact with sector ministries."
                ),
                "levels": [
                    (
                        "Solutions are not identified in advance; the hub offers whatever "
                        "experience the institution it asks happens to have."
                    ),
                    (
                        "A few well-known programmes are offered again and again, chosen for their "
                        "fame rather than their fit with demand."
                    ),
                    (
                        "The hub occasionally looks for new solutions, but the search is limited "
                        "to a few sectors or institutions."
                    ),
                    (
                        "The hub regularly identifies solutions across sectors, using set criteria "
                        "and input from institutions and partner countries."
                    ),
                    (
                        "Identification is continuous, follows national priorities and partner "
                        "demand, and includes local governments and non-government actors."
                    ),
                ],
            },
            {
                "code": "knowledge-validate",
                "text": (
                    "Does the hub check that a solution has really worked before offering it to "
                    "other countries?"
                ),
                "help": (
                    "Look for criteria such as evidence of results, time in operation, cost data "
                    "and views of users or independent reviewers."
                ),
                "levels": [
                    (
                        "Solutions are offered without checking whether they worked; the owning "
                        "institution’s claims are taken at face value."
                    ),
                    (
                        "Checking relies on the reputation of the programme or the opinion of the "
                        "people who manage it."
                    ),
                    (
                        "Some evidence is gathered, such as reports or data, but there are no "
                        "shared criteria for what counts as proven."
                    ),
                    (
                        "Clear criteria are used to vet solutions, drawing on evaluations, data "
                        "and the views of users or independent experts."
                    ),
                    (
                        "Vetting is rigorous and open, records the conditions under which a "
                        "solution worked, and is updated as new evidence appears."
                    ),
                ],
            },
            {
                "code": "knowledge-document",
                "text": (
                    "Are solutions documented and packaged so that other countries can understand "
                    "and adapt them?"
                ),
                "help": (
                    "Evidence might be case studies, how-to guides, videos and a catalogue of "
                    "solutions in the languages partners use."
                ),
                "levels": [
                    (
                        "Nothing is written down beyond general brochures; the knowledge stays "
                        "with the people who did the work."
                    ),
                    (
                        "Some reports exist, but they describe results rather than how the "
                        "solution was designed and put in place."
                    ),
                    (
                        "Several solutions are written up as case studies, but formats vary and "
                        "there is no catalogue."
                    ),
                    (
                        "The main solutions are documented in a standard format covering steps, "
                        "costs and context, and listed in a catalogue."
                    ),
                    (
                        "A searchable, regularly updated catalogue offers solutions in several "
                        "formats and languages, with tools to help partners adapt them."
                    ),
                ],
            },
            {
                "code": "knowledge-failure",
                "text": (
                    "Does the hub learn from and share what did not work, as well as what "
                    "succeeded?"
                ),
                "help": (
                    "Look for documents that describe problems, mistakes and adjustments, and "
                    "whether staff feel free to discuss them."
                ),
                "levels": [
                    (
                        "Only successes are presented; problems and failures are hidden or not "
                        "discussed."
                    ),
                    (
                        "Problems are discussed informally among staff but are never written down "
                        "or shared with partners."
                    ),
                    (
                        "Some documents mention difficulties, but only briefly, and the lessons "
                        "are not used to improve later work."
                    ),
                    (
                        "Documents routinely describe problems, mistakes and adjustments, and "
                        "partners are told about the limits of each solution."
                    ),
                    (
                        "Learning from failure is openly encouraged; lessons are recorded, shared "
                        "with peers and used to improve solutions and exchanges."
                    ),
                ],
            },
        ],
    },
    {
        "code": "exchange",
        "kind": "operational",
        "title": "Planning and implementing exchanges",
        "summary": (
            "How the hub understands what a partner needs, finds the right match, chooses the form "
            "of exchange and runs it smoothly."
        ),
        "questions": [
            {
                "code": "exchange-demand",
                "text": (
                    "Does the hub assess what a requesting country really needs before planning an "
                    "exchange?"
                ),
                "help": (
                    "Evidence might be request forms, scoping calls or short diagnostic missions "
                    "that define the problem and the change sought."
                ),
                "levels": [
                    (
                        "Exchanges are planned from a general request, without checking what "
                        "problem needs to be solved."
                    ),
                    (
                        "The hub asks some questions about the request, but the problem and the "
                        "expected results remain vague."
                    ),
                    (
                        "A request form or scoping call defines the topic, but the partner’s "
                        "capacity and context are not examined."
                    ),
                    (
                        "A structured assessment agrees with the partner on the problem, the "
                        "change sought and who needs to be involved."
                    ),
                    (
                        "Assessment is thorough and done jointly, links to the partner’s own "
                        "reform plans and shapes every later decision on the exchange."
                    ),
                ],
            },
            {
                "code": "exchange-matching",
                "text": (
                    "Does the hub match each request with the right solution and the right experts?"
                ),
                "help": (
                    "Consider how providers are chosen and whether the match took account of "
                    "context, language and the partner’s stage of reform."
                ),
                "levels": [
                    (
                        "Whoever is available is sent, whether or not their experience fits the "
                        "request."
                    ),
                    (
                        "Matches rely on personal contacts and often favour a famous programme "
                        "over a good fit."
                    ),
                    (
                        "The hub weighs a few options before matching, but choices are not "
                        "explained and contexts are rarely compared."
                    ),
                    (
                        "Matching uses the catalogue and roster, compares contexts and is agreed "
                        "with the requesting country before going ahead."
                    ),
                    (
                        "Matching draws on national sources and peer hubs, suggests providers from "
                        "other countries when they fit better, and is reviewed afterwards."
                    ),
                ],
            },
            {
                "code": "exchange-modalities",
                "text": (
                    "Does the hub choose the form of exchange, such as field visits, workshops, "
                    "secondments, videoconferences, online courses or joint funds, to fit the "
                    "goal?"
                ),
                "help": (
                    "Check whether the choice of form is explained by the change sought, the "
                    "audience and the budget."
                ),
                "levels": [
                    (
                        "Every exchange takes the same form, usually a short visit, whatever its "
                        "purpose."
                    ),
                    (
                        "Two or three forms are used, but the choice depends on habit or available "
                        "money rather than the goal."
                    ),
                    (
                        "Several forms are known and used, but they are rarely combined or linked "
                        "to what the exchange should achieve."
                    ),
                    (
                        "The form is chosen to fit the goal and forms are often combined, such as "
                        "a workshop followed by a secondment."
                    ),
                    (
                        "The hub designs programmes in several stages, mixing visits, secondments, "
                        "online tools and joint funds, and adjusts them based on results."
                    ),
                ],
            },
            {
                "code": "exchange-logistics",
                "text": (
                    "Are the practical arrangements for exchanges, such as travel, visas, "
                    "interpretation and hosting, well managed?"
                ),
                "help": (
                    "Evidence might be checklists, standard procedures and participants’ feedback "
                    "on how the exchange was organised."
                ),
                "levels": [
                    (
                        "Arrangements are improvised each time, and problems such as late visas or "
                        "missing interpreters are common."
                    ),
                    (
                        "Some staff know how to organise exchanges, but there are no written "
                        "procedures and quality varies."
                    ),
                    (
                        "Basic checklists exist, but coordination with host institutions and "
                        "partners often breaks down at the last minute."
                    ),
                    (
                        "Standard procedures cover travel, visas, interpretation, hosting and "
                        "briefing of participants, and are usually followed."
                    ),
                    (
                        "Arrangements run smoothly, with clear procedures, reliable suppliers and "
                        "participants’ feedback used to improve the next exchange."
                    ),
                ],
            },
        ],
    },
    {
        "code": "results",
        "kind": "operational",
        "title": "Monitoring and evaluating results",
        "summary": (
            "How the hub defines the results it expects, tracks them at low cost, and uses the "
            "lessons to improve its work."
        ),
        "questions": [
            {
                "code": "results-framework",
                "text": (
                    "Does the hub define the results it expects from each exchange, including "
                    "intermediate outcomes?"
                ),
                "help": (
                    "Intermediate outcomes include new knowledge, enhanced skills, improved "
                    "consensus, stronger connections and new or improved actions."
                ),
                "levels": [
                    (
                        "No results are defined; an exchange counts as a success simply because it "
                        "took place."
                    ),
                    (
                        "Expected results are described only in general terms, such as sharing "
                        "experience, with no way to check them."
                    ),
                    (
                        "Some exchanges have stated objectives, but they are not linked to "
                        "intermediate outcomes or to the partner’s goals."
                    ),
                    (
                        "Each exchange has a simple results framework linking activities to "
                        "intermediate outcomes and to the partner’s reform goals."
                    ),
                    (
                        "A common results framework, agreed with partners, is used for all "
                        "exchanges so that results can be compared and combined."
                    ),
                ],
            },
            {
                "code": "results-monitoring",
                "text": "Does the hub collect information on results in a simple, low-cost way?",
                "help": (
                    "Examples are short participant surveys, action plans checked after a few "
                    "months and follow-up calls with partners."
                ),
                "levels": [
                    "No information is collected once the exchange has ended.",
                    (
                        "Participants fill in satisfaction forms at the end of events, but nothing "
                        "is collected afterwards."
                    ),
                    (
                        "Some follow-up happens, such as checking action plans, but it is "
                        "irregular and not recorded consistently."
                    ),
                    (
                        "Simple tools, such as surveys and follow-up calls a few months later, are "
                        "used for most exchanges, and records are kept."
                    ),
                    (
                        "Low-cost monitoring is built into every exchange, shared with partners, "
                        "and tracks whether new or improved actions really happen."
                    ),
                ],
            },
            {
                "code": "results-feedback",
                "text": (
                    "Are lessons from monitoring and evaluation fed back into the hub’s decisions?"
                ),
                "help": (
                    "Look for cases where results led to changes in solutions, forms of exchange, "
                    "partners or budgets, and whether reports are published."
                ),
                "levels": [
                    (
                        "Results, where known, are not discussed and have no effect on what the "
                        "hub does next."
                    ),
                    (
                        "Results are reported to funders but rarely discussed inside the hub or "
                        "with partner countries."
                    ),
                    (
                        "Staff discuss results now and then and some changes follow, but there is "
                        "no regular time to review lessons."
                    ),
                    (
                        "Results are reviewed regularly with staff and partners, and lessons lead "
                        "to changes in solutions and in how exchanges are designed."
                    ),
                    (
                        "Learning is routine: evaluations inform strategy and budgets, results are "
                        "published and lessons are shared with peer hubs."
                    ),
                ],
            },
        ],
    },
]
