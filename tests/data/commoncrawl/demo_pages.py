"""The pages of the CommonCrawl demo sample (``pipelines/demo_data/commoncrawl/``), as data for make_fixtures.py.

Every text here is original, written for llamix; sites, towns, people and products are fictional and the domains
sit under the reserved ``.example`` top-level domain.  A page is its site's chrome (menu, cookie banner, footer:
the lines that line deduplication should remove) around a title and a body, or, for spam, just its body.
"""

from __future__ import annotations

from dataclasses import dataclass

COOKIES = [
    "We use cookies to improve your experience on our site. By continuing to browse, you agree to our use of cookies.",
    "Accept all cookies",
]
MENU = "Home | About | Contact"
SKIP = "Skip to main content"
NEWSLETTER = "Subscribe to our newsletter for weekly updates."
SHARE = "Share this: Facebook | Twitter | Email"
LEGAL = "Privacy Policy | Terms of Use | Cookie Settings"


def rights(owner: str) -> str:
    return f"© 2026 {owner}. All rights reserved."


# site → (lines before the title's body, lines after it)
SITES: dict[str, tuple[list[str], list[str]]] = {
    "kitchen": (
        [SKIP, MENU, *COOKIES, "Recipes | Techniques | Shop"],
        [SHARE, NEWSLETTER, rights("Harbour Kitchen"), LEGAL],
    ),
    "kitchen-shop": (
        [SKIP, "Free UK delivery on orders over £40", "Knives | Pans | Bakeware | Gifts | Sale", *COOKIES, "Basket"],
        [
            "Customers also bought",
            "Delivery & returns | Contact us | Gift cards",
            NEWSLETTER,
            rights("Harbour Kitchen"),
            LEGAL,
        ],
    ),
    "ridgeline": (
        [MENU, "Trips | Skills | Gear | Shop"],
        [SHARE, "Leave a comment", rights("Ridgeline Outdoor Ltd"), LEGAL],
    ),
    "ridgeline-shop": (
        [SKIP, "Free delivery on orders over £50", "Men | Women | Kids | Sale", *COOKIES, "Basket"],
        ["Customer service | Delivery | Returns | Size guide", NEWSLETTER, rights("Ridgeline Outdoor Ltd"), LEGAL],
    ),
    "record": (
        [SKIP, "News | Sport | Weather | Events", *COOKIES],
        [
            "Most read: Council budget vote | Weekend weather | School holiday dates",
            rights("Millbrook Record"),
            LEGAL,
        ],
    ),
    "devjournal": ([MENU, "Posts | Talks | Archive"], [SHARE, rights("Dev Journal")]),
    "money": (
        [SKIP, MENU, *COOKIES, "Saving | Budgeting | Pensions | Tools"],
        [
            "This article is for information only and is not financial advice.",
            NEWSLETTER,
            rights("Plain Money"),
            LEGAL,
        ],
    ),
    "stride": ([MENU, "Training | Nutrition | Stories"], [SHARE, NEWSLETTER, rights("Steady Stride")]),
    "skywatch": ([MENU, "Guides | Sky this month | Equipment"], [NEWSLETTER, rights("Skywatch"), LEGAL]),
    "history": ([MENU, "Essays | Maps | Archive"], [SHARE, rights("Coastal History Society")]),
    "fixit": (
        [SKIP, MENU, *COOKIES, "Plumbing | Decorating | Electrics | Garden"],
        ["Always switch off the water or power before you start work.", SHARE, rights("Fix It Yourself"), LEGAL],
    ),
    "wayfarer": ([MENU, "Destinations | Walks | Food"], [SHARE, "Leave a comment", rights("Wayfarer Journal")]),
    "leafloam": (
        [SKIP, MENU, *COOKIES, "Houseplants | Vegetables | Flowers"],
        [SHARE, NEWSLETTER, rights("Leaf & Loam"), LEGAL],
    ),
    "shelf": ([MENU, "Reviews | Interviews | Lists"], [SHARE, rights("The Reading Shelf")]),
    "pawprint": ([SKIP, MENU, *COOKIES, "Cats | Dogs | Small pets"], [SHARE, rights("Pawprint Magazine"), LEGAL]),
    "parents": ([MENU, "Early years | School | Activities"], [SHARE, NEWSLETTER, rights("Home and School")]),
    "forum": (
        ["Forum index | New posts | Search | Log in", *COOKIES],
        ["Reply to this thread", "Greenfingers Forum is run by volunteers.", rights("Greenfingers Forum")],
    ),
    "devforum": (
        ["Questions | Tags | Users | Log in", *COOKIES],
        ["Add an answer", "Content is shared under the site's community licence.", rights("Stack of Notes")],
    ),
    "cycleforum": (
        ["Forums | Rides | Classifieds | Log in", *COOKIES],
        ["Reply to this thread", rights("Two Wheels Forum")],
    ),
    "wanderzeit": (["Startseite | Touren | Ausrüstung | Kontakt"], ["© 2026 Wanderzeit. Alle Rechte vorbehalten."]),
    "cuisine": (["Accueil | Recettes | Astuces | Contact"], ["© 2026 Cuisine facile. Tous droits réservés."]),
    "viajes": (["Inicio | Destinos | Consejos | Contacto"], ["© 2026 Viajes lentos. Todos los derechos reservados."]),
    "cucina": (["Home | Ricette | Consigli | Contatti"], ["© 2026 Cucina di casa. Tutti i diritti riservati."]),
    "prosad": (
        ["Главная | Огород | Сад | Контакты"],
        ["© 2026 Про сад. Все права защищены."],
    ),
    "aggregator": (
        [SKIP, "Top stories | Lifestyle | Money | Travel", *COOKIES],
        ["Content supplied by our partners.", rights("Daily Digest Network"), LEGAL],
    ),
    "scraper": ([], ["Source: the web"]),
    "spam": ([], []),
}


@dataclass(frozen=True)
class DemoPage:
    url: str
    site: str
    title: str
    body: str
    language: str = "eng"  # WARC-Identified-Content-Language (ISO 639-3)


# --- CC-MAIN-2026-01-demo-00000.warc.wet.gz -----------------------------------------------------------------------

