"""What a prompt asks to see: the things to draw (subjects) and where they are (settings).

Subjects are found by name among the drawings of the OpenMoji set (`assets.py`), named in
English and German by the Unicode CLDR short names the `emoji` package carries ("fox",
"Fuchs", "Dampflokomotive"), plus a few everyday words CLDR spells otherwise ("tree",
"Blume", "Dampflok"). A word is looked up as written, then as a plural or inflected form
("foxes", "Füchse", "Bergen"), then as a compound whose last part is known
("Blumengarten" → garden, with "Blumen" → flower as a second subject).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from core.generation.assets import has_drawing

MAX_SUBJECTS = 3
MAX_COPIES = 3


class Place(StrEnum):
    """Where in a scene a subject belongs."""

    GROUND = "ground"
    SKY = "sky"
    WATER = "water"


class Setting(StrEnum):
    """A scene's surroundings, named by words such as "night", "Meer" or "Wald"."""

    NIGHT = "night"
    SUNSET = "sunset"
    RAIN = "rain"
    SNOW = "snow"
    SEA = "sea"
    FOREST = "forest"
    CITY = "city"
    SPACE = "space"
    DESERT = "desert"
    MOUNTAINS = "mountains"
    GARDEN = "garden"


@dataclass(frozen=True, slots=True)
class Asset:
    """One drawing: its English name, the character the OpenMoji font draws it for."""

    name: str
    char: str

    @property
    def place(self) -> Place:
        return PLACES.get(self.name, Place.GROUND)


@dataclass(frozen=True, slots=True)
class Subject:
    asset: Asset
    word: str  # the prompt's word that asked for it
    count: int = 1  # "two foxes", "Füchse": more than one (drawn up to MAX_COPIES)


@dataclass(frozen=True, slots=True)
class Reading:
    """What the words of a prompt ask for."""

    subjects: tuple[Subject, ...]
    settings: frozenset[Setting]
    style: str | None  # a style named in the words ("Aquarell"), for when none is chosen


# ---------------------------------------------------------------- vocabulary

SETTING_WORDS: dict[str, Setting] = {
    **dict.fromkeys(
        ("night", "midnight", "nighttime", "moonlight", "stars", "nacht", "nachts",
         "mitternacht", "mondschein", "sterne", "sternennacht", "dark", "dunkel"),
        Setting.NIGHT,
    ),
    **dict.fromkeys(
        ("sunset", "sunrise", "dusk", "dawn", "evening", "twilight", "sonnenuntergang",
         "sonnenaufgang", "abend", "abendrot", "dämmerung", "morgenrot"),
        Setting.SUNSET,
    ),
    **dict.fromkeys(
        ("rain", "rainy", "raining", "storm", "stormy", "thunderstorm", "regen",
         "regnerisch", "gewitter", "sturm", "unwetter"),
        Setting.RAIN,
    ),
    **dict.fromkeys(
        ("snow", "snowy", "winter", "blizzard", "frost", "schnee", "verschneit",
         "schneesturm", "eis"),
        Setting.SNOW,
    ),
    **dict.fromkeys(
        ("sea", "ocean", "beach", "coast", "shore", "harbour", "harbor", "waves", "meer",
         "ozean", "strand", "küste", "hafen", "wellen", "ufer", "lake"),
        Setting.SEA,
    ),
    **dict.fromkeys(("forest", "woods", "jungle", "wald", "dschungel", "urwald"), Setting.FOREST),
    **dict.fromkeys(
        ("city", "town", "street", "downtown", "skyscrapers", "stadt", "großstadt",
         "straße", "innenstadt", "hochhäuser"),
        Setting.CITY,
    ),
    **dict.fromkeys(
        ("space", "galaxy", "cosmos", "universe", "orbit", "weltraum", "weltall", "galaxie",
         "kosmos", "universum"),
        Setting.SPACE,
    ),
    **dict.fromkeys(("desert", "dunes", "sand", "wüste", "dünen", "sahara"), Setting.DESERT),
    **dict.fromkeys(
        ("mountains", "mountain", "alps", "peaks", "hills", "berge", "berg", "gebirge",
         "alpen", "gipfel", "hügel"),
        Setting.MOUNTAINS,
    ),
    **dict.fromkeys(
        ("garden", "meadow", "park", "field", "garten", "wiese", "feld"), Setting.GARDEN
    ),
}  # fmt: skip

