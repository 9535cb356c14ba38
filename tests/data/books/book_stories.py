"""Original short stories for the books fixtures and the demo sample, written for llamix.

Nothing here is copied from Project Gutenberg, Books3 or anywhere else: the towns, rivers, people and books are
invented. `make_fixtures.py` wraps them in Gutenberg-style headers and footers (also our own wording) or Books3
files. `generated_paragraphs` makes longer synthetic books (for the overlap tests) from a made-up vocabulary.
"""
from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Story:
    title: str
    author: str
    language: str  # as a Gutenberg header writes it
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


TIDEWATER_CLOCK = Story("The Tidewater Clock", "Elspeth Marrow", "English", (
    "CHAPTER I.\n\nTHE CLOCK THAT WOULD NOT KEEP TIME",
    "In the harbour town of Greyholm there was a clock that kept the hours of the sea instead of the hours of the "
    "sun. It stood on the wall of the customs house, a round white face with a single brass hand, and the fishermen "
    "trusted it more than they trusted the church bell.",
    "Nobody remembered who had built it. The oldest net-mender on the quay said that her grandmother had called it "
    "the Widow's Clock, because it had been paid for by the wives of men who went out on a falling tide and did not "
    "come back. Whatever its name, it was wound every Sunday by the harbourmaster, and every Sunday he grumbled that "
    "the key was too small for his hand.",
    "The trouble began in the spring when a young clockmaker named Tamsin Hale came over the hills from the inland "
    "towns. She had a leather roll of tools, a letter of introduction that nobody read, and an opinion about every "
    "timepiece she passed. The Tidewater Clock, she said on her first morning, was forty minutes slow.",
    "\"Slow against what?\" asked the harbourmaster.",
    "\"Against the tide tables,\" said Tamsin, and she showed him the printed sheet she had bought in the market. "
    "The harbourmaster looked at it for a long time, and then at the water slapping against the steps, and then at "
    "the clock.",
    "\"The sheet is printed in the city,\" he said at last. \"The water is here.\"",
    "CHAPTER II.\n\nA WEEK OF MEASUREMENTS",
    "Tamsin was not a person who could leave a wrong thing alone. For a week she sat on the steps of the customs "
    "house with a notebook, a plumb line and a borrowed pocket watch, writing down the moment the water touched a "
    "tarred mark on the third step. The children of the town brought her bread and asked what she was counting.",
    "At the end of the week she climbed the ladder with her tools, opened the glass and looked inside. She found no "
    "pendulum and no spring. Instead there was a float on a chain, running down through a pipe in the wall to a "
    "well that filled from the harbour, and a train of wooden gears worn smooth as river stones.",
    "\"It is not slow,\" she said to the small crowd that had gathered. \"It is honest. The water takes forty minutes "
    "to climb the pipe.\" She closed the glass again without touching a single wheel, and that evening she wrote a "
    "new line on the printed tide sheet in her careful hand: add forty minutes for Greyholm.",
    "The harbourmaster pinned the sheet beside the clock, and it hung there until the paper went brown. Tamsin "
    "stayed in the town and opened a shop by the fish market, where she mended watches and never once complained "
    "about the size of a key.",
))

SALT_AND_CEDAR = Story("Salt and Cedar", "Mara Quill", "English", (
    "I.",
    "Ada Brannock built boats in a shed at the end of the shingle, where the wind came straight off the water and "
    "the smell of cut cedar fought all day with the smell of salt. She built them slowly, one each winter, and sold "
    "them in the spring to men who argued about the price and then paid it.",
    "The winter she turned sixty a boy appeared at the shed door with a letter from the parish. His name was Owen, "
    "he was thirteen, and the letter said that he was handy and honest and had nowhere in particular to go. Ada read "
    "it twice, folded it into her apron pocket and handed him a broom.",
    "For the first month Owen swept. He swept shavings into heaps and heaps into sacks, and he carried the sacks to "
    "the widow next door who burned them in her stove. He learned that the shed had a north corner where the glue "
    "would not set, and a south window where the light was good until three o'clock and useless afterwards.",
    "II.",
    "In the second month Ada let him hold the other end of a plank while she steamed it. The cedar came out of the "
    "steam box limp and dark, and they bent it together around the ribs of the hull before it could stiffen. Owen's "
    "hands shook the first time. By the tenth plank they did not.",
    "\"Wood remembers,\" Ada told him. \"Bend it too quickly and it will remember that you hurried. Bend it with "
    "patience and it will forget it was ever straight.\" Owen did not understand this, but he wrote it on the wall "
    "above his bench with a stub of pencil, and later he found that he did.",
    "III.",
    "The boat was finished on the first warm day of April. They launched it at high water with the whole lane "
    "watching, and it sat on the sea as lightly as a gull. A farmer from up the coast bought it before noon. Ada "
    "counted the money on the bench, divided it into two unequal heaps and pushed the smaller one towards Owen.",
    "\"Next winter,\" she said, \"you steam the planks and I will hold the end.\" He stayed for eleven winters, and "
    "when she could no longer climb into a hull he built the boats and she sat by the south window until three "
    "o'clock, telling him what he was doing wrong.",
))

