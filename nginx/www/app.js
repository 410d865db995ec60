// The People page: creates a person by AJAX and shows what the API said.
// Plain JavaScript, no build step. The server is the judge of every rule:
// this page only renders its answers (and survives answers that are not JSON).
"use strict";

(function () {
  const FIELDS = ["name", "email", "age"];
  const form = document.getElementById("person-form");
  const submitButton = document.getElementById("submit");
  const formError = document.getElementById("form-error");
  const formStatus = document.getElementById("form-status");
  const list = document.getElementById("people");
  const listError = document.getElementById("list-error");
  const moreButton = document.getElementById("more");
  let nextCursor = null;
  let inFlight = false;
  // The key of a submission whose answer was lost; reused only for the very same body.
  let pendingRetry = null;

  function newIdempotencyKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // fetch resolves on any HTTP status; this reads the status and the envelope
  // itself, and turns "no answer" or "not JSON" into a readable general error.
  async function callApi(url, options) {
    let response;
    try {
      response = await fetch(url, Object.assign({ headers: { Accept: "application/json" } }, options));
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

  function personItem(person, isNew) {
    const item = document.createElement("li");
    if (isNew) item.className = "new";
    const name = document.createElement("span");
    name.className = "person-name";
    name.textContent = person.name;
    const email = document.createElement("span");
    email.className = "person-email";
    email.textContent = person.email;
    const id = document.createElement("span");
    id.className = "person-id";
    const link = document.createElement("a");
    link.href = "/api/people/" + encodeURIComponent(person.id);
    link.textContent = person.id;
    id.append("id ", link);
    item.append(name, email, id);
    item.dataset.id = person.id;
    return item;
  }

  async function loadPeople(cursor) {
    const url = "/api/people?limit=20" + (cursor ? "&after=" + encodeURIComponent(cursor) : "");
    const result = await callApi(url, { method: "GET" });
    if (!result.ok) {
      listError.textContent = "The list could not be loaded: " + result.message;
      return;
    }
    listError.textContent = "";
    for (const person of result.body.items) list.append(personItem(person, false));
    nextCursor = result.body.next;
    moreButton.hidden = !nextCursor;
  }

  async function submit(event) {
    event.preventDefault();
    if (inFlight) return; // a double click sends one request
    inFlight = true;
    submitButton.disabled = true;
    clearErrors();
    formStatus.textContent = "Saving…";

    const payload = JSON.stringify(readForm());
    const key = pendingRetry && pendingRetry.payload === payload ? pendingRetry.key : newIdempotencyKey();
    pendingRetry = { payload: payload, key: key };
    try {
      const result = await callApi("/api/people", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "Idempotency-Key": key },
        body: payload,
      });
      formStatus.textContent = "";
      if (result.ok) {
        pendingRetry = null;
        list.prepend(personItem(result.body, true));
        form.reset();
        formStatus.textContent = "Added " + result.body.name + ".";
        form.elements.name.focus();
        return;
      }
      // Keep the key only when the create may have happened without us hearing of it.
      if (!(result.networkFailure || result.status >= 500)) pendingRetry = null;
      const errors = result.error && result.error.errors ? result.error.errors : {};
      const firstInvalid = showFieldErrors(errors);
      const onlyFields = result.status === 422 && result.error && result.error.code === "VALIDATION_ERROR";
      if (!onlyFields) formError.textContent = result.message;
      submitButton.disabled = false;
      (firstInvalid || submitButton).focus();
    } finally {
      inFlight = false;
      submitButton.disabled = false;
    }
  }

  form.addEventListener("submit", submit);
  moreButton.addEventListener("click", () => loadPeople(nextCursor));
  loadPeople(null);
})();