# Everyday words CLDR names otherwise (or not at all), and OpenMoji's own drawings, which
# carry no Unicode name: U+E212 is its lighthouse (of Alexandria), beside the sea.
EXTRA_NAMES: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("lighthouse", "leuchtturm"), ("lighthouse", "\ue212")),
    **dict.fromkeys(("dampflok", "lok", "lokomotive"), ("locomotive", "🚂")),
    **dict.fromkeys(("tree", "baum"), ("deciduous tree", "🌳")),
    **dict.fromkeys(("fir", "pine", "tanne", "kiefer", "tannenbaum"), ("evergreen tree", "🌲")),
    **dict.fromkeys(("flower", "blume", "blüte", "blossom"), ("blossom", "🌼")),
    **dict.fromkeys(("moon", "mond"), ("full moon", "🌕")),
    **dict.fromkeys(("star", "stern"), ("star", "⭐")),
    **dict.fromkeys(("kitten", "kitty", "kätzchen", "kater", "mieze"), ("cat", "🐈")),
    **dict.fromkeys(("puppy", "welpe", "hündchen"), ("dog", "🐕")),
    **dict.fromkeys(("bunny", "kaninchen"), ("rabbit", "🐇")),
    **dict.fromkeys(("skyline", "cityscape"), ("cityscape", "🏙")),
    **dict.fromkeys(("skyscraper", "hochhaus", "wolkenkratzer"), ("office building", "🏢")),
    **dict.fromkeys(("burg", "festung"), ("castle", "🏰")),
    **dict.fromkeys(("boat", "boot", "segelschiff"), ("sailboat", "⛵")),
    **dict.fromkeys(("ufo",), ("flying saucer", "🛸")),
    **dict.fromkeys(("planet",), ("ringed planet", "🪐")),
    **dict.fromkeys(("train", "zug"), ("locomotive", "🚂")),
    **dict.fromkeys(("car",), ("automobile", "🚗")),
    **dict.fromkeys(("apple", "apfel"), ("red apple", "🍎")),
    **dict.fromkeys(("bee", "biene"), ("honeybee", "🐝")),
    **dict.fromkeys(("squirrel", "eichhörnchen"), ("chipmunk", "🐿")),
    **dict.fromkeys(("sheep", "lamb", "lamm"), ("ewe", "🐑")),
    **dict.fromkeys(("palm", "palme"), ("palm tree", "🌴")),
    **dict.fromkeys(("cake", "kuchen", "torte"), ("shortcake", "🍰")),
    **dict.fromkeys(("coffee", "kaffee", "tea", "tee"), ("hot beverage", "☕")),
    **dict.fromkeys(("book", "buch"), ("open book", "📖")),
    **dict.fromkeys(("witch", "wizard", "hexe", "zauberer", "magier"), ("mage", "🧙")),
    **dict.fromkeys(("grandma", "granny", "oma"), ("old woman", "👵")),
    **dict.fromkeys(("grandpa", "opa"), ("old man", "👴")),
    **dict.fromkeys(("firetruck", "feuerwehr"), ("fire engine", "🚒")),
    **dict.fromkeys(("pilz",), ("mushroom", "🍄")),
    **dict.fromkeys(("krake",), ("octopus", "🐙")),
    **dict.fromkeys(("bridge", "brücke"), ("bridge at night", "🌉")),
    **dict.fromkeys(("whale", "wal"), ("spouting whale", "🐳")),
}

# Emoji names that make poor subjects: English words that are German emoji names but mean
# something else ("kind" = child), and weather that is no thing to stand in a scene.
NOT_SUBJECTS = frozenset(
    {"kind", "gift", "also", "hat", "arm", "bald", "rat", "mist", "fast", "fog", "nebel", "wind"}
)

