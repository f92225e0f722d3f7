// The theme's search panel is a dialog with no name; screen readers announce it as "Search".
document.querySelectorAll(".md-search[role=dialog]").forEach(function (dialog) {
  dialog.setAttribute("aria-label", "Search this site");
});
