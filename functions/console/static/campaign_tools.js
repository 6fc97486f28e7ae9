// The campaign page's tools: the plan before start, reschedule, preview, take offline, the
// article data CSV. Text-only DOM; each form only asks: the API decides and its refusal shows.
"use strict";

(function () {
  const { h, t, when, table, state, api, acct, clear, append } = window.WX;

  function base(appId, c) {
    return acct(appId) + "/campaigns/" + encodeURIComponent(c.campaign_id);
  }

  function refused(err) {
    if (err.status === 403) return t("forbidden");
    const why = err.body && err.body.reason;
    if (why) return (state.lang === "zh" ? why.message_zh + " " + why.action_zh : why.message + " " + why.action) + " [" + why.code + "]";
    const fields = err.body && err.body.errors;
    if (fields && fields.length) return fields.map((f) => (f.field ? f.field + ": " : "") + window.WX.fieldError(f)).join("; ");
    return err.message;
  }

  // --- times in the account's zone ----------------------------------------------------------

  // The account zone's offset (ms) at instant `ms`, read with Intl: never the browser's zone.
  function offsetAt(ms, zone) {
    const parts = {};
    const fmt = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    for (const p of fmt.formatToParts(new Date(ms))) parts[p.type] = Number(p.value);
    const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    return wall - Math.floor(ms / 1000) * 1000;
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  // "2026-11-24T20:00" read in `zone` -> "2026-11-24T20:00:00+08:00" (the offset at that instant).
  function zonedIso(local, zone) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local || "");
    if (!m) return null;
    const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    const offset = offsetAt(guess - offsetAt(guess, zone), zone);
    const minutes = Math.round(offset / 60000);
    const sign = minutes < 0 ? "-" : "+";
    const abs = Math.abs(minutes);
    return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":00" + sign + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  }

  // Epoch seconds -> "2026-11-24T20:00" as the account's wall clock (a datetime-local value).
  function zonedLocal(ts, zone) {
    const d = new Date(ts * 1000 + offsetAt(ts * 1000, zone));
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + "T" + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }

  // --- plan -----------------------------------------------------------------------------------

  function planView(plan) {
    const z = plan.timezone;
    const used = t("planBudget", { day: plan.calls_per_day, minute: plan.calls_per_minute, used: plan.used_today }) +
      (plan.sends_today === null ? "" : " · " + t("planSends", { n: plan.sends_today }));
    if (!plan.known) return h("div", { id: "plan" }, h("p", { class: "meta" }, used), h("p", { class: "warn" }, t("planUnknown") + " " + plan.source));
    const rows = plan.days.flatMap((d) => d.legs.map((s) => [s.day, s.label, s.calls, when(s.at, z)]));
    return h(
      "div",
      { id: "plan" },
      h("p", { class: "meta" }, used),
      h("p", { class: "meta" }, t("planSource") + " " + when(plan.counted_at, z)),
      rows.length ? table([t("planDay"), t("toolLeg"), t("planCallsHead"), t("planFrom")], rows) : h("p", {}, t("planEmpty")),
      h("p", { class: "meta" }, t("planTotal", { n: plan.total_calls, days: plan.days.length })),
    );
  }

  function planText(plan) {
    if (!plan.known) return t("planUnknown") + " " + plan.source;
    return plan.days.flatMap((d) => d.legs.map((s) => s.day + "  " + s.label + "  " + s.calls + " " + t("planCalls"))).join("\n");
  }

  // The start button's confirmation: the day-by-day plan the start will follow.
  async function confirmStart(appId, c) {
    let text;
    try {
      text = planText(await api("GET", base(appId, c) + "/plan"));
    } catch (err) {
      text = refused(err);
    }
    return window.confirm(t("confirmStart", { name: c.name }) + "\n\n" + text);
  }

  // --- reschedule -----------------------------------------------------------------------------

  function rescheduleForm(appId, c, tools, reload) {
    const waiting = tools.legs.filter((l) => l.waiting);
    if (!waiting.length) return null;
    const zone = tools.timezone;
    const leg = h("select", { id: "reschedule-leg" }, h("option", { value: "" }, t("allLegs")), waiting.map((l) => h("option", { value: l.label }, l.label)));
    const at = h("input", { id: "reschedule-at", type: "datetime-local", required: true, value: zonedLocal(waiting[0].send_at, zone) });
    leg.addEventListener("change", () => {
      const found = waiting.find((l) => l.label === leg.value) || waiting[0];
      at.value = zonedLocal(found.send_at, zone);
    });
    async function submit(e) {
      e.preventDefault();
      const iso = zonedIso(at.value, zone);
      const body = { at: iso };
      if (leg.value) body.leg = leg.value;
      let next;
      try {
        await api("POST", base(appId, c) + "/reschedule", body);
        next = { kind: "good", text: t("done_reschedule") };
      } catch (err) {
        next = { kind: "error", text: refused(err) };
      }
      reload(next);
    }
    return h(
      "form",
      { id: "reschedule", class: "tool", on: { submit } },
      h("h4", {}, t("reschedule")),
      h("label", {}, t("toolLeg"), leg),
      h("label", {}, t("newTime") + " (" + zone + ")", at),
      h("button", { type: "submit", id: "reschedule-go" }, t("reschedule")),
    );
  }

  // --- preview --------------------------------------------------------------------------------

  function previewForm(appId, c, tools) {
    const by = h("select", { id: "preview-by" }, h("option", { value: "wxname" }, t("byWxname")), h("option", { value: "openid" }, t("byOpenid")));
    const to = h("input", { id: "preview-to", required: true, maxlength: 64 });
    const legs = tools.legs.filter((l) => l.kind !== "winner");
    const leg = h("select", { id: "preview-leg" }, h("option", { value: "" }, t("allLegs")), legs.map((l) => h("option", { value: l.label }, l.label)));
    const out = h("p", { id: "preview-result", role: "status" });
    async function submit(e) {
      e.preventDefault();
      const body = { [by.value]: to.value.trim() };
      if (leg.value) body.leg = leg.value;
      clear(out).className = "";
      try {
        const r = await api("POST", base(appId, c) + "/preview", body);
        out.className = "good";
        append(out, [t("previewSent") + " " + r.previews.map((p) => p.leg + " → " + p.to).join("; ")]);
      } catch (err) {
        out.className = "error";
        append(out, [refused(err)]);
      }
    }
    return h(
      "form",
      { id: "preview", class: "tool", on: { submit } },
      h("h4", {}, t("previewTo")),
      h("label", {}, t("previewBy"), by),
      h("label", {}, t("follower"), to),
      h("label", {}, t("toolLeg"), leg),
      h("button", { type: "submit", id: "preview-go" }, t("sendPreview")),
      out,
    );
  }

  // --- take offline ---------------------------------------------------------------------------

  function offlineBox(appId, c, reload) {
    const box = h("div", { id: "offline-box" });
    async function show() {
      clear(box);
      let plan;
      try {
        plan = await api("GET", base(appId, c) + "/offline-plan");
      } catch (err) {
        box.appendChild(h("p", { class: "error" }, refused(err)));
        return;
      }
      if (plan.nothing) {
        box.appendChild(h("p", { class: "meta" }, plan.nothing));
        return;
      }
      const rows = plan.news.flatMap((n) =>
        n.batches.map((b) => [n.media_id, (b.campaign_id === c.campaign_id ? "" : b.campaign_id + " ") + b.label, b.number, b.msg_id === null ? "—" : String(b.msg_id), b.already_offline ? t("st_offline") : ""]),
      );
      const others = plan.news.flatMap((n) => n.other_campaigns);
      async function confirm() {
        let next;
        try {
          const r = await api("POST", base(appId, c) + "/offline", { confirmed: plan.confirm });
          next = { kind: "good", text: t("done_offline", { n: r.offline.length }) };
        } catch (err) {
          next = { kind: "error", text: refused(err) };
        }
        reload(next);
      }
      append(box, [
        h("p", { class: "warn" }, t("offlineWarn")),
        others.length ? h("p", { class: "warn" }, t("offlineOthers", { ids: [...new Set(others)].join(", ") })) : null,
        table([t("news"), t("toolLeg"), "#", "msg_id", t("status")], rows),
        h("div", { class: "actions" },
          h("button", { type: "button", id: "offline-confirm", class: "danger", on: { click: confirm } }, t("offlineConfirm", { n: plan.confirm.length })),
          h("button", { type: "button", id: "offline-cancel", on: { click: () => clear(box) } }, t("keepOnline")),
        ),
      ]);
    }
    return h("div", { id: "offline", class: "tool" }, h("h4", {}, t("takeOffline")),
      h("button", { type: "button", id: "offline-plan", on: { click: show } }, t("offlinePlan")), box);
  }

  // --- article data ---------------------------------------------------------------------------

  // Fetched with the bearer token (a plain link would carry none), saved through a Blob URL.
  async function download(appId, c, note) {
    clear(note);
    try {
      const resp = await fetch(base(appId, c) + "/articles.csv", {
        headers: { Authorization: "Bearer " + state.token },
        credentials: "omit",
        cache: "no-store",
      });
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      const url = URL.createObjectURL(await resp.blob());
      const a = h("a", { href: url, download: "campaign-" + c.campaign_id + "-articles.csv", hidden: true });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      append(note, [t("downloaded")]);
    } catch (err) {
      append(note, [err.message]);
    }
  }

  // --- the section ----------------------------------------------------------------------------

  function mount(appId, c, reload) {
    const section = h("section", { id: "campaign-tools", class: "card tools" }, h("h3", {}, t("campaignTools")));
    const note = h("span", { id: "download-note", class: "meta", role: "status" });
    const csv = h("p", {}, h("button", { type: "button", id: "download-csv", on: { click: () => download(appId, c, note) } }, t("downloadCsv")), " ", note);
    const writer = Boolean(state.me && state.me.can_write);
    api("GET", base(appId, c) + "/tools")
      .then(async (tools) => {
        const parts = [];
        if (c.status === "draft") {
          parts.push(h("h4", {}, t("planTitle")));
          try {
            parts.push(planView(await api("GET", base(appId, c) + "/plan")));
          } catch (err) {
            parts.push(h("p", { id: "plan", class: "error" }, refused(err)));
          }
        }
        if (writer && tools.reschedulable) parts.push(rescheduleForm(appId, c, tools, reload));
        if (writer) parts.push(previewForm(appId, c, tools));
        if (writer && c.status !== "draft") parts.push(offlineBox(appId, c, reload));
        append(section, [parts, h("h4", {}, t("articleData")), csv]);
      })
      .catch((err) => section.appendChild(h("p", { class: "error" }, refused(err))));
    return section;
  }

  window.WXCampaignTools = { mount, confirmStart, zonedIso, zonedLocal };
})();
