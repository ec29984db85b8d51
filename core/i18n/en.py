"""English messages. Every key here exists in de.py with the same placeholders."""

MESSAGES: dict[str, str] = {
    # errors: what went wrong, and what to do
    "error.generic": "Something went wrong. Please try again.",
    "error.internal": "Sorry, something broke on our side (error id {id}). Please try again in "
    "a moment; if it keeps happening, mention the error id to the bot's operator.",
    "error.too_long": "The {field} is {length} characters long; the limit is {limit}. "
    "Please shorten it and try again.",
    "error.empty": "The {field} is empty. Please write something and try again.",
    "error.bad_handle": "“{value}” is not a user name. Names use letters, digits and _ "
    "(up to 32), e.g. /follow @bob.",
    "error.bad_image": "That file is not an image I can read. Please send a PNG, JPEG, WebP "
    "or GIF file.",
    "error.image_shape": "The image is {width}×{height}, too narrow or too tall (the sides may "
    "differ at most 20 times). Please crop it and try again.",
    "error.unknown_user": "I don't know anyone called @{handle}. Check the spelling; they need "
    "to have used Mosaic once.",
    "error.bad_choice": "“{value}” is not an option here. Choose one of: {choices}.",
    "error.unknown_post": "Post #{post} does not exist or is not visible to you. Check the "
    "number, e.g. with /feed.",
    "error.post_deleted": "Post #{post} was deleted, so it can't be shown, liked or commented "
    "on any more.",
    "error.not_author": "Only the author of post #{post} can do that.",
    "error.follow_self": "You can't follow yourself. Try /follow with someone else's name.",
    "error.block_self": "You can't block yourself.",
    "error.blocked": "You can't interact with @{handle}: one of you has blocked the other. "
    "If it was you, /unblock @{handle} first.",
    "error.already_following": "You already follow @{handle}. Use /unfollow @{handle} to stop.",
    "error.not_following": "You don't follow @{handle}, so there is nothing to undo.",
    "error.already_blocked": "You have already blocked @{handle}. Use /unblock @{handle} to undo.",
    "error.not_blocked": "@{handle} is not blocked, so there is nothing to undo.",
    "error.already_liked": "You already like post #{post}. Use /unlike {post} to take it back.",
    "error.not_liked": "You haven't liked post #{post}, so there is nothing to undo.",
    "error.button_expired": "This button no longer works. Please run the command again.",
    "error.not_your_button": "This button belongs to someone else's message. Run the command "
    "yourself to get your own.",
    "error.bad_post_id": "“{value}” is not a post number. Use the number shown as #12, e.g. "
    "/show 12.",
    "error.bad_number": "“{value}” is not a whole number for {field}. Please type digits only.",
    "error.out_of_range": "{field} must be between {low} and {high}.",
    "error.usage": "That doesn't fit the command. Usage: {usage}",
    "error.unknown_command": "There is no command “{command}”. Type /help for the list.",
    "error.no_such_file": "There is no file at {path}. Check the path and try again.",
    "error.file_too_big": "That file is larger than {limit_mb} MB. Please use a smaller image.",
    # posts
    "post.title": "#{post} by {author} ({audience})",
    "post.prompt": "Prompt: {prompt}",
    "post.counts": "❤ {likes} · 💬 {comments}",
    "post.remix_of": "remix of #{post} by {author}",
    "post.ai_label": "AI-generated ({provider})",
    "audience.private": "private",
    "audience.followers": "followers",
    "audience.public": "public",
    # buttons
    "button.like": "❤ Like",
    "button.unlike": "💔 Unlike",
    "button.comment": "💬 Comment",
    "button.comment_prompt": "Your comment",
    "button.comments": "🗨 Comments",
    "button.follow_author": "➕ Follow {author}",
    "button.follow": "➕ Follow",
    "button.unfollow": "➖ Unfollow",
    "button.previous": "◀ Previous",
    "button.next": "Next ▶",
    # profiles and the graph
    "profile.title": "{name} ({handle})",
    "profile.counts": "{posts} posts · {followers} followers · {following} following",
    "profile.you_follow": "You follow them.",
    "profile.not_following": "You don't follow them yet.",
    "follow.done": "You now follow {handle}. Their posts will show up in /feed.",
    "unfollow.done": "You no longer follow {handle}.",
    "followers.title": "Followers of {handle}",
    "followers.empty": "Nobody follows {handle} yet.",
    "following.title": "{handle} follows",
    "following.empty": "{handle} doesn't follow anyone yet.",
    "block.done": "You blocked {handle}. They can't see your posts or interact with you; "
    "/unblock undoes it.",
    "unblock.done": "You unblocked {handle}.",
    # engagement
    "like.done": "You like post #{post} (❤ {likes}).",
    "unlike.done": "You no longer like post #{post} (❤ {likes}).",
    "comment.done": "Your comment on post #{post} is up.",
    "comments.title": "Comments on #{post}",
    "comments.empty": "No comments on post #{post} yet. Be the first: /comment {post} <text>",
    "comments.more": "…and {count} more.",
    "delete.done": "Post #{post} is deleted.",
    # feed
    "feed.empty": "Your feed is empty. Follow people with /follow @name, or post something.",
    "feed.end": "That's everything for now. Come back later for more.",
    "feed.page": "Page {page}",
    # help and settings
    "help.title": "Mosaic commands",
    "help.buttons.console": "Buttons appear as [1], [2]…: type the number to press one. A "
    "button marked with … asks for text: type the number, a space, then the text "
    "(e.g. 2 nice picture!).",
    "help.buttons.chat": "Use the buttons under a post to like, comment or follow.",
    "settings.language.done": "Language set to {language}.",
    "language.en": "English",
    "language.de": "German",
    # command descriptions (≤ 100 characters; Discord shows them)
    "cmd.help": "Show what Mosaic can do",
    "cmd.profile": "Show a profile (yours if no user is given)",
    "param.profile.user": "Whose profile, e.g. @bob",
    "cmd.follow": "Follow someone: their posts appear in your feed",
    "param.follow.user": "Who to follow, e.g. @bob",
    "cmd.unfollow": "Stop following someone",
    "param.unfollow.user": "Who to unfollow",
    "cmd.followers": "List who follows you or someone else",
    "param.followers.user": "Whose followers (yours if empty)",
    "cmd.following": "List who you or someone else follows",
    "param.following.user": "Whose follows (yours if empty)",
    "cmd.block": "Block someone: they no longer see or reach you",
    "param.block.user": "Who to block",
    "cmd.unblock": "Unblock someone",
    "param.unblock.user": "Who to unblock",
    "cmd.post": "Post an image file from this computer",
    "param.post.image": "Path of the image file",
    "param.post.caption": "Caption (up to 1,000 characters)",
    "cmd.feed": "Your feed: posts from people you follow",
    "param.feed.page": "Page number",
    "cmd.show": "Show one post",
    "param.show.post": "Post number, e.g. 12",
    "cmd.like": "Like a post",
    "param.like.post": "Post number",
    "cmd.unlike": "Take back a like",
    "param.unlike.post": "Post number",
    "cmd.comment": "Comment on a post",
    "param.comment.post": "Post number",
    "param.comment.text": "Your comment (up to 2,000 characters)",
    "cmd.comments": "Read the comments on a post",
    "param.comments.post": "Post number",
    "cmd.delete": "Delete one of your posts",
    "param.delete.post": "Post number",
    "cmd.settings.language": "Choose your language",
    "param.settings.language.language": "en or de",
    # console chat
    "console.not_a_command": "Commands start with / (try /help). To press a button, type its number.",
    "console.no_button": "There is no button [{number}] on screen. Type /help to see the commands.",
    "console.button_needs_text": "Button [{number}] needs text ({label}): type {number}, a space, then your text.",
    # generation
    "error.prompt_flagged": "I can't make that picture: the prompt breaks the content rules. "
    "Please rephrase it without that part and try again.",
    "error.generation_refused": "The image model refused this request because of its content "
    "rules. Please change the prompt (or pick another image) and try again; the same request "
    "would be refused again.",
    "error.generation_refused_output": "The image model made a picture but held it back "
    "because it broke the content rules. Please change the prompt and try again.",
    "error.generation_failed": "The image model is busy or can't be reached right now, even "
    "after several tries. Please try again in a few minutes.",
    "error.generation_rejected": "The image service turned the request down, so no picture was "
    "made. Please try again later; if it keeps happening, tell the bot's operator, whose image "
    "service settings may need a look.",
    "error.moderation_unavailable": "I couldn't check the prompt against the content rules "
    "just now, so no picture was made. Please try again in a few minutes.",
    "style.watercolor": "Watercolour",
    "style.anime": "Anime",
    "style.photo": "Photo",
    "style.pixel-art": "Pixel art",
    "style.oil": "Oil painting",
    "style.neon": "Neon lights",
    "style.sketch": "Pencil sketch",
    "style.ukiyo-e": "Ukiyo-e woodblock print",
    "style.low-poly": "Low poly",
    "style.dreamy": "Dreamy haze",
}