KNIFE_SHARPENING = DemoPage(
    "https://www.harbourkitchen.example/techniques/sharpening-kitchen-knives",
    "kitchen",
    "How to Sharpen a Kitchen Knife | Harbour Kitchen",
    """
How to Sharpen a Kitchen Knife
A sharp knife is safer than a blunt one. It goes where you aim it, needs less pressure and is far less likely to skid off the skin of a tomato and into your finger. Sharpening at home takes twenty minutes once you know the steps, and most cooks only need to do it a few times a year.
You will need a whetstone with a coarse side and a fine side, a damp tea towel to stop it sliding, and some water. Soak the stone for ten minutes if the maker recommends it; some modern stones only need a splash on the surface.
Hold the knife at about fifteen degrees to the stone. A simple way to find the angle is to stand the blade upright, tilt it halfway to make forty-five degrees, then halve that again. It does not have to be exact, but it does have to be consistent from stroke to stroke.
Push the blade across the coarse side as if you were trying to shave a thin layer off the stone, sweeping from heel to tip so that the whole edge makes contact. After ten strokes, run your thumb gently across, never along, the other side of the edge. You should feel a slight rough lip called a burr. When the burr runs the full length of the blade, turn the knife over and repeat on the second side.
Move to the fine side and do the same with lighter pressure and fewer strokes. The burr gets smaller each time. Finish with a few alternating strokes, one per side, and then slice a sheet of paper. A well-sharpened knife glides through without tearing.
Between sharpenings, a honing steel keeps the edge straight. It does not remove metal; it simply pushes the edge back into line after a week of chopping boards and onions.
""",
)

STALE_BREAD = DemoPage(
    "https://www.harbourkitchen.example/explainers/why-bread-goes-stale",
    "kitchen",
    "Why Does Bread Go Stale? | Harbour Kitchen",
    """
Why Does Bread Go Stale?
Most people assume that stale bread has dried out, and in part it has. But a loaf wrapped tightly in plastic still goes hard within a few days, even though it loses almost no water. The real culprit is the starch.
When dough bakes, the starch granules in the flour absorb water and swell, and their long molecules loosen into a soft, disordered tangle. That tangle is what makes fresh bread tender. As the loaf cools and sits, the molecules slowly line up again and squeeze water out of their structure, a process bakers call retrogradation. The crumb becomes firm and crumbly, and the water that was pushed out moves towards the crust, which is why the crust turns leathery at the same time.
Temperature changes the speed of this process dramatically. Retrogradation is fastest at fridge temperatures, so a loaf kept in the fridge goes stale several times faster than one left in a bread bin. Freezing, on the other hand, stops it almost completely. Slice the loaf before freezing and you can toast a few pieces straight from the freezer.
The good news is that staling is partly reversible. Warming bread above about sixty degrees loosens the starch again, which is why a slightly tired baguette revives in a hot oven for five minutes. The effect does not last, though, so eat the revived bread while it is warm.
""",
)

LENTIL_SOUP = DemoPage(
    "https://www.harbourkitchen.example/recipes/weeknight-red-lentil-soup",
    "kitchen",
    "Weeknight Red Lentil Soup | Harbour Kitchen",
    """
Weeknight Red Lentil Soup
This soup costs very little, uses ingredients that keep in the cupboard for months, and is ready in about half an hour. Red lentils need no soaking and collapse as they cook, so the soup thickens by itself.
Serves four.
Ingredients: two tablespoons of olive oil, one onion, two carrots, two cloves of garlic, one teaspoon of ground cumin, half a teaspoon of smoked paprika, two hundred and fifty grams of red lentils, one tin of chopped tomatoes, one litre of vegetable stock, and the juice of half a lemon.
Chop the onion and carrots finely and soften them in the oil over a medium heat for eight minutes, stirring now and then. Add the crushed garlic and the spices and cook for one more minute, until the kitchen smells warm and toasty.
Rinse the lentils in a sieve until the water runs clear, then tip them into the pan with the tomatoes and stock. Bring to the boil, turn down the heat and simmer for twenty minutes, until the lentils have fallen apart.
You can blend the soup until smooth or leave it rough. Either way, stir in the lemon juice at the end and taste for salt; the acidity lifts the whole pot. A spoonful of yoghurt and a few chopped herbs on top make it look like more effort than it was.
The soup keeps for four days in the fridge and freezes well. It thickens as it stands, so add a splash of water when you reheat it.
""",
)

FIRST_OVERNIGHT_HIKE = DemoPage(
    "https://ridgeline.example/skills/planning-your-first-overnight-hike",
    "ridgeline",
    "Planning Your First Overnight Hike – Ridgeline",
    """
Planning Your First Overnight Hike
The jump from day walks to a night out under canvas is smaller than it looks, but it rewards a little planning. Most first trips that go wrong do so for the same few reasons: too much weight, too ambitious a route, and too little thought given to water.
Pick a route you could walk in a day. On your first overnight trip, the walking is only half of the experience; pitching the tent, cooking and sleeping outdoors will take longer than you expect. Eight to twelve kilometres each day, with a known place to camp in the middle, is plenty.
Lay out everything you plan to carry on the floor before you pack it. Then take a third of it away. Spare clothes are the usual excess: you need one set to walk in, one warm layer for the evening, and dry socks to sleep in. Nobody on the hill minds if you wear the same shirt two days running.
Think about water before food. Find out where the streams are, carry a filter or tablets, and plan to camp near a reliable source. A litre and a half on your back between refills is usually enough in cool weather; carry more in summer or on dry ground.
Check the forecast the night before and again in the morning, and tell someone where you are going and when you expect to be back. Then go. The first evening, watching the light fade from a hillside you walked up yourself, tends to convince people to do it again.
""",
)

TOPO_MAPS = DemoPage(
    "https://ridgeline.example/skills/reading-contour-lines",
    "ridgeline",
    "Reading Contour Lines Without Tears – Ridgeline",
    """
Reading Contour Lines Without Tears
Contour lines join points of equal height, and once you can read them a flat sheet of paper turns into a landscape. The trick is to stop looking at individual lines and start looking at their pattern.
Lines close together mean steep ground; lines far apart mean gentle slopes. A cluster of tightly packed lines along the edge of a valley warns you of a crag or a steep bank, even if the map draws no cliff symbol.
To tell uphill from downhill, look for the numbers printed on some of the lines, or for water. Streams always run downhill, and where a stream crosses contour lines, the lines bend into a V that points upstream, towards higher ground.
Ridges and spurs show the opposite shape. There the lines bend into a U or V that points downhill, away from the summit. On the ground, a spur is often the easiest way up a hill, because it rises steadily without the boggy hollows that collect water on either side.
Practise on a walk you already know. Stop now and then, fold the map so that your position is in the middle, and match what you see around you to what the lines say. After a few outings you will find yourself reading the shape of the land before you look up from the paper.
""",
)

BUS_ROUTES = DemoPage(
    "https://www.millbrookrecord.example/news/new-bus-routes-from-march",
    "record",
    "New bus routes to link Millbrook estates with hospital - Millbrook Record",
    """
New bus routes to link Millbrook estates with hospital
Two new bus routes will connect the eastern estates of Millbrook with the general hospital and the railway station from the first week of March, the county transport office has confirmed.
The 14 will run every twenty minutes on weekdays from Orchard Park through the town centre to the hospital, and the 15 will link the Riverside estate with the station, timed to meet trains to the city in the morning and evening.
Residents have campaigned for a direct service for more than three years. "At the moment my mother takes two buses and waits forty minutes in between just to get to her appointments," said Jenny Adeyemi, who organised a petition signed by more than two thousand people.
The routes will be paid for for three years by a grant from the regional transport fund. After that, their future will depend on how many passengers use them, a spokesperson for the county said.
Timetables will be posted at stops in February and are already available on the county council's website.
""",
)

