// The campaign designer's model: wall times in the account's zone <-> ISO instants (Intl, no DST
// assumption), the form's model <-> a CampaignSpec, and an API error's field -> the form field.
// Pure functions, no DOM; designer.js draws the page.
"use strict";

(function () {
  const WALL = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})\s*$/;

  // --- times: a wall time in the ACCOUNT's zone <-> an instant, by Intl (no DST assumption) ---

  function wallParts(ms, zone) {
    const fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    const p = {};
    for (const part of fmt.formatToParts(new Date(ms))) p[part.type] = Number(part.value);
    return p;
  }

  // The zone's offset from UTC at that instant, in minutes (+480 for Asia/Shanghai).
  function offsetAt(ms, zone) {
    const p = wallParts(ms, zone);
    const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60000);
  }

  const pad = (n) => String(n).padStart(2, "0");

  function offsetText(minutes) {
    const a = Math.abs(minutes);
    return (minutes < 0 ? "-" : "+") + pad(Math.floor(a / 60)) + ":" + pad(a % 60);
  }

  // "2026-12-04 10:00" in `zone` -> "2026-12-04T10:00:00+08:00"; null when no such wall time
  // exists there (a DST gap) or the text is no date. The offset is the zone's at that instant.
  function isoInZone(text, zone) {
    const m = WALL.exec(text || "");
    if (!m) return null;
    const [y, mo, d, hh, mi] = m.slice(1).map(Number);
    const wall = Date.UTC(y, mo - 1, d, hh, mi);
    let instant = wall - offsetAt(wall, zone) * 60000;
    instant = wall - offsetAt(instant, zone) * 60000; // the offset where the instant really lies
    const back = wallParts(instant, zone);
    if (back.year !== y || back.month !== mo || back.day !== d || back.hour !== hh || back.minute !== mi) return null;
    return y + "-" + pad(mo) + "-" + pad(d) + "T" + pad(hh) + ":" + pad(mi) + ":00" + offsetText(offsetAt(instant, zone));
  }

  // A stored ISO time -> the wall time the operator reads in the account's zone.
  function wallText(iso, zone) {
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) return iso || "";
    const p = wallParts(ms, zone);
    return p.year + "-" + pad(p.month) + "-" + pad(p.day) + " " + pad(p.hour) + ":" + pad(p.minute);
  }

  // --- the form's model <-> a CampaignSpec -----------------------------------------------------

  function newVariant(i) {
    return { name: String.fromCharCode(65 + i), mediaId: "", ratio: "10", sendAt: "" };
  }

  function newGroup(i) {
    return {
      name: "", audience: i === 0 ? "all" : "tags", tags: [], contentKind: "article", mediaId: "", text: "",
      sendNow: true, sendAt: "", ab: false, variants: [newVariant(0), newVariant(1)],
      winner: { decideAt: "", significance: "0.05", minSent: "100", noWinner: "stop", defaultVariant: "" },
    };
  }

  function timeOut(text, zone) {
    return isoInZone(text, zone) || (text.trim() === "" ? null : text.trim()); // the API says why
  }

  function toSpec(model, zone) {
    return {
      name: model.name.trim(),
      groups: model.groups.map((g) => {
        const out = { name: g.name.trim(), audience: g.audience === "tags" ? { kind: "tags", tags: g.tags } : { kind: g.audience } };
        if (g.ab) {
          const w = g.winner;
          const winner = { significance: Number(w.significance), min_sent: Number(w.minSent), no_winner: w.noWinner };
          if (w.decideAt.trim()) winner.decide_at = timeOut(w.decideAt, zone);
          if (w.noWinner === "variant") winner.default_variant = w.defaultVariant || null;
          out.ab_test = {
            variants: g.variants.map((v) => ({
              name: v.name.trim(),
              content: { type: "mpnews", media_id: v.mediaId },
              ratio: v.ratio === "" ? null : Number(v.ratio) / 100,
              send_at: timeOut(v.sendAt, zone),
            })),
            winner,
          };
        } else {
          out.content = g.contentKind === "text" ? { type: "text", content: g.text } : { type: "mpnews", media_id: g.mediaId };
          out.send_at = g.sendNow ? "now" : timeOut(g.sendAt, zone);
        }
        return out;
      }),
    };
  }

  function fromSpec(spec, zone) {
    const when_ = (x) => (x === "now" || x === null || x === undefined ? "" : wallText(x, zone));
    return {
      name: spec.name || "",
      groups: spec.groups.map((g, i) => {
        const m = newGroup(i);
        const a = typeof g.audience === "string" ? { kind: g.audience } : g.audience;
        m.name = g.name;
        m.audience = a.kind || (a.tags ? "tags" : "all");
        m.tags = [...(a.tags || [])];
        if (g.content) {
          m.contentKind = g.content.type === "text" ? "text" : "article";
          m.mediaId = g.content.media_id || "";
          m.text = g.content.content || "";
        }
        m.sendNow = !g.send_at || g.send_at === "now";
        m.sendAt = when_(g.send_at);
        if (g.ab_test) {
          const w = g.ab_test.winner || {};
          m.ab = true;
          m.variants = g.ab_test.variants.map((v) => ({
            name: v.name, mediaId: v.content.media_id || "", ratio: String(Math.round(v.ratio * 10000) / 100), sendAt: when_(v.send_at),
          }));
          m.winner = {
            decideAt: when_(w.decide_at), significance: String(w.significance ?? 0.05), minSent: String(w.min_sent ?? 100),
            noWinner: w.no_winner || "stop", defaultVariant: w.default_variant || "",
          };
        }
        return m;
      }),
    };
  }

  // An error's field ("groups.0.ab_test.variants.1.ratio") -> the form field showing it ("g0-v1-ratio").
  function formField(path) {
    const p = (path || "").split(".");
    if (p[0] !== "groups") return p[0] || "name";
    if (p.length < 2 || !/^\d+$/.test(p[1])) return "groups";
    const g = "g" + p[1];
    const k = p[2];
    if (k === "ab_test") {
      if (p[3] === "variants" && /^\d+$/.test(p[4] || "")) return g + "-v" + p[4] + "-" + (p[5] === "content" ? "article" : p[5] || "name");
      if (p[3] === "winner") return g + "-w-" + (p[4] || "no_winner");
      return g + "-variants";
    }
    if (k === "content") return g + "-content";
    if (k === "audience") return g + "-audience";
    if (k === "name" || k === "send_at") return g + "-" + k;
    return g + "-group";
  }

  window.WXDesignerSpec = { isoInZone, wallText, newGroup, newVariant, toSpec, fromSpec, formField };
})();
