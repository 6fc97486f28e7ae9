// A recall's message drawn as the follower sees it: WeChat's message JSON as chat bubbles, text only.
"use strict";

(function () {
  const { h, s, t, clear, link } = window.WX;

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


  window.WXPreview = { drawPreview };
})();
