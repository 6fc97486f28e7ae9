// The accounts granted to the caller, and an account's overview: health, today's funnel, campaigns.
"use strict";

(function () {
  const { h, t, when, api, acct, link, page, clear, append, table, badge, failure, state } = window.WX;

  function accountsPage() {
    const cards = state.accounts.map((a) =>
      h(
        "a",
        { class: "card account", href: link(a.app_id, "overview") },
        h("h3", {}, a.app_id),
        h("p", {}, t(a.type) + " · " + t(a.plan) + " · " + a.timezone),
      ),
    );
    page(null, h("h2", {}, t("accounts")), cards.length ? h("div", { class: "grid" }, cards) : h("p", {}, t("noAccounts")));
  }

  function funnelTable(f) {
    const skipped = Object.entries(f.skipped).map(([k, v]) => k + " " + v).join(", ") || "—";
    return table(
      [t("pending"), t("eligible"), t("sent"), t("failed"), t("recalled"), t("skipped")],
      [[f.pending, f.eligible, f.sent, f.failed, f.recalled, skipped]],
    );
  }

  async function overviewPage(appId) {
    const main = page(appId, h("p", {}, t("loading")));
    try {
      const o = await api("GET", acct(appId) + "/overview");
      const hl = o.health;
      const sweep = hl.swept_to === null ? t("notSwept") : t("sweptTo") + " " + when(hl.swept_to, o.timezone);
      const statuses = Object.entries(hl.campaigns);
      clear(main);
      append(main, [
        h("h2", {}, t("overview") + " · " + appId),
        h("p", { class: "meta" }, t(o.account.type) + " · " + t(o.account.plan) + " · " + t("zone") + " " + o.timezone),
        h(
          "section",
          { class: "card" },
          h("h3", {}, t("health")),
          h("p", { class: o.problems.length ? "bad" : "good", id: "health" }, o.problems.length ? o.problems.join("; ") : t("healthy")),
          h("p", {}, t("sweep") + ": " + sweep + (hl.sweep_stale ? " (" + t("stale") + ")" : "")),
        ),
        h("section", { class: "card" }, h("h3", {}, t("todayFunnel") + " · " + hl.recall_today.day), funnelTable(hl.recall_today)),
        h(
          "section",
          { class: "card" },
          h("h3", {}, t("campaigns")),
          h("p", {}, t("byStatus") + ": ", statuses.length ? statuses.map(([st, n]) => [badge(st), " " + n + "  "]) : t("none")),
          h("h4", {}, t("inFlight")),
          o.in_flight.length
            ? table(
                [t("name"), t("status"), t("started")],
                o.in_flight.map((c) => [
                  h("a", { href: link(appId, "campaigns/" + encodeURIComponent(c.campaign_id)) }, c.name),
                  badge(c.status),
                  when(c.started_at, o.timezone),
                ]),
              )
            : h("p", {}, t("none")),
        ),
      ]);
    } catch (err) {
      clear(main).appendChild(failure(err));
    }
  }

  window.WXPages = Object.assign(window.WXPages || {}, { accountsPage, overviewPage });
})();
