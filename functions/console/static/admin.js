// Admin pages: the user pool's users and the accounts' settings. Text-only DOM (WX.h); the API
// checks the role, the grants and lockout again on every call; nothing here decides.
"use strict";

(function () {
  const { h, t, api, page, clear, append, table, when, failure, state } = window.WX;
  const ADMIN = "/console/api/admin";

  function everyAccount() {
    return Boolean(state.me && state.me.accounts.includes("*"));
  }

  function zoneOfFirst() {
    return (state.accounts[0] && state.accounts[0].timezone) || "UTC";
  }

  function problem(err) {
    // 422: one line per field; the API never echoes a value back.
    if (err.status === 422 && err.body && err.body.errors && err.body.errors.length) {
      return h(
        "ul",
        { class: "error", role: "alert" },
        err.body.errors.map((e) => h("li", {}, (e.field ? e.field + ": " : "") + window.WX.fieldError(e))),
      );
    }
    if (err.status === 403 || err.status === 409 || err.status === 404) {
      return h("p", { class: "error", role: "alert" }, (err.status === 403 ? t("forbidden") + " — " : "") + err.message);
    }
    return failure(err);
  }

  function shownOnce(username, password) {
    return h(
      "div",
      { class: "card once", id: "temp-password-box", role: "status" },
      h("p", {}, t("tempPasswordOnce", { user: username })),
      h("code", { id: "temp-password" }, password),
    );
  }

  function grantPicker(name, selected) {
    const options = everyAccount() ? ["*"].concat(state.accounts.map((a) => a.app_id)) : state.accounts.map((a) => a.app_id);
    return h(
      "fieldset",
      { class: "grants", id: name },
      h("legend", {}, t("grantedAccounts")),
      options.map((id) =>
        h("label", { class: "inline" },
          h("input", { type: "checkbox", value: id, name, checked: selected.includes(id) }),
          id === "*" ? t("allAccounts") : id,
        ),
      ),
    );
  }

  function picked(fieldset) {
    return Array.from(fieldset.querySelectorAll("input:checked")).map((i) => i.value);
  }

  function roleSelect(id, value) {
    return h("select", { id, name: "role" }, ["viewer", "operator", "admin"].map((r) => h("option", { value: r, selected: r === value }, t("role_" + r))));
  }

  // --- users -------------------------------------------------------------------------------

  async function usersPage() {
    const notice = h("div", { id: "admin-notice" });
    const list = h("div", { id: "users-list" }, t("loading"));
    const main = page(null, h("h2", {}, t("adminUsers")), notice, createForm(notice, () => loadUsers(list, notice)), list);
    await loadUsers(list, notice);
    return main;
  }

  function say(notice, node) {
    clear(notice).appendChild(node);
  }

  function createForm(notice, reload) {
    const username = h("input", { id: "new-username", required: true, autocomplete: "off" });
    const email = h("input", { id: "new-email", type: "email", required: true, autocomplete: "off" });
    const role = roleSelect("new-role", "viewer");
    const grants = grantPicker("new-accounts", []);
    return h(
      "form",
      {
        id: "create-user",
        class: "card",
        on: {
          submit: async (e) => {
            e.preventDefault();
            try {
              const body = { username: username.value.trim(), email: email.value.trim(), role: role.value, accounts: picked(grants) };
              const made = await api("POST", ADMIN + "/users", body);
              say(notice, made.temporary_password ? shownOnce(made.user.username, made.temporary_password) : h("p", { class: "good", role: "status" }, t("invitationMailed", { user: made.user.username })));
              username.value = "";
              email.value = "";
              await reload();
            } catch (err) {
              say(notice, problem(err));
            }
          },
        },
      },
      h("h3", {}, t("createUser")),
      h("label", {}, t("username"), username),
      h("label", {}, t("email"), email),
      h("label", {}, t("role"), role),
      grants,
      h("button", { type: "submit", id: "create-user-button" }, t("createUser")),
    );
  }

  async function loadUsers(list, notice) {
    try {
      const users = await api("GET", ADMIN + "/users");
      clear(list).appendChild(usersTable(users, list, notice));
    } catch (err) {
      clear(list).appendChild(problem(err));
    }
  }

  function usersTable(users, list, notice) {
    const reload = () => loadUsers(list, notice);
    const act = async (fn) => {
      try {
        await fn();
        await reload();
      } catch (err) {
        say(notice, problem(err));
      }
    };
    const rows = users.map((u) => {
      const self = state.me && u.username === state.me.username;
      const role = roleSelect("role-" + u.username, u.role || "");
      role.addEventListener("change", () => act(() => api("PATCH", ADMIN + "/users/" + encodeURIComponent(u.username), { role: role.value })));
      const grants = h("input", { id: "accounts-" + u.username, value: u.accounts.join(","), size: 24 });
      const saveGrants = h("button", { type: "button", class: "small", on: { click: () => act(() => api("PATCH", ADMIN + "/users/" + encodeURIComponent(u.username), { accounts: grants.value.split(",").map((x) => x.trim()).filter(Boolean) })) } }, t("saveSettings"));
      const toggle = h("button", { type: "button", class: "small", id: "toggle-" + u.username, disabled: self, on: { click: () => act(() => api("PATCH", ADMIN + "/users/" + encodeURIComponent(u.username), { enabled: !u.enabled })) } }, u.enabled ? t("disable") : t("enable"));
      const reset = h("button", {
        type: "button",
        class: "small",
        id: "reset-" + u.username,
        on: {
          click: async () => {
            try {
              const r = await api("POST", ADMIN + "/users/" + encodeURIComponent(u.username) + "/reset-password");
              say(notice, shownOnce(r.username, r.temporary_password));
              await reload();
            } catch (err) {
              say(notice, problem(err));
            }
          },
        },
      }, t("resetPassword"));
      const remove = h("button", {
        type: "button",
        class: "small danger",
        id: "delete-" + u.username,
        disabled: self,
        on: {
          click: () => {
            if (window.confirm(t("confirmDelete", { user: u.username }))) act(() => api("DELETE", ADMIN + "/users/" + encodeURIComponent(u.username)));
          },
        },
      }, t("delete"));
      return [
        h("span", { class: "user-name" }, u.username),
        u.email || "—",
        role,
        h("span", {}, grants, saveGrants),
        u.enabled ? t("enabled") : t("disabled"),
        h("span", { class: "status" }, t("us_" + u.status)),
        when(u.created, zoneOfFirst()),
        h("span", {}, toggle, reset, remove),
      ];
    });
    return table([t("username"), t("email"), t("role"), t("grantedAccounts"), t("state"), t("userStatus"), t("created"), ""], rows);
  }

  // --- accounts ----------------------------------------------------------------------------

  const NUMBERS = [
    ["freshness_seconds", (a) => a.freshness_seconds],
    ["safety_margin_minutes", (a) => a.recall.safety_margin_minutes],
    ["reserve_messages", (a) => a.recall.reserve_messages],
    ["recalls_per_window", (a) => a.recall.recalls_per_window],
    ["cooldown_days", (a) => a.recall.cooldown_days],
    ["mass_calls_per_day", (a) => a.mass.calls_per_day],
    ["mass_calls_per_minute", (a) => a.mass.calls_per_minute],
  ];

  async function accountsPage() {
    const notice = h("div", { id: "admin-notice" });
    const main = page(null, h("h2", {}, t("adminAccounts")), notice, h("p", {}, t("loading")));
    try {
      const accounts = await api("GET", ADMIN + "/accounts");
      clear(main);
      append(main, [
        h("h2", {}, t("adminAccounts")),
        notice,
        accounts.map((a) => settingsForm(a, notice)),
        everyAccount() ? addAccountForm(notice) : null,
      ]);
    } catch (err) {
      clear(main).appendChild(problem(err));
    }
  }

  function choice(id, values, current, prefix) {
    return h("select", { id }, values.map((v) => h("option", { value: v, selected: v === current }, prefix ? t(prefix + v) : t(v))));
  }

  function settingsForm(a, notice) {
    const id = (k) => "set-" + a.app_id + "-" + k;
    const fields = {
      type: choice(id("type"), ["service", "subscription"], a.type),
      plan: choice(id("plan"), ["professional", "enterprise"], a.plan),
      mode: choice(id("mode"), ["safe", "compatible", "plaintext"], a.mode, "mode_"),
      timezone: h("input", { id: id("timezone"), value: a.timezone }),
    };
    const qhStart = h("input", { id: id("qh-start"), value: a.quiet_hours ? a.quiet_hours.start : "", placeholder: "22:00", size: 5 });
    const qhEnd = h("input", { id: id("qh-end"), value: a.quiet_hours ? a.quiet_hours.end : "", placeholder: "08:00", size: 5 });
    const numbers = NUMBERS.map(([k, get]) => [k, get(a), h("input", { id: id(k), type: "number", step: "any", value: String(get(a)) })]);
    const result = h("div", { id: "saved-" + a.app_id });
    const form = h(
      "form",
      {
        class: "card settings",
        id: "settings-" + a.app_id,
        on: {
          submit: async (e) => {
            e.preventDefault();
            const edit = {};
            for (const [k, el] of Object.entries(fields)) if (el.value !== a[k]) edit[k] = el.value;
            for (const [k, was, el] of numbers) if (Number(el.value) !== was) edit[k] = Number(el.value);
            const qh = qhStart.value.trim() || qhEnd.value.trim() ? { start: qhStart.value.trim(), end: qhEnd.value.trim() } : null;
            if (JSON.stringify(qh) !== JSON.stringify(a.quiet_hours)) edit.quiet_hours = qh;
            try {
              const saved = await api("PATCH", ADMIN + "/accounts/" + encodeURIComponent(a.app_id), edit);
              Object.assign(a, saved.settings);
              clear(result).appendChild(h("p", { class: "good", role: "status" }, t("appliesFrom", { at: when(saved.applies_at_epoch, saved.settings.timezone) })));
            } catch (err) {
              clear(result).appendChild(problem(err));
            }
          },
        },
      },
      h("h3", {}, a.app_id),
      h("div", { class: "fields" },
        Object.entries(fields).map(([k, el]) => h("label", {}, t("acct_" + k), el)),
        h("label", {}, t("quietHours"), h("span", { class: "qh" }, qhStart, "–", qhEnd)),
        numbers.map(([k, , el]) => h("label", {}, t("acct_" + k), el)),
      ),
      h("button", { type: "submit", id: "save-" + a.app_id }, t("saveSettings")),
      result,
    );
    return form;
  }

  function addAccountForm(notice) {
    const appId = h("input", { id: "add-app-id", placeholder: "wx…", autocomplete: "off" });
    const mode = choice("add-mode", ["safe", "compatible", "plaintext"], "safe", "mode_");
    const type = choice("add-type", ["service", "subscription"], "service");
    const plan = choice("add-plan", ["professional", "enterprise"], "professional");
    const zone = h("input", { id: "add-timezone", value: "Asia/Shanghai" });
    // Write-only: type="password", never filled from the API, cleared once sent.
    const secret = (id) => h("input", { id, type: "password", autocomplete: "off" });
    const token = secret("add-token");
    const aesKey = secret("add-aes-key");
    const appSecret = secret("add-app-secret");
    return h(
      "form",
      {
        class: "card",
        id: "add-account",
        on: {
          submit: async (e) => {
            e.preventDefault();
            const body = { app_id: appId.value.trim(), mode: mode.value, type: type.value, plan: plan.value, timezone: zone.value.trim(), token: token.value, app_secret: appSecret.value };
            if (aesKey.value) body.aes_key = aesKey.value;
            try {
              await api("POST", ADMIN + "/accounts", body);
              token.value = aesKey.value = appSecret.value = "";
              await accountsPage();
              say(document.getElementById("admin-notice"), h("p", { class: "good", role: "status" }, t("accountAdded", { app: body.app_id })));
            } catch (err) {
              say(notice, problem(err));
            }
          },
        },
      },
      h("h3", {}, t("addAccount")),
      h("p", { class: "meta" }, t("secretsWriteOnly")),
      h("div", { class: "fields" },
        h("label", {}, "AppID", appId),
        h("label", {}, t("acct_mode"), mode),
        h("label", {}, t("acct_type"), type),
        h("label", {}, t("acct_plan"), plan),
        h("label", {}, t("acct_timezone"), zone),
        h("label", {}, "Token", token),
        h("label", {}, "EncodingAESKey", aesKey),
        h("label", {}, "AppSecret", appSecret),
      ),
      h("button", { type: "submit", id: "add-account-button" }, t("addAccount")),
    );
  }

  window.WXAdmin = { usersPage, accountsPage };
})();
