/* Aiguillage desk: progressive enhancement only. Without this file every form still works by
   posting the page; with it, the results follow the answers as they are typed (debounced), and the
   print button appears. No data is kept in the browser (no storage, no cookies set here). */
(function () {
  "use strict";

  function setupPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function setupCase() {
    var form = document.getElementById("case-form");
    if (!form || !window.fetch || !window.URLSearchParams) { return; }
    var results = document.getElementById("results");
    var search = document.getElementById("search-results");
    var status = document.getElementById("results-status");
    var where = form.querySelector("[data-where]");
    var timer = null;
    var sequence = 0;
    var controller = null;

    // Fields that only shape the printed summary do not change the results.
    function affectsResults(element) {
      return element && element.name && element.name !== "csrf" && !element.hasAttribute("data-summary-only");
    }

    function countPicks() {
      var counter = form.querySelector("[data-pick-count]");
      if (!counter) { return; }
      var n = form.querySelectorAll("input[name=pick]:checked").length;
      counter.textContent = counter.getAttribute(n === 1 ? "data-one" : "data-many").replace("{n}", String(n));
    }

    function schedule(delay) {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, delay);
    }

    function showErrors(errors, ignored) {
      form.querySelectorAll("[data-error-for]").forEach(function (element) {
        var name = element.getAttribute("data-error-for");
        var message = errors[name];
        element.textContent = message || "";
        element.hidden = !message;
        var field = form.querySelector("[data-field='" + name + "']");
        if (field) {
          field.classList.toggle("field--error", Boolean(message));
          field.querySelectorAll("input[type=text], select").forEach(function (input) {
            if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
          });
        }
      });
      form.querySelectorAll("[data-ignored-for]").forEach(function (element) {
        element.hidden = ignored.indexOf(element.getAttribute("data-ignored-for")) === -1;
      });
    }

    function update() {
      window.clearTimeout(timer);
      var mine = ++sequence;
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      var body = new URLSearchParams(new FormData(form));
      form.setAttribute("aria-busy", "true");
      fetch(form.getAttribute("data-update"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        if (mine !== sequence) { return null; }
        if (response.status === 401) { status.textContent = status.getAttribute("data-expired"); return null; }
        if (response.status === 403) { status.textContent = status.getAttribute("data-refused"); return null; }
        if (!response.ok) { status.textContent = status.getAttribute("data-failed"); return null; }
        return response.json();
      }).then(function (data) {
        if (!data || mine !== sequence) { return; }
        // Only the results and search areas are replaced: focus stays in the questionnaire, and the
        // sections the counsellor unfolded stay unfolded.
        var unfolded = [];
        results.querySelectorAll("details[open]").forEach(function (details) {
          var owner = details.id ? details : details.closest("[id]");
          if (owner) { unfolded.push(owner.id); }
        });
        results.innerHTML = data.results;
        unfolded.forEach(function (id) {
          var owner = document.getElementById(id);
          var details = owner && (owner.tagName === "DETAILS" ? owner : owner.querySelector("details"));
          if (details) { details.open = true; }
        });
        search.innerHTML = data.search;
        if (where) { where.textContent = data.where; }
        showErrors(data.errors || {}, data.ignored || []);
        countPicks();
        results.setAttribute("data-updates", String(Number(results.getAttribute("data-updates") || 0) + 1));
        status.textContent = data.status;
        // The case, sealed, in the address: a reload (or a crash of the tab) keeps the answers.
        if (data.draft && window.history && window.history.replaceState) {
          window.history.replaceState(null, "", "/desk?case=" + encodeURIComponent(data.draft));
        }
      }).catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        if (mine === sequence) { status.textContent = status.getAttribute("data-failed"); }
      }).then(function () {
        if (mine === sequence) { form.removeAttribute("aria-busy"); }
      });
    }

    form.addEventListener("input", function (event) {
      if (!affectsResults(event.target)) { return; }
      schedule(event.target.type === "text" || event.target.type === "search" ? 450 : 120);
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "pick") { countPicks(); }
      if (affectsResults(event.target)) { schedule(60); }
    });
    // "Voir les résultats", "Chercher" and Enter in a field: update in place instead of reloading
    // the page. The summary and "Effacer" buttons keep their normal post.
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!submitter || submitter.hasAttribute("data-refresh")) {
        event.preventDefault();
        update();
      }
    });
    form.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-clear]") : null;
      if (!button) { return; }
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); return; }
      var confirmed = form.querySelector("[data-confirm-clear]");
      if (confirmed) { confirmed.value = "1"; }
      window.clearTimeout(timer);
      sequence++;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPrint();
    setupCase();
  });
}());