# The last word of an English multi-word name stands for the drawing when nothing else has
# that name ("birthday cake" → cake), except words that name a kind of symbol, a direction or
# an action rather than a thing ("fast up button", "man running", "nonpotable water"). German
# names are often phrases ("Kinder überqueren die Straße"): their heads are not used.
NOT_HEADS = frozenset(
    {
        "button", "sign", "mark", "symbol", "arrow", "square", "circle", "triangle", "diamond",
        "flag", "tone", "hand", "hands", "selector", "letter", "ideograph", "keycap", "sequence",
        "light", "left", "right", "up", "down", "water", "landscape", "green", "portrait",
    }
)  # fmt: skip

PREPOSITIONS = frozenset({"on", "in", "of", "with", "at", "for", "from", "over", "under"})

IRREGULAR_PLURALS = {
    "mice": "mouse", "geese": "goose", "wolves": "wolf", "leaves": "leaf", "knives": "knife",
    "children": "child", "men": "man", "women": "woman", "feet": "foot", "teeth": "tooth",
}  # fmt: skip

PLACES: dict[str, Place] = {
    **dict.fromkeys(
        ("airplane", "rocket", "helicopter", "bird", "eagle", "dove", "bat", "butterfly",
         "sun", "full moon", "crescent moon", "star", "glowing star", "comet", "cloud", "kite",
         "balloon", "parachute", "flying saucer", "ringed planet", "shooting star", "parrot",
         "owl", "swan", "flamingo", "honeybee", "satellite", "dragon", "rainbow"),
        Place.SKY,
    ),
    **dict.fromkeys(
        ("ship", "sailboat", "ferry", "canoe", "motor boat", "speedboat", "passenger ship",
         "fish", "tropical fish", "dolphin", "whale", "spouting whale", "shark", "octopus",
         "jellyfish", "orca", "blowfish", "seal", "lighthouse"),
        Place.WATER,
    ),
}  # fmt: skip

# Where a subject lives, when the prompt names no setting.
HABITATS: dict[str, Setting] = {
    **dict.fromkeys(("rocket", "flying saucer", "ringed planet", "comet", "astronaut"),
                    Setting.SPACE),
    **dict.fromkeys(("camel", "twohump camel", "cactus", "scorpion"), Setting.DESERT),
    **dict.fromkeys(("penguin", "snowman", "snowman without snow", "polar bear"), Setting.SNOW),
    **dict.fromkeys(("deciduous tree", "evergreen tree", "deer", "mushroom", "owl"),
                    Setting.FOREST),
    **dict.fromkeys(("cityscape", "office building"), Setting.CITY),
}  # fmt: skip

STYLE_WORDS: dict[str, str] = {
    **dict.fromkeys(("watercolor", "watercolour", "aquarell", "aquarelle"), "watercolor"),
    **dict.fromkeys(("anime", "manga"), "anime"),
    **dict.fromkeys(("photo", "photograph", "photography", "photorealistic", "foto",
                     "fotografie", "fotorealistisch"), "photo"),
    **dict.fromkeys(("pixel", "pixelart", "pixelkunst", "8bit"), "pixel-art"),
    **dict.fromkeys(("oil", "oilpainting", "öl", "ölgemälde", "ölbild", "ölmalerei"), "oil"),
    **dict.fromkeys(("neon",), "neon"),
    **dict.fromkeys(("sketch", "pencil", "drawing", "skizze", "bleistift", "zeichnung",
                     "bleistiftzeichnung"), "sketch"),
    **dict.fromkeys(("ukiyo", "woodblock", "holzschnitt", "farbholzschnitt"), "ukiyo-e"),
    **dict.fromkeys(("lowpoly", "polygon", "polygons"), "low-poly"),
    **dict.fromkeys(("dreamy", "dream", "verträumt", "traum", "traumhaft"), "dreamy"),
}  # fmt: skip

STOPWORDS = frozenset(
    {
        "the", "and", "with", "from", "into", "over", "under", "are", "your", "its", "his",
        "her", "their", "this", "that", "very", "some", "style", "picture", "image",
        "painting", "art", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer",
        "einem", "einen", "und", "oder", "mit", "bei", "auf", "von", "vom", "zum", "zur",
        "über", "unter", "im", "am", "ist", "sind", "stil", "bild", "sehr", "links", "rechts",
    }
)  # fmt: skip

