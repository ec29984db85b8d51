"""The local moderation's word lists, English and German, by OpenAI moderation category.

How a term is written says how it matches (see `core.generation.prompt_screening`):

    nude        the word and its inflections: nudes, nuder; Nackte, nackten, nacktes
    nackt*      also as the first part of a compound: Nacktfoto, Nacktbilder
    *porno      also as the last part: Kinderporno, Hardcoreporno
    *mord*      both: Massenmord, Mordszene (never inside a word: "Mordor" is no compound)
    heil hitler a phrase: the words in a row (also written as one word, "heilhitler")

Tiers: a BLOCKED category is refused everywhere (sexual content with minors, hate,
harassment, self-harm, violent wrongdoing); a SENSITIVE one (adult sexual content, violence,
gore) only where the place and the person allow it. Harmless phrases that contain a term
("shooting star", "Nacktschnecke", "killer whale") are listed in `HARMLESS` and read as if
they were not there. Words are compared folded: lower case, no accents (ä → a, ß → ss).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    """Flags `category` when any of `terms` occurs, or — when `with_any` is given — when a
    term occurs together with one of `with_any` anywhere in the prompt."""

    category: str
    terms: tuple[str, ...]
    with_any: tuple[str, ...] = ()


# ---------------------------------------------------------------- sexual (SENSITIVE)

SEXUAL = (
    "nude", "naked", "nudity", "nudist", "sex", "sexy", "sexual", "sexually", "porn", "*porn",
    "*porno*", "pornographic", "pornography", "erotic", "erotica", "nsfw", "lingerie",
    "topless", "bottomless", "undressed", "undressing", "hentai", "fetish", "bdsm", "orgasm",
    "genitals", "genitalia", "penis", "vagina", "nipple", "boobs", "tits", "busty",
    "stripper", "striptease", "blowjob", "masturbat*", "intercourse", "xxx", "milf",
    "onlyfans", "bare breasts", "no clothes", "without clothes", "explicit", "seductive pose",
    "*nackt*", "unbekleidet", "entblosst", "*erotik*", "*erotisch", "bruste",
    "busen", "titten", "*sex*", "geschlechtsverkehr", "*fick*", "gefickt", "reizwasche",
    "oben ohne", "ohne kleidung", "selbstbefriedigung", "stripperin", "nackedei",
)  # fmt: skip

# ---------------------------------------------------------------- minors (BLOCKED)

CHILD_ABUSE = (
    "csam", "child porn", "pedo", "paedo", "pedophile", "paedophile", "pedophilia",
    "padophil*",
    "kinderporn*", "loli", "lolicon", "shota", "shotacon", "jailbait", "kinderschander",
)  # fmt: skip
MINORS = (
    "child", "children", "kid", "kids", "minor", "minors", "underage", "toddler", "infant",
    "preteen", "teen", "teenage", "teenager", "schoolgirl", "schoolboy", "little girl",
    "little boy", "young girl", "young boy", "loli", "shota", "kind", "kinder", "kindes",
    "minderjahrig*", "madchen", "schulmadchen", "kleiner junge", "kleines madchen",
    "schuler", "schulerin", "teenie",
)  # fmt: skip

# ---------------------------------------------------------------- violence

# BLOCKED: the extreme, in any setting.
ATROCITY = (
    "beheading", "beheaded", "behead", "decapitated", "decapitation", "dismembered",
    "dismemberment", "disemboweled", "disembowelled", "mutilated corpse", "snuff film",
    "gore porn", "torture porn", "enthauptet", "enthauptung", "zerstuckelt", "zerstuckelte",
    "ausgeweidet", "verstummelte leiche",
)  # fmt: skip
# SENSITIVE: violence and gore people may opt in to (war art, horror), never by default.
GORE = (
    "gore", "gory", "goreporn", "gruesome", "bloody corpse", "blood soaked", "bloodsoaked",
    "bloodbath", "bloodshed", "entrails", "guts spilling", "severed head", "severed limbs",
    "corpse", "corpses", "dead body", "dead bodies", "mutilated", "mutilation", "splatter",
    "leiche", "leichen", "wasserleiche", "blutig", "blutuberstromt", "blutbad", "gemetzel",
    "eingeweide", "abgetrennter kopf", "abgehackt", "verstummelt",
)  # fmt: skip
VIOLENCE = (
    "murder", "murdered", "murderer", "murdering", "killing people", "stabbing", "stabbed",
    "school shooting", "mass shooting", "shooting people", "shot dead", "massacre",
    "slaughtered", "torture", "tortured", "torturing", "strangled", "strangling",
    "beaten to death", "firing squad", "public execution", "lynching", "terrorist attack",
    "suicide bomber", "car bomb",
    "*mord", "ermord*", "morder", "morderin", "erstochen", "erstechen", "ersticht", "erstach",
    "erschossen", "erschiessen", "erschiesst", "*folter*", "gefoltert", "massaker", "amoklauf",
    "erwurgt", "erwurgen", "hinrichtung", "totgeschlagen", "terroranschlag",
    "abgeschlachtet", "schiesserei",
)  # fmt: skip

# ---------------------------------------------------------------- hate and harassment (BLOCKED)

HATE_SYMBOLS = (
    "heil hitler", "sieg heil", "white power", "ethnic cleansing", "1488", "kkk",
    "white supremacy", "master race", "herrenrasse", "untermensch*", "rassenhass",
    "judensau", "nigger", "niggers", "kike", "faggot", "faggots", "tranny", "neger",
    "kanake", "kanaken", "schwuchtel", "zigeunerpack", "volksverrater", "umvolkung",
    "holocaust was fake", "holocaust luge",
)  # fmt: skip
GROUPS = (
    "jews", "jewish people", "muslims", "christians", "black people", "blacks", "gays",
    "gay people", "lesbians", "trans people", "transgender people", "immigrants",
    "refugees", "migrants", "roma", "asians", "arabs", "disabled people", "women",
    "juden", "muslime", "christen", "schwule", "lesben", "auslander",
    "fluchtlinge", "migranten", "behinderte", "frauen", "araber", "turken",
)  # fmt: skip
INCITEMENT = (
    "exterminate", "extermination", "gas the", "lynch", "kill all", "kill the", "death to",
    "hang the", "burn the", "subhuman", "subhumans", "vermin", "parasites", "inferior",
    "are animals", "should die", "must die", "deport all", "hate", "hating", "i hate",
    "vergasen", "tod den", "tod allen", "ausrotten", "vernichten", "vernichtet",
    "ungeziefer", "schmarotzer", "minderwertig*", "raus mit den", "hass auf", "hasse",
    "sollen sterben", "aufhangen", "abschlachten", "verbrennen", "sind tiere",
)  # fmt: skip
INSULTS = (
    "whore", "whores", "slut", "sluts", "retard", "retarded", "cunt", "bitch", "motherfucker",
    "hure", "huren", "schlampe", "fotze", "missgeburt", "spast", "spasti", "wichser",
    "arschloch", "hurensohn", "drecksau", "dreckssau",
)  # fmt: skip
THREATS = (
    "i will kill you", "ill kill you", "im going to kill you", "you will die", "kill yourself",
    "kys", "go die", "i know where you live", "ich bring dich um", "ich bringe dich um",
    "ich tote dich", "du wirst sterben", "ich weiss wo du wohnst", "bring dich um",
)  # fmt: skip

# ---------------------------------------------------------------- self-harm (BLOCKED)

SELF_HARM = (
    "suicide", "suicidal", "self harm", "selfharm", "self injury", "cutting myself",
    "cut myself", "kill myself", "killing myself", "end my life", "slit wrists",
    "slit my wrists", "hang myself", "hanging myself", "overdose", "pro ana", "thinspo",
    "thinspiration", "*suizid*", "selbstmord*", "selbstverletzung", "mich ritzen",
    "mich umbringen", "mir das leben nehmen", "pulsadern", "mich aufhangen",
    "magersucht tipps",
)  # fmt: skip

# ---------------------------------------------------------------- illicit (BLOCKED)

HOW_TO = (
    "how to", "how do i", "instructions", "step by step", "tutorial", "recipe for",
    "anleitung", "wie baue ich", "wie mache ich", "schritt fur schritt", "rezept fur",
)  # fmt: skip
WRONGDOING = (
    "bomb", "pipe bomb", "explosive", "explosives", "meth", "shoplift", "shoplifting",
    "steal a car", "ghost gun", "untraceable gun", "poison someone", "bombe", "rohrbombe",
    "sprengstoff", "ladendiebstahl", "auto klauen", "vergiften",
)  # fmt: skip
WEAPON_MAKING = (
    "pipe bomb", "nail bomb", "bomb making", "make a bomb", "build a bomb", "rohrbombe",
    "nagelbombe", "bombe bauen", "sprengsatz bauen", "ghost gun", "untraceable gun",
)  # fmt: skip

BLOCKED_RULES: tuple[Rule, ...] = (
    Rule("sexual/minors", CHILD_ABUSE),
    Rule("sexual/minors", MINORS, with_any=SEXUAL),
    Rule("violence/graphic", ATROCITY),
    Rule("hate", HATE_SYMBOLS),
    Rule("hate/threatening", GROUPS, with_any=INCITEMENT),
    Rule("harassment", INSULTS),
    Rule("harassment/threatening", THREATS),
    Rule("self-harm", SELF_HARM),
    Rule("illicit/violent", WEAPON_MAKING),
    Rule("illicit", HOW_TO, with_any=WRONGDOING),
)
SENSITIVE_RULES: tuple[Rule, ...] = (
    Rule("sexual", SEXUAL),
    Rule("violence/graphic", GORE),
    Rule("violence", VIOLENCE),
)

# Harmless phrases that hold a listed term; read as if they were not in the prompt.
HARMLESS = (
    "gore tex", "goretex", "al gore", "shooting star", "shooting stars", "killer whale",
    "kill time", "nacktschnecke", "nacktschnecken", "nacktmull", "nacktmulle", "nacktsamer",
    "nacktkatze", "nude colour", "nude colored", "nude coloured", "nude color",
    "nude lipstick", "nude tones", "nude heels", "nude beige", "hautfarben", "kind of",
    "kind regards", "the kind", "mankind", "sextant", "sextet", "sextett", "sexton",
    "sextillion", "unisex", "essex", "sussex", "middlesex", "wessex", "sexagesimal",
    "busenfreund", "busenfreundin", "busenfreunde", "bombastic", "bombe glacee", "eisbombe",
    "schokobombe", "kalorienbombe", "bath bomb", "bath bombs", "badebombe", "photo bomb",
    "bombshell", "bomb jacket", "bomber jacket", "fickle", "corpse flower", "corpse reviver",
    "corpse paint", "teenage mutant", "kindergarten", "kinderriegel", "kinderschokolade",
    "kinder surprise", "murder of crows", "murder mystery", "mordsgaudi", "mordshunger",
    "mordsspass", "blue tit", "blue tits", "great tit", "great tits", "coal tit",
    "bloody mary", "bloody good", "blutorange", "blutmond", "blutbuche", "blutwurst",
    "blutspende", "food porn", "foodporn", "stripper clip", "wire stripper",
    "paint stripper", "sex pistols", "naked eye", "naked cake",
)  # fmt: skip
