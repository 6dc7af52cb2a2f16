"""Built-in word lists for the synthetic news generator (``bench/generate.py``).

Plain data, no logic: function words in rough frequency order, synonym groups
(the spinner's table), other common content words, names, places, wire
boilerplate and the filler sentences a content farm pads with. Everything is
lower case except names and boilerplate. Kept apart from the generator so the
generator reads as an algorithm.
"""

from __future__ import annotations

# Function words, most frequent first (their Zipf ranks are the top of the vocabulary).
FUNCTION_WORDS = """the of to and a in that for is on with was as it at by from he said be his
has have are an not this but had its were they will who their been which would more after about
also or than one two new over when year there she her out up all into we what could only other last
first three some time can our may people them many before most if no him while since during against
under about because between just so through both those where then do did such still any these four
each much us off should five down being now another while very even well back way against might""".split()

# The spinner's synonym table: each group's members are interchangeable (distinct stems on purpose).
SYNONYM_GROUPS = [
    g.split()
    for g in """big large huge|small little tiny|said stated remarked|say state remark|began started commenced
    |begin start commence|end finish conclude|ended finished concluded|show reveal demonstrate|showed revealed demonstrated
    |help assist aid|helped assisted aided|buy purchase acquire|bought purchased acquired|sell vend|rise climb
    |rose climbed soared|fall drop decline|fell dropped declined|increase boost|decrease reduction|quick fast rapid
    |slow sluggish|important significant crucial|main chief primary|major key|need require|needed required
    |try attempt|tried attempted|use employ utilize|used employed utilized|get obtain|got obtained|give provide
    |gave provided|make create|made created|keep retain maintain|kept retained maintained|leave depart|left departed
    |meet encounter|met encountered|talk discuss|talked discussed|talks discussions negotiations|tell inform|told informed
    |ask request|asked requested|answer reply response|think believe|thought believed|know understand|knew understood
    |want desire|wanted desired|plan scheme proposal|plans schemes proposals|idea concept notion|problem issue difficulty
    |problems issues difficulties|result outcome|results outcomes|cause reason|effect impact consequence|change alter modify
    |changed altered modified|changes alterations modifications|allow permit|allowed permitted|stop halt cease
    |stopped halted ceased|continue proceed|continued proceeded|win triumph|won triumphed|lose forfeit|lost forfeited
    |fight battle combat|fighting battling|attack assault|attacked assaulted|kill slay|killed slain|injured wounded hurt
    |death demise|died perished|hospital clinic infirmary|doctor physician|doctors physicians|police officers constables
    |officer constable|official functionary|officials functionaries|leader head chief|leaders heads|government administration regime
    |country nation|countries nations|state province|city town metropolis|cities towns|area region zone|areas regions zones
    |place location site|building structure edifice|house home residence|houses homes residences|road street avenue
    |car vehicle automobile|cars vehicles automobiles|company firm business|companies firms businesses|market marketplace
    |price cost|prices costs|money cash funds|job position post|jobs positions posts|worker employee labourer
    |workers employees labourers|boss manager supervisor|work labour toil|child kid youngster|children kids youngsters
    |man gentleman fellow|men gentlemen fellows|woman lady|women ladies|people persons individuals|group team squad
    |groups teams squads|member participant|members participants|friend companion ally|friends companions allies
    |enemy foe adversary|enemies foes adversaries|war conflict hostilities|peace calm tranquillity|agreement deal accord pact
    |agreements deals accords pacts|law statute legislation|laws statutes|rule regulation|rules regulations|court tribunal
    |judge justice magistrate|trial hearing proceedings|case lawsuit|crime offence|crimes offences|prison jail
    |report account|reports accounts|statement declaration announcement|news tidings|story tale narrative|stories tales
    |event occasion incident|events occasions incidents|meeting gathering assembly|meetings gatherings|visit trip journey
    |travel voyage|vote ballot|votes ballots|election poll|elections polls|campaign drive crusade|party faction
    |support backing endorsement|supported backed endorsed|oppose resist|opposed resisted|criticism censure|criticised condemned denounced
    |praise acclaim|praised lauded hailed|warn caution|warned cautioned|warning caution alert|threat menace danger|threats menaces dangers
    |risk hazard peril|safe secure|safety security|fear dread|afraid scared frightened|angry furious irate|happy glad pleased
    |sad unhappy sorrowful|difficult hard tough|easy simple effortless|clear evident obvious|unclear uncertain ambiguous
    |likely probable|unlikely improbable|possible feasible|impossible unfeasible|strong powerful mighty|weak feeble frail
    |rich wealthy affluent|poor impoverished needy|old elderly aged|young youthful|new novel fresh|recent latest
    |early initial|late belated|soon shortly presently|often frequently|sometimes occasionally|always invariably
    |never nowhere|quickly rapidly swiftly|slowly gradually|suddenly abruptly|finally eventually ultimately|mostly mainly largely
    |nearly almost|about approximately roughly|enough sufficient adequate|whole entire complete|part portion segment
    |parts portions segments|number figure|numbers figures|total sum|amount quantity|level degree|levels degrees
    |rate pace speed|rates paces|growth expansion|economy market|economic financial fiscal|budget spending|tax levy
    |taxes levies|bank lender|banks lenders|loan credit|loans credits|debt liability|debts liabilities|profit gain earnings
    |profits gains|loss deficit|losses deficits|investor backer financier|investors backers financiers|share stock
    |shares stocks|deal transaction|trade commerce|industry sector|industries sectors|factory plant mill|factories plants mills
    |energy power|oil petroleum crude|gas fuel|electricity current|water aqua|food nourishment|farm ranch homestead
    |farmers growers|crop harvest yield|weather climate|storm tempest|storms tempests|rain rainfall downpour|flood deluge
    |floods deluges|fire blaze inferno|fires blazes|damage harm destruction|damaged harmed destroyed|repair fix mend
    |build construct erect|built constructed erected|project venture undertaking|projects ventures|system network
    |systems networks|service facility|services facilities|school academy|schools academies|student pupil learner
    |students pupils learners|teacher educator instructor|teachers educators instructors|study research investigation
    |studies investigations|scientist researcher|scientists researchers|expert specialist authority|experts specialists authorities
    |data information|evidence proof|test trial examination|tests examinations|discover find uncover|discovered found uncovered
    |technology tech|computer machine|computers machines|phone telephone handset|internet web online|website site portal
    |message note|messages notes|letter missive|picture image photo|video footage clip|film movie picture|song tune melody
    |music melodies|book volume tome|books volumes tomes|write compose pen|wrote composed penned|writer author novelist
    |read peruse|artist painter|show programme broadcast|audience viewers spectators|fans supporters followers|game match contest
    |games matches contests|player athlete|players athletes|coach trainer|season campaign|goal target aim|goals targets aims
    |score tally|victory triumph win|defeat loss|champion titleholder|record best|world globe planet|nature environment surroundings
    |land territory|sea ocean|river stream waterway|mountain peak summit|forest woodland|animal creature beast
    |animals creatures beasts|disease illness sickness|virus pathogen|patient sufferer|patients sufferers|health wellbeing
    |medicine medication drug|treatment therapy remedy|care attention|family household|families households|mother mum
    |father dad|son boy|daughter girl|husband spouse|wife partner|life existence|lives existences|week fortnight
    |month period|day date|night evening|morning dawn|history past|future prospect|moment instant|decision ruling verdict
    |decide determine resolve|decided determined resolved|choose select pick|chose selected picked|choice option selection
    |demand claim|demands claims|protest demonstration rally|protests demonstrations rallies|protesters demonstrators
    |crowd throng multitude|border frontier boundary|troops soldiers forces|army military|weapon arm|weapons arms armaments
    |missile rocket projectile|missiles rockets projectiles|bomb explosive device|explosion blast detonation|ship vessel boat
    |ships vessels boats|plane aircraft jet|planes aircraft jets|airport airfield|flight journey|crash collision accident
    |accidents collisions mishaps|emergency crisis|rescue save|rescued saved|victim casualty|victims casualties|survivor
    |survivors|witness observer onlooker|witnesses observers onlookers|suspect accused|suspects|arrest detain apprehend
    |arrested detained apprehended|investigate probe examine|investigators probers examiners|charge accuse indict
    |charged accused indicted|deny refute reject|denied refuted rejected|admit confess concede|admitted confessed conceded
    |claim assert contend|claimed asserted contended|agree concur|agreed concurred|refuse decline|refused declined
    |promise pledge vow|promised pledged vowed|expect anticipate foresee|expected anticipated foreseen|hope wish aspiration
    |concern worry anxiety|concerns worries anxieties|concerned worried anxious|focus emphasis|effort endeavour attempt
    |efforts endeavours attempts|success achievement|successful fruitful|failure flop|failed floundered|improve enhance better
    |improved enhanced bettered|reduce cut lower|reduced cut lowered|raise lift hike|raised lifted hiked|spend expend
    |spent expended|save conserve|pay remunerate|paid remunerated|earn make|earned made|hire recruit employ|hired recruited
    |fire dismiss sack|fired dismissed sacked|strike walkout|strikes walkouts|union syndicate|unions syndicates""".split("|")
]