ROBOTICS_TEAM = DemoPage(
    "https://www.millbrookrecord.example/news/robotics-team-wins-regional-final",
    "record",
    "Millbrook pupils win regional robotics final - Millbrook Record",
    """
Millbrook pupils win regional robotics final
A team of six pupils from Millbrook Community School has won the regional final of a schools robotics competition, beating nineteen other teams with a robot built largely from recycled parts.
The competition asked teams to build a machine that could sort coloured blocks into bins within three minutes. The Millbrook robot, nicknamed Magpie by its builders, sorted all thirty blocks with eleven seconds to spare.
"We broke the gripper twice the night before," said fourteen-year-old Tomasz Nowak. "We fixed it with a bit of a plastic ruler and some very strong tape."
Physics teacher Rachel Brennan, who runs the school's after-school engineering club, said the team had met twice a week since September. "They did the design, the programming and the testing themselves. My main job was finding them a room and a supply of biscuits."
The team will travel to the national final in May. The school is asking local businesses to help with the cost of travel.
""",
)

RIVER_CLEANUP = DemoPage(
    "https://www.millbrookrecord.example/news/volunteers-clear-river",
    "record",
    "Volunteers pull two tonnes of rubbish from the River Mill - Millbrook Record",
    """
Volunteers pull two tonnes of rubbish from the River Mill
More than eighty volunteers spent Sunday morning clearing rubbish from the banks of the River Mill, recovering what organisers estimate to be two tonnes of waste, including three shopping trolleys, a bicycle frame and a garden bench.
The clean-up was organised by the Friends of the River Mill, a group formed last year after residents noticed plastic collecting in the reeds below the weir.
"People see the river every day on their way to work, but they do not often walk along it," said the group's chair, Daniel Osei. "When they do, they want to look after it."
The council provided gloves, litter pickers and a skip, and a local bakery brought coffee and rolls for the volunteers. Children from two primary schools helped to sort the rubbish into items that can be recycled.
The group plans to hold a clean-up every three months and is also asking the council to install more bins along the riverside footpath.
""",
)

COMMIT_MESSAGES = DemoPage(
    "https://devjournal.example/posts/commit-messages-for-future-you",
    "devjournal",
    "Commit messages for future you — Dev Journal",
    """
Commit messages for future you
A commit message is a note to a reader you will probably never meet: a colleague two years from now, or yourself after you have forgotten everything about this change. That reader has the diff. What they do not have is the reason.
So the most useful sentence in a commit message is the one that says why. "Fix bug" tells the reader nothing the diff does not. "Retry the upload once when the storage service times out, because it drops roughly one request in a thousand under load" tells them what the problem was, what you chose to do about it, and what they would need to check before removing the retry.
Keep the first line short, under about seventy characters, and write it as an instruction: "Retry uploads after a storage timeout". Many tools show only that line, so it should make sense on its own. Leave a blank line, then write as much as the change deserves in plain sentences.
Small commits make good messages easier. A commit that renames a function, fixes a bug and reformats a file needs three explanations, and the reader cannot tell which lines belong to which. Split it, and each message becomes obvious.
Finally, mention what you tried and rejected if it was not obvious. The next person to touch this code will be tempted by the same simpler solution, and one line explaining why it failed can save them an afternoon.
""",
)

FAST_TESTS = DemoPage(
    "https://devjournal.example/posts/why-fast-tests-matter",
    "devjournal",
    "Why fast tests matter more than you think — Dev Journal",
    """
Why fast tests matter more than you think
A test suite that takes twenty minutes changes how people work. They stop running it before every commit, then stop running it before lunch, and eventually rely on the build server to tell them what they broke an hour ago. By then they have moved on, and the fix costs far more attention than it would have at the time.
A suite that finishes in ten seconds becomes part of thinking. You make a change, run the tests, and learn immediately whether your idea of the code matches the code. That feedback loop is the real product of testing; the green tick at the end is only its summary.
Most slow suites are slow for a handful of reasons. Tests talk to real networks and databases when a small fake would do. Fixtures are rebuilt for every test instead of once. A few end-to-end tests cover behaviour that could be checked by a unit test a hundred times faster. And nobody measures, so nobody notices the one test that sleeps for five seconds waiting for a timeout.
Start by measuring. Most test runners can report the slowest tests; the top ten usually account for most of the time. Fix those, keep a handful of end-to-end tests for the paths that really matter, and make the fast part of the suite the default that everyone runs.
""",
)

TIMEZONES = DemoPage(
    "https://devjournal.example/posts/store-times-in-utc",
    "devjournal",
    "Store times in UTC, show them in local time — Dev Journal",
    """
Store times in UTC, show them in local time
Every team that runs software in more than one place eventually has the same argument: the logs say an error happened at 02:15, the user says it happened at 03:15, and both are right.
The rule that ends the argument is simple. Record every timestamp in UTC, with the offset written out, and convert to local time only at the moment a person reads it. A log line that says 2026-03-29T01:15:00Z means the same thing on every machine and in every country. One that says 29/03/2026 02:15 means something different depending on who wrote it and whether the clocks had just changed.
Daylight saving time is where local timestamps really hurt. When the clocks go back, an hour happens twice, and a local timestamp in that hour cannot tell you which one it was. When they go forward, an hour never happens at all, and a scheduled job set for that time either runs twice, once or not at all, depending on the library.
UTC has neither problem. Keep it in databases, in logs and in messages between services, and treat a timestamp without an offset as a bug waiting to happen.
""",
)

EMERGENCY_FUND = DemoPage(
    "https://plainmoney.example/saving/building-an-emergency-fund",
    "money",
    "How to Build an Emergency Fund on an Ordinary Income | Plain Money",
    """
How to Build an Emergency Fund on an Ordinary Income
An emergency fund is money set aside for things you cannot plan for: a broken boiler, a car repair, a few weeks between jobs. Without one, a single unlucky month can end up on a credit card and take a year to pay off.
The usual advice is to save three to six months of essential spending. If that figure feels impossible, ignore it for now. A first target of one month's rent, or even a few hundred pounds, already covers most of the surprises that push people into debt.
Open a separate savings account for the fund, ideally at a different bank from your current account. Money you can see every time you check your balance has a way of being spent; money that takes a day to move is much safer from impulse.
Then automate it. Set up a standing order for the day after payday, even if it is only twenty pounds. Saving a small amount without thinking about it beats saving a large amount whenever you remember.
Finally, decide in advance what counts as an emergency. A boiler that stops working in January does. A holiday offer that ends tomorrow does not. When you do use the fund, treat refilling it as your first saving priority before anything else.
""",
)

