// Meetings: the quick log's type-ahead, contacts and "add another" rows, and "mark done"
// without a page load. Every page works without this file: forms post and redirect back.
(() => {
  "use strict";

  const FRAGMENT_HEADERS = { "X-Requested-With": "fetch" };

  // --- Formset rows: "add another" clones the <template> row; "remove" ticks DELETE ---------
  function setUpFormset(form, prefix, onChange) {
    const total = form.querySelector(`#id_${prefix}-TOTAL_FORMS`);
    const rows = form.querySelector(`[data-rows="${prefix}"]`);
    const template = form.querySelector(`#${prefix}-template`);
    const button = form.querySelector(`[data-add-row="${prefix}"]`);
    if (!total || !rows || !template || !button) return;
    button.addEventListener("click", () => {
      const index = Number(total.value);
      const html = template.innerHTML.replaceAll("__prefix__", String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const row = rows.lastElementChild;
      onChange(row, index);
      row.querySelector("input:not([type=hidden]):not([hidden]), select, textarea")?.focus();
    });
    rows.addEventListener("click", (event) => {
      const remove = event.target.closest("[data-remove-row]");
      if (!remove) return;
      const row = remove.closest("[data-row]");
      row.querySelector(".row-delete").checked = true;
      row.hidden = true;
      onChange(row, null);
      button.focus();
    });
  }

  // --- Owners of commitments: our people, their contacts, new contacts ----------------------
  function ownerSelects(form) {
    // The <template> row's select too, so rows added later start with the same choices.
    const template = form.querySelector("#commitments-template");
    return [
      ...form.querySelectorAll("select[data-owner]"),
      ...(template ? template.content.querySelectorAll("select[data-owner]") : []),
    ];
  }

  function fillGroup(select, group, options) {
    const optgroup = select.querySelector(`optgroup[data-group="${group}"]`);
    if (!optgroup) return;
    const chosen = select.value;
    optgroup.replaceChildren(
      ...options.map(([value, label]) => {
        const option = new Option(label, value);
        option.selected = value === chosen;
        return option;
      }),
    );
    if (select.value !== chosen && chosen.startsWith(`${group === "new" ? "new" : "contact"}:`)) {
      select.value = "";
    }
  }

  function refreshContactOwners(form) {
    const contacts = [...form.querySelectorAll('#their-attendees input[name="their_attendees"]')]
      .map((box) => [`contact:${box.value}`, box.dataset.name]);
    ownerSelects(form).forEach((select) => fillGroup(select, "contacts", contacts));
  }

  function refreshNewContactOwners(form) {
    const rows = form.querySelectorAll('[data-rows="new_contacts"] [data-row]');
    const options = [];
    rows.forEach((row) => {
      if (row.hidden) return;
      const name = row.querySelector('input[name$="-name"]');
      const index = name.name.split("-")[1];
      const label = name.value.trim()
        || (form.dataset.newContactLabel || "New contact {n}").replace("{n}", Number(index) + 1);
      options.push([`new:${index}`, label]);
    });
    ownerSelects(form).forEach((select) => fillGroup(select, "new", options));
  }

  // Picking an owner picks the side: our people keep our promises, contacts theirs.
  function followOwnerWithSide(form) {
    form.addEventListener("change", (event) => {
      const select = event.target.closest("select[data-owner]");
      if (!select || !select.value) return;
      const side = select.value.startsWith("user:") ? "ours" : "theirs";
      const row = select.closest("[data-row]");
      const radio = row.querySelector(`input[type=radio][name$="-side"][value="${side}"]`);
      if (radio) radio.checked = true;
    });
  }

  // --- Supplier type-ahead and their contacts -----------------------------------------------
  function setUpSupplierPicker(form) {
    const input = form.querySelector("#id_supplier_name");
    const hidden = form.querySelector('input[type=hidden][name="supplier"]');
    const list = form.querySelector("#supplier-options");
    const attendees = form.querySelector("#their-attendees");
    if (!input || !hidden || !list || !attendees) return;
    let matches = new Map();
    let timer = null;
    let asked = "";

    async function search() {
      const query = input.value.trim();
      if (query.length < 2 || query === asked) return;
      asked = query;
      const url = `${form.dataset.searchUrl}?${new URLSearchParams({ q: query })}`;
      const response = await fetch(url, { headers: FRAGMENT_HEADERS });
      if (!response.ok) return;
      const { results } = await response.json();
      const byName = new Map();
      results.forEach((row) => byName.set(row.name, [...(byName.get(row.name) || []), row]));
      matches = byName;
      list.replaceChildren(
        ...results.map((row) => {
          const option = document.createElement("option");
          option.value = row.name;
          if (row.external_id) option.label = `${row.name} · ${row.external_id}`;
          return option;
        }),
      );
      choose();
    }

    async function loadContacts(id) {
      const url = `${form.dataset.contactsUrl}?${new URLSearchParams({ supplier: id })}`;
      const response = await fetch(url, { headers: FRAGMENT_HEADERS });
      const html = response.ok ? await response.text() : "";
      if (!html || hidden.value !== id) return; // another supplier was chosen meanwhile
      attendees.innerHTML = html;
      refreshContactOwners(form);
    }

    // A name that matches exactly one supplier picks it; two suppliers of one name are told
    // apart on submit, where the page offers both.
    function choose() {
      const found = matches.get(input.value) || [];
      const id = found.length === 1 ? String(found[0].id) : "";
      if (id === hidden.value) return;
      hidden.value = id;
      if (id) {
        loadContacts(id);
      } else {
        const empty = document.createElement("p");
        empty.className = "muted";
        empty.textContent = attendees.dataset.empty;
        attendees.replaceChildren(empty);
        refreshContactOwners(form);
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
      choose();
    });
    input.addEventListener("change", choose);
  }

  function setUpMeetingLog(form) {
    // The button that shows a supplier's contacts without JavaScript is not needed here, and
    // would otherwise be the one that Enter presses.
    form.querySelectorAll(".no-js-only").forEach((element) => element.remove());
    setUpSupplierPicker(form);
    setUpFormset(form, "new_contacts", () => refreshNewContactOwners(form));
    setUpFormset(form, "commitments", () => {});
    followOwnerWithSide(form);
    form.addEventListener("input", (event) => {
      if (event.target.matches('[data-rows="new_contacts"] input[name$="-name"]')) {
        refreshNewContactOwners(form);
      }
    });
  }

  // --- "Mark done" and "cancel" without a page load -----------------------------------------
  async function submitForFragment(event) {
    const form = event.target.closest("form[data-fragment-form]");
    if (!form) return;
    event.preventDefault();
    const row = form.closest("[data-commitment-row]");
    form.querySelectorAll("button").forEach((button) => { button.disabled = true; });
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: FRAGMENT_HEADERS,
        credentials: "same-origin",
      });
    } catch {
      form.submit(); // the network failed: try the plain way
      return;
    }
    if (!response.ok && response.status !== 409) {
      form.submit(); // let the server's page say what went wrong
      return;
    }
    row.outerHTML = await response.text();
    document.getElementById(row.id)?.querySelector("[tabindex='-1'], .error")?.focus();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-meeting-log]").forEach(setUpMeetingLog);
  });
  document.addEventListener("submit", submitForFragment);
})();
