// The People page: creates a person by AJAX and shows what the API said.
// Plain JavaScript, no build step. The server is the judge of every rule:
// this page only renders its answers (and survives answers that are not JSON).
//
// The list shows the people created from this tab (kept in sessionStorage), never
// everyone's addresses; an operator who enters a token sees everyone and can erase.
"use strict";

(function () {
  const FIELDS = ["name", "email", "age"];
  const CREATED_KEY = "people-api.created";
  const TOKEN_KEY = "people-api.operator-token";
  const KEPT_IN_TAB = 200;

  const form = document.getElementById("person-form");
  const submitButton = document.getElementById("submit");
  const formError = document.getElementById("form-error");
  const formStatus = document.getElementById("form-status");
  const list = document.getElementById("people");
  const listHeading = document.getElementById("people-heading");
  const listNote = document.getElementById("list-note");
  const listError = document.getElementById("list-error");
  const listStatus = document.getElementById("list-status");
  const operatorStatus = document.getElementById("operator-status");
  const emptyNote = document.getElementById("people-empty");
  const moreButton = document.getElementById("more");
  const operatorForm = document.getElementById("operator");
  const operatorError = document.getElementById("operator-error");
  const operatorSubmit = document.getElementById("operator-submit");
  const operatorLeave = document.getElementById("operator-leave");
  const operatorTokenLabel = document.querySelector('label[for="token"]');

  let nextCursor = null;
  let inFlight = false;
  // The key of a submission whose answer was lost; reused only for the very same body.
  let pendingRetry = null;

  // sessionStorage can be unavailable (privacy modes) or hold garbage: never let that break the page.
  function load(key, fallback) {
    try {
      const value = JSON.parse(sessionStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (error) {
      return fallback;
    }
  }
  function save(key, value) {
    try {
      if (value === null) sessionStorage.removeItem(key);
      else sessionStorage.setItem(key, JSON.stringify(value));
    } catch (error) { /* the page still works, only without memory across reloads */ }
  }
  function createdHere() {
    const people = load(CREATED_KEY, []);
    return Array.isArray(people) ? people.filter((p) => p && typeof p.id === "string") : [];
  }
  function operatorToken() {
    const token = load(TOKEN_KEY, null);
    return typeof token === "string" && token !== "" ? token : null;
  }

  function newIdempotencyKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // fetch resolves on any HTTP status; this reads the status and the envelope
  // itself, and turns "no answer" or "not JSON" into a readable general error.
  async function callApi(url, options) {
    const headers = Object.assign({ Accept: "application/json" }, options.headers || {});
    let response;
    try {
      response = await fetch(url, Object.assign({}, options, { headers: headers }));
    } catch (networkError) {
      return { ok: false, networkFailure: true, message: "The server could not be reached. Check your connection and try again." };
    }
    let body = null;
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("application/json")) {
      try { body = await response.json(); } catch (parseError) { body = null; }
    }
    if (response.ok) return { ok: true, status: response.status, body: body };
    const error = body && body.error ? body.error : null;
    return {
      ok: false,
      status: response.status,
      error: error,
      message: error && error.message ? error.message : "The server answered unexpectedly (HTTP " + response.status + "). Please try again.",
    };
  }

  function operatorHeaders() {
    return { Authorization: "Bearer " + operatorToken() };
  }

  // ---- the create form ----

  function clearErrors() {
    formError.textContent = "";
    for (const field of FIELDS) {
      const input = form.elements[field];
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      document.querySelector('[data-error-for="' + field + '"]').textContent = "";
    }
  }

  function showFieldErrors(errors) {
    let first = null;
    for (const field of FIELDS) {
      const messages = errors[field];
      if (!messages || messages.length === 0) continue;
      const input = form.elements[field];
      const target = document.querySelector('[data-error-for="' + field + '"]');
      target.textContent = messages.join(" ");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", target.id);
      first = first || input;
    }
    const others = Object.keys(errors).filter((key) => !FIELDS.includes(key));
    if (others.length > 0) {
      formError.textContent = others.map((key) => key + ": " + errors[key].join(" ")).join(" ");
    }
    return first;
  }

  function readForm() {
    const person = { name: form.elements.name.value, email: form.elements.email.value };
    const age = form.elements.age.value.trim();
    if (age !== "") person.age = /^-?\d+(\.\d+)?$/.test(age) ? Number(age) : age;
    return person;
  }

  function showStatus(text, success) {
    formStatus.textContent = text;
    formStatus.classList.toggle("success", Boolean(success));
  }

  async function submit(event) {
    event.preventDefault();
    if (inFlight) return; // a double click sends one request
    inFlight = true;
    submitButton.disabled = true;
    clearErrors();
    showStatus("Saving…", false);

    const payload = JSON.stringify(readForm());
    const key = pendingRetry && pendingRetry.payload === payload ? pendingRetry.key : newIdempotencyKey();
    pendingRetry = { payload: payload, key: key };
    try {
      const result = await callApi("/api/people", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": key },
        body: payload,
      });
      showStatus("", false);
      if (result.ok) {
        pendingRetry = null;
        rememberCreated(result.body);
        form.reset();
        showStatus("Added " + result.body.name + ".", true);
        form.elements.name.focus();
        return;
      }
      // Keep the key only when the create may have happened without us hearing of it.
      if (!(result.networkFailure || result.status >= 500)) pendingRetry = null;
      const errors = result.error && result.error.errors ? result.error.errors : {};
      const firstInvalid = showFieldErrors(errors);
      // The banner says what happened and what to do (a 422 counts the fields; a 409 gives its
      // reason); each field says what is wrong with it.
      const next = firstInvalid && result.status !== 422 ? "Nothing was added: change the marked field and try again." : "";
      formError.textContent = [result.message, next, formError.textContent].filter(Boolean).join(" ");
      submitButton.disabled = false;
      (firstInvalid || submitButton).focus();
    } finally {
      inFlight = false;
      submitButton.disabled = false;
    }
  }

  function rememberCreated(person) {
    const people = createdHere().filter((p) => p.id !== person.id);
    people.unshift(person);
    save(CREATED_KEY, people.slice(0, KEPT_IN_TAB));
    if (operatorToken()) {
      list.prepend(personItem(person, { isNew: true, erasable: true }));
      updateEmpty();
    } else {
      showTabList(person.id);
    }
  }

  // ---- the list ----

  function personItem(person, options) {
    const item = document.createElement("li");
    item.tabIndex = -1;
    if (options.isNew) item.className = "new";
    const name = document.createElement("span");
    name.className = "person-name";
    name.textContent = person.name;
    const email = document.createElement("span");
    email.className = "person-email";
    email.textContent = person.email;
    const meta = document.createElement("span");
    meta.className = "person-meta";
    const details = [];
    if (person.age !== null && person.age !== undefined) details.push("age " + person.age);
    const created = new Date(person.created_at);
    if (!isNaN(created)) details.push("added " + created.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }));
    meta.textContent = details.join(" · ");
    const id = document.createElement("span");
    id.className = "person-id";
    id.textContent = "Record ID " + person.id;
    id.title = "The identifier the server gave this record (what an operator quotes to find or erase it)";
    item.append(name, email, meta, id);
    if (options.erasable) {
      const erase = document.createElement("button");
      erase.type = "button";
      erase.className = "erase";
      erase.dataset.action = "erase";
      erase.textContent = "Erase";
      erase.setAttribute("aria-label", "Erase " + person.name);
      erase.addEventListener("click", () => erasePerson(person, item));
      item.append(erase);
    }
    item.dataset.id = person.id;
    return item;
  }

  function updateEmpty() {
    emptyNote.hidden = list.children.length > 0;
  }

  function showTabList(newID) {
    listStatus.textContent = "";
    listHeading.textContent = "Added from this tab";
    listNote.textContent = "Only the people you add here are shown, and only in this tab.";
    emptyNote.textContent = "No one yet. People you add above appear here.";
    listError.textContent = "";
    list.replaceChildren(...createdHere().map((p) => personItem(p, { isNew: p.id === newID, erasable: false })));
    nextCursor = null;
    moreButton.hidden = true;
    updateEmpty();
  }

  async function loadEveryone(cursor) {
    const url = "/api/people?limit=20" + (cursor ? "&after=" + encodeURIComponent(cursor) : "");
    moreButton.disabled = true;
    const result = await callApi(url, { method: "GET", headers: operatorHeaders() });
    moreButton.disabled = false;
    if (!result.ok) {
      if (result.status === 401) return refuseToken(result.message);
      listError.textContent = "The list could not be loaded: " + result.message;
      return;
    }
    listError.textContent = "";
    if (!cursor) {
      listHeading.textContent = "Everyone (operator view)";
      listNote.textContent = "Newest first. Erasing a person also forgets every copy the server kept.";
      emptyNote.textContent = "No one has been added yet.";
      list.replaceChildren();
    }
    const added = result.body.items.map((p) => personItem(p, { isNew: false, erasable: true }));
    list.append(...added);
    nextCursor = result.body.next;
    moreButton.hidden = !nextCursor;
    updateEmpty();
    // "Show more" may vanish with the last page: keep keyboard focus in the list, not on the page body.
    if (cursor && added.length > 0) added[0].focus();
    else if (cursor) listHeading.focus();
  }

  async function erasePerson(person, item) {
    if (!window.confirm("Erase " + person.name + " <" + person.email + ">? This cannot be undone.")) return;
    const result = await callApi("/api/people/" + encodeURIComponent(person.id), { method: "DELETE", headers: operatorHeaders() });
    if (!result.ok && result.status !== 404) {
      if (result.status === 401) return refuseToken(result.message);
      listError.textContent = "That person could not be erased: " + result.message;
      return;
    }
    listError.textContent = "";
    save(CREATED_KEY, createdHere().filter((p) => p.id !== person.id));
    const next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    updateEmpty();
    listStatus.textContent = "Erased " + person.name + " <" + person.email + ">.";
    (next || listHeading).focus();
  }

  // ---- the operator panel ----

  function refuseToken(message) {
    save(TOKEN_KEY, null);
    operatorError.textContent = message;
    showOperatorControls(false);
    showTabList(null);
    operatorForm.elements.token.focus();
  }

  function showOperatorControls(active) {
    operatorLeave.hidden = !active;
    operatorSubmit.textContent = active ? "Use another token" : "Show everyone";
    // The field is emptied once a token is taken: say that one is in use.
    operatorStatus.textContent = active ? "An operator token is in use in this tab. Paste another one to switch, or stop the operator view." : "";
    operatorTokenLabel.textContent = active ? "Another operator token" : "Operator token";
  }

  async function enterOperatorView(event) {
    event.preventDefault();
    const token = operatorForm.elements.token.value.trim();
    operatorError.textContent = "";
    if (token === "") {
      operatorError.textContent = "Paste an operator token first.";
      operatorForm.elements.token.focus();
      return;
    }
    save(TOKEN_KEY, token);
    operatorForm.elements.token.value = "";
    showOperatorControls(true);
    await loadEveryone(null);
    if (operatorToken()) listHeading.focus();
  }

  function leaveOperatorView() {
    save(TOKEN_KEY, null);
    operatorError.textContent = "";
    showOperatorControls(false);
    showTabList(null);
    listHeading.focus();
  }

  form.addEventListener("submit", submit);
  moreButton.addEventListener("click", () => loadEveryone(nextCursor));
  operatorForm.addEventListener("submit", enterOperatorView);
  operatorLeave.addEventListener("click", leaveOperatorView);

  if (operatorToken()) {
    showOperatorControls(true);
    loadEveryone(null);
  } else {
    showOperatorControls(false);
    showTabList(null);
  }
})();
