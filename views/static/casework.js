/* Casework pages: keyboard help for collectors. External file because the
   CSP forbids inline scripts.
   - In a form marked data-ctrl-enter, Ctrl+Enter (Cmd+Enter on a Mac) in
     a text box submits the form (plain Enter still makes a new line).
   - In a form marked data-enter-submit, Enter on a select submits too, so a
     contact can be recorded without leaving the keyboard.
   - A form marked data-ctrl-enter is sent once: a second submit while the
     first is on its way is ignored (no double-recorded contact). */
(function () {
  "use strict";
  function submit(form) {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.isComposing || e.keyCode === 229) {
      return;
    }
    var el = e.target;
    if (!el || !el.form) {
      return;
    }
    var form = el.form;
    if (el.tagName === "TEXTAREA" && (e.ctrlKey || e.metaKey) && form.hasAttribute("data-ctrl-enter")) {
      e.preventDefault();
      submit(form);
      return;
    }
    if (el.tagName === "SELECT" && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey &&
        form.hasAttribute("data-enter-submit")) {
      e.preventDefault();
      submit(form);
    }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-ctrl-enter")) {
      return;
    }
    if (form.getAttribute("data-sending") === "1") {
      e.preventDefault();
      return;
    }
    form.setAttribute("data-sending", "1");
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      document.querySelectorAll("form[data-sending]").forEach(function (f) {
        f.removeAttribute("data-sending");
      });
    }
  });
})();
