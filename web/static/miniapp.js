// The Mini App: the viewer's feed as a grid. Every call carries Telegram's signed init data;
// the server checks it. Text goes into the page with textContent only, never as HTML.
"use strict";

(function () {
  const labels = document.getElementById("labels").dataset;
  const status = document.getElementById("status");
  const feed = document.getElementById("feed");
  const more = document.getElementById("more");
  let page = null;

  function initData() {
    const app = window.Telegram && window.Telegram.WebApp;
    if (app && app.initData) {
      app.ready();
      return app.initData;
    }
    // Telegram also passes it in the address's fragment (what telegram-web-app.js reads).
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    return fragment.get("tgWebAppData") || "";
  }

  const auth = initData();

  async function call(method, path, body) {
    const response = await fetch(path, {
      method: method,
      headers: { "Authorization": "tma " + auth, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(response.status === 401 ? labels.refused : data.error || response.statusText);
    }
    return data;
  }

  function button(text, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function say(text) {
    status.textContent = text;
  }

  function item(post) {
    const li = document.createElement("li");
    li.dataset.post = post.slug;
    const link = document.createElement("a");
    link.href = post.public ? post.url : post.image_url;
    link.target = "_blank";
    link.rel = "noopener";
    const img = document.createElement("img");
    img.src = post.thumb_url;
    img.alt = post.alt;
    img.width = 320;
    img.height = 320;
    link.appendChild(img);
    li.appendChild(link);
    const by = document.createElement("span");
    by.className = "by";
    by.textContent = post.author_name + " · ♥ " + post.likes;
    li.appendChild(by);
    const actions = document.createElement("div");
    actions.className = "actions";
    const like = button(post.liked ? labels.unlike : labels.like, async () => {
      try {
        const result = await call("POST", "/app/api/like", { post: post.slug, on: !post.liked });
        post.liked = result.liked;
        post.likes = result.likes;
        like.textContent = post.liked ? labels.unlike : labels.like;
        like.setAttribute("aria-pressed", String(post.liked));
        by.textContent = post.author_name + " · ♥ " + post.likes;
      } catch (error) { say(error.message); }
    });
    like.className = "like";
    like.setAttribute("aria-pressed", String(post.liked));
    actions.appendChild(like);
    if (!post.own) {
      const follow = button(post.following ? labels.unfollow : labels.follow, async () => {
        try {
          const result = await call("POST", "/app/api/follow",
            { author: post.author_slug, on: !post.following });
          post.following = result.following;
          follow.textContent = post.following ? labels.unfollow : labels.follow;
        } catch (error) { say(error.message); }
      });
      follow.className = "follow";
      actions.appendChild(follow);
    }
    const remix = button(labels.remix, () => {
      if (li.querySelector("form")) return;
      const form = document.createElement("form");
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.required = true;
      input.maxLength = 1000;
      label.textContent = labels.prompt;
      label.appendChild(input);
      form.appendChild(label);
      form.appendChild(button(labels.remix, () => form.requestSubmit()));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        try {
          const result = await call("POST", "/app/api/remix", { post: post.slug, prompt: input.value });
          say(result.message);
          form.remove();
        } catch (error) { say(error.message); }
      });
      li.appendChild(form);
      input.focus();
    });
    remix.className = "remix";
    actions.appendChild(remix);
    li.appendChild(actions);
    return li;
  }

  async function load() {
    try {
      const data = await call("GET", "/app/api/feed" + (page ? "?page=" + page : ""));
      data.posts.forEach((post) => feed.appendChild(item(post)));
      say(feed.children.length ? "" : labels.empty);
      page = data.page + 1;
      more.hidden = !data.has_more;
    } catch (error) {
      say(error.message);
    }
  }

  more.addEventListener("click", load);
  load();
})();
