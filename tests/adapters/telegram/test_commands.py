"""Commands as Telegram users type them: addressed to a bot, from the menu, by deep link."""

from __future__ import annotations

import hashlib

from bot.adapters.telegram._menu import menu
from bot.commands import CommandRegistry, CommandSpec
from core.domain import Platform
from core.persistence.models import Follow
from tests.adapters.telegram.conftest import Telegram, messages, texts
from tests.adapters.telegram.test_social_flow import post_by

GROUP = -1005001


async def test_a_command_addressed_to_us_is_answered_in_the_group(telegram: Telegram) -> None:
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    group = fake.group(GROUP, "Painters", members=[ana])
    calls = await telegram.say(ana, "/profile@mosaic_test_bot", chat=group)
    [sent] = calls
    assert sent.chat_id == GROUP and sent.result["text"].startswith("Ana (@ana)")
    asked = fake.messages[(GROUP, sent.result["reply_to_message"]["message_id"])]
    assert asked["text"] == "/profile@mosaic_test_bot", "the answer quotes the command"


async def test_a_command_addressed_to_another_bot_is_ignored(telegram: Telegram) -> None:
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    group = fake.group(GROUP, "Painters", members=[ana])
    assert await telegram.say(ana, "/help@other_bot", chat=group) == []
    assert await telegram.say(ana, "just chatting", chat=group) == []


async def test_the_menu_is_published_in_english_and_german(telegram: Telegram) -> None:
    menus = telegram.fake.menus
    assert set(menus) == {
        (scope, language)
        for scope in ("default", "all_chat_administrators")
        for language in ("", "en", "de")
    }
    everyone = {c["command"]: c["description"] for c in menus[("default", "de")]}
    assert everyone["help"] == "Zeigt, was Mosaic kann"
    assert everyone["share"] == "Einen Link zu einem Beitrag holen, um ihn zu teilen"
    assert "server" not in everyone and "post" not in everyone
    admins = {c["command"]: c["description"] for c in menus[("all_chat_administrators", "en")]}
    assert admins["server"] == (
        "This server's Mosaic settings (admins): show, language, generation, nsfw, policy, "
        "words, access, cap, crosspost"
    )
    assert (
        admins["settings"] == "Your personal settings: language, handles, sensitive, notifications"
    )
    assert menus[("default", "")] == menus[("default", "en")]
    assert telegram.fake.rejections == []


def test_a_group_without_a_description_lists_its_subcommands() -> None:
    async def nothing(ctx: object) -> None:
        return None

    registry = CommandRegistry(
        [CommandSpec("zz one", nothing), CommandSpec("zz two", nothing)]  # type: ignore[arg-type]
    )
    [entry] = menu(registry, "de", admins=False)
    assert (entry.command, entry.description) == ("zz", "Wähle eins: one, two")


async def test_a_group_of_subcommands_alone_lists_them(telegram: Telegram) -> None:
    ana = telegram.fake.user(202, "Ana", "ana")
    [answer] = texts(await telegram.say(ana, "/settings"))
    assert answer == (
        "/settings needs one more word. Choose one:\n"
        "/settings language <en|de> — Choose your language\n"
        "/settings handles <show|hide> — Show your handles from other platforms on your profile\n"
        "/settings sensitive <on|off> [--confirm yes] — Show and allow sensitive images (adult, "
        "violent); 18+ only\n"
        "/settings notifications <follow|like|comment|remix|all> <on|off> — Switch a kind of "
        "notification on or off"
    )


