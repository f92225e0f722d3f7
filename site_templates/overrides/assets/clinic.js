// The theme's search panel is a dialog with no name; screen readers announce it as "Search".
// The page's own language picks the words (the Spanish site is built with lang="es").
var searchLabel = document.documentElement.lang === "es" ? "Buscar en este sitio" : "Search this site";
document.querySelectorAll(".md-search[role=dialog]").forEach(function (dialog) {
  dialog.setAttribute("aria-label", searchLabel);
});

// The theme's menu button (below 76.25em) is a <label> for the drawer's checkbox: a mouse or a
// finger can use it, the keyboard cannot reach it. A real button takes its place, with the same
// icon and look, named like the menu it opens (the theme's own translated "Navigation"). Escape
// closes the menu again.
var drawer = document.getElementById("__drawer");
var menuLabel = document.querySelector('label.md-header__button[for="__drawer"]');
var menu = document.querySelector("nav.md-nav--primary[aria-label]");
if (drawer && menuLabel && menu) {
  var menuButton = document.createElement("button");
  menuButton.type = "button";
  menuButton.className = menuLabel.className;
  menuButton.innerHTML = menuLabel.innerHTML;
  menuButton.setAttribute("aria-label", menu.getAttribute("aria-label"));
  menuButton.setAttribute("data-clinic-menu", "");
  var showState = function () {
    menuButton.setAttribute("aria-expanded", drawer.checked ? "true" : "false");
  };
  showState();
  drawer.addEventListener("change", showState);
  menuButton.addEventListener("click", function () {
    drawer.click();
  });
  menuLabel.replaceWith(menuButton);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && drawer.checked) {
      drawer.click();
      menuButton.focus();
    }
  });
}

// The crisis bar's height depends on its words, the width and the reader's text size; clinic.css
// estimates it (--crisis-bar-height) so the first paint is right, and this keeps it exact, so a
// linked heading or a focused link never lands under the sticky bars.
var crisisBar = document.querySelector(".crisis-bar");
if (crisisBar && window.ResizeObserver) {
  new ResizeObserver(function () {
    var height = crisisBar.getBoundingClientRect().height;
    document.documentElement.style.setProperty("--crisis-bar-height", height + "px");
  }).observe(crisisBar);
}
