// Copy buttons for the dashboard: progressive enhancement. Without JavaScript the buttons stay
// hidden and the text stays selectable; with it, one press copies and a status line says so.
(function () {
  "use strict";
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "absolute";
      area.style.left = "-10000px";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!source || !status) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(source.value).then(function () {
        button.setAttribute("data-copied", "true");
        status.textContent = "Link copied. Paste it into your message to the person.";
      }, function () {
        source.select();
        status.textContent = "Could not copy. The link is selected: press Ctrl+C (or Command+C) to copy it.";
      });
    });
  });
})();