# Other common content words (verbs, nouns, adjectives, adverbs) of news prose.
CONTENT_WORDS = """minister president senator governor mayor spokesman spokeswoman secretary chairman director
executive commissioner ambassador diplomat lawmaker lawmakers parliament congress senate council committee
agency ministry department office bureau commission board panel authority authorities cabinet coalition opposition
region district county village capital province neighbourhood suburb island coast harbour port bridge tunnel railway
station terminal highway motorway pipeline reactor refinery mine quarry warehouse store shop mall restaurant hotel
office tower stadium arena museum library church mosque temple cathedral palace embassy consulate headquarters base
camp shelter tent border checkpoint crossing corridor route network grid platform portal channel outlet network
policy strategy reform reforms measure measures package bill bills act amendment provision clause treaty sanctions
tariff tariffs quota subsidy subsidies pension pensions wage wages salary salaries bonus income revenue revenues
turnover output inflation unemployment recession recovery boom slump bubble surplus shortfall forecast forecasts
estimate estimates survey surveys index indices benchmark yield bond bonds currency dollar euro pound yen yuan
rupee franc gold silver copper steel aluminium wheat corn rice soybean coffee cocoa sugar cotton timber coal
uranium lithium nickel cobalt hydrogen carbon emissions pollution waste recycling plastic battery batteries solar
wind turbine turbines nuclear hydro grid charger chip chips semiconductor software hardware device devices app
apps platform algorithm database server servers cloud network hacker hackers breach cyberattack malware ransomware
password account accounts user users customer customers client clients consumer consumers shopper shoppers tenant
tenants landlord owner owners resident residents citizen citizens voter voters taxpayer taxpayers migrant migrants
refugee refugees asylum visa passport immigration deportation population census community communities village
neighbour neighbours volunteer volunteers charity charities donor donors donation donations fund foundation trust
vaccine vaccines vaccination dose doses infection infections outbreak pandemic epidemic symptom symptoms ward nurse
nurses surgeon surgery operation ambulance paramedic paramedics stroke cancer diabetes obesity heart lung kidney
brain blood bone skin diet exercise sleep stress pain drug drugs overdose addiction alcohol tobacco smoking
university college campus degree exam exams lecture professor scholar scholarship curriculum classroom
tournament league cup final semifinal quarterfinal striker goalkeeper defender midfielder captain referee penalty
stadium medal medals olympic marathon sprint race races driver drivers circuit lap laps podium title titles
album concert festival gallery exhibition premiere director actor actress singer band orchestra novel poem
theatre stage screen series episode channel network broadcaster journalist journalists editor newspaper magazine
interview column headline reporter reporters correspondent photographer camera microphone podcast blog
morning afternoon evening weekend holiday summer winter spring autumn january february march april june july
august september october november december monday tuesday wednesday thursday friday saturday sunday decade century
quarter annual monthly weekly daily overnight midnight noon hour hours minute minutes second seconds
spokesperson analyst analysts economist economists strategist consultant lawyer lawyers attorney prosecutor
prosecutors defendant defendants jury verdict sentence appeal appeals ruling bail custody fine fines penalty
robbery theft fraud bribery corruption scandal murder homicide assault shooting stabbing kidnapping smuggling
trafficking cartel gang gangs militia militants rebels insurgents fighters gunmen sniper drone drones tank tanks
artillery ceasefire truce offensive invasion occupation siege withdrawal deployment patrol patrols convoy airstrike
airstrikes raid raids hostage hostages prisoner prisoners exchange negotiator mediator envoy summit delegation
ally allies partnership alliance bloc union federation republic kingdom monarchy democracy dictatorship
constitution referendum mandate majority minority seat seats district ballot turnout candidate candidates
nominee primary debate rally speech address remarks comment comments tweet post posts statement interview
announce announced announcement unveil unveiled launch launched release released publish published issue issued
approve approved reject rejected pass passed sign signed veto vetoed ban banned block blocked suspend suspended
resign resigned appoint appointed elect elected nominate nominated replace replaced succeed succeeded
expand expanded extend extended shrink shrank collapse collapsed recover recovered surge surged plunge plunged
jump jumped slip slipped edge edged slide slid tumble tumbled rally rallied soar stall stalled
open opened close closed reopen reopened shut merge merged split invest invested borrow borrowed lend lent owe owed
export exports import imports ship shipped deliver delivered supply supplies demand shortage shortages stockpile
produce produced manufacture manufactured assemble assembled design designed develop developed test tested
install installed operate operated maintain upgrade upgraded connect connected disconnect power powered
warm cold hot dry wet humid windy sunny cloudy heavy light high low deep shallow wide narrow long short
central northern southern eastern western coastal rural urban local national regional international global
foreign domestic public private federal municipal civil military political social cultural religious ethnic
medical legal criminal commercial industrial agricultural environmental digital technical scientific
senior junior former current acting interim deputy vice top leading prominent veteran controversial
popular unpopular traditional modern historic historical annual ongoing upcoming previous following
additional further extra separate similar different various several numerous dozens hundreds thousands millions
billions percent per cent average median maximum minimum record-high record-low stable volatile steady sharp
modest slight dramatic substantial considerable massive widespread limited partial full complete temporary permanent
official unofficial independent joint mutual bilateral multilateral regional continental fresh renewed further
allegedly reportedly apparently officially publicly privately formally jointly widely sharply steadily slightly
significantly dramatically substantially increasingly particularly especially notably largely partly fully
directly indirectly immediately recently previously currently initially later earlier already yet again
together abroad overseas nationwide worldwide nearby elsewhere inside outside ahead behind across around""".split()

