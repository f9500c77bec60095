/* Evidence on the account page (issue 16). External file because the CSP
   forbids inline scripts; without it the upload forms post as plain forms.
   - A form marked data-evidence-upload is sent with XMLHttpRequest: its
     progress bar follows the upload, and the portal's answer (JSON, in the
     reader's language) is shown under it. The CSRF token goes in the
     X-CSRF-Token header: the route reads its multipart body itself, so a
     token in the body would not be seen before the file.
   - A file dropped on a contact marked data-drop-upload="<form id>" is sent
     through that contact's form.
   - Choosing or dropping a file sets the kind from its type when the
     browser knows it (audio: recording, image: photo, PDF: document); the
     portal judges the content itself either way. */
(function () {
  "use strict";

  function csrfToken(form) {
    var field = form.querySelector('input[name="_csrf"]');
    if (field && field.value) {
      return field.value;
    }
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function say(form, text, bad) {
    var out = form.querySelector(".ev-answer");
    if (!out) {
      return;
    }
    out.textContent = text || "";
    out.classList.toggle("is-bad", !!bad);
    out.classList.toggle("is-ok", !bad && !!text);
  }

  function guessKind(form, file) {
    var t = (file && file.type) || "";
    var kind = "";
    if (t.indexOf("audio/") === 0) {
      kind = "recording";
    } else if (t.indexOf("image/") === 0) {
      kind = "photo";
    } else if (t === "application/pdf") {
      kind = "document";
    }
    if (kind && form.elements.kind) {
      form.elements.kind.value = kind;
    }
  }

  // go shows the new evidence in its place: the page again, at the contact.
  function go(location) {
    var at = location.indexOf("#");
    if (at >= 0 && location.slice(0, at) === window.location.pathname && !window.location.search) {
      window.location.hash = location.slice(at);
      window.location.reload();
      return;
    }
    window.location.assign(location);
  }

  function send(form, file) {
    if (form.getAttribute("data-sending") === "1") {
      return;
    }
    if (!file) {
      say(form, form.getAttribute("data-msg-no-file"), true);
      return;
    }
    var bar = form.querySelector(".ev-progress");
    var button = form.querySelector('button[type="submit"]');
    var data = new FormData();
    data.append("kind", form.elements.kind ? form.elements.kind.value : "");
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRF-Token", csrfToken(form));
    xhr.setRequestHeader("Accept", "application/json");
    function done() {
      form.removeAttribute("data-sending");
      if (button) {
        button.disabled = false;
      }
    }
    xhr.upload.addEventListener("progress", function (e) {
      if (!bar) {
        return;
      }
      if (e.lengthComputable && e.total > 0) {
        bar.value = Math.round((e.loaded * 100) / e.total);
      } else {
        bar.removeAttribute("value"); // indeterminate
      }
    });
    xhr.addEventListener("load", function () {
      done();
      var answer = null;
      try {
        answer = JSON.parse(xhr.responseText);
      } catch (e) {
        answer = null;
      }
      if (xhr.status === 201 && answer) {
        if (bar) {
          bar.value = 100;
        }
        say(form, answer.message, false);
        if (answer.location) {
          window.setTimeout(function () { go(answer.location); }, 900);
        }
        return;
      }
      if (bar) {
        bar.hidden = true;
      }
      var msg = answer && answer.error && answer.error.message;
      say(form, msg || form.getAttribute("data-msg-failed") + " (" + xhr.status + ")", true);
    });
    function failed() {
      done();
      if (bar) {
        bar.hidden = true;
      }
      say(form, form.getAttribute("data-msg-failed"), true);
    }
    xhr.addEventListener("error", failed);
    xhr.addEventListener("abort", failed);
    form.setAttribute("data-sending", "1");
    if (button) {
      button.disabled = true;
    }
    if (bar) {
      bar.hidden = false;
      bar.value = 0;
    }
    say(form, form.getAttribute("data-msg-sending"), false);
    xhr.send(data);
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-evidence-upload")) {
      return;
    }
    e.preventDefault();
    var input = form.elements.file;
    send(form, input && input.files && input.files[0]);
  });

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.name === "file" && el.form && el.form.hasAttribute("data-evidence-upload")) {
      guessKind(el.form, el.files && el.files[0]);
      say(el.form, "", false);
    }
  });

  function dropTarget(e) {
    var el = e.target && e.target.closest ? e.target.closest("[data-drop-upload]") : null;
    if (!el || !e.dataTransfer || Array.prototype.indexOf.call(e.dataTransfer.types || [], "Files") < 0) {
      return null;
    }
    return el;
  }

  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var el = dropTarget(e);
      if (!el) {
        return;
      }
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
      el.classList.add("is-drop");
    });
  });

  document.addEventListener("dragleave", function (e) {
    var el = e.target && e.target.closest ? e.target.closest("[data-drop-upload]") : null;
    if (el && !el.contains(e.relatedTarget)) {
      el.classList.remove("is-drop");
    }
  });

  document.addEventListener("drop", function (e) {
    var el = dropTarget(e);
    if (!el) {
      return;
    }
    e.preventDefault();
    el.classList.remove("is-drop");
    var form = document.getElementById(el.getAttribute("data-drop-upload"));
    var file = e.dataTransfer.files && e.dataTransfer.files[0];
    if (!form || !file) {
      return;
    }
    try {
      form.elements.file.files = e.dataTransfer.files; // shows the name in the form
    } catch (err) {
      // an older browser: the file is sent all the same
    }
    guessKind(form, file);
    send(form, file);
  });
})();
