// Progressive enhancement for the intake forms: everything works without this file.
// It shows crisis help the moment someone ticks a crisis choice or types crisis words,
// hides the "someone else" questions when a person asks for themselves, and stops a double send.
(function () {
  "use strict";
  var form = document.querySelector("form.intake-form");
  if (!form) return;

  var box = form.querySelector(".intake-crisis__box");
  var urgentKeys = (form.getAttribute("data-urgent-choices") || "").split(" ").filter(Boolean);

  // The server's own crisis-language tables (one per language), matched by crisis.js exactly as
  // the server does. Both come when the person first reaches a field (or at once when the form
  // comes back with words in it), not with the page: the tables are the page's largest file
  // and building the matchers costs a slow phone's processor; what was typed meanwhile is
  // checked as soon as they arrive.
  var detectors = null;
  var source = form.getAttribute("data-crisis-language");
  var matcher = form.getAttribute("data-crisis-script");
  function loadTables() {
    if (!source || !matcher || !window.fetch) return;
    var url = source;
    source = null;  // once
    var script = document.createElement("script");
    script.src = matcher;
    var loaded = new Promise(function (resolve, reject) {
      script.onload = resolve;
      script.onerror = reject;
    });
    document.head.appendChild(script);
    Promise.all([window.fetch(url, { credentials: "same-origin" }), loaded])
      .then(function (done) { return done[0].ok ? done[0].json() : null; })
      .then(function (tables) {
        if (!tables) return;
        detectors = window.CrisisLanguage.detectorsFor(tables);
        form.setAttribute("data-crisis-ready", "");
        updateCrisis();
      })
      .catch(function () { /* no live check; the server still checks what is sent */ });
  }
  form.addEventListener("focusin", loadTables);
  form.querySelectorAll("[data-crisis-watch]").forEach(function (el) {
    if (el.value) loadTables();
  });
  function mentionsCrisis(text) {
    return detectors !== null && window.CrisisLanguage.findAll(detectors, text).length > 0;
  }
  function updateCrisis() {
    if (!box) return;
    var urgent = urgentKeys.some(function (key) {
      var input = form.querySelector('input[type="checkbox"][value="' + key + '"]');
      return input && input.checked;
    });
    form.querySelectorAll("[data-crisis-watch]").forEach(function (el) {
      if (mentionsCrisis(el.value)) urgent = true;
    });
    if (urgent) box.hidden = false;
  }
  form.addEventListener("change", updateCrisis);
  form.addEventListener("input", function (event) {
    if (event.target.hasAttribute("data-crisis-watch")) updateCrisis();
  });

  var lovedOne = form.querySelector("[data-shown-for]");
  function updateLovedOne() {
    if (!lovedOne) return;
    var chosen = form.querySelector('input[name="for_whom"]:checked');
    lovedOne.hidden = !!chosen && chosen.value !== lovedOne.getAttribute("data-shown-for");
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "for_whom") updateLovedOne();
  });
  updateLovedOne();

  form.addEventListener("submit", function () {
    var button = form.querySelector(".intake-submit");
    // A second click would send the same form_id and be ignored by the server anyway. The
    // words come from the page (data-sending), in the page's language.
    var sending = button.getAttribute("data-sending") || button.textContent;
    window.setTimeout(function () { button.disabled = true; button.textContent = sending; }, 0);
  });
})();
