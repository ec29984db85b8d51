"""German words for common picture subjects and styles, mapped to English.

The local embedding (and search, tags and steering) compare words, so "Aquarell-Landschaften"
would never meet "watercolor landscapes". Mapping a few hundred German forms onto the English
word makes the everyday cases work without a model; OpenAI embeddings, when configured,
match meaning across languages anyway. Keys are lowercase; plural and inflected forms are
listed where they differ.
"""

from __future__ import annotations

_PAIRS = """
aquarell watercolor | aquarelle watercolor | aquarellfarben watercolor | wasserfarben watercolor
landschaft landscape | landschaften landscape | ölgemälde oil | ölbild oil | ölfarben oil
öl oil | gemälde painting | gemälden painting | malerei painting | zeichnung drawing
zeichnungen drawing | skizze sketch | skizzen sketch | bleistift pencil | bleistiftskizze sketch
foto photo | fotos photo | fotografie photo | pixelgrafik pixel | pixelkunst pixel
holzschnitt woodblock | neonlicht neon | neonlichter neon | traumhaft dreamy | verträumt dreamy
verträumte dreamy | verträumter dreamy | dunst haze | nebel fog | neblig misty | nebelig misty
neblige misty | porträt portrait | porträts portrait | portrait portrait | stillleben still-life
berg mountain | berge mountain | bergen mountain | gebirge mountain | see lake | seen lake
meer sea | meere sea | ozean ocean | strand beach | strände beach | küste coast | insel island
inseln island | wald forest | wälder forest | baum tree | bäume tree | blume flower
blumen flower | blüte blossom | blüten blossom | kirschblüte cherry-blossom
kirschblüten cherry-blossom | garten garden | gärten garden | wiese meadow | wiesen meadow
feld field | felder field | fluss river | flüsse river | wasserfall waterfall | wüste desert
himmel sky | wolke cloud | wolken cloud | sonne sun | sonnenuntergang sunset
sonnenaufgang sunrise | mond moon | sterne star | stern star | nacht night | nächte night
abend evening | morgen morning | morgendämmerung dawn | dämmerung dusk | regen rain
schnee snow | winter winter | sommer summer | herbst autumn | frühling spring | sturm storm
gewitter storm | stadt city | städte city | straße street | straßen street | gasse alley
haus house | häuser house | schloss castle | schlösser castle | burg castle | burgen castle
turm tower | türme tower | leuchtturm lighthouse | leuchttürme lighthouse | brücke bridge
brücken bridge | hafen harbor | boot boat | boote boat | schiff ship | schiffe ship
zug train | züge train | auto car | autos car | katze cat | katzen cat | kätzchen kitten
hund dog | hunde dog | welpe puppy | pferd horse | pferde horse | vogel bird | vögel bird
fuchs fox | füchse fox | eule owl | eulen owl | drache dragon | drachen dragon | fisch fish
fische fish | wal whale | wale whale | bär bear | bären bear | wolf wolf | wölfe wolf
roboter robot | ritter knight | prinzessin princess | hexe witch | zauberer wizard
magier wizard | weltraum space | planet planet | planeten planet | rakete rocket
weltall space | all space
astronaut astronaut | zukunft future | futuristisch futuristic | futuristische futuristic
zukünftig futuristic | fantasie fantasy | märchen fairytale | kaffee coffee | essen food
kuchen cake | frucht fruit | früchte fruit | dorf village | dörfer village | markt market
bibliothek library | kirche church | tempel temple | höhle cave | höhlen cave | ruine ruin
ruinen ruin | dschungel jungle | unterwasser underwater | eis ice | feuer fire | licht light
lichter light | schatten shadow | farbe color | farben color | bunt colorful | bunte colorful
dunkel dark | dunkle dark | hell bright | helle bright | golden golden | goldene golden
blau blue | blaue blue | rot red | rote red | grün green | grüne green | gelb yellow
gelbe yellow | lila purple | rosa pink | schwarz black | weiß white | minimalistisch minimalist
realistisch realistic | niedlich cute | niedliche cute | süß cute | gemütlich cozy
gemütliche cozy | ruhig calm | ruhige calm | episch epic | epische epic | mystisch mystical
mystische mystical | alt old | alte old | mittelalterlich medieval | mittelalterliche medieval
"""

GERMAN_TO_ENGLISH: dict[str, str] = {
    german: english
    for pair in _PAIRS.replace("\n", "|").split("|")
    if pair.strip()
    for german, english in [pair.split()]
}