async def test_a_deep_link_opens_the_post_and_share_makes_one(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, mia = fake.user(101, "Alice", "alice"), fake.user(303, "Mia", "mia")
    await post_by(telegram.app, alice, "sunset")
    [shared] = texts(await telegram.say(alice, "/share 1"))
    assert shared == "Share post #1 with this link: https://t.me/mosaic_test_bot?start=post_1"
    [opened] = messages(await telegram.say(mia, "/start post_1"))
    assert opened["caption"].startswith("#1 by @alice (public)\nsunset")
    [missing] = texts(await telegram.say(mia, "/start post_99"))
    assert missing.startswith("⚠️ Post #99 does not exist")
    [welcome] = texts(await telegram.say(mia, "/start"))
    assert welcome.startswith("Mosaic commands")


async def test_the_full_file_button_sends_the_original_as_a_document(telegram: Telegram) -> None:
    fake, app = telegram.fake, telegram.app
    alice = fake.user(101, "Alice", "alice")
    post = await post_by(app, alice, "detail")
    [shown] = messages(await telegram.say(alice, "/show 1"))
    sent = await telegram.press(alice, shown, "📎 Full file")
    [document] = [c for c in sent if c.method == "sendDocument"]
    stored = app.services.images.path(post.image_id).read_bytes()
    assert document.files["document"] == stored
    assert hashlib.sha256(stored).hexdigest() == post.image_id
    assert document.result["caption"] == "Original image of post #1"
    recorded = await app.services.sent_messages.post_for(
        Platform.TELEGRAM, str(alice.id), str(document.result["message_id"])
    )
    assert recorded == post.id
    assert fake.rejections == []


async def test_group_admins_set_the_group_language_and_it_applies(telegram: Telegram) -> None:
    fake = telegram.fake
    boss = fake.user(11, "Boss", "boss", language="en")
    ana = fake.user(22, "Ana", "ana", language="en")
    group = fake.group(GROUP, "Painters", members=[ana], admins=[boss])

    [refused] = texts(await telegram.say(ana, "/server language de", chat=group))
    assert refused.startswith("⚠️ Only the admins of this server or group")
    calls = await telegram.say(boss, "/server language de", chat=group)
    assert [c.method for c in calls] == ["getChatMember", "sendMessage"]
    assert texts(calls)[0].startswith("Die Sprache dieses Servers ist jetzt Deutsch.")

    [help_de] = texts(await telegram.say(ana, "/help", chat=group))
    assert help_de.startswith("Mosaic-Befehle")
    await telegram.say(ana, "/settings language en", chat=group)
    [help_en] = texts(await telegram.say(ana, "/help", chat=group))
    assert help_en.startswith("Mosaic commands"), "a person's own choice wins"
    [private] = texts(await telegram.say(boss, "/server language en"))
    assert private.startswith("⚠️ This command works only in a server or group")
    assert fake.rejections == []


async def test_telegram_language_code_picks_german(telegram: Telegram) -> None:
    jurgen = telegram.fake.user(33, "Jürgen", None, language="de")
    [answer] = texts(await telegram.say(jurgen, "/follow @nobody"))
    assert answer.startswith("⚠️ Ich kenne niemanden namens @nobody.")
    [hint] = texts(await telegram.say(jurgen, "hallo?"))
    assert hint.startswith("Ich verstehe nur Befehle")


async def test_usage_errors_and_unknown_commands(telegram: Telegram) -> None:
    ana = telegram.fake.user(202, "Ana", "ana")
    [usage] = texts(await telegram.say(ana, "/comment 1"))
    assert usage == "⚠️ That doesn't fit the command. Usage: /comment <post> <text…>"
    [unknown] = texts(await telegram.say(ana, "/frobnicate"))
    assert unknown == "⚠️ There is no command “frobnicate”. Type /help for the list."


async def test_an_edited_command_does_not_run_again(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, bob = fake.user(101, "Alice", "alice"), fake.user(202, "Bob", "bob")
    await telegram.say(alice, "/help")
    await telegram.say(bob, "/profile @alice")
    original = fake.user_message(bob, "/profile")
    update_id = fake.edit(bob, original, "/follow @alice")
    before = len(fake.calls)
    await telegram.handle(update_id)
    assert telegram.calls_since(before) == []
    assert await Follow.all().count() == 0


async def test_a_repeated_update_has_one_effect(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, bob = fake.user(101, "Alice", "alice"), fake.user(202, "Bob", "bob")
    await telegram.say(alice, "/help")
    before = len(fake.calls)
    message = fake.user_message(bob, "/follow @alice")
    update_id = fake.push({"message": message})
    fake.push({"update_id": update_id, "message": message})  # delivered again
    await telegram.handle(update_id, times=2)
    sent = telegram.calls_since(before)
    assert texts(sent) == ["You now follow @alice. Their posts will show up in /feed."]
    assert await Follow.all().count() == 1
