/* The board's one small script: draws the workflow diagram (Mermaid, served from the package) and
   refreshes the open reviews table every minute without moving the keyboard focus. */
(function () {
  "use strict";

  var diagram = document.querySelector("pre.mermaid");
  if (diagram && window.mermaid) {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
    window.mermaid.run({ nodes: [diagram] }).then(function () {
      diagram.setAttribute("data-rendered", "true");
    });
  }

  var table = document.getElementById("reviews");
  if (!table || !window.fetch || !window.DOMParser) {
    return;
  }
  var seconds = Number(table.getAttribute("data-refresh-seconds")) || 60;
  var timer = window.setInterval(refresh, seconds * 1000);
  var button = document.getElementById("refresh-now");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", refresh);
  }

  function refresh() {
    // Not while the page is hidden, nor while a link in the table has the focus (swapping would lose it).
    if (document.hidden || table.contains(document.activeElement)) {
      return;
    }
    window.fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok && !response.redirected ? response.text() : null;
      })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById("reviews");
        if (!fresh) {
          window.clearInterval(timer); // signed out or gone: the next full load will say so
          return;
        }
        table.tBodies[0].replaceWith(fresh.tBodies[0]);
        table.caption.replaceWith(fresh.caption);
      })
      .catch(function () { /* offline for now: try again next time */ });
  }
})();