ORCHARD_LEDGER = Story("The Orchard Ledger", "Tobias Fenn", "English", (
    "THE ORCHARD LEDGER",
    "My father kept a ledger of his apple trees the way other men keep accounts of money. Every tree in the long "
    "orchard below the house had a number painted on a slate at its foot, and every number had a page in the "
    "ledger, and on every page he wrote down what the tree had done that year.",
    "Number seven blossomed late and lost its flowers to a frost in May. Number twelve gave nineteen bushels of "
    "russets and a great deal of trouble with canker. Number thirty-one, which stood apart from the others by the "
    "stone wall, gave nothing at all for nine years and then, in the tenth, so many small yellow apples that two of "
    "its branches broke.",
    "When I was young I thought the ledger was a dull book. I wanted stories, and it gave me bushels. But the winter "
    "after my father died I took it down from the shelf above the stove and read it from the first page to the last, "
    "and I found that it was full of stories after all, only they were written in numbers and weather.",
    "There was the year of the great hail, when every page said the same thing in the same tired hand. There was "
    "the year my mother was ill, when the entries stop in June and start again in October, all written on one day "
    "in a different ink. There was the year I was born, when beside the entry for number thirty-one he had written, "
    "very small, the word still.",
    "I keep the ledger now. The slates have been repainted twice and some of the old trees are gone, but the "
    "numbers have not changed, and when I plant a new tree I give it the number of the one that stood there before. "
    "My own children think it is a dull book. I expect that one day they will read it properly.",
))

LAMPLIGHTER = Story("The Lamplighter of Vell", "Iris Calloway", "English", (
    "Chapter One",
    "The town of Vell climbs a hill so steep that its streets are mostly stairs, and on every landing of every "
    "stair there is a lamp. There are three hundred and twelve of them. For forty years they were lit each evening "
    "by a man called Ambrose Tull, who carried a ladder on his shoulder and a brass can of oil in his hand and who "
    "was never once late.",
    "Ambrose did not think of himself as a remarkable person. He thought of himself as a person with a long walk to "
    "finish before dark. He began at the bottom, by the river gate, and worked upwards, and when he reached the "
    "last lamp outside the bell tower the whole town lay below him in a spiral of small gold lights.",
    "Chapter Two",
    "In his forty-first year the council voted to put in gas. The pipes came up the stairs one landing at a time, "
    "and the new lamps lit themselves from a valve in the gasworks by the river. Ambrose watched the workmen "
    "without saying anything. When they had finished, the council gave him a clock with his name on it and thanked "
    "him for his service.",
    "On the first evening of the gas the valve stuck. The lower town lit, and the upper town stayed dark, and "
    "people stood on the stairs in their coats wondering what to do. Somebody remembered that Ambrose still had his "
    "ladder. He took the brass can down from its hook, filled it from a jar in the cellar and climbed the hill as he "
    "had always done, lighting the old wicks that nobody had yet removed.",
    "The valve was mended the next morning. But the council, after some discussion, decided that the old wicks "
    "should stay, and that a man with a ladder should walk the stairs once a week to keep them trimmed. Ambrose "
    "did it until he was eighty. He said that it was the only clock in Vell that he trusted.",
))

WINTER_STATION = Story("Notes from a Winter Station", "Hal Brightwater", "English", (
    "1. Arrival",
    "The weather station on Corrie Ness is a stone hut, a mast, a rain gauge and a box of instruments on four legs, "
    "and for the winter it was also my home. The supply boat left me on the jetty with six crates, a sack of letters "
    "to answer and a warning from the skipper that the wind on the Ness had opinions of its own.",
    "2. Routine",
    "Every three hours I read the thermometers, the barometer and the gauge, and every three hours I sent the "
    "numbers down the wire to the mainland, where somebody I never met turned them into the forecast. At first the "
    "routine felt like a cage. By December it felt like a handrail, something to hold on to when the nights were "
    "eighteen hours long.",
    "3. Visitors",
    "I had more company than I expected. A pair of ravens took an interest in the rain gauge and had to be "
    "discouraged. Seals hauled out on the rocks below the hut and complained to each other all night. Once, in "
    "January, a yacht came in out of a gale, and its crew of three slept on my floor and ate most of my biscuits and "
    "left me a bottle of very good whisky by way of apology.",
    "4. Departure",
    "The boat came back for me in March. I had filled four notebooks with numbers and one with everything else, and "
    "it is the fifth notebook that this little book is made from. The numbers are in an archive somewhere, doing "
    "their duty. These notes are only the weather as it felt from inside the hut.",
))

