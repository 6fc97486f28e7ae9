// The campaign designer: groups, audiences by tag name, content from the synced articles, A/B
// variants and the winner policy, written as a CampaignSpec. The API validates and estimates it
// (POST /campaigns/estimate) while the operator types, and checks it again on save; nothing here
// decides what is allowed. Text-only DOM (see app.js).
"use strict";

(function () {
  const { h, t, when, api, acct, page, clear, append, failure, state } = window.WX;
  const { newGroup, newVariant, toSpec, fromSpec, formField } = window.WXDesignerSpec;
  const MAX_GROUPS = 10;
  const MAX_VARIANTS = 5;

  // --- the page --------------------------------------------------------------------------------

  async function designerPage(appId, campaignId) {
    const main = page(appId, h("p", {}, t("loading")));
    let tags, articles, model;
    try {
      [tags, articles] = await Promise.all([api("GET", acct(appId) + "/tags"), api("GET", acct(appId) + "/articles")]);
      const zone = state.utc ? "UTC" : tags.timezone;
      if (campaignId) {
        const stored = await api("GET", acct(appId) + "/campaigns/" + encodeURIComponent(campaignId) + "/spec");
        model = fromSpec(stored.spec || stored, zone);
      } else {
        model = { name: "", groups: [newGroup(0)] };
      }
    } catch (err) {
      clear(main).appendChild(failure(err));
      return;
    }
    // Times are typed and shown in the account's zone, or in UTC when the operator asked for it.
    const zone = state.utc ? "UTC" : tags.timezone;
    const drafts = articles.articles.filter((a) => a.source === "draft");
    const tagName = new Map(tags.tags.map((x) => [x.id, x]));
    const notice = h("p", { id: "designer-notice", role: "status" });
    const problems = h("ul", { class: "errors", id: "designer-errors", role: "alert" });
    const estimate = h("aside", { id: "estimate", class: "card" }, h("h3", {}, t("dsEstimate")), h("p", { class: "meta" }, t("dsEstimateHint")));
    const form = h("form", { id: "designer", class: "card", novalidate: true });

    function field(id, label, input, help) {
      return h("div", { class: "field", id: "field-" + id }, h("label", { for: id }, label), input, help ? h("small", {}, help) : null, h("small", { class: "field-error", id: "error-" + id }));
    }

    function input(id, value, set, attrs) {
      return h("input", Object.assign({ id, value, on: { input: (e) => set(e.target.value) } }, attrs || {}));
    }

    function choice(id, value, options, set, redraw) {
      return h("select", { id, on: { change: (e) => { set(e.target.value); if (redraw) draw(); } } },
        options.map(([v, label, disabled]) => h("option", { value: v, selected: v === value, disabled: disabled || null }, label)));
    }

    function articleChoice(id, value, set) {
      const known = drafts.some((a) => a.id === value);
      const options = [["", t("dsPickArticle")], ...drafts.map((a) => [a.id, (a.title || a.id) + " · " + when(a.update_time, zone)])];
      if (value && !known) options.push([value, value + " (" + t("dsNotSynced") + ")"]);
      const sel = choice(id, value, options, set, true);
      const picked = drafts.find((a) => a.id === value);
      const item = picked && picked.items[0];
      const card = item
        ? h("div", { class: "article-card" }, h("strong", {}, item.title), item.author ? h("small", {}, item.author) : null,
            item.digest ? h("p", {}, item.digest) : null, item.thumb_url ? h("small", { class: "meta", title: item.thumb_url }, t("dsHasCover")) : null,
            h("small", { class: "meta" }, "media_id " + picked.id))
        : null;
      return [sel, card];
    }

    function timeInput(id, value, set) {
      return input(id, value, set, { placeholder: "YYYY-MM-DD HH:MM", class: "when", autocomplete: "off" });
    }

    function audienceBox(g, i) {
      const kinds = [["all", t("dsAll")], ["tags", t("dsTags")], ["remaining", t("dsRemaining")]];
      const picker = g.audience !== "tags" ? null : tags.tags.length
        ? h("div", { class: "tag-picker", id: "g" + i + "-tags" }, tags.tags.map((x) =>
            h("label", { class: "tag" },
              h("input", { type: "checkbox", value: String(x.id), checked: g.tags.includes(x.id), "data-name": x.name,
                on: { change: (e) => { g.tags = e.target.checked ? [...g.tags, x.id] : g.tags.filter((id) => id !== x.id); changed(); } } }),
              x.name + " (" + x.count + ")")),
            g.tags.filter((id) => !tagName.has(id)).map((id) => h("span", { class: "tag unknown" }, "#" + id + " (" + t("dsNotSynced") + ")")))
        : h("p", { class: "meta" }, t("dsNoTags"));
      return field("g" + i + "-audience", t("audience"), [choice("g" + i + "-audience", g.audience, kinds, (v) => (g.audience = v), true), picker]);
    }

    function variantRow(g, i, v, j) {
      const id = "g" + i + "-v" + j;
      return h("fieldset", { class: "variant", id }, h("legend", {}, t("dsVariant") + " " + (j + 1)),
        field(id + "-name", t("name"), input(id + "-name", v.name, (x) => (v.name = x), { maxlength: 32 })),
        field(id + "-article", t("dsArticle"), articleChoice(id + "-article", v.mediaId, (x) => (v.mediaId = x))),
        field(id + "-ratio", t("dsRatio"), input(id + "-ratio", v.ratio, (x) => (v.ratio = x), { type: "number", min: "1", max: "99", step: "1" })),
        field(id + "-send_at", t("dsSendAt") + " (" + zone + ")", timeInput(id + "-send_at", v.sendAt, (x) => (v.sendAt = x))),
        g.variants.length > 2 ? h("button", { type: "button", class: "remove", id: id + "-remove", on: { click: () => { g.variants.splice(j, 1); draw(); } } }, t("dsRemoveVariant")) : null);
    }

    function abBox(g, i) {
      const w = g.winner;
      const id = "g" + i + "-w-";
      return h("div", { class: "ab-box" },
        // A box (not a .field): marked invalid as a whole, its own inputs keep their colour.
        h("div", { class: "variants", id: "field-g" + i + "-variants" },
          h("small", { class: "field-error", id: "error-g" + i + "-variants" }),
          g.variants.map((v, j) => variantRow(g, i, v, j))),
        g.variants.length < MAX_VARIANTS ? h("button", { type: "button", id: "g" + i + "-add-variant", on: { click: () => { g.variants.push(newVariant(g.variants.length)); draw(); } } }, t("dsAddVariant")) : null,
        h("fieldset", { class: "winner" }, h("legend", {}, t("dsWinner")),
          field(id + "decide_at", t("dsDecideAt") + " (" + zone + ")", timeInput(id + "decide_at", w.decideAt, (x) => (w.decideAt = x)), t("dsDecideHelp")),
          field(id + "significance", t("dsSignificance"), input(id + "significance", w.significance, (x) => (w.significance = x), { type: "number", step: "0.01" })),
          field(id + "min_sent", t("dsMinSent"), input(id + "min_sent", w.minSent, (x) => (w.minSent = x), { type: "number", min: "1" })),
          field(id + "no_winner", t("dsNoWinner"), choice(id + "no_winner", w.noWinner, [["stop", t("dsNwStop")], ["best", t("dsNwBest")], ["variant", t("dsNwVariant")]], (x) => (w.noWinner = x), true)),
          w.noWinner === "variant" ? field(id + "default_variant", t("dsDefaultVariant"), choice(id + "default_variant", w.defaultVariant, [["", "—"], ...g.variants.map((v) => [v.name, v.name])], (x) => (w.defaultVariant = x))) : null));
    }

    function contentBox(g, i) {
      const id = "g" + i;
      const kind = choice(id + "-content-kind", g.contentKind, [["article", t("dsArticle")], ["text", t("dsText")]], (x) => (g.contentKind = x), true);
      const body = g.contentKind === "text"
        ? h("textarea", { id: id + "-text", rows: 3, maxlength: 2000, on: { input: (e) => (g.text = e.target.value) } }, g.text)
        : articleChoice(id + "-article", g.mediaId, (x) => (g.mediaId = x));
      const now = h("input", { type: "checkbox", id: id + "-now", checked: g.sendNow, on: { change: (e) => { g.sendNow = e.target.checked; draw(); } } });
      return [
        field(id + "-content", t("content"), [kind, body]),
        field(id + "-send_at", t("dsSendAt") + " (" + zone + ")", [h("label", { class: "inline" }, now, t("dsNow")), g.sendNow ? null : timeInput(id + "-send_at", g.sendAt, (x) => (g.sendAt = x))]),
      ];
    }

    function groupBox(g, i) {
      const id = "g" + i;
      const ab = h("input", { type: "checkbox", id: id + "-ab", checked: g.ab, on: { change: (e) => { g.ab = e.target.checked; draw(); } } });
      return h("fieldset", { class: "group", id },
        h("legend", {}, t("dsGroup") + " " + (i + 1)),
        h("div", { class: "box", id: "field-" + id + "-group" }, h("small", { class: "field-error", id: "error-" + id + "-group" })),
        field(id + "-name", t("name"), input(id + "-name", g.name, (x) => (g.name = x), { maxlength: 32 })),
        audienceBox(g, i),
        h("label", { class: "inline" }, ab, t("dsAbTest")),
        g.ab ? abBox(g, i) : contentBox(g, i),
        model.groups.length > 1 ? h("button", { type: "button", class: "remove", id: id + "-remove", on: { click: () => { model.groups.splice(i, 1); draw(); } } }, t("dsRemoveGroup")) : null);
    }

    function draw() {
      clear(form);
      append(form, [
        field("name", t("dsCampaignName"), input("name", model.name, (x) => (model.name = x), { maxlength: 64 })),
        h("div", { class: "box", id: "field-groups" }, h("small", { class: "field-error", id: "error-groups" }), model.groups.map(groupBox)),
        model.groups.length < MAX_GROUPS ? h("button", { type: "button", id: "add-group", on: { click: () => { model.groups.push(newGroup(model.groups.length)); draw(); } } }, t("dsAddGroup")) : null,
        problems,
        h("button", { type: "submit", id: "save-campaign" }, campaignId ? t("dsSaveEdit") : t("dsSave")),
      ]);
      changed();
    }

    function show(errors) {
      clear(problems);
      for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
      for (const el of form.querySelectorAll(".invalid")) el.classList.remove("invalid");
      if (!errors.length) return;
      problems.appendChild(h("li", { class: "lead" }, t("dsInvalid")));
      for (const e of errors) {
        const id = formField(e.field);
        const box = form.querySelector("#field-" + CSS.escape(id));
        if (box) box.classList.add("invalid");
        const slot = form.querySelector("#error-" + CSS.escape(id));
        if (slot) slot.textContent = (slot.textContent ? slot.textContent + "; " : "") + window.WX.fieldError(e);
        problems.appendChild(h("li", {}, (e.field || t("name")) + ": " + window.WX.fieldError(e)));
      }
    }

    function figure(n) {
      return n === null || n === undefined ? t("dsUnknown") : String(n);
    }

    function drawEstimate(est) {
      const kinds = { all: t("dsAll"), tags: t("dsTags"), remaining: t("dsRemaining") };
      const rows = [];
      for (const g of est.groups) {
        rows.push(h("tr", { class: "est-group" }, h("td", {}, g.name), h("td", {}, kinds[g.kind] || g.kind), h("td", { class: "n" }, figure(g.estimated)),
          h("td", { class: "n" }, figure(g.upper_bound)), h("td", { class: "n" }, figure(g.removed_by_overlap))));
        for (const v of g.variants || [])
          rows.push(h("tr", { class: "est-variant" }, h("td", {}, "· " + v.name), h("td", {}, Math.round(v.ratio * 1000) / 10 + "%"), h("td", { class: "n" }, figure(v.estimated)), h("td", {}), h("td", {})));
        if ((g.variants || []).length)
          rows.push(h("tr", { class: "est-rest" }, h("td", {}, "· " + t("dsRest")), h("td", {}), h("td", { class: "n" }, figure(g.rest_estimated)), h("td", {}), h("td", {})));
      }
      clear(estimate);
      append(estimate, [
        h("h3", {}, t("dsEstimate")),
        h("p", { class: "meta", id: "estimate-total" }, t("dsFollowers") + " " + figure(est.followers_total) + " · " + t("dsSyncedAt") + " " + when(est.synced_at, zone)),
        h("p", { class: "meta", id: "estimate-source" }, t("dsSource") + ": " + t("src_" + est.source, { n: est.known_followers ?? "—" }) + (est.sampled ? " · " + t("dsSampled") : "")),
        h("table", {}, h("thead", {}, h("tr", {}, [t("dsGroup"), t("audience"), t("dsEstimated"), t("dsUpperBound"), t("dsRemovedByOverlap")].map((x) => h("th", {}, x)))), h("tbody", {}, rows)),
        h("h4", {}, t("dsOverlaps")),
        est.overlaps.length
          ? h("ul", { id: "overlaps" }, est.overlaps.map((o) => h("li", {}, o.first + " ∩ " + o.second + ": " + figure(o.followers))))
          : h("p", { class: "meta", id: "overlaps" }, t("none")),
      ]);
    }

    // Live: the API validates the spec and estimates its audiences as a save would, saving nothing.
    let timer = null;
    let asked = 0;
    function changed() {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++asked;
        try {
          const est = await api("POST", acct(appId) + "/campaigns/estimate", toSpec(model, zone));
          if (mine !== asked) return;
          // A valid spec may still name what the synced catalog lacks, or be refused by the
          // account type or its times: the API says so now, as a save would.
          const problems = est.problems || [];
          show(problems);
          drawEstimate(est);
          estimate.classList.remove("stale");
          const ok = !problems.length && !est.refusal;
          notice.className = ok ? "good" : "error";
          notice.textContent = ok ? t("dsLooksGood") : est.refusal || "";
        } catch (err) {
          if (mine !== asked) return;
          estimate.classList.add("stale"); // the figures were for the spec before this change
          notice.className = "error";
          if (err.status === 422 && err.body && err.body.errors) {
            show(err.body.errors);
            notice.textContent = "";
          } else {
            show([]);
            notice.textContent = err.status === 403 ? t("forbidden") : err.message;
          }
        }
      }, 400);
    }
    form.addEventListener("input", changed);

    let saving = false;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      // One save at a time: a double click must not create two drafts.
      if (saving) return;
      saving = true;
      const button = form.querySelector("#save-campaign");
      if (button) button.disabled = true;
      clearTimeout(timer);
      asked++;
      const path = acct(appId) + "/campaigns" + (campaignId ? "/" + encodeURIComponent(campaignId) : "");
      try {
        const saved = await api(campaignId ? "PUT" : "POST", path, toSpec(model, zone));
        const target = "#/a/" + encodeURIComponent(appId) + "/campaigns/" + encodeURIComponent(saved.campaign_id);
        history.pushState(null, "", target); // no hashchange: the page comes with its notice
        window.WXPages.campaignPage(appId, saved.campaign_id, { kind: "good", text: t("dsSaved") });
      } catch (err) {
        notice.className = "error";
        if (err.status === 422 && err.body && err.body.errors) {
          show(err.body.errors);
          notice.textContent = t("dsInvalid");
        } else {
          show([]);
          notice.textContent = err.status === 403 ? t("forbidden") : err.message;
        }
      } finally {
        saving = false;
        if (button) button.disabled = false;
      }
    });

    const syncHints = [];
    if (articles.synced_at === null) syncHints.push(h("p", { class: "warn", id: "articles-never-synced" }, t("dsArticlesNeverSynced")));
    else if (!drafts.length) syncHints.push(h("p", { class: "warn", id: "no-drafts" }, t("dsNoDrafts")));
    if (tags.synced_at === null) syncHints.push(h("p", { class: "warn", id: "tags-never-synced" }, t("dsTagsNeverSynced")));
    clear(main);
    append(main, [
      h("h2", {}, campaignId ? t("dsEditTitle") : t("dsNewTitle")),
      h("p", { class: "meta" }, t("zone") + " " + zone + " · " + t("dsTimesHint")),
      syncHints,
      notice,
      h("div", { class: "designer" }, form, estimate),
    ]);
    draw();
  }

  window.WXDesigner = { designerPage };
})();
