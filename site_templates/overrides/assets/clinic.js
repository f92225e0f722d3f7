// The theme's search panel is a dialog with no name; screen readers announce it as "Search".
// The page's own language picks the words (the Spanish site is built with lang="es").
var searchLabel = document.documentElement.lang === "es" ? "Buscar en este sitio" : "Search this site";
document.querySelectorAll(".md-search[role=dialog]").forEach(function (dialog) {
  dialog.setAttribute("aria-label", searchLabel);
});
