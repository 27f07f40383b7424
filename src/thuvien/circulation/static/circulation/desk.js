/* Loan desk keyboard: F2 check out, F3 check in, F4 renew, F8 copy look-up, Esc back to
   the scan box. The scan box keeps the focus so a barcode scanner (which types the code
   and presses Enter) works without touching the mouse. The page works without this file. */
(function () {
  "use strict";
  var keys = {};
  document.querySelectorAll("a[data-key]").forEach(function (a) { keys[a.dataset.key] = a.href; });

  function scanBox() { return document.querySelector("[data-scan]"); }

  function focusScan(select) {
    var box = scanBox();
    if (!box) { return; }
    box.focus();
    if (select && box.select) { box.select(); }
  }

  document.addEventListener("keydown", function (event) {
    if (keys[event.key] && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      window.location.href = keys[event.key];
    } else if (event.key === "Escape") {
      focusScan(true);
    }
  });

  // A scanner sends the code and Enter: trim what it typed, refuse an empty scan.
  document.querySelectorAll("form").forEach(function (form) {
    var box = form.querySelector("[data-scan]");
    if (!box) { return; }
    form.addEventListener("submit", function (event) {
      box.value = box.value.replace(/\s+/g, "");
      if (box.required && !box.value) { event.preventDefault(); focusScan(false); }
    });
  });

  // Only move the focus when the page did not choose an element itself (e.g. an override form).
  if (!document.activeElement || document.activeElement === document.body) {
    var override = document.querySelector("form.override input[type=checkbox]");
    if (override) { override.focus(); } else { focusScan(false); }
  }
})();
