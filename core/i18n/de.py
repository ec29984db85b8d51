"""Deutsche Texte. Jeder Schlüssel steht auch in en.py, mit denselben Platzhaltern."""

MESSAGES: dict[str, str] = {
    "error.generic": "Etwas ist schiefgegangen. Bitte versuch es noch einmal.",
    "error.internal": "Entschuldige, bei uns ist etwas kaputtgegangen (Fehler-ID {id}). Bitte "
    "versuch es gleich noch einmal; passiert es wieder, nenne dem Betreiber die Fehler-ID.",
    "error.too_long": "{field} ist {length} Zeichen lang; erlaubt sind {limit}. Bitte kürze "
    "den Text und versuch es noch einmal.",
    "error.empty": "{field} ist leer. Bitte schreib etwas und versuch es noch einmal.",
    "error.bad_handle": "„{value}“ ist kein Benutzername. Namen bestehen aus Buchstaben, "
    "Ziffern und _ (bis zu 32), z. B. /follow @bob.",
    "error.bad_image": "Diese Datei ist kein Bild, das ich lesen kann. Bitte schick eine PNG-, "
    "JPEG-, WebP- oder GIF-Datei.",
    "error.image_shape": "Das Bild ist {width}×{height} groß und damit zu schmal oder zu hoch "
    "(die Seiten dürfen sich höchstens um das 20-Fache unterscheiden). Bitte zuschneiden.",
    "error.unknown_user": "Ich kenne niemanden namens @{handle}. Prüf die Schreibweise; die "
    "Person muss Mosaic schon einmal benutzt haben.",
    "error.bad_choice": "„{value}“ ist hier keine Option. Wähle eine von: {choices}.",
    "error.unknown_post": "Beitrag #{post} gibt es nicht, oder du darfst ihn nicht sehen. Prüf "
    "die Nummer, z. B. mit /feed.",
    "error.post_deleted": "Beitrag #{post} wurde gelöscht und kann nicht mehr angezeigt, "
    "geliked oder kommentiert werden.",
    "error.not_author": "Nur wer Beitrag #{post} erstellt hat, darf das.",
    "error.follow_self": "Du kannst dir nicht selbst folgen. Versuch /follow mit einem anderen "
    "Namen.",
    "error.block_self": "Du kannst dich nicht selbst blockieren.",
    "error.blocked": "Mit @{handle} geht das nicht: Einer von euch hat den anderen blockiert. "
    "Warst du es, hebe es zuerst mit /unblock @{handle} auf.",
    "error.already_following": "Du folgst @{handle} schon. Mit /unfollow @{handle} hörst du "
    "damit auf.",
    "error.not_following": "Du folgst @{handle} nicht, es gibt also nichts rückgängig zu machen.",
    "error.already_blocked": "Du hast @{handle} schon blockiert. /unblock @{handle} hebt es auf.",
    "error.not_blocked": "@{handle} ist nicht blockiert, es gibt also nichts aufzuheben.",
    "error.already_liked": "Dir gefällt Beitrag #{post} schon. Mit /unlike {post} nimmst du das "
    "zurück.",
    "error.not_liked": "Du hast Beitrag #{post} nicht geliked, es gibt also nichts zurückzunehmen.",
    "error.button_expired": "Dieser Knopf funktioniert nicht mehr. Bitte führ den Befehl "
    "noch einmal aus.",
    "error.not_your_button": "Dieser Knopf gehört zur Nachricht von jemand anderem. Führ den "
    "Befehl selbst aus, um deinen eigenen zu bekommen.",
    "error.bad_post_id": "„{value}“ ist keine Beitragsnummer. Nimm die Nummer, die als #12 "
    "angezeigt wird, z. B. /show 12.",
    "error.bad_number": "„{value}“ ist keine ganze Zahl für {field}. Bitte nur Ziffern tippen.",
    "error.out_of_range": "{field} muss zwischen {low} und {high} liegen.",
    "error.usage": "Das passt nicht zum Befehl. So geht es: {usage}",
    "error.unknown_command": "Den Befehl „{command}“ gibt es nicht. /help zeigt die Liste.",
    "error.no_such_file": "Unter {path} liegt keine Datei. Prüf den Pfad und versuch es noch "
    "einmal.",
    "error.file_too_big": "Die Datei ist größer als {limit_mb} MB. Bitte nimm ein kleineres Bild.",
    "post.title": "#{post} von {author} ({audience})",
    "post.prompt": "Prompt: {prompt}",
    "post.counts": "❤ {likes} · 💬 {comments}",
    "post.remix_of": "Remix von #{post} von {author}",
    "post.ai_label": "KI-generiert ({provider})",
    "audience.private": "privat",
    "audience.followers": "Follower",
    "audience.public": "öffentlich",
    "button.like": "❤ Gefällt mir",
    "button.unlike": "💔 Gefällt mir nicht mehr",
    "button.comment": "💬 Kommentieren",
    "button.comment_prompt": "Dein Kommentar",
    "button.comments": "🗨 Kommentare",
    "button.follow_author": "➕ {author} folgen",
    "button.follow": "➕ Folgen",
    "button.unfollow": "➖ Entfolgen",
    "button.previous": "◀ Zurück",
    "button.next": "Weiter ▶",
    "profile.title": "{name} ({handle})",
    "profile.counts": "{posts} Beiträge · {followers} Follower · folgt {following}",
    "profile.you_follow": "Du folgst dieser Person.",
    "profile.not_following": "Du folgst dieser Person noch nicht.",
    "follow.done": "Du folgst jetzt {handle}. Die Beiträge erscheinen in /feed.",
    "unfollow.done": "Du folgst {handle} nicht mehr.",
    "followers.title": "Follower von {handle}",
    "followers.empty": "{handle} hat noch keine Follower.",
    "following.title": "{handle} folgt",
    "following.empty": "{handle} folgt noch niemandem.",
    "block.done": "Du hast {handle} blockiert. Die Person sieht deine Beiträge nicht mehr und "
    "kann dich nicht erreichen; /unblock hebt es auf.",
    "unblock.done": "Du hast die Blockierung von {handle} aufgehoben.",
    "like.done": "Dir gefällt Beitrag #{post} (❤ {likes}).",
    "unlike.done": "Beitrag #{post} gefällt dir nicht mehr (❤ {likes}).",
    "comment.done": "Dein Kommentar zu Beitrag #{post} ist online.",
    "comments.title": "Kommentare zu #{post}",
    "comments.empty": "Zu Beitrag #{post} gibt es noch keine Kommentare. Schreib den ersten: "
    "/comment {post} <Text>",
    "comments.more": "…und {count} weitere.",
    "delete.done": "Beitrag #{post} ist gelöscht.",
    "feed.empty": "Dein Feed ist leer. Folge Leuten mit /follow @name oder poste selbst etwas.",
    "feed.end": "Das ist vorerst alles. Schau später wieder vorbei.",
    "feed.page": "Seite {page}",
    "help.title": "Mosaic-Befehle",
    "help.buttons.console": "Knöpfe erscheinen als [1], [2]…: Tipp die Zahl, um einen zu "
    "drücken. Ein Knopf mit … fragt nach Text: Tipp die Zahl, ein Leerzeichen und dann den "
    "Text (z. B. 2 schönes Bild!).",
    "help.buttons.chat": "Mit den Knöpfen unter einem Beitrag likest, kommentierst oder folgst du.",
    "settings.language.done": "Sprache auf {language} gestellt.",
    "language.en": "Englisch",
    "language.de": "Deutsch",
    "cmd.help": "Zeigt, was Mosaic kann",
    "cmd.profile": "Zeigt ein Profil (deines, wenn niemand angegeben ist)",
    "param.profile.user": "Wessen Profil, z. B. @bob",
    "cmd.follow": "Jemandem folgen: die Beiträge erscheinen in deinem Feed",
    "param.follow.user": "Wem du folgen willst, z. B. @bob",
    "cmd.unfollow": "Jemandem nicht mehr folgen",
    "param.unfollow.user": "Wem du nicht mehr folgen willst",
    "cmd.followers": "Zeigt, wer dir oder jemand anderem folgt",
    "param.followers.user": "Wessen Follower (deine, wenn leer)",
    "cmd.following": "Zeigt, wem du oder jemand anderes folgt",
    "param.following.user": "Wessen Abos (deine, wenn leer)",
    "cmd.block": "Jemanden blockieren: sieht und erreicht dich nicht mehr",
    "param.block.user": "Wen du blockieren willst",
    "cmd.unblock": "Eine Blockierung aufheben",
    "param.unblock.user": "Wessen Blockierung du aufhebst",
    "cmd.post": "Eine Bilddatei von diesem Rechner posten",
    "param.post.image": "Pfad der Bilddatei",
    "param.post.caption": "Bildunterschrift (bis zu 1.000 Zeichen)",
    "cmd.feed": "Dein Feed: Beiträge von Leuten, denen du folgst",
    "param.feed.page": "Seitennummer",
    "cmd.show": "Einen Beitrag anzeigen",
    "param.show.post": "Beitragsnummer, z. B. 12",
    "cmd.like": "Einen Beitrag liken",
    "param.like.post": "Beitragsnummer",
    "cmd.unlike": "Ein Like zurücknehmen",
    "param.unlike.post": "Beitragsnummer",
    "cmd.comment": "Einen Beitrag kommentieren",
    "param.comment.post": "Beitragsnummer",
    "param.comment.text": "Dein Kommentar (bis zu 2.000 Zeichen)",
    "cmd.comments": "Die Kommentare zu einem Beitrag lesen",
    "param.comments.post": "Beitragsnummer",
    "cmd.delete": "Einen deiner Beiträge löschen",
    "param.delete.post": "Beitragsnummer",
    "cmd.settings.language": "Deine Sprache wählen",
    "param.settings.language.language": "en oder de",
    # console chat
    "console.not_a_command": "Befehle beginnen mit / (versuch /help). Um einen Knopf zu drücken, tipp seine Zahl.",
    "console.no_button": "Einen Knopf [{number}] gibt es hier nicht. /help zeigt die Befehle.",
    "console.button_needs_text": "Knopf [{number}] braucht Text ({label}): Tipp {number}, ein Leerzeichen und dann deinen Text.",
    # generation
    "error.prompt_flagged": "Dieses Bild kann ich nicht erstellen: Der Prompt verstößt gegen "
    "die Inhaltsregeln. Bitte formuliere ihn ohne diesen Teil neu und versuch es noch einmal.",
    "error.generation_refused": "Das Bildmodell hat diese Anfrage wegen seiner Inhaltsregeln "
    "abgelehnt. Bitte ändere den Prompt (oder wähle ein anderes Bild) und versuch es noch "
    "einmal; dieselbe Anfrage würde wieder abgelehnt.",
    "error.generation_refused_output": "Das Bildmodell hat ein Bild erstellt, es aber "
    "zurückgehalten, weil es gegen die Inhaltsregeln verstößt. Bitte ändere den Prompt und "
    "versuch es noch einmal.",
    "error.generation_failed": "Das Bildmodell ist gerade ausgelastet oder nicht erreichbar, "
    "auch nach mehreren Versuchen. Bitte versuch es in ein paar Minuten noch einmal.",
    "error.generation_rejected": "Der Bilddienst hat die Anfrage abgewiesen, es wurde kein Bild "
    "erstellt. Bitte versuch es später noch einmal; passiert es wieder, sag dem Betreiber des "
    "Bots Bescheid, dessen Einstellungen für den Bilddienst geprüft werden sollten.",
    "error.moderation_unavailable": "Ich konnte den Prompt gerade nicht auf die Inhaltsregeln "
    "prüfen, darum wurde kein Bild erstellt. Bitte versuch es in ein paar Minuten noch einmal.",
    "style.watercolor": "Aquarell",
    "style.anime": "Anime-Stil",
    "style.photo": "Foto",
    "style.pixel-art": "Pixelgrafik",
    "style.oil": "Ölgemälde",
    "style.neon": "Neonlicht",
    "style.sketch": "Bleistiftskizze",
    "style.ukiyo-e": "Ukiyo-e-Holzschnitt",
    "style.low-poly": "Low-Poly-Grafik",
    "style.dreamy": "Verträumter Dunst",
}