READING_A_PAYSLIP = DemoPage(
    "https://plainmoney.example/budgeting/how-to-read-your-payslip",
    "money",
    "How to Read Your Payslip | Plain Money",
    """
How to Read Your Payslip
Your payslip is the only document that shows exactly how your salary turns into the money that arrives in your account. It is worth reading properly at least once, and worth checking whenever something changes.
At the top you will find your gross pay: what you earned before anything was taken off. This includes your basic salary for the period and any overtime, bonus or commission. If you are paid by the hour, check that the number of hours matches what you worked.
Below it come the deductions. Income tax and national insurance are taken off by your employer and passed on to the government. Your tax code, printed nearby, tells the payroll system how much of your income is tax free. A wrong code is one of the most common reasons for paying too much tax, so if yours changes unexpectedly, ask why.
Pension contributions are usually listed next, along with any payments for things like a season ticket loan or a cycle-to-work scheme. Finally comes net pay, the amount that actually reaches your bank.
Keep your payslips, or download them if they are only available online. You may need them to apply for a mortgage or a rental, and they are the easiest way to spot a mistake before it runs for months.
""",
)

RUNNING_AFTER_40 = DemoPage(
    "https://steadystride.example/training/starting-to-run-after-forty",
    "stride",
    "Starting to Run After Forty | Steady Stride",
    """
Starting to Run After Forty
It is never too late to start running, but it does pay to start more slowly than your enthusiasm suggests. Muscles adapt to new exercise within weeks; tendons and bones take months. Most injuries in new runners come from doing too much, too soon, before the slower tissues have caught up.
Begin with walking and running in turns. One minute of easy running followed by two minutes of walking, repeated eight times, is a good first session. Three sessions a week with a rest day between them is enough. Each week, run a little more and walk a little less, and if a week feels hard, repeat it rather than moving on.
Run slowly enough to talk. This feels almost embarrassingly slow at first, but it builds the base that later speed depends on, and it keeps running enjoyable enough that you keep doing it.
Pay attention to pain that changes the way you move, or that is worse the next morning. Ordinary tiredness fades within a day; an ache that sharpens is a signal to rest for a few days and to see someone if it does not settle.
Finally, be patient with the numbers. Many people who start in their forties are running thirty minutes without stopping within three months, and some go on to enjoy races they never imagined entering.
""",
)

MOON_PHASES = DemoPage(
    "https://skywatch.example/guides/why-the-moon-has-phases",
    "skywatch",
    "Why the Moon Has Phases | Skywatch",
    """
Why the Moon Has Phases
The Moon makes no light of its own. Half of it is always lit by the Sun, just as half of the Earth is always in daylight. What changes over a month is how much of that sunlit half we can see from here.
At new moon, the Moon lies roughly between the Earth and the Sun. Its lit side faces away from us, and it rises and sets with the Sun, lost in the daytime glare. Over the following days it moves east along its orbit, and a thin crescent appears in the western sky just after sunset.
A week after new moon, the Moon has travelled a quarter of the way around us, and we see half of its face lit: the first quarter. Confusingly, the name refers to the orbit, not to the shape. A week later still, the Moon stands opposite the Sun, its whole lit face turned towards us, and it rises as the Sun sets. That is full moon.
In the second half of the month the process runs backwards. The lit part shrinks from the other side, the Moon rises later each night, and by the last quarter it is a morning object, high in the south at dawn.
A common misunderstanding is that the phases are caused by the Earth's shadow. The shadow only falls on the Moon during a lunar eclipse, which happens just a few times a year, and only at full moon.
""",
)

BINOCULARS = DemoPage(
    "https://skywatch.example/equipment/choosing-binoculars-for-the-night-sky",
    "skywatch",
    "Choosing Binoculars for the Night Sky | Skywatch",
    """
Choosing Binoculars for the Night Sky
Before buying a telescope, many experienced observers suggest starting with a pair of binoculars. They are cheap, quick to use and show far more than the naked eye: the craters along the edge of the Moon, the four bright moons of Jupiter, and thousands of stars in the band of the Milky Way.
Binoculars are described by two numbers, such as 7x50 or 10x50. The first is the magnification; the second is the diameter of each front lens in millimetres. For astronomy the second number matters most, because bigger lenses gather more light. Fifty millimetres is a good size for a first pair.
More magnification is not always better. Every tremor of your hands is magnified too, and at ten times or more the stars start to dance. A 7x50 or 8x42 pair can be held steadily for long periods; a 10x50 pair shows more but benefits from leaning against a wall or a fence post.
Check the weight before you buy. Anything much over a kilogram becomes tiring to hold above your head. And look for a pair whose focus wheel turns smoothly, because you will be adjusting it in the dark with cold fingers.
""",
)

TIDE_MILLS = DemoPage(
    "https://coastalhistory.example/essays/the-tide-mills-of-the-estuary",
    "history",
    "The Tide Mills of the Estuary | Coastal History",
    """
The Tide Mills of the Estuary
Long before steam engines arrived on the coast, millers along the estuary had found a way to make the sea grind their corn. A tide mill works like a water mill, but instead of a river it uses the rise and fall of the tide.
The miller built a dam across a creek with a gate that opened inward. As the tide came in, the water pushed the gate open and filled a pond behind the dam. When the tide turned, the weight of the water swung the gate shut, trapping the pond. A few hours later, with the sea well below the level of the pond, the miller opened a sluice, and the water rushed out past a wheel that turned the millstones.
The arrangement had one great advantage and one great drawback. The tide never failed, even in a dry summer when river mills fell silent. But it also set the working hours. The miller had to grind when the water was ready, which moved about fifty minutes later each day, so the mill often worked through the night.
By the end of the nineteenth century, cheap flour from large steam mills had ended the trade. Most tide mills were pulled down or left to rot, and their ponds silted up. A few survive as houses or museums, and on a falling tide you can still see the line of old dams across some of the creeks.
""",
)

DRIPPING_TAP = DemoPage(
    "https://fixityourself.example/plumbing/fix-a-dripping-tap",
    "fixit",
    "How to Fix a Dripping Tap | Fix It Yourself",
    """
How to Fix a Dripping Tap
A tap that drips once a second wastes thousands of litres of water a year, and on a hot tap it wastes the energy to heat it as well. The repair is usually simple and costs very little.
First, find out what kind of tap you have. Older taps that take several turns to close use a rubber washer that is pressed onto a seat. Modern taps that turn only a quarter of the way contain a ceramic cartridge. Both can be replaced at home.
Turn off the water supply to the tap, either at the small valve under the sink or at the main stopcock. Then open the tap to let the remaining water drain out, and put the plug in so that no small parts disappear down the drain.
Remove the cover on top of the handle, undo the screw beneath it and lift the handle off. Use an adjustable spanner to unscrew the valve body, holding the tap steady with your other hand so that you do not twist the pipework.
For a washer tap, prise off the old washer and fit a new one of the same size. For a ceramic tap, take the old cartridge to a hardware shop and buy a matching one, since sizes vary. Reassemble everything in reverse order, turn the water back on slowly, and check for leaks.
""",
)

