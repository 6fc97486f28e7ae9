// The campaigns list, a campaign's page (timeline, A/B chart, tools) and the follower lookup.
"use strict";

(function () {
  const { h, s, t, when, percent, api, acct, page, clear, append, table, badge, failure, go, state, link } = window.WX;

  // --- campaigns -----------------------------------------------------------------------------

  async function campaignsPage(appId) {
    const main = page(appId, h("p", {}, t("loading")));
    try {
      const list = await api("GET", acct(appId) + "/campaigns");
      const statuses = [...new Set(list.campaigns.map((c) => c.status))];
      const filter = h("select", { id: "status-filter" }, h("option", { value: "" }, t("allStatuses")), statuses.map((st) => h("option", { value: st }, t("st_" + st))));
      const body = h("div", {});
      const draw = () => {
        clear(body).appendChild(
          table(
            [t("name"), t("status"), t("groups"), t("created"), t("started")],
            list.campaigns
              .filter((c) => !filter.value || c.status === filter.value)
              .map((c) => [
                h("a", { href: link(appId, "campaigns/" + encodeURIComponent(c.campaign_id)) }, c.name),
                badge(c.status),
                c.groups,
                when(c.created_at, list.timezone),
                when(c.started_at, list.timezone),
              ]),
          ),
        );
      };
      filter.addEventListener("change", draw);
      draw();
      clear(main);
      const create = state.me && state.me.can_write ? h("a", { class: "button", id: "new-campaign", href: link(appId, "campaigns/new") }, t("dsNew")) : null;
      append(main, [h("h2", {}, t("campaigns")), create, h("p", { class: "meta" }, t("zone") + " " + list.timezone), filter, body]);
    } catch (err) {
      clear(main).appendChild(failure(err));
    }
  }

  function abChart(variants) {
    const width = 520;
    const row = 36;
    const left = 150;
    const height = variants.length * row + 30;
    const max = Math.max(0.01, ...variants.map((v) => v.high));
    const x = (r) => left + (r / max) * (width - left - 170);
    const svg = s("svg", { viewBox: "0 0 " + width + " " + height, class: "chart ab", role: "img" });
    variants.forEach((v, i) => {
      const y = 10 + i * row;
      svg.appendChild(s("text", { x: left - 8, y: y + 18, class: "axis", "text-anchor": "end" }, v.label));
      svg.appendChild(s("rect", { x: left, y: y + 4, width: x(v.read_rate) - left, height: 20, class: "s-sent" }, s("title", {}, percent(v.read_rate))));
      svg.appendChild(s("line", { x1: x(v.low), x2: x(v.high), y1: y + 14, y2: y + 14, class: "whisker" }));
      svg.appendChild(s("line", { x1: x(v.low), x2: x(v.low), y1: y + 8, y2: y + 20, class: "whisker" }));
      svg.appendChild(s("line", { x1: x(v.high), x2: x(v.high), y1: y + 8, y2: y + 20, class: "whisker" }));
      svg.appendChild(s("text", { x: x(v.high) + 6, y: y + 18, class: "axis" }, percent(v.read_rate) + " (" + percent(v.low) + "–" + percent(v.high) + ")"));
    });
    return svg;
  }

  // "tags 2,5" (the report's words, as the CLI prints them) -> the synced tags' names.
  function audienceText(audience, tags) {
    if (audience === "all") return t("dsAll");
    if (audience === "remaining") return t("dsRemaining");
    const ids = audience.startsWith("tags ") ? audience.slice(5).split(",") : null;
    if (!ids) return audience;
    const names = new Map(((tags && tags.tags) || []).map((tag) => [String(tag.id), tag.name]));
    return t("dsTags") + " " + ids.map((i) => (names.has(i) ? names.get(i) + " (" + i + ")" : i)).join("、");
  }

  async function campaignPage(appId, id, flash) {
    const main = page(appId, h("p", {}, t("loading")));
    try {
      const [c, tags] = await Promise.all([
        api("GET", acct(appId) + "/campaigns/" + encodeURIComponent(id)),
        api("GET", acct(appId) + "/tags").catch(() => null), // names are a nicety: ids do without
      ]);
      clear(main);
      append(main, [
        h("h2", {}, c.name),
        h("p", { class: "meta" }, badge(c.status), " " + (c.reason || ""), " · " + t("started") + " " + when(c.started_at, c.timezone), " · " + t("zone") + " " + c.timezone),
        c.status === "draft" && state.me && state.me.can_write ? h("a", { class: "button", id: "edit-campaign", href: link(appId, "campaigns/" + encodeURIComponent(id) + "/edit") }, t("edit")) : null,
        window.WXTimeline.campaignActions(appId, c, flash, (next) => campaignPage(appId, id, next)),
        window.WXTimeline.reasonBox(c.failure),
        c.groups.map((g) =>
          h(
            "section",
            { class: "card group" },
            h("h3", {}, g.name + " · " + t("audience") + " " + audienceText(g.audience, tags) + (g.segment ? " (" + g.segment.audience + ")" : "")),
            window.WXTimeline.legTimeline(g, c.timezone),
            g.variants.length ? [h("h4", {}, t("abResult")), abChart(g.variants)] : null,
            g.decision
              ? h(
                  "p",
                  { class: "decision" },
                  t("winner") + ": " + (g.decision.winner || t("none")) + " · " + t("sentToRest") + ": " + (g.decision.send || t("none")) +
                    " · " + t("pValue") + ": " + (g.decision.p_value === null ? "—" : g.decision.p_value.toFixed(4)) + " · " + t("why") + ": " + (state.lang === "zh" && g.decision.reason_zh ? g.decision.reason_zh : g.decision.reason),
                )
              : null,
          ),
        ),
        // The tools (plan, reschedule, preview, offline, data) after what the campaign did.
        window.WXCampaignTools.mount(appId, c, (next) => campaignPage(appId, id, next)),
      ]);
    } catch (err) {
      clear(main).appendChild(failure(err));
    }
  }

  // --- followers -----------------------------------------------------------------------------

  function followersPage(appId, openid) {
    const input = h("input", { id: "openid", value: openid || "", placeholder: "o..." });
    const out = h("div", { id: "follower" });
    const form = h(
      "form",
      {
        class: "range",
        on: {
          submit: (e) => {
            e.preventDefault();
            go(link(appId, "followers/" + encodeURIComponent(input.value.trim())));
          },
        },
      },
      h("label", {}, t("openid"), input),
      h("button", { type: "submit", id: "look-up" }, t("lookUp")),
    );
    page(appId, h("h2", {}, t("followers")), form, out);
    if (!openid) return;
    api("GET", acct(appId) + "/followers/" + encodeURIComponent(openid))
      .then((f) => {
        const z = f.timezone;
        out.appendChild(
          h(
            "dl",
            { class: "card" },
            [
              [t("openid"), f.openid],
              [t("subscribed"), f.subscribed ? t("yes") : t("no")],
              [t("lastMessage"), when(f.last_message_at, z)],
              [t("openedBy"), f.window_opened_by ? t(f.window_opened_by) : "—"],
              [t("openedAt"), when(f.window_opened_at, z)],
              [t("closesAt"), when(f.window_closes_at, z)],
              [t("windowOpen"), f.window_open ? t("open") : t("closed")],
              [t("messagesLeft"), f.messages_left],
              [t("leftAt"), when(f.left_at, z)],
            ].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
          ),
        );
        append(out, window.WXTimeline.followerRecalls(f));
      })
      .catch((err) => out.appendChild(err.status === 404 ? h("p", { class: "error" }, t("notFound")) : failure(err)));
  }


  window.WXPages = Object.assign(window.WXPages || {}, { campaignsPage, campaignPage, followersPage });
})();