# How many: a number or quantity word before a subject; an article says one. A plural with
# neither ("foxes", "Füchse") means two.
COUNT_WORDS: dict[str, int] = {
    **dict.fromkeys(("a", "an", "one", "ein", "eine", "einen", "einem", "einer", "eines"), 1),
    **dict.fromkeys(("two", "pair", "zwei", "paar", "beide", "both"), 2),
    **dict.fromkeys(("three", "four", "five", "several", "many", "some", "drei", "vier",
                     "fünf", "mehrere", "viele", "einige"), 3),
}  # fmt: skip

MIN_COMPOUND_HEAD = 4  # "Weihnachtsbaum" → "baum"; shorter heads find words in words ("giant")
LINKING_ENDINGS = ("s", "es", "n", "en", "e", "er")  # "Weihnachts|baum", "Blumen|garten"
_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})


_LEXICON_LOCK = threading.Lock()  # pictures render in worker threads: build it once


def lexicon() -> tuple[dict[str, Asset], dict[tuple[str, ...], Asset]]:
    """Single-word names and multi-word names of every drawing there is, English names
    first (they win a clash), then German ones. (The package's aliases are chat shortcodes
    such as ":sleeping:" for a sleeping face: too loose to read prompts by.)"""
    with _LEXICON_LOCK:
        return _build_lexicon()


@functools.cache
def _build_lexicon() -> tuple[dict[str, Asset], dict[tuple[str, ...], Asset]]:
    # the emoji package's table (~30 ms of CPU to import) only once a picture is drawn
    from emoji import EMOJI_DATA
    from emoji.unicode_codes import load_from_json

    load_from_json("de")
    words: dict[str, Asset] = {}
    phrases: dict[tuple[str, ...], Asset] = {}
    drawable = [(char, data) for char, data in EMOJI_DATA.items() if _drawable(char)]
    for language in ("en", "de"):
        for char, data in drawable:
            asset = Asset(" ".join(_name_words(data["en"])), _canonical(char))
            parts = _name_words(data.get(language, ""))
            if len(parts) == 1 and len(parts[0]) >= 3 and parts[0] not in NOT_SUBJECTS:
                words.setdefault(parts[0], asset)
            elif len(parts) > 1:
                phrases.setdefault(tuple(parts), asset)
    for char, data in drawable:  # "birthday cake": a cake
        parts = _name_words(data["en"])
        head = parts[-1] if len(parts) in (2, 3) and not PREPOSITIONS.intersection(parts) else ""
        if len(head) >= 3 and not head.endswith(("ing", "ed")) and head not in NOT_HEADS:
            words.setdefault(head, Asset(" ".join(parts), _canonical(char)))
    for word, (name, char) in EXTRA_NAMES.items():
        words[word] = Asset(name, char)
    return words, phrases


# Variants that add nothing to a scene: skin tones, flags, keycaps, tags.
_VARIANT = re.compile("[\U0001f3fb-\U0001f3ff\U0001f1e6-\U0001f1ff\u20e3\U000e0020-\U000e007f]")


def _drawable(emoji: str) -> bool:
    return not _VARIANT.search(emoji) and has_drawing(emoji)


def _canonical(emoji: str) -> str:
    """A single character without its emoji-presentation selector; a sequence as it is (its
    ligature may need the selector)."""
    bare = emoji.replace("\ufe0f", "")
    return bare if len(bare) == 1 else emoji


def _name_words(name: str) -> list[str]:
    """ ":radfahrer(in):" → ["radfahrer"], ":clown-gesicht:" → ["clowngesicht"]."""
    name = re.sub(r"\((in|e)\)", "", name.strip(":").casefold()).replace("-", "")
    return [part for part in re.split(r"[_\s/]+", name) if part]


# ---------------------------------------------------------------- reading a prompt