PAINTING_A_ROOM = DemoPage(
    "https://fixityourself.example/decorating/paint-a-room-without-the-mess",
    "fixit",
    "How to Paint a Room Without the Mess | Fix It Yourself",
    """
How to Paint a Room Without the Mess
Good painting is mostly preparation. The actual painting is the quick part; the hours that make the difference are spent before the lid comes off the tin.
Move as much furniture out of the room as you can and push the rest into the middle under dust sheets. Cover the floor right up to the skirting boards. Plastic sheets are cheap, but fabric ones stay in place and soak up drips instead of letting you step in them.
Fill cracks and holes, let the filler dry, and sand it flush. Then wash the walls with warm water and a little detergent, especially in kitchens, where a thin film of grease stops paint from sticking properly.
Mask the edges of skirting boards, window frames and light switches with low-tack tape, pressing it down firmly with a fingernail so that paint cannot creep underneath.
Paint the ceiling first, then the walls, working from the top down so that drips fall on unpainted areas. Cut in along the edges with a brush, then fill the large areas with a roller before the edges dry, to avoid visible lines. Two thin coats always look better than one thick one.
Remove the tape while the last coat is still slightly soft. Pull it back at a sharp angle, and you will be left with a clean line.
""",
)

COASTAL_PATH = DemoPage(
    "https://wayfarerjournal.example/walks/three-days-on-the-coast-path-in-october",
    "wayfarer",
    "Three Days on the Coast Path in October | Wayfarer Journal",
    """
Three Days on the Coast Path in October
I had always walked the coast in summer, with crowded car parks and ice cream vans at every cove. This year I went in the middle of October, and I will not go back to August.
The first day ran from the harbour at Kestrel Bay to the fishing village of Pentreath, twenty kilometres of steep climbs and sudden drops into wooded valleys. The beaches were empty except for a few dog walkers and one determined swimmer. By the afternoon the light had turned gold and low, picking out every ripple on the sand.
On the second day the weather turned. A band of rain came in from the west, and I spent an hour in a bird hide on the headland, watching gannets fold their wings and drop into the sea like thrown darts. When the rain passed, the air was so clear that I could see the lighthouse on the island twenty miles out.
The last day was the shortest and the best. The path followed the cliff edge above a string of small coves, each reached by a flight of worn steps. I stopped at most of them, ate lunch on a rock warmed by the sun, and arrived at the bus stop with ten minutes to spare.
Autumn walking asks for a little more care: shorter days, wetter paths and some cafés already closed for the winter. In return it gives you the coast almost to yourself.
""",
)

HOUSEPLANT_REPOTTING = DemoPage(
    "https://leafandloam.example/houseplants/when-and-how-to-repot",
    "leafloam",
    "When and How to Repot a Houseplant | Leaf & Loam",
    """
When and How to Repot a Houseplant
Houseplants do not need a bigger pot every year. Many are happy for two or three years in the same container, and some, like snake plants and spider plants, flower better when their roots are a little crowded.
The signs that a plant needs repotting are easy to spot. Roots grow out of the drainage holes or circle tightly around the surface. Water runs straight through the pot without soaking in. Or the plant dries out within a day or two of watering, because there is more root than compost left in the pot.
Spring is the best time to repot, just as the plant starts growing again. Choose a new pot only one size larger, two or three centimetres wider than the old one. A much bigger pot holds more wet compost than the roots can use, and soggy compost is the most common way to kill a houseplant.
Water the plant an hour before you start. Turn the pot upside down, supporting the plant between your fingers, and tap the rim on the edge of a table until the root ball slides out. Gently tease out any circling roots, set the plant in the new pot at the same depth as before, and fill around it with fresh compost, firming it lightly.
Water it well and keep it out of direct sun for a week while it settles in.
""",
)

BOOK_REVIEW = DemoPage(
    "https://readingshelf.example/reviews/the-salt-road-by-imogen-hale",
    "shelf",
    "Review: The Salt Road by Imogen Hale | The Reading Shelf",
    """
Review: The Salt Road by Imogen Hale
Imogen Hale's second novel follows three generations of a family who carry salt by packhorse from the coast to the market towns of the hills. It is a slow book, and it means to be. The chapters move at the pace of the horses, and the landscape changes gradually enough that you notice only afterwards how far you have come.
The first part belongs to Agnes, who takes over her father's string of horses at sixteen after he is injured in a fall. Hale writes her with great restraint. We rarely hear what Agnes feels; we see what she does, and the gap between the two is where the book's tension lives.
The middle section, set a generation later, is weaker. Agnes's son is a less interesting character, and the plot, which turns on a dispute over a toll bridge, never quite catches. But the final part, in which Agnes's granddaughter walks the old route after the railway has made it obsolete, gathers everything that came before into a quiet and moving ending.
The Salt Road will not suit readers who want a fast story. For those willing to walk at its pace, it offers something rarer: the sense of a whole way of life, seen from the inside, just before it disappeared.
""",
)

NEW_CAT = DemoPage(
    "https://pawprint.example/cats/introducing-a-new-cat",
    "pawprint",
    "Bringing a New Cat Home: The First Two Weeks | Pawprint Magazine",
    """
Bringing a New Cat Home: The First Two Weeks
Cats are creatures of territory. A new home is, to a cat, a strange place full of unfamiliar smells, and the kindest thing you can do in the first days is to make that place smaller.
Prepare one quiet room before the cat arrives, with food, water, a litter tray and somewhere to hide: a cardboard box on its side works as well as anything from a pet shop. Put the tray as far from the food as the room allows. Cats do not like to eat where they toilet, and who can blame them.
When you bring the cat home, open the carrier in that room and then leave it alone. Some cats walk out within minutes; others stay in the carrier until night. Both are normal. Visit often, sit on the floor, talk quietly and let the cat come to you.
After a few days, once the cat is eating well and using the tray, open the door and let it explore the rest of the house at its own pace. Keep the first room available as a retreat.
If you have another cat, keep them apart for the first week and swap their bedding so that each learns the other's smell before they meet. Most introductions that go wrong are rushed ones.
""",
)

