// The operator console's page. Every piece of data goes into the page as text (textContent,
// createTextNode, setAttribute on safe attributes): never innerHTML. The API checks everything
// again; nothing here decides what is allowed.
"use strict";

(function () {
  const I18N = window.WX_I18N;
  const TOKEN_KEY = "wxengage.console.token";
  // Session storage only (never a cookie, never localStorage): gone when the tab closes.
  const REFRESH_KEY = "wxengage.console.refresh";
  const EXPIRES_KEY = "wxengage.console.expires";
  const LANG_KEY = "wxengage.console.lang";
  const UTC_KEY = "wxengage.console.utc";
  const SVG = "http://www.w3.org/2000/svg";
  const state = {
    lang: localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh",
    utc: localStorage.getItem(UTC_KEY) === "1",
    token: sessionStorage.getItem(TOKEN_KEY),
    me: null,
    accounts: [],
  };

  // --- words and times ---------------------------------------------------------------------

  function t(key, vars) {
    let text = I18N[state.lang][key] || I18N.zh[key] || key;
    for (const [k, v] of Object.entries(vars || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  }

  // A field's validation error in the page's language: pydantic's standard kinds are worded
  // here from their limits (`ctx`); the domain's own sentences come as the API wrote them.
  function fieldError(e) {
    const key = "err_" + e.type;
    if (I18N[state.lang][key]) return t(key, e.ctx || {});
    return String(e.message || "").replace(/^Value error, /, "");
  }

  function when(ts, zone) {
    if (ts === null || ts === undefined) return "—";
    const timeZone = state.utc ? "UTC" : zone;
    const locale = state.lang === "zh" ? "zh-CN" : "en-GB";
    const date = new Date(ts * 1000);
    const text = new Intl.DateTimeFormat(locale, {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    }).format(date);
    const name = new Intl.DateTimeFormat("en-GB", { timeZone, timeZoneName: "short" })
      .formatToParts(date)
      .find((p) => p.type === "timeZoneName");
    return name ? text + " (" + name.value + ")" : text;
  }

  function percent(rate) {
    return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(2) + "%";
  }

  // --- the DOM, as text only -----------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "on") {
        for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      } else if (k === "class") {
        el.className = v;
      } else if (k === "value") {
        el.value = v;
      } else if (k === "checked") {
        el.checked = Boolean(v);
      } else if (k.startsWith("on") || k === "style" || k === "srcdoc") {
        throw new Error("refusing attribute " + k);
      } else {
        el.setAttribute(k, v === true ? "" : String(v));
      }
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined) continue;
      el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  function table(headers, rows) {
    return h(
      "table",
      {},
      h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))),
    );
  }

  function badge(status) {
    return h("span", { class: "badge st-" + status }, t("st_" + status));
  }

  // --- the API -------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || "HTTP " + status);
      this.status = status;
      this.body = body;
    }
  }

  async function api(method, path, body, retried) {
    const headers = { Accept: "application/json" };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const resp = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit", // the bearer token is the only credential: no cookie, no CSRF
      cache: "no-store",
    });
    const text = await resp.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = { message: text };
    }
    if (resp.status === 401 && path.startsWith("/console/api/")) {
      // Once: a fresh ID token from the refresh token, then the same request again.
      if (!retried && (await refreshToken())) return api(method, path, body, true);
      signOut();
      throw new ApiError(401, data);
    }
    if (!resp.ok) throw new ApiError(resp.status, data);
    return data;
  }

  function link(appId, rest) {
    return "#/a/" + encodeURIComponent(appId) + "/" + rest;
  }

  function acct(appId) {
    return "/console/api/accounts/" + encodeURIComponent(appId);
  }

  // --- layout --------------------------------------------------------------------------------

  const root = document.getElementById("app");

  function go(hash) {
    if (location.hash === hash) render();
    else location.hash = hash;
  }

  function header(appId) {
    const nav = [];
    if (appId) {
      for (const [key, page] of [
        ["overview", "overview"],
        ["rules", "rules"],
        ["campaigns", "campaigns"],
        ["followers", "followers"],
        ["library", "library"],
      ]) {
        nav.push(h("a", { href: "#/a/" + encodeURIComponent(appId) + "/" + page, id: "nav-" + page }, t(key)));
      }
    }
    if (state.me && state.me.role === "admin") {
      nav.push(h("a", { href: "#/admin/users", id: "nav-admin-users" }, t("adminUsers")));
      nav.push(h("a", { href: "#/admin/accounts", id: "nav-admin-accounts" }, t("adminAccounts")));
    }
    const picker = h(
      "select",
      {
        id: "account-picker",
        on: { change: (e) => go("#/a/" + encodeURIComponent(e.target.value) + "/overview") },
      },
      state.accounts.map((a) => h("option", { value: a.app_id, selected: a.app_id === appId }, a.app_id)),
    );
    return h(
      "header",
      {},
      h("h1", {}, h("a", { href: "#/accounts" }, t("app"))),
      state.accounts.length ? picker : null,
      h("nav", {}, nav),
      h(
        "div",
        { class: "tools" },
        h("label", { class: "utc" },
          h("input", {
            type: "checkbox",
            id: "utc-toggle",
            checked: state.utc,
            on: {
              change: (e) => {
                state.utc = e.target.checked;
                localStorage.setItem(UTC_KEY, state.utc ? "1" : "0");
                render();
              },
            },
          }),
          t("utc"),
        ),
        h("button", { type: "button", id: "lang-toggle", on: { click: toggleLanguage } }, t("language")),
        state.me ? h("span", { class: "who" }, state.me.username + " · " + (state.me.role || "—")) : null,
        state.token ? h("button", { type: "button", id: "sign-out", on: { click: () => { signOut(); go("#/sign-in"); } } }, t("signOut")) : null,
      ),
    );
  }

  function toggleLanguage() {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem(LANG_KEY, state.lang);
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    render();
  }

  function page(appId, ...content) {
    clear(root);
    document.title = t("app");
    root.appendChild(header(appId));
    const main = h("main", {}, content);
    root.appendChild(main);
    return main;
  }

  function failure(err) {
    const text = err instanceof ApiError && err.status === 403 ? t("forbidden") : t("error") + ": " + err.message;
    return h("p", { class: "error", role: "alert" }, text);
  }

  function signOut() {
    const refresh = sessionStorage.getItem(REFRESH_KEY);
    if (refresh) {
      // Revoke the refresh token (Cognito RevokeToken; the local issuer likewise).
      fetch("/console/auth/sign-out", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: refresh }),
        credentials: "omit",
      }).catch(() => {});
    }
    clearTimeout(refreshTimer);
    state.token = null;
    state.me = null;
    state.accounts = [];
    for (const key of [TOKEN_KEY, REFRESH_KEY, EXPIRES_KEY]) sessionStorage.removeItem(key);
  }

  // --- sessions: the ID token is refreshed shortly before it expires ---------------------

  let refreshTimer = null;

  function keepTokens(answer) {
    state.token = answer.id_token;
    sessionStorage.setItem(TOKEN_KEY, state.token);
    if (answer.refresh_token) sessionStorage.setItem(REFRESH_KEY, answer.refresh_token);
    const expires = Date.now() + (answer.expires_in || 3600) * 1000;
    sessionStorage.setItem(EXPIRES_KEY, String(expires));
    scheduleRefresh();
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    const expires = Number(sessionStorage.getItem(EXPIRES_KEY) || 0);
    if (!expires || !sessionStorage.getItem(REFRESH_KEY)) return;
    const left = expires - Date.now();
    const margin = Math.min(60000, left / 4); // a minute before, or sooner for short tokens
    refreshTimer = setTimeout(refreshToken, Math.max(0, left - margin));
  }

  let refreshing = null;

  function refreshToken() {
    const refresh = sessionStorage.getItem(REFRESH_KEY);
    if (!refresh) return Promise.resolve(false);
    if (!refreshing) {
      refreshing = fetch("/console/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: refresh }),
        credentials: "omit",
        cache: "no-store",
      })
        .then(async (resp) => {
          if (!resp.ok) return false;
          keepTokens(await resp.json());
          return true;
        })
        .catch(() => false)
        .finally(() => {
          refreshing = null;
        });
    }
    return refreshing;
  }

  // --- pages ---------------------------------------------------------------------------------

  function signInPage() {
    const error = h("p", { class: "error", id: "sign-in-error", role: "alert" });
    const user = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
    const pass = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
    const newPass = h("input", { id: "new-password", type: "password", autocomplete: "new-password" });
    const newRow = h("label", { class: "hidden", id: "new-password-row" }, t("newPassword"), newPass);
    let session = null;
    const form = h(
      "form",
      {
        id: "sign-in",
        class: "card narrow",
        on: {
          submit: async (e) => {
            e.preventDefault();
            error.textContent = "";
            try {
              const answer = session
                ? await api("POST", "/console/auth/new-password", { username: user.value, session, new_password: newPass.value })
                : await api("POST", "/console/auth/sign-in", { username: user.value, password: pass.value });
              if (answer.challenge === "NEW_PASSWORD_REQUIRED") {
                session = answer.session;
                newRow.classList.remove("hidden");
                return;
              }
              keepTokens(answer);
              await loadMe();
              go(state.accounts.length === 1 ? "#/a/" + encodeURIComponent(state.accounts[0].app_id) + "/overview" : "#/accounts");
            } catch (err) {
              error.textContent = err.status === 401 ? t("wrongPassword") : t("error") + ": " + err.message;
            }
          },
        },
      },
      h("h2", {}, t("signIn")),
      h("label", {}, t("username"), user),
      h("label", {}, t("password"), pass),
      newRow,
      h("button", { type: "submit", id: "sign-in-button" }, t("signIn")),
      error,
    );
    page(null, form);
  }

  async function loadMe() {
    state.me = await api("GET", "/console/api/me");
    state.accounts = await api("GET", "/console/api/accounts");
  }

  window.WX = { h, s, t, fieldError, when, percent, api, acct, link, page, clear, append, table, badge, failure, go, state };

  async function render() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    const path = location.hash.replace(/^#\/?/, "").split("?")[0];
    const parts = path.split("/").map(decodeURIComponent);
    if (!state.token) return signInPage();
    try {
      if (!state.me) await loadMe();
    } catch (err) {
      return signInPage();
    }
    if (parts[0] === "a" && parts[1]) {
      const appId = parts[1];
      const view = parts[2] || "overview";
      if (view === "overview") return window.WXPages.overviewPage(appId);
      if (view === "rules" && parts[3] === "by-id" && parts[4] && parts[5] === "stats") return window.WXPages.statsPage(appId, null, parts[4]);
      if (view === "rules" && parts[3] && parts[4] === "stats") return window.WXPages.statsPage(appId, parts[3]);
      if (view === "rules") return window.WXPages.rulesPage(appId);
      if (view === "campaigns" && parts[3] === "new") return window.WXDesigner.designerPage(appId, null);
      if (view === "campaigns" && parts[3] && parts[4] === "edit") return window.WXDesigner.designerPage(appId, parts[3]);
      if (view === "campaigns" && parts[3]) return window.WXPages.campaignPage(appId, parts[3]);
      if (view === "campaigns") return window.WXPages.campaignsPage(appId);
      if (view === "followers") return window.WXPages.followersPage(appId, parts[3]);
      if (view === "library") return window.WXLibrary.libraryPage(appId);
    }
    if (parts[0] === "admin" && parts[1] === "users") return window.WXAdmin.usersPage();
    if (parts[0] === "admin" && parts[1] === "accounts") return window.WXAdmin.accountsPage();
    if (parts[0] === "sign-in" && state.token) return window.WXPages.accountsPage();
    return window.WXPages.accountsPage();
  }

  window.addEventListener("hashchange", render);
  window.addEventListener("DOMContentLoaded", render);
  window.addEventListener("DOMContentLoaded", scheduleRefresh); // after a reload, too
})();
