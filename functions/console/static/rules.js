// The recall rules page: the list, the form with live validation and the message preview.
"use strict";

(function () {
  const { h, s, t, fieldError, when, api, acct, page, clear, append, table, failure, go, state, link } = window.WX;
  const { drawPreview } = window.WXPreview;

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

  window.WXPages = Object.assign(window.WXPages || {}, { rulesPage });
})();