HARBOUR_SONGS = Story("Harbour Songs", "Nell Ashdown", "English", (
    "Morning",
    "The first sound on the quay is never the gulls. It is the rattle of the ice-house door, and then the scrape of "
    "a shovel, and then the cooper's boy whistling the same four notes he has whistled every morning since he came "
    "to work. By the time the gulls begin, the day has already been decided.",
    "Noon",
    "At noon the boats come in low in the water, and the quay becomes a market, a court of law and a theatre all at "
    "once. Prices are shouted, disputes are settled, and old men on the bench by the chandler's give their verdict "
    "on every catch without being asked.",
    "Evening",
    "In the evening the tide goes out and leaves the harbour floor shining. Children dig for crabs among the "
    "mooring chains, and the lamps come on one by one along the sea wall, and somebody in the inn begins a song "
    "that everybody knows and nobody can remember learning.",
))

# French: a ferryman on an invented river.
LE_PASSEUR = Story("Le Passeur de l'Aubrette", "Jeanne Morel", "French", (
    "I",
    "Sur l'Aubrette, entre le moulin de Saint-Firmin et les prés de la Vernière, il n'y avait pas de pont. Il y avait "
    "un bac, une corde tendue d'une rive à l'autre, et un vieil homme nommé Étienne Roux qui faisait passer les "
    "voyageurs depuis plus de trente ans.",
    "Il connaissait la rivière comme on connaît un cœur capricieux. Il savait qu'elle montait vite après les orages "
    "d'août, qu'elle gelait parfois près des saules en février, et qu'elle devenait traîtresse chaque printemps, "
    "quand la neige fondait sur les collines.",
    "II",
    "Un matin d'avril, un ingénieur arriva de la ville avec des plans roulés sous le bras. « On construira bientôt un "
    "pont de pierre, » dit-il, « et vous pourrez enfin vous reposer. » Étienne regarda longtemps les dessins, puis "
    "l'eau brune qui filait sous la barque.",
    "« La rivière décidera, » répondit-il simplement. Le pont fut bâti deux ans plus tard, un peu plus haut, là où "
    "Étienne avait dit que le fond était solide. On y grava son nom sur la première pierre.",
))

# German: a well-builder in an invented village.
DER_BRUNNENBAUER = Story("Der Brunnenbauer von Kesselbach", "Friedrich Amsel", "German", (
    "Erstes Kapitel",
    "In Kesselbach, einem Dorf am Rand der Heide, gab es im Sommer nie genug Wasser. Die Bäche trockneten aus, die "
    "Brunnen wurden trüb, und die Bauern trugen ihr Vieh in langen Reihen zum Fluss hinunter, der eine Stunde "
    "entfernt lag.",
    "Eines Tages kam ein Fremder ins Dorf, ein schweigsamer Mann mit einer Wünschelrute und einem Sack voller "
    "Werkzeug. Er nannte sich Jakob Lindner und sagte, er könne Wasser finden, wo niemand es vermute.",
    "Zweites Kapitel",
    "Die Bauern lachten zuerst über ihn. Aber Jakob ging drei Tage lang über die Felder, blieb oft stehen, kniete "
    "nieder und legte das Ohr auf die Erde. Am vierten Morgen schlug er einen Pflock neben der alten Linde ein und "
    "sagte: „Hier.“",
    "Sie gruben zwölf Tage. Am dreizehnten stieß der Spaten auf nassen Sand, und am Abend stand das Wasser kalt und "
    "klar im Schacht. Der Brunnen unter der Linde trägt bis heute seinen Namen, obwohl niemand weiß, wohin Jakob "
    "Lindner danach gegangen ist.",
))

# --- synthetic prose for the overlap tests -----------------------------------------------------------------------

# About 240 everyday words: random sentences over them share a 5-word sequence with probability ~240^-5 a pair.
_WORDS = tuple("""
above across after again against almost along also always among anchor apple autumn barn basket beach bell
below beside between bird blanket boat bone bread bridge bright brother brown bucket candle canal careful carry
cart castle cellar chalk chapel cheese chimney church clock cloud coat cold copper corner cottage count country
cousin cradle crow cup daughter dawn deep ditch dog door dust early east elder empty evening eye fair farmer
feather fence ferry field fire fish flag floor flour fog forest fox friend frost garden gate gentle glass goat
gold grain grass green grey hammer harbour harvest hat hawk hay heavy hedge hill hollow honey horse house hunter
ice inn iron island jar kettle key kitchen ladder lake lamp lane lantern late leaf letter light linen lock long
loud low market meadow mill miller mist moon morning moss mother mountain mud nail narrow needle nest night north
oak oar old orchard owl paper parcel path pear pebble pepper pigeon pine pipe plough pond porch quiet rabbit
rain raven red ribbon river road roof rope rust sail salt sand saddle school sea seed shadow shell shepherd ship
shoe silver sister sky slate slow smoke snow soft south spoon spring stable stair star stone storm straw stream
street sugar summer sun swan table thread thunder timber tower town track tree valley village wagon wall warm
water wax weaver well west wheat wheel white wind window winter wolf wool yard yellow young
""".split())


def generated_paragraphs(seed: int, count: int, sentences: int = 6) -> list[str]:
    """`count` paragraphs of random sentences over `_WORDS`; different seeds share almost no 5-word sequences."""
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(count):
        lines = []
        for _ in range(sentences):
            words = rng.choices(_WORDS, k=rng.randint(8, 16))
            lines.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(lines))
    return paragraphs