FIRST_NAMES = """James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark Margaret Donald Sandra Steven
Ashley Paul Kimberly Andrew Emily Joshua Donna Kenneth Michelle Kevin Dorothy Brian Carol George Amanda Edward Melissa
Ahmed Fatima Mohammed Aisha Ivan Olga Dmitri Natalia Hans Greta Pierre Camille Luca Giulia Carlos Lucia Hiroshi Yuki
Wei Mei Raj Priya Kwame Ama Chen Li Sofia Mateo Ingrid Lars Piotr Anna Jan Eva Omar Leila Kofi Nia Diego Elena Arjun
Ananya Tomas Helena Mikhail Svetlana Jamal Amina Viktor Irina Rafael Beatriz Samir Yasmin Oluwaseun Chiamaka""".split()

LAST_NAMES = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker
Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter
Roberts Petrov Ivanova Schmidt Mueller Dubois Laurent Rossi Bianchi Fernandez Silva Tanaka Suzuki Wang Zhang Patel
Sharma Mensah Okafor Kowalski Nowak Novak Hassan Khalil Haddad Cohen Levi Andersson Nilsson Jensen Larsen Popescu
Horvat Kovacs Yilmaz Demir Kim Park Choi Singh Gupta Ochieng Mwangi Santos Oliveira Costa Mendes Volkov Sokolov""".split()

PLACES = """Washington London Paris Berlin Moscow Beijing Tokyo Delhi Mumbai Cairo Lagos Nairobi Johannesburg Sydney
Melbourne Toronto Vancouver Montreal Chicago Houston Phoenix Dallas Atlanta Boston Seattle Denver Miami Detroit
Madrid Barcelona Rome Milan Vienna Prague Warsaw Budapest Bucharest Athens Istanbul Ankara Tehran Baghdad Riyadh Dubai
Doha Karachi Lahore Dhaka Bangkok Hanoi Jakarta Manila Seoul Shanghai Singapore Kyiv Minsk Tbilisi Yerevan Baku Almaty
Tashkent Kabul Islamabad Colombo Kathmandu Lima Bogota Caracas Santiago Quito Havana Mexico Brasilia Manchester
Liverpool Glasgow Dublin Edinburgh Brussels Amsterdam Rotterdam Geneva Zurich Stockholm Oslo Copenhagen Helsinki
Lisbon Porto Seville Naples Marseille Lyon Hamburg Munich Frankfurt Cologne Krakow Gdansk Odesa Kharkiv Accra Dakar
Kinshasa Luanda Harare Lusaka Kampala Kigali Addis Khartoum Tunis Algiers Rabat Tripoli Beirut Damascus Amman""".split()

ORG_KINDS = """Group Holdings Industries Partners Bank Corporation Systems Energy Motors Airlines Foundation Institute
Council Alliance Party Union Agency Authority Commission Network Media Labs Capital Pharmaceuticals Logistics""".split()

# Wire-agency ledes and the boilerplate lines that end many articles: shared by thousands, derived from none.
AGENCIES = ["Reuters", "AP", "AFP", "Bloomberg", "UPI"]
FOOTERS = [
    "All rights reserved.",
    "Sign up for our newsletter to get the latest news delivered to your inbox every morning.",
    "Copyright {year} {agency}. All rights reserved.",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Follow us on social media for the latest updates.",
    "Reporting by {name}; Editing by {name2}",
    "Additional reporting by {name} in {place}.",
    "Read more: the latest headlines from our newsroom.",
    "Subscribe today for unlimited access to breaking news, analysis and opinion.",
    "The views expressed in this article are the author's own.",
]

# Sentences a spinner pads with: generic, and shared by every spun article.
FILLERS = [
    "It is worth noting that the situation remains fluid and could change at any moment.",
    "As many readers will already know, this is not the first time such a thing has happened.",
    "Only time will tell how the story develops over the coming weeks.",
    "Experts say that it is too early to draw any firm conclusions.",
    "This is a developing story and more details are expected to emerge.",
    "Needless to say, the news has drawn a great deal of attention online.",
    "Many observers were quick to share their views on social media.",
    "In other words, the matter is far from settled.",
    "It remains to be seen what the long term effects will be.",
    "Stay tuned for further updates as the story unfolds.",
    "The development is likely to spark further debate in the days ahead.",
    "For now, the focus is on what happens next.",
    "Readers are encouraged to keep an eye on official announcements.",
    "This comes at a time of considerable uncertainty for many people.",
    "Some have described the move as a turning point.",
    "The full picture is still becoming clear.",
]

# Syllables for the pseudo-word long tail of the vocabulary (rare words, surnames, jargon).
ONSETS = "b bl br c ch cl cr d dr f fl fr g gl gr h j k l m n p pl pr qu r s sc sh sl sm sn sp st str t th tr v w z".split()
NUCLEI = "a e i o u ai ea ee ie oo ou ay oi".split()
CODAS = ["", "", "n", "r", "l", "s", "t", "m", "nd", "nt", "rt", "st", "ck", "ng", "x", "rn", "ld"]