def read_prompt(prompt: str) -> Reading:
    """The subjects (in the prompt's order, first is the main one), settings and style word."""
    tokens = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", prompt.casefold())
    words, phrases = lexicon()
    subjects: dict[Asset, Subject] = {}
    settings: set[Setting] = set()
    style = None
    skip = 0
    count: int | None = None  # said by the last number word or article
    for index, token in enumerate(tokens):
        if skip:
            skip -= 1
            continue
        if token in COUNT_WORDS:
            count = COUNT_WORDS[token]
            continue
        phrase = _phrase_at(tokens, index, phrases)
        if phrase:
            length, asset, plural = phrase
            words_said = " ".join(tokens[index : index + length])
            subjects.setdefault(asset, Subject(asset, words_said, count or (2 if plural else 1)))
            skip, count = length - 1, None
            continue
        token = token.replace("-", "")
        if token in STOPWORDS or len(token) < 3:
            continue
        if style is None and token in STYLE_WORDS:
            style = STYLE_WORDS[token]
            continue
        for position, (found, surface) in enumerate(_meanings(token, words)):
            if isinstance(found, Setting):
                settings.add(found)
            elif position == 0:  # the word itself, or a compound's head
                inflected = surface not in words
                how_many = count or (2 if inflected else 1)
                subjects.setdefault(found, Subject(found, token, min(MAX_COPIES, how_many)))
            else:  # a compound's modifier: "Blumen" in "Blumenwiese" is a kind, not a number
                subjects.setdefault(found, Subject(found, token))
        count = None
    chosen = tuple(subjects.values())[:MAX_SUBJECTS]
    if not settings and chosen:
        habitat = HABITATS.get(chosen[0].asset.name)
        if habitat:
            settings.add(habitat)
    return Reading(chosen, frozenset(settings), style)


def _phrase_at(
    tokens: list[str], index: int, phrases: dict[tuple[str, ...], Asset]
) -> tuple[int, Asset, bool] | None:
    """A name of several words starting at `index`: its length, drawing, and whether its last
    word was in the plural."""
    for length in (3, 2):
        key = tuple(tokens[index : index + length])
        if len(key) < length:
            continue
        for last in lemma_candidates(key[-1]):  # "cherry blossoms", "schwarze Katzen"
            if (*key[:-1], last) in phrases:
                return length, phrases[(*key[:-1], last)], last != key[-1]
    return None


def _meanings(token: str, words: dict[str, Asset]) -> list[tuple[Asset | Setting, str]]:
    """A word as a setting or a subject; else a compound's head and modifier. Each with the
    part of the word it was found by."""
    known = _lookup(token, words)
    if known is not None:
        return [(known, token)]
    if len(token) < MIN_COMPOUND_HEAD + 3:
        return []
    for cut in range(3, len(token) - MIN_COMPOUND_HEAD + 1):  # the longest known head
        head = _lookup(token[cut:], words, MIN_COMPOUND_HEAD)  # "landscape" is no "cap"
        if head is None:
            continue
        modifier = _lookup_modifier(token[:cut], words)
        found = [(head, token[cut:])]
        return found if modifier is None else [*found, (modifier, token[:cut])]
    return []


def _lookup(word: str, words: dict[str, Asset], min_length: int = 3) -> Asset | Setting | None:
    for form in lemma_candidates(word):
        if len(form) < min_length:
            continue
        if form in SETTING_WORDS:
            return SETTING_WORDS[form]
        if form in words:
            return words[form]
    return None


def _lookup_modifier(modifier: str, words: dict[str, Asset]) -> Asset | Setting | None:
    found = _lookup(modifier, words)
    for ending in LINKING_ENDINGS:
        if found is None and modifier.endswith(ending) and len(modifier) - len(ending) >= 3:
            found = _lookup(modifier[: -len(ending)], words)
    return found


def lemma_candidates(word: str) -> Iterator[str]:
    """The word, then what it may be the plural or an inflected form of (English, German)."""
    yield word
    if word in IRREGULAR_PLURALS:
        yield IRREGULAR_PLURALS[word]
    for ending, replacements in (
        ("ies", ("y",)),
        ("ves", ("f", "fe")),
        ("es", ("",)),
        ("s", ("",)),
        ("en", ("",)),
        ("n", ("",)),
        ("e", ("",)),
        ("er", ("",)),
        ("ern", ("",)),
    ):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            for replacement in replacements:
                yield stem + replacement
            if stem != stem.translate(_UMLAUTS):  # Füchse → Fuchs, Türme → Turm
                yield stem.translate(_UMLAUTS)
