// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // The app launch form goes on by itself; its button stays for browsers without scripts.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });
  // Links to #dialog-id open that <dialog> as a modal; [data-close] closes it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var id = link.getAttribute("href").slice(1);
    var dialog = id ? document.getElementById(id) : null;
    if (dialog && dialog.tagName === "DIALOG" && dialog.showModal) {
      event.preventDefault();
      if (!dialog.open) { dialog.showModal(); }
      return;
    }
    if (link.hasAttribute("data-close")) {
      var open = link.closest("dialog");
      event.preventDefault();
      if (open && open.open) { open.close(); }
      if (location.hash) { history.replaceState(null, "", location.pathname + location.search); }
    }
  });
  // A dialog the server rendered open (after a mistake) becomes modal too.
  document.querySelectorAll("dialog[open]").forEach(function (dialog) {
    if (dialog.showModal) { dialog.close(); dialog.showModal(); }
  });
  // Copy buttons copy the value of the input they name.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      input.select();
      var done = function () { button.textContent = "copied"; setTimeout(function () { button.textContent = "copy"; }, 2000); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else { document.execCommand("copy"); done(); }
    });
  });
  // The service check box shows the Client ID picker only when ticked.
  document.querySelectorAll("input[data-toggles]").forEach(function (box) {
    var target = document.getElementById(box.getAttribute("data-toggles"));
    var sync = function () { target.hidden = !box.checked; };
    box.addEventListener("change", sync);
    sync();
  });
})();