READING_AT_HOME = DemoPage(
    "https://homeandschool.example/early-years/reading-with-children-at-home",
    "parents",
    "Reading With Your Child at Home: Small Habits That Help | Home and School",
    """
Reading With Your Child at Home: Small Habits That Help
Children who are read to at home tend to learn to read more easily, but the benefit does not come from drilling letters at the kitchen table. It comes from making books an ordinary, enjoyable part of the day.
Read aloud every day if you can, even for ten minutes, and keep going after your child can read alone. Listening to a story that is a little too hard to read yourself builds vocabulary and the patience to follow a longer plot.
Let your child choose some of the books, even if you would not have picked them. A child who reads the same comic twelve times is still reading, and is learning that books can be a pleasure rather than a task.
When your child reads to you, resist the urge to correct every mistake. If a wrong word still makes sense, let it go and talk about the story afterwards. If it does not, wait a moment and ask, "Does that sound right?" More often than not, the child will fix it without help.
Finally, let your child see you read. Children copy what adults do far more than what they say, and a parent absorbed in a book on the sofa is a better advertisement for reading than any reward chart.
""",
)

# --- shop pages ---------------------------------------------------------------------------------------------------------


def product(name: str, price: str, details: list[str], rating: str) -> str:
    return "\n".join([name, price, *details, "Add to basket", rating, "Write a review"])


SHOP_CHEF_KNIFE = DemoPage(
    "https://shop.harbourkitchen.example/knives/20cm-chefs-knife",
    "kitchen-shop",
    "20cm Chef's Knife – Harbour Kitchen Shop",
    product(
        "20cm Chef's Knife",
        "£64.00",
        ["Blade: stainless steel, 20 cm", "Handle: oiled ash", "A balanced knife for chopping, slicing and dicing."],
        "★★★★★ 4.8 (112 reviews)",
    ),
)

SHOP_LOAF_TIN = DemoPage(
    "https://shop.harbourkitchen.example/bakeware/900g-loaf-tin",
    "kitchen-shop",
    "900g Loaf Tin – Harbour Kitchen Shop",
    product(
        "900g Loaf Tin",
        "£14.50",
        ["Material: carbon steel with non-stick coating", "Dishwasher safe", "Fits a standard two-pound loaf."],
        "★★★★☆ 4.3 (57 reviews)",
    ),
)

SHOP_WHETSTONE = DemoPage(
    "https://shop.harbourkitchen.example/knives/combination-whetstone-1000-6000",
    "kitchen-shop",
    "Combination Whetstone 1000/6000 – Harbour Kitchen Shop",
    product(
        "Combination Whetstone 1000/6000",
        "£32.00",
        ["Coarse and fine side in one stone", "Non-slip rubber base included", "Soak for ten minutes before use."],
        "★★★★★ 4.7 (89 reviews)",
    ),
)

SHOP_RAIN_JACKET = DemoPage(
    "https://shop.ridgeline.example/products/stormline-waterproof-jacket",
    "ridgeline-shop",
    "Stormline Waterproof Jacket – Ridgeline Outdoor",
    product(
        "Stormline Waterproof Jacket",
        "£129.00",
        ["Sizes: S M L XL XXL", "Colour: Ocean blue", "Fully taped seams, adjustable hood and two chest pockets."],
        "★★★★☆ 4.4 (203 reviews)",
    ),
)

SHOP_HEADTORCH = DemoPage(
    "https://shop.ridgeline.example/products/trailbeam-300-headtorch",
    "ridgeline-shop",
    "Trailbeam 300 Headtorch – Ridgeline Outdoor",
    product(
        "Trailbeam 300 Headtorch",
        "£34.99",
        ["300 lumens, red night mode", "Rechargeable by USB-C", "Weight: 78 g"],
        "★★★★☆ 4.5 (64 reviews)",
    ),
)

SHOP_SOCKS = DemoPage(
    "https://shop.ridgeline.example/products/merino-hiking-socks-2-pack",
    "ridgeline-shop",
    "Merino Hiking Socks (2 pack) – Ridgeline Outdoor",
    product(
        "Merino Hiking Socks (2 pack)",
        "£22.00",
        ["Sizes: 3-5 6-8 9-11 12-14", "Cushioned sole, reinforced heel and toe", "Wash at 30 degrees."],
        "★★★★★ 4.9 (341 reviews)",
    ),
)

# --- forum threads ------------------------------------------------------------------------------------------------------

FORUM_SLUGS = DemoPage(
    "https://forum.greenfingers.example/threads/2011-slugs-eating-everything",
    "forum",
    "Slugs eating everything - what actually works? | Greenfingers Forum",
    """
Slugs eating everything - what actually works?
posted by firstyearplot
Every lettuce I plant is gone within two nights. I have tried crushed eggshells and they just walk over them. Any ideas that actually work?
Reply from oldgrower58
Eggshells never worked for me either. Go out with a torch after dark for a week and pick them off; you will be amazed how many there are, and it makes a real dent in the numbers.
Reply from pondlife
Build a small pond if you have room. Frogs and toads moved into ours within a year and the slug problem more or less disappeared.
Reply from firstyearplot
A pond is a lovely idea for next year. Torch patrol starts tonight!
Reply from seedsaver
Also grow a few more lettuces than you need and start them off in pots, so they are bigger and tougher when they go out. Slugs love tiny seedlings most.
""",
)

FORUM_COMPOST = DemoPage(
    "https://forum.greenfingers.example/threads/2034-compost-heap-smells",
    "forum",
    "Compost heap smells awful | Greenfingers Forum",
    """
Compost heap smells awful
posted by windowsill_will
My compost heap has started to smell like rotten eggs and is slimy in the middle. What have I done wrong?
Reply from oldgrower58
Too much green stuff and not enough air. Grass cuttings on their own turn to slime. Mix in plenty of brown material - torn cardboard, dry leaves, straw - and turn the heap with a fork so that air gets into the middle.
Reply from windowsill_will
I did put a whole lawn's worth of grass in last weekend. That explains it.
Reply from compostqueen
Roughly equal amounts of green and brown by volume is a good rule. A healthy heap smells of earth, not of anything else.
""",
)

DEVFORUM_CSV = DemoPage(
    "https://stackofnotes.example/questions/8812/why-does-my-csv-have-strange-characters",
    "devforum",
    "Why does my CSV file show strange characters instead of accents? - Stack of Notes",
    """
Why does my CSV file show strange characters instead of accents?
asked by m_kowal
I export a list of customers to CSV and open it in a spreadsheet. Names like José show up as JosÃ© instead. The data looks fine in the database. What is going on?
Answer from bytewise (accepted)
Your file is written in UTF-8, but the spreadsheet is opening it as if it were an older single-byte encoding. The two bytes that UTF-8 uses for é are each being shown as a separate character.
Either tell the spreadsheet the file is UTF-8 when you import it, or write a byte order mark at the start of the file, which many spreadsheet programs use as a hint. Do not change the data in the database: it is correct.
Answer from tabsnotspaces
If other programs read the same file, check that they expect the byte order mark before you add it; some command-line tools treat it as part of the first column name.
""",
)

