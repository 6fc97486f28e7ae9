// A rule's stats over a date range: the chart, the table, the holdout's lift, the CSV.
"use strict";

(function () {
  const { h, s, t, when, api, acct, page, clear, append, table, failure, go, state, link } = window.WX;

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

  window.WXPages = Object.assign(window.WXPages || {}, { statsPage });
})();
