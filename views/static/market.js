/* Marketplace pages: a "select all" checkbox, <input type="checkbox"
   data-check-all="ids">, ticks or clears every checkbox named "ids" in its
   form. External file because the CSP forbids inline handlers. */
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box || !box.matches || !box.matches("input[type=checkbox][data-check-all]")) {
      return;
    }
    var scope = box.form || document;
    var name = box.getAttribute("data-check-all");
    scope.querySelectorAll("input[type=checkbox]").forEach(function (c) {
      if (c.name === name && !c.disabled) {
        c.checked = box.checked;
      }
    });
  });
})();