CYCLEFORUM_CHAIN = DemoPage(
    "https://twowheels.example/forums/maintenance/how-often-replace-chain",
    "cycleforum",
    "How often should I replace my chain? | Two Wheels Forum",
    """
How often should I replace my chain?
posted by commuter_kate
I ride about eighty kilometres a week to work. The shop says my chain is worn but it is only a year old. Is that normal?
Reply from spokesman
Perfectly normal for that distance, especially if you ride through winter. Chains stretch as the pins wear, and a stretched chain wears out the cogs much faster. Replacing a chain is cheap; replacing the cassette and chainrings as well is not.
Reply from commuter_kate
Is there a way to check it myself?
Reply from spokesman
Buy a chain checker tool for a few pounds. Drop it into the chain and it tells you at a glance. Check it every month and swap the chain as soon as it reaches the mark.
""",
)

# --- short pages ----------------------------------------------------------------------------------------------------------

SHORT_CONTACT = DemoPage(
    "https://fixityourself.example/contact",
    "fixit",
    "Contact us | Fix It Yourself",
    "Contact us\nEmail the editors at hello@fixityourself.example.",
)

SHORT_NOT_FOUND = DemoPage(
    "https://plainmoney.example/saving/old-isa-guide",
    "money",
    "Page not found | Plain Money",
    "Page not found\nSorry, this page has moved. Try searching above.",
)

SHORT_LOGIN = DemoPage(
    "https://forum.greenfingers.example/login",
    "forum",
    "Log in | Greenfingers Forum",
    "Log in\nUsername\nPassword\nForgotten your password?\nRemember me",
)

SHORT_EMPTY_BASKET = DemoPage(
    "https://shop.ridgeline.example/basket",
    "ridgeline-shop",
    "Your basket – Ridgeline Outdoor",
    "Your basket is empty\nContinue shopping",
)

# --- spam ----------------------------------------------------------------------------------------------------------------

SPAM_CASINO = DemoPage(
    "http://best-online-slots-bonus.example/free-spins-no-deposit",
    "spam",
    "free spins no deposit free spins casino bonus",
    """
free spins no deposit free spins no deposit casino bonus free spins 2026
best casino bonus best online slots best slots bonus free bonus spins now
slots slots slots bonus bonus bonus free free free spins spins spins win win
click here free spins click here casino bonus click here no deposit bonus today
top 10 casino bonus top 10 free spins top 10 slots sites top 10 bonus codes
""",
)

SPAM_WATCHES = DemoPage(
    "http://luxury-watch-deals-outlet.example/cheap-luxury-watches-sale",
    "spam",
    "cheap luxury watches sale luxury watches outlet",
    """
cheap luxury watches cheap watches sale luxury watch outlet cheap luxury watch
watches watches watches sale sale sale cheap cheap cheap luxury luxury outlet
buy watches online cheap buy luxury watches cheap watch deals best watch price
luxury watches for men luxury watches for women cheap luxury watches free shipping
""",
)

SPAM_FLIGHTS = DemoPage(
    "http://cheapest-flights-compare-now.example/cheap-flights-last-minute",
    "spam",
    "cheap flights last minute cheap flights deals",
    """
cheap flights cheap flights last minute cheap flights deals cheapest flights now
flights flights flights cheap cheap cheap deals deals deals book book book now
last minute flights cheap last minute deals cheap holiday flights cheap tickets
compare flights compare cheap flights compare cheapest tickets compare now save
""",
)

SPAM_CRYPTO = DemoPage(
    "http://crypto-profit-signals-free.example/double-your-coins",
    "spam",
    "crypto profit signals double your coins",
    """
crypto profit crypto signals free crypto signals double your coins crypto now
profit profit profit coins coins coins signals signals free free free join now
best crypto signals 2026 best crypto profit app best coins to buy now free bonus
join now free signals join now crypto profit join now double coins guaranteed
""",
)

# --- other languages ------------------------------------------------------------------------------------------------------

ALPINE_HUT_DE = DemoPage(
    "https://www.wanderzeit.example/de/ratgeber/erste-nacht-auf-der-huette",
    "wanderzeit",
    "Die erste Nacht auf der Hütte: Was man wissen sollte | Wanderzeit",
    """
Die erste Nacht auf der Hütte: Was man wissen sollte
Eine Übernachtung auf einer Berghütte gehört für viele Wanderer zu den schönsten Erlebnissen in den Bergen. Wer zum ersten Mal hinaufsteigt, sollte allerdings ein paar Regeln kennen, damit der Abend gemütlich bleibt.
Im Sommer sind die meisten Hütten an den Wochenenden ausgebucht. Reservieren Sie deshalb frühzeitig und sagen Sie rechtzeitig ab, wenn Sie doch nicht kommen können. Der Wirt hält den Platz sonst vergeblich frei.
Im Schlafraum teilt man sich das Lager oft mit zehn oder zwanzig Fremden. Ein Hüttenschlafsack ist fast überall Pflicht, Ohrstöpsel sind dringend zu empfehlen. Um zehn Uhr herrscht Nachtruhe, und am Morgen brechen die ersten Gruppen schon vor Sonnenaufgang auf.
Wasser ist auf vielen Hütten knapp, weil es aus Schnee oder aus einer kleinen Quelle gewonnen wird. Duschen gibt es selten, und wenn, dann meist nur gegen Münzen und für wenige Minuten. Dafür entschädigen das Abendessen, der Blick auf die Gipfel im letzten Licht und die Gespräche am langen Holztisch.
""",
    language="deu",
)

SOUP_FR = DemoPage(
    "https://www.cuisine-facile.example/fr/recettes/soupe-de-potiron",
    "cuisine",
    "Soupe de potiron au lait de coco | Cuisine facile",
    """
Soupe de potiron au lait de coco
Quand les soirées raccourcissent, rien ne réchauffe mieux qu'un bol de soupe de potiron bien onctueuse. Cette version au lait de coco et au gingembre se prépare en trente minutes et plaît même aux enfants qui boudent les légumes.
Épluchez un kilo de potiron, retirez les graines et coupez la chair en cubes. Faites revenir un oignon émincé dans un peu d'huile, ajoutez un morceau de gingembre râpé, puis le potiron.
Couvrez avec un litre de bouillon de légumes et laissez cuire à feu doux pendant vingt minutes, jusqu'à ce que les morceaux s'écrasent facilement à la fourchette. Mixez la soupe, versez le lait de coco et rectifiez l'assaisonnement avec du sel et un peu de jus de citron vert.
Servez bien chaud, avec quelques graines de courge grillées à la poêle et un filet d'huile d'olive.
""",
    language="fra",
)

