// The library page: the account's synced articles and tags, and a refresh that asks the sync to
// run now (the page never waits on WeChat: it polls the refresh's status). Text-only DOM (app.js).
"use strict";

(function () {
  const { h, t, when, api, acct, page, clear, append, table, failure, state } = window.WX;
  const POLL_MS = 1500;
  let generation = 0; // a newer render stops the older one's polling

  function onPage(appId, mine) {
    return mine === generation && location.hash.startsWith("#/a/" + encodeURIComponent(appId) + "/library");
  }

  function copyButton(text) {
    const code = h("code", { class: "media-id" }, text);
    const button = h(
      "button",
      {
        type: "button",
        class: "copy",
        on: {
          click: async () => {
            try {
              await navigator.clipboard.writeText(text);
              button.textContent = t("libCopied");
            } catch (e) {
              // No clipboard (an insecure origin): select the id for the operator to copy.
              const range = document.createRange();
              range.selectNodeContents(code);
              const sel = window.getSelection();
              sel.removeAllRanges();
              sel.addRange(range);
            }
          },
        },
      },
      t("libCopy"),
    );
    return h("span", { class: "copyable" }, code, " ", button);
  }

  function refreshLine(r, zone) {
    if (!r) return t("libNeverRefreshed");
    const asked = t("libAsked", { at: when(r.requested_at, zone), by: r.requested_by || "—", n: r.articles });
    if (r.status === "pending") return t("libRefreshing") + " " + asked;
    if (r.status === "lost") return t("libLost") + " " + asked;
    if (r.status === "failed") return t("libFailed", { at: when(r.finished_at, zone) }) + " " + (r.error || "");
    return t("libDone", { at: when(r.finished_at, zone) }) + " " + asked;
  }

  async function libraryPage(appId) {
    const mine = ++generation;
    const main = page(appId, h("p", {}, t("loading")));
    let st, arts, tags;
    try {
      [st, arts, tags] = await Promise.all([
        api("GET", acct(appId) + "/catalog/refresh"),
        api("GET", acct(appId) + "/articles"),
        api("GET", acct(appId) + "/tags"),
      ]);
    } catch (err) {
      clear(main).appendChild(failure(err));
      return;
    }
    if (!onPage(appId, mine)) return;
    const zone = st.timezone;
    const canWrite = state.me && state.me.can_write;
    const status = h("p", { id: "refresh-status", role: "status" }, refreshLine(st.refresh, zone));
    const wanted = h(
      "select",
      { id: "articles-wanted", disabled: !canWrite },
      st.article_choices.map((n) => h("option", { value: String(n), selected: n === st.articles_wanted }, t("libLatest", { n }))),
    );
    const button = canWrite
      ? h("button", { type: "button", id: "refresh", on: { click: () => refresh() } }, t("libRefresh"))
      : null;
    const articleRows = arts.articles.map((a) => [
      a.title || "—",
      t("libSource_" + a.source),
      a.items.length,
      when(a.update_time, zone),
      copyButton(a.id),
    ]);
    const tagRows = tags.tags.map((g) => [g.name, g.id, g.count]);
    clear(main);
    append(main, [
      h("h2", {}, t("library") + " · " + appId),
      h("p", { class: "meta" }, t("zone") + " " + zone),
      h(
        "section",
        { class: "card", id: "sync-state" },
        h("h3", {}, t("libSync")),
        h("p", {}, t("libArticlesSynced") + ": ", h("span", { id: "articles-synced-at" }, when(st.articles_synced_at, zone))),
        h("p", {}, t("libTagsSynced") + ": " + when(st.tags_synced_at, zone)),
        h("p", {}, t("libTotals", { drafts: arts.drafts_total, published: arts.published_total })),
        st.last_error ? h("p", { class: "error", id: "sync-error" }, t("libLastError") + ": " + st.last_error) : null,
        h("div", { class: "refresh-row" }, h("label", {}, t("libKeep") + " ", wanted), button),
        status,
      ),
      h(
        "section",
        { class: "card" },
        h("h3", {}, t("libArticles") + " (" + arts.articles.length + ")"),
        articleRows.length
          ? h("div", { id: "articles" }, table([t("libTitle"), t("libSource"), t("libItems"), t("updated"), t("libMediaId")], articleRows))
          : h("p", { id: "articles" }, t("libNoArticles")),
      ),
      h(
        "section",
        { class: "card" },
        h("h3", {}, t("libTags") + " (" + tags.tags.length + ")"),
        tagRows.length ? h("div", { id: "tags" }, table([t("name"), "ID", t("libCount")], tagRows)) : h("p", { id: "tags" }, t("libNoTags")),
      ),
    ]);
    if (st.refresh && st.refresh.status === "pending") poll(st.refresh.requested_at);

    async function refresh() {
      button.disabled = true;
      status.className = "";
      try {
        const r = await api("POST", acct(appId) + "/catalog/refresh", { articles: Number(wanted.value) });
        status.textContent = (r.accepted ? "" : t("libStanding") + " ") + refreshLine(r, zone);
        if (r.status === "pending") poll(r.requested_at);
        else button.disabled = false;
      } catch (err) {
        button.disabled = false;
        status.className = "error";
        status.textContent = err.status === 403 ? t("forbidden") : t("error") + ": " + err.message;
      }
    }

    async function poll(requestedAt) {
      if (button) button.disabled = true;
      while (onPage(appId, mine)) {
        await new Promise((done) => setTimeout(done, POLL_MS));
        if (!onPage(appId, mine)) return;
        let now;
        try {
          now = await api("GET", acct(appId) + "/catalog/refresh");
        } catch (err) {
          status.textContent = t("error") + ": " + err.message;
          continue;
        }
        const r = now.refresh;
        if (!r || r.requested_at !== requestedAt || r.status !== "pending") {
          if (onPage(appId, mine)) libraryPage(appId); // the new copy, drawn afresh
          return;
        }
      }
    }
  }

  window.WXLibrary = { libraryPage };
})();
