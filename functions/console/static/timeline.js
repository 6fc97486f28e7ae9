// A campaign's timeline of legs and batches, and a follower's recalls: text-only DOM, figures as
// the API computed them (broadcast/report.py and console/views.py); nothing is decided here.
"use strict";

(function () {
  const { h, t, when, percent, table, badge, state, api, acct } = window.WX;

  // The stored failure in the page's language: what happened, what to do, its stable code.
  function reasonBox(failure) {
    if (!failure) return null;
    const zh = state.lang === "zh";
    return h(
      "div",
      { class: "failure", role: "note" },
      h("p", { class: "error" }, zh ? failure.message_zh : failure.message),
      h("p", {}, t("whatToDo") + ": " + (zh ? failure.action_zh : failure.action)),
      h("small", { class: "meta" }, t("code") + " " + failure.code),
    );
  }

  function rateWithInterval(leg) {
    if (leg.read_rate === null || leg.read_rate === undefined) return "—";
    const ci = leg.read_rate_ci95;
    return percent(leg.read_rate) + (ci ? " (" + percent(ci[0]) + "–" + percent(ci[1]) + ")" : "");
  }

  // The seed's words in Chinese (the API sends them), the status word in English.
  function batchStatus(b) {
    const word = state.lang === "zh" ? b.status_zh : t("st_" + b.status);
    return h("span", { class: "badge st-" + b.status }, word);
  }

  function figures(b) {
    if (!b.figures) return "—";
    return h("span", { title: b.estimate_reason || "" }, t("fig_" + b.figures) + (b.estimated ? " ~" : ""));
  }

  function batchTable(leg, zone) {
    if (!leg.batch_details.length) return h("p", { class: "meta" }, t("noBatches"));
    return table(
      ["#", "clientmsgid", "msg_id", t("status"), t("submittedAt"), t("finishedAt"), t("sent"), t("filtered"), t("errors"), t("figures")],
      leg.batch_details.map((b) => [
        b.batch,
        b.clientmsgid,
        b.msg_id === null ? "—" : String(b.msg_id),
        batchStatus(b),
        when(b.submitted_at, zone),
        when(b.finished_at, zone),
        b.sent,
        b.filtered,
        b.errors,
        figures(b),
      ]),
    );
  }

  // One table of the group's legs (planned vs actual), then each leg's batches and failure.
  function legTimeline(group, zone) {
    const legs = [...group.legs].sort((a, b) => a.send_at - b.send_at);
    return h(
      "div",
      { class: "timeline" },
      table(
        [t("leg"), t("name"), t("plannedAt"), t("actualAt"), t("finishedAt"), t("status"), t("sent"), t("filtered"), t("errors"), t("readers"), t("readRate")],
        legs.map((l) => [
          t("kind_" + l.kind),
          l.label,
          when(l.send_at, zone),
          when(l.sent_at, zone),
          when(l.finished_at, zone),
          badge(l.status),
          l.sent,
          l.filtered,
          l.errors,
          l.readers === null ? "—" : l.readers,
          rateWithInterval(l),
        ]),
      ),
      legs.map((l) =>
        h(
          "details",
          { class: "leg", open: l.failure || l.batch_details.some((b) => b.errors > 0) ? true : null },
          h("summary", {}, t("kind_" + l.kind) + " " + l.label + " · " + t("batches") + " " + l.batch_details.length),
          reasonBox(l.failure),
          batchTable(l, zone),
        ),
      ),
    );
  }

  function answered(yes) {
    return yes ? t("answered") : t("notAnswered");
  }

  // The follower's recalls: the last one (rule by name, answered?), the holdout mark, those to come.
  function followerRecalls(f) {
    const z = f.timezone;
    const marks = h(
      "dl",
      { class: "card", id: "follower-recalls" },
      [
        [t("lastRecall"), f.last_recall_at ? when(f.last_recall_at, z) + " · " + f.last_recall_rule + " · " + answered(f.recall_answered) : "—"],
        [t("heldOutLast"), f.held_out_at ? when(f.held_out_at, z) + " · " + f.held_out_rule + " · " + answered(f.holdout_answered) : "—"],
        [t("recallsInWindow"), f.recalls_in_window],
      ].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
    );
    const pending = f.pending_recalls.length
      ? table(
          [t("ruleName"), t("dueAt"), t("status"), t("closesAt")],
          f.pending_recalls.map((r) => [
            r.rule,
            when(r.due_at, z) + (r.in_quiet_hours ? " · " + t("quietSkip") : ""),
            t("rs_" + r.status),
            when(r.window_closes_at, z),
          ]),
        )
      : h("p", { class: "meta" }, t("none"));
    return [marks, h("h3", {}, t("pendingRecalls")), h("div", { id: "pending-recalls" }, pending)];
  }

  // The operator's actions on a campaign, each shown only in the statuses the API accepts it in
  // (broadcast/operations.py); the API still decides, and its refusal is shown as text.
  const ACTIONS = [
    ["start", ["draft"]],
    ["send-now", ["segmenting", "preparing", "queued"]],
    ["cancel", ["draft", "segmenting", "preparing", "queued"]],
    ["resume", ["failed", "partially_failed"]],
  ];

  function campaignActions(appId, c, flash, reload) {
    const notice = h("p", { id: "campaign-notice", role: "status", class: flash ? flash.kind : null }, flash ? flash.text : null);
    if (!(state.me && state.me.can_write)) return notice;
    const key = (action) => action.replace("-", "_");
    async function run(action) {
      if (action === "cancel" && !window.confirm(t("confirmCancel", { name: c.name }))) return;
      if (action === "start" && !(await window.WXCampaignTools.confirmStart(appId, c))) return;
      let next;
      try {
        await api("POST", acct(appId) + "/campaigns/" + encodeURIComponent(c.campaign_id) + "/" + action);
        next = { kind: "good", text: t("done_" + key(action)) };
      } catch (err) {
        next = { kind: "error", text: err.status === 403 ? t("forbidden") : err.message };
      }
      reload(next);
    }
    const buttons = ACTIONS.filter(([, allowed]) => allowed.includes(c.status)).map(([action]) =>
      h("button", { type: "button", id: "act-" + action, class: "act-" + action, on: { click: () => run(action) } }, t("act_" + key(action))),
    );
    return [buttons.length ? h("div", { id: "campaign-actions", class: "actions" }, buttons) : null, notice];
  }

  window.WXTimeline = { legTimeline, reasonBox, followerRecalls, campaignActions };
})();
