// The dashboard's stylesheet and its one small script, served by the server itself (no CDN).

enum Assets {
    static let css = """
        :root { --ink: #1b1f24; --muted: #545c66; --line: #d6dbe1; --bg: #f6f7f9; --accent: #0b5cad; --accent-ink: #fff;
          --danger: #b3261e; --ok: #1d7a35; --warn: #8a5a00; --warn-bg: #fff4d6; --focus: #ffbf47; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus { outline: 3px solid var(--focus); outline-offset: 2px; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 8px; z-index: 10; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        .top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; padding: 12px 24px; background: #12263f; color: #fff; }
        .top a { color: #fff; }
        .brand { font-weight: 700; text-decoration: none; font-size: 1.1rem; } .brand span { font-weight: 400; opacity: .85; }
        .top nav ul { display: flex; flex-wrap: wrap; gap: 4px 18px; list-style: none; margin: 0; padding: 0; }
        .top nav a { text-transform: uppercase; letter-spacing: .04em; font-size: .9rem; text-decoration: none; padding: 4px 0; }
        .top nav a[aria-current="page"] { border-bottom: 3px solid #7fb8ff; }
        .signout { margin-left: auto; display: flex; gap: 10px; align-items: center; font-size: .9rem; }
        .signout .link { color: #fff; }
        main { max-width: 1080px; margin: 0 auto; padding: 24px; }
        main:focus { outline: none; }
        h1 { font-size: 1.75rem; margin: 0 0 12px; } h2 { font-size: 1.2rem; margin: 24px 0 8px; }
        .lead, .hint { color: var(--muted); } .hint { font-size: .9rem; margin: 2px 0 6px; }
        .heading { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; justify-content: space-between; }
        .narrow { max-width: 420px; }
        .wizard, .crumbs { color: var(--muted); font-size: .9rem; letter-spacing: .03em; }
        .button, button { display: inline-block; font: inherit; font-size: .95rem; padding: 8px 16px; border-radius: 4px; border: 1px solid var(--line);
          background: #fff; color: var(--ink); text-decoration: none; cursor: pointer; min-height: 40px; }
        .primary { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); }
        .danger { background: var(--danger); border-color: var(--danger); color: #fff; }
        button.link { background: none; border: 0; padding: 0; min-height: 0; color: var(--accent); text-decoration: underline; cursor: pointer; text-align: left; }
        .actions { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 16px 0; }
        .form { max-width: 640px; }
        .field { margin: 0 0 16px; border: 0; padding: 0; }
        fieldset.field { margin-bottom: 16px; }
        label, legend { font-weight: 600; display: block; }
        label.choice { font-weight: 400; display: flex; gap: 8px; align-items: baseline; margin: 4px 0; }
        input[type=text], input[type=email], input[type=password], select, textarea { width: 100%; font: inherit; padding: 8px 10px;
          border: 1px solid #8a939e; border-radius: 4px; background: #fff; }
        .invalid input, .invalid select, .invalid textarea { border: 2px solid var(--danger); }
        .field-error { color: var(--danger); font-weight: 600; margin: 2px 0 6px; }
        .error-summary { border: 2px solid var(--danger); background: #fff; padding: 8px 16px; border-radius: 4px; color: var(--danger); }
        .error-summary a { color: var(--danger); }
        .notice { background: #e7f3ea; border-left: 4px solid var(--ok); padding: 8px 12px; }
        .callout { background: var(--warn-bg); border-left: 4px solid var(--warn); padding: 4px 16px; margin: 16px 0; }
        .warning { color: var(--danger); font-weight: 600; }
        .table-wrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 4px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 10px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
        thead th { font-size: .85rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
        code.id { color: var(--muted); font-size: .8rem; }
        .badge { display: inline-block; font-size: .75rem; padding: 1px 8px; border-radius: 10px; background: #e3ecf7; color: #12375f; }
        .badge.warn { background: var(--warn-bg); color: var(--warn); }
        .status { font-size: .85rem; font-weight: 600; }
        .status.active, .status.approved { color: var(--ok); } .status.expired, .status.rejected { color: var(--danger); }
        .status.pending, .status.submitted { color: var(--warn); }
        .check { color: var(--ok); font-size: 1.2rem; font-weight: 700; }
        .remove { text-decoration: none; font-size: 1.1rem; padding: 4px 8px; color: var(--danger); }
        dl.summary, dl.credentials { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; }
        dl dt { font-weight: 600; } dl dd { margin: 0; }
        dl.credentials dd { display: flex; gap: 8px; }
        dl.credentials input { font-family: ui-monospace, Menlo, Consolas, monospace; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 8px 16px; margin: 12px 0; }
        .empty { color: var(--muted); }
        dialog { max-width: 560px; width: calc(100% - 32px); border: 1px solid var(--line); border-radius: 6px; padding: 16px 24px; }
        dialog:target { display: block; position: fixed; top: 15%; z-index: 5; box-shadow: 0 0 0 100vmax rgba(0,0,0,.45); }
        dialog::backdrop { background: rgba(0,0,0,.45); }
        dialog h2 { margin-top: 0; }
        @media (max-width: 600px) {
          main { padding: 16px; } .top { padding: 10px 16px; } .signout { margin-left: 0; }
          dl.summary, dl.credentials { grid-template-columns: 1fr; } dl.credentials dd { flex-direction: column; }
          th, td { padding: 8px; }
        }
        """

    static let script = """
        // Progressive enhancements only: every page works without this file.
        (function () {
          "use strict";
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
        """
}
