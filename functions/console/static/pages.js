// The console's pages for rules, stats, campaigns and followers (text-only DOM, see app.js).
"use strict";

(function () {
  const { h, s, t, fieldError, when, percent, api, acct, page, clear, append, table, badge, failure, go, state } = window.WX;

  function link(appId, rest) {
    return "#/a/" + encodeURIComponent(appId) + "/" + rest;
  }

  function tags(text) {
    return text
      .split(/[,，\s]+/)
      .filter((x) => x !== "")
      .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  }

  // --- recall rules ------------------------------------------------------------------------

  function field(id, label, input, help) {
    return h(
      "div",
      { class: "field", id: "field-" + id },
      h("label", { for: id }, label),
      input,
      help ? h("small", {}, help) : null,
      h("small", { class: "field-error", id: "error-" + id }),
    );
  }

  // An error's field ("content.custom.replies.0.text") -> the form field showing it.
  function formField(path) {
    const parts = path.split(".");
    if (parts[0] === "content") {
      const last = parts.filter((p) => !/^\d+$/.test(p) && !["content", "custom", "default", "text"].includes(p)).pop();
      return ["greeting", "guide", "keyword", "keyword_reply"].includes(last) ? last : "replies";
    }
    if (parts[0] === "quiet_hours") return parts[1] === "end" ? "quiet_end" : "quiet_start";
    return parts[0] || "name";
  }

  async function rulesPage(appId) {
    const main = page(appId, h("p", {}, t("loading")));
    const withDeleted = new URLSearchParams(location.hash.split("?")[1] || "").get("deleted") === "1";
    let list;
    try {
      list = await api("GET", acct(appId) + "/rules" + (withDeleted ? "?include_deleted=true" : ""));
    } catch (err) {
      clear(main).appendChild(failure(err));
      return;
    }
    const canWrite = state.me && state.me.can_write;
    // Deleted rules: read-only, marked, their stats by id (a re-created rule may share the name).
    const deletedRow = (r) => [
      h("span", { class: "deleted-rule", "data-rule-id": r.rule_id }, r.rule.name, " ", h("span", { class: "deleted-mark" }, t("deletedMark"))),
      t("deletedAt", { at: when(r.deleted_at, list.timezone) }),
      r.rule.lead_minutes,
      r.rule.holdout_percent + "%",
      when(r.updated_at, list.timezone),
      h("a", { href: link(appId, "rules/by-id/" + encodeURIComponent(r.rule_id) + "/stats"), class: "stats" }, t("stats")),
    ];
    const showDeleted = h(
      "label",
      { class: "utc" },
      h("input", { type: "checkbox", id: "show-deleted", checked: withDeleted, on: { change: (e) => go(link(appId, "rules" + (e.target.checked ? "?deleted=1" : ""))) } }),
      t("showDeleted"),
    );
    const rows = list.rules.map((r) => r.deleted_at !== null && r.deleted_at !== undefined ? deletedRow(r) : [
      r.rule.name,
      r.rule.enabled ? t("enabled") : t("disabled"),
      r.rule.lead_minutes,
      r.rule.holdout_percent + "%",
      when(r.updated_at, list.timezone),
      h(
        "span",
        { class: "actions" },
        canWrite ? h("button", { type: "button", class: "edit", on: { click: () => fill(r.rule) } }, t("edit")) : null,
        canWrite
          ? h(
              "button",
              {
                type: "button",
                class: r.rule.enabled ? "disable" : "enable",
                on: { click: () => toggle(appId, r.rule) },
              },
              r.rule.enabled ? t("disable") : t("enable"),
            )
          : null,
        h("a", { href: link(appId, "rules/" + encodeURIComponent(r.rule.name) + "/stats"), class: "stats" }, t("stats")),
      ),
    ]);
    const notice = h("p", { id: "rule-notice", role: "status" });
    const form = canWrite ? ruleForm(appId, notice) : null;
    clear(main);
    append(main, [
      h("h2", {}, t("rules")),
      h("p", { class: "meta", id: "cap" }, t("cap", { cap: list.cap, n: list.enabled })),
      showDeleted,
      notice,
      table([t("name"), t("status"), t("lead"), t("holdout"), t("updated"), ""], rows),
      form ? h("div", { class: "editor" }, form, form.previewPane) : null,
    ]);

    async function toggle(app, rule) {
      try {
        await api("POST", acct(app) + "/rules/" + encodeURIComponent(rule.name) + (rule.enabled ? "/disable" : "/enable"));
        rulesPage(app);
      } catch (err) {
        notice.className = "error";
        notice.textContent = err.status === 403 ? t("forbidden") : err.message;
      }
    }

    function fill(rule) {
      form.elements.name.value = rule.name;
      form.elements.lead_minutes.value = rule.lead_minutes;
      form.elements.enabled.checked = rule.enabled;
      form.elements.include_tags.value = rule.include_tags.join(", ");
      form.elements.exclude_tags.value = rule.exclude_tags.join(", ");
      form.elements.holdout_percent.value = rule.holdout_percent;
      form.elements.quiet_start.value = rule.quiet_hours ? rule.quiet_hours.start : "";
      form.elements.quiet_end.value = rule.quiet_hours ? rule.quiet_hours.end : "";
      form.keptContent = null;
      const c = rule.content;
      if (c.kind === "default") {
        form.elements.kind.value = "default";
        for (const k of ["greeting", "guide", "keyword", "keyword_reply"]) form.elements[k].value = c[k];
      } else if (c.replies.every((r) => r.type === "text" && r.weight === 1)) {
        form.elements.kind.value = "custom";
        form.elements.replies.value = c.replies.map((r) => r.text).join("\n");
      } else {
        form.elements.kind.value = "keep";
        form.keptContent = c;
      }
      form.dispatchEvent(new Event("kind"));
      form.dispatchEvent(new Event("input"));
      form.scrollIntoView();
    }
  }

  // --- the message preview: WeChat's message JSON drawn as chat bubbles, as text only ------

  function unescapeHtml(text) {
    const named = { amp: "&", lt: "<", gt: ">", quot: '"', "#x27": "'", "#39": "'" };
    return text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (m, k) => named[k]);
  }

  // Text with WeChat's <a href="...">label</a> links: text nodes and blue spans, never HTML.
  function linkedText(content) {
    const out = [];
    const re = /<a href="([^"]*)">([^<]*)<\/a>/g;
    let last = 0;
    let m;
    while ((m = re.exec(content)) !== null) {
      out.push(unescapeHtml(content.slice(last, m.index)));
      out.push(h("span", { class: "wx-link", title: unescapeHtml(m[1]) }, unescapeHtml(m[2])));
      last = re.lastIndex;
    }
    out.push(unescapeHtml(content.slice(last)));
    return out;
  }

  function bubble(msg) {
    const type = msg.msgtype;
    const body = msg[type] || {};
    if (type === "text") return h("div", { class: "bubble" }, linkedText(body.content || ""));
    if (type === "news") {
      const a = (body.articles || [])[0] || {};
      return h("div", { class: "bubble card-msg" }, h("strong", {}, a.title || ""), h("p", {}, a.description || ""), h("small", {}, a.url || ""));
    }
    if (type === "msgmenu")
      return h(
        "div",
        { class: "bubble" },
        body.head_content ? h("p", {}, body.head_content) : null,
        (body.list || []).map((o) => h("p", { class: "wx-link" }, o.content)),
        body.tail_content ? h("p", {}, body.tail_content) : null,
      );
    if (type === "miniprogrampage") return h("div", { class: "bubble card-msg" }, h("small", {}, t("miniprogram")), h("strong", {}, body.title || ""));
    if (type === "image") return h("div", { class: "bubble" }, t("pic") + " " + (body.media_id || ""));
    return h("div", { class: "bubble" }, t("article") + " " + (body.media_id || body.article_id || ""));
  }

  function drawPreview(pane, messages) {
    clear(pane).appendChild(h("h4", {}, t("preview")));
    for (const m of messages) {
      pane.appendChild(h("div", { class: "chat" }, messages.length > 1 ? h("small", {}, t("weight") + " " + m.weight) : null, bubble(m.message)));
    }
  }

  function ruleForm(appId, notice) {
    const problems = h("ul", { class: "errors", id: "rule-errors", role: "alert" });
    const kind = h(
      "select",
      { id: "kind", name: "kind" },
      h("option", { value: "default" }, t("defaultReply")),
      h("option", { value: "custom" }, t("customText")),
      h("option", { value: "keep", disabled: true }, t("otherContent")),
    );
    const form = h(
      "form",
      { id: "rule-form", class: "card", novalidate: true },
      h("h3", {}, t("newRule") + " / " + t("edit")),
      field("name", t("name"), h("input", { id: "name", name: "name", maxlength: 64 })),
      field("enabled", t("enabled"), h("input", { id: "enabled", name: "enabled", type: "checkbox", checked: true })),
      field("lead_minutes", t("lead"), h("input", { id: "lead_minutes", name: "lead_minutes", type: "number", value: "30" }), t("leadHelp")),
      field("include_tags", t("includeTags"), h("input", { id: "include_tags", name: "include_tags" })),
      field("exclude_tags", t("excludeTags"), h("input", { id: "exclude_tags", name: "exclude_tags" })),
      field("holdout_percent", t("holdout"), h("input", { id: "holdout_percent", name: "holdout_percent", type: "number", step: "0.1", value: "0" })),
      field("quiet_start", t("quietStart"), h("input", { id: "quiet_start", name: "quiet_start", placeholder: "22:00" })),
      field("quiet_end", t("quietEnd"), h("input", { id: "quiet_end", name: "quiet_end", placeholder: "08:00" })),
      field("kind", t("content"), kind),
      h(
        "div",
        { id: "default-fields" },
        field("greeting", t("greeting"), h("input", { id: "greeting", name: "greeting" })),
        field("guide", t("guide"), h("input", { id: "guide", name: "guide" })),
        field("keyword", t("keyword"), h("input", { id: "keyword", name: "keyword" })),
        field("keyword_reply", t("keywordReply"), h("input", { id: "keyword_reply", name: "keyword_reply" })),
      ),
      h("div", { id: "custom-fields", class: "hidden" }, field("replies", t("replies"), h("textarea", { id: "replies", name: "replies", rows: 4 }))),
      problems,
      h("button", { type: "submit", id: "save-rule" }, t("save")),
    );
    const pane = h("aside", { class: "phone", id: "preview" }, h("h4", {}, t("preview")), h("p", { class: "meta" }, t("previewHint")));
    form.previewPane = pane;
    form.keptContent = null;
    const showKind = () => {
      form.querySelector("#default-fields").classList.toggle("hidden", kind.value !== "default");
      form.querySelector("#custom-fields").classList.toggle("hidden", kind.value !== "custom");
    };
    kind.addEventListener("change", showKind);
    form.addEventListener("kind", showKind);

    function rule() {
      const e = form.elements;
      let content;
      if (kind.value === "keep" && form.keptContent) content = form.keptContent;
      else if (kind.value === "default")
        content = { kind: "default", greeting: e.greeting.value, guide: e.guide.value, keyword: e.keyword.value, keyword_reply: e.keyword_reply.value };
      else
        content = {
          kind: "custom",
          replies: e.replies.value
            .split("\n")
            .map((x) => x.trim())
            .filter((x) => x)
            .map((text) => ({ type: "text", text })),
        };
      const out = {
        name: e.name.value.trim(),
        enabled: e.enabled.checked,
        lead_minutes: e.lead_minutes.value === "" ? null : Number(e.lead_minutes.value),
        include_tags: tags(e.include_tags.value),
        exclude_tags: tags(e.exclude_tags.value),
        holdout_percent: e.holdout_percent.value === "" ? 0 : Number(e.holdout_percent.value),
        content,
      };
      if (e.quiet_start.value || e.quiet_end.value) out.quiet_hours = { start: e.quiet_start.value, end: e.quiet_end.value };
      return out;
    }

    function show(errors) {
      clear(problems);
      for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
      for (const el of form.querySelectorAll(".field.invalid")) el.classList.remove("invalid");
      if (!errors.length) return;
      problems.appendChild(h("li", { class: "lead" }, t("invalid")));
      for (const e of errors) {
        const id = formField(e.field);
        const box = form.querySelector("#field-" + CSS.escape(id));
        if (box) box.classList.add("invalid");
        const slot = form.querySelector("#error-" + CSS.escape(id));
        if (slot) slot.textContent = fieldError(e);
        const label = box ? box.querySelector("label").textContent + " (" + e.field + ")" : e.field || t("name");
        problems.appendChild(h("li", {}, label + ": " + fieldError(e)));
      }
    }

    // Live validation: the API checks the rule exactly as a save would, without saving it.
    let timer = null;
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        try {
          await api("POST", acct(appId) + "/rules/validate", rule());
          show([]);
          drawPreview(pane, (await api("POST", acct(appId) + "/rules/preview", rule())).messages);
          notice.className = "good";
          notice.textContent = t("looksGood");
        } catch (err) {
          if (err.status === 422) {
            show(err.body.errors);
            notice.textContent = "";
          }
        }
      }, 400);
    });

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearTimeout(timer);
      try {
        await api("PUT", acct(appId) + "/rules", rule());
        await rulesPage(appId);
        const again = document.getElementById("rule-notice");
        again.className = "good";
        again.textContent = t("saved");
      } catch (err) {
        if (err.status === 422) show(err.body.errors);
        else {
          show([]);
          notice.className = "error";
          notice.textContent = err.status === 403 ? t("forbidden") : err.message;
        }
      }
    });
    return form;
  }

  // --- rule stats ----------------------------------------------------------------------------

  const SERIES = [
    ["pending", "s-pending"],
    ["sent", "s-sent"],
    ["recalled", "s-recalled"],
    ["failed", "s-failed"],
    ["skipped", "s-skipped"],
  ];

  function skippedSum(d) {
    return Object.values(d.skipped).reduce((a, b) => a + b, 0);
  }

  function statsChart(days) {
    const width = 760;
    const height = 260;
    const left = 40;
    const bottom = 40;
    const values = days.map((d) => SERIES.map(([k]) => (k === "skipped" ? skippedSum(d) : d[k])));
    const max = Math.max(1, ...values.flat());
    const slot = (width - left) / Math.max(1, days.length);
    const bar = Math.max(2, (slot - 6) / SERIES.length);
    const y = (v) => height - bottom - (v / max) * (height - bottom - 20);
    const svg = s("svg", { viewBox: "0 0 " + width + " " + height, class: "chart", id: "stats-chart", role: "img" });
    for (const tick of [0, 0.5, 1]) {
      const v = Math.round(max * tick);
      svg.appendChild(s("line", { x1: left, x2: width, y1: y(v), y2: y(v), class: "grid" }));
      svg.appendChild(s("text", { x: left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, String(v)));
    }
    days.forEach((d, i) => {
      values[i].forEach((v, j) => {
        const x = left + i * slot + 3 + j * bar;
        svg.appendChild(s("rect", { x, y: y(v), width: bar - 1, height: height - bottom - y(v), class: SERIES[j][1] }, s("title", {}, t(SERIES[j][0]) + " " + v)));
      });
      if (days.length <= 16 || i % Math.ceil(days.length / 16) === 0)
        svg.appendChild(s("text", { x: left + i * slot + slot / 2, y: height - bottom + 16, class: "axis", "text-anchor": "middle" }, d.day.slice(5)));
    });
    SERIES.forEach(([k, cls], j) => {
      svg.appendChild(s("rect", { x: left + j * 120, y: height - 14, width: 10, height: 10, class: cls }));
      svg.appendChild(s("text", { x: left + j * 120 + 14, y: height - 5, class: "axis" }, t(k)));
    });
    return svg;
  }

  // The holdout's lift: rates as fractions from the API, shown as % and percentage points.
  function liftTable(st) {
    const pct = (v) => (v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%");
    const pp = (v) => (v === null || v === undefined ? "–" : (v >= 0 ? "+" : "") + (v * 100).toFixed(1) + "pp");
    const row = (x, label) => [label, x.sent, x.recalled, pct(x.rate_sent), x.held_out, x.recalled_holdout, pct(x.rate_held_out), pp(x.lift) + (x.lift === null ? "" : " [" + pp(x.low) + ", " + pp(x.high) + "]")];
    const rows = (st.lift || []).map((x) => row(x, x.day));
    if (st.lift_total) rows.push(row(st.lift_total, t("total")));
    return h("section", { id: "lift" }, h("h3", {}, t("liftTitle")), table([t("from"), t("sent"), t("recalled"), t("rateSent"), t("heldOut"), t("recalledHoldout"), t("rateHeldOut"), t("lift")], rows));
  }

  async function statsPage(appId, name, ruleId) {
    const main = page(appId, h("p", {}, t("loading")));
    // By id for a deleted rule (rules page, "show deleted"); by name otherwise.
    const here = ruleId ? "rules/by-id/" + encodeURIComponent(ruleId) + "/stats" : "rules/" + encodeURIComponent(name) + "/stats";
    const base = acct(appId) + "/" + here;
    const params = new URLSearchParams(location.hash.split("?")[1] || "");
    const query = new URLSearchParams();
    if (params.get("from")) query.set("from", params.get("from"));
    if (params.get("to")) query.set("to", params.get("to"));
    try {
      const st = await api("GET", base + (query.toString() ? "?" + query : ""));
      const from = h("input", { type: "date", id: "from", value: st.from_day });
      const to = h("input", { type: "date", id: "to", value: st.to_day });
      const rows = st.days.map((d) => [d.day, d.pending, d.eligible, d.sent, d.failed, d.recalled, skippedSum(d)]);
      rows.push([t("total"), st.total.pending, st.total.eligible, st.total.sent, st.total.failed, st.total.recalled, skippedSum(st.total)]);
      clear(main);
      append(main, [
        h("h2", {}, t("statsOf", { name: st.rule }), st.deleted_at ? [" ", h("span", { class: "deleted-mark" }, t("deletedAt", { at: when(st.deleted_at, st.timezone) }))] : null),
        h("p", { class: "meta" }, t("zone") + " " + st.timezone),
        h(
          "form",
          {
            class: "range",
            id: "range",
            on: {
              submit: (e) => {
                e.preventDefault();
                go(link(appId, here + "?from=" + from.value + "&to=" + to.value));
              },
            },
          },
          h("label", {}, t("from"), from),
          h("label", {}, t("to"), to),
          h("button", { type: "submit" }, t("show")),
          h("button", { type: "button", id: "csv", on: { click: () => download(base, from.value, to.value, st.rule) } }, t("downloadCsv")),
        ),
        statsChart(st.days),
        table([t("from"), t("pending"), t("eligible"), t("sent"), t("failed"), t("recalled"), t("skipped")], rows),
        liftTable(st),
      ]);
    } catch (err) {
      clear(main).appendChild(failure(err));
    }
  }

  async function download(base, from, to, rule) {
    const resp = await fetch(base + "?" + new URLSearchParams({ from, to, format: "csv" }), {
      headers: { Authorization: "Bearer " + state.token },
      credentials: "omit",
    });
    if (!resp.ok) return;
    const url = URL.createObjectURL(await resp.blob());
    const a = h("a", { href: url, download: "recall-" + rule + "-" + from + "-" + to + ".csv" });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

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

  window.WXPages = { rulesPage, statsPage, campaignsPage, campaignPage, followersPage };
})();
