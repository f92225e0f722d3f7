// Progressive enhancement for the intake forms: everything works without this file.
// It shows crisis help the moment someone ticks a crisis choice or types crisis words,
// hides the "someone else" questions when a person asks for themselves, and stops a double send.
(function () {
  "use strict";
  var form = document.querySelector("form.intake-form");
  if (!form) return;

  var phrases = [];
  try { phrases = JSON.parse(form.getAttribute("data-crisis-phrases") || "[]"); } catch (e) { phrases = []; }
  var box = form.querySelector(".intake-crisis__box");
  var urgentKeys = (form.getAttribute("data-urgent-choices") || "").split(" ").filter(Boolean);

  function normalise(text) {
    return " " + text.toLowerCase().replace(/[\u2019]/g, "'").replace(/[\s-]+/g, " ") + " ";
  }
  function mentionsCrisis(text) {
    var t = normalise(text);
    return phrases.some(function (p) { return t.indexOf(" " + normalise(p).trim()) !== -1; });
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
    // A second click would send the same form_id and be ignored by the server anyway.
    window.setTimeout(function () { button.disabled = true; button.textContent = "Sending\u2026"; }, 0);
  });
})();