TRAIN_TRAVEL_ES = DemoPage(
    "https://www.viajeslentos.example/es/consejos/viajar-en-tren-por-europa",
    "viajes",
    "Viajar en tren por Europa sin complicaciones | Viajes lentos",
    """
Viajar en tren por Europa sin complicaciones
Viajar en tren permite ver cómo cambia el paisaje poco a poco, llegar al centro de las ciudades y olvidarse de los controles del aeropuerto. Con un poco de planificación, también puede resultar más barato de lo que parece.
Los billetes de larga distancia suelen salir a la venta entre dos y tres meses antes del viaje, y los precios más bajos desaparecen rápido. Si ya conoces tus fechas, compra en cuanto abran las ventas.
Para trayectos largos, los trenes nocturnos son una gran opción: ahorras una noche de hotel y despiertas en otro país. Lleva agua, algo de comida y una chaqueta ligera, porque el aire acondicionado a veces es muy fuerte.
Por último, deja margen entre conexiones. Un retraso de veinte minutos no debería arruinar todo el itinerario, y una hora libre en una estación desconocida puede convertirse en un paseo inesperado.
""",
    language="spa",
)

RISOTTO_IT = DemoPage(
    "https://www.cucinadicasa.example/it/ricette/risotto-ai-funghi",
    "cucina",
    "Risotto ai funghi come lo faceva la nonna | Cucina di casa",
    """
Risotto ai funghi come lo faceva la nonna
Il risotto non è difficile, ma richiede attenzione: bisogna restare vicino ai fornelli e mescolare spesso, aggiungendo il brodo poco alla volta.
Pulite trecento grammi di funghi con un panno umido e tagliateli a fettine. Fateli saltare in padella con olio, aglio e prezzemolo, poi teneteli da parte.
In una pentola larga fate appassire una cipolla tritata nel burro, aggiungete il riso e tostatelo per due minuti. Sfumate con mezzo bicchiere di vino bianco e, quando è evaporato, cominciate ad aggiungere il brodo caldo un mestolo alla volta.
Dopo circa quindici minuti unite i funghi. Quando il riso è cotto ma ancora al dente, spegnete il fuoco e mantecate con una noce di burro e abbondante parmigiano. Lasciate riposare un minuto prima di servire.
""",
    language="ita",
)

TOMATO_SEEDLINGS_RU = DemoPage(
    "https://pro-sad.example/ru/ogorod/rassada-tomatov",
    "prosad",
    "Рассада томатов: как не ошибиться | Про сад",
    """
Рассада томатов: как не ошибиться
Хорошая рассада томатов должна быть крепкой, невысокой и с толстым стеблем. Чаще всего её портят три вещи: слишком ранний посев, недостаток света и избыток воды.
Сеять семена лучше всего за шестьдесят дней до высадки в грунт. Если посеять раньше, растения перерастут в тесных стаканчиках и будут долго болеть после пересадки.
Сеянцам нужно много света. На подоконнике их стоит каждый день поворачивать к окну другой стороной, а в пасмурную погоду досвечивать лампой.
Поливайте рассаду умеренно, только когда верхний слой земли подсохнет. За две недели до высадки начинайте закаливать растения, выставляя их на балкон сначала на час, а потом на весь день.
""",
    language="rus",
)

# --- near-duplicates: the same articles republished with small edits (MinHash should group them) -----------------------


def _edited(page: DemoPage, url: str, site: str, title: str, edits: list[tuple[str, str]]) -> DemoPage:
    body = page.body
    for old, new in edits:
        assert old in body, old
        body = body.replace(old, new)
    return DemoPage(url, site, title, body, page.language)


EMERGENCY_FUND_REPOST = _edited(
    EMERGENCY_FUND,
    "https://dailydigest.example/money/how-to-build-an-emergency-fund",
    "aggregator",
    "How to build an emergency fund on an ordinary income - Daily Digest",
    [
        ("a few weeks between jobs", "a few weeks between two jobs"),
        ("take a year to pay off", "take many months to pay off"),
        ("even if it is only twenty pounds", "even if it is only a small amount"),
    ],
)

KNIFE_SHARPENING_SCRAPED = _edited(
    KNIFE_SHARPENING,
    "http://kitchen-tips-daily.example/2026/01/sharpen-kitchen-knife",
    "scraper",
    "how to sharpen a kitchen knife - kitchen tips daily",
    [
        ("Sharpening at home takes twenty minutes", "Sharpening at home takes about twenty minutes"),
        ("and some water.", "and a jug of water."),
    ],
)

COASTAL_PATH_REPOST = _edited(
    COASTAL_PATH,
    "https://dailydigest.example/travel/coast-path-in-october",
    "aggregator",
    "Three days on the coast path in October - Daily Digest",
    [
        ("I will not go back to August.", "I doubt I will ever go back to August."),
        ("twenty kilometres of steep climbs", "about twenty kilometres of steep climbs"),
        ("with ten minutes to spare", "with a few minutes to spare"),
    ],
)


DEMO_00000: list[DemoPage] = [
    KNIFE_SHARPENING,
    SHOP_CHEF_KNIFE,
    STALE_BREAD,
    FIRST_OVERNIGHT_HIKE,
    SHOP_RAIN_JACKET,
    BUS_ROUTES,
    SPAM_CASINO,
    COMMIT_MESSAGES,
    FORUM_SLUGS,
    EMERGENCY_FUND,
    ALPINE_HUT_DE,
    RUNNING_AFTER_40,
    SHORT_CONTACT,
    MOON_PHASES,
    SHOP_LOAF_TIN,
    TIDE_MILLS,
    DRIPPING_TAP,
    SPAM_WATCHES,
    COASTAL_PATH,
    DEVFORUM_CSV,
    SOUP_FR,
    HOUSEPLANT_REPOTTING,
    SHORT_NOT_FOUND,
    BOOK_REVIEW,
    ROBOTICS_TEAM,
    SHOP_HEADTORCH,
]

DEMO_00001: list[DemoPage] = [
    LENTIL_SOUP,
    TOPO_MAPS,
    RIVER_CLEANUP,
    FAST_TESTS,
    SHOP_WHETSTONE,
    EMERGENCY_FUND_REPOST,
    TIMEZONES,
    SPAM_FLIGHTS,
    READING_A_PAYSLIP,
    FORUM_COMPOST,
    TRAIN_TRAVEL_ES,
    BINOCULARS,
    KNIFE_SHARPENING_SCRAPED,
    SHORT_LOGIN,
    PAINTING_A_ROOM,
    NEW_CAT,
    SHOP_SOCKS,
    CYCLEFORUM_CHAIN,
    RISOTTO_IT,
    SPAM_CRYPTO,
    READING_AT_HOME,
    COASTAL_PATH_REPOST,
    TOMATO_SEEDLINGS_RU,
    SHORT_EMPTY_BASKET,
]
