/* The few behaviours pages ask for with data- attributes: no inline script anywhere, so the
   Content-Security-Policy can forbid it (script-src 'self'). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-check-all],[data-print],[data-select-all],[data-export-form]") : null;
    if (!target) { return; }
    if (target.hasAttribute("data-check-all") && target.form) {
      var name = target.getAttribute("data-check-all");
      target.form.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
        box.checked = target.checked;
      });
    } else if (target.hasAttribute("data-print")) {
      window.print();
    } else if (target.hasAttribute("data-select-all")) {
      target.select();
    } else if (target.hasAttribute("data-export-form") && target.form) {
      var query = new URLSearchParams(new FormData(target.form)).toString();
      window.location.href = target.getAttribute("data-export-url") + "?" + query;
    }
  });
})();
