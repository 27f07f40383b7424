// Author and subject suggestions for the simple form, from /staff/catalog/headings.
(function () {
  var script = document.currentScript, url = script.dataset.url, timer = null;
  function currentLine(area) {
    var start = area.value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var end = area.value.indexOf("\n", area.selectionStart);
    return {start: start, end: end < 0 ? area.value.length : end};
  }
  document.querySelectorAll("textarea[data-headings]").forEach(function (area) {
    var box = document.createElement("ul");
    box.className = "suggestions";
    box.setAttribute("aria-label", script.dataset.label);
    area.insertAdjacentElement("afterend", box);
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var line = currentLine(area), text = area.value.slice(line.start, line.end).trim();
        box.innerHTML = "";
        if (text.length < 2) return;
        fetch(url + "?kind=" + area.dataset.headings + "&q=" + encodeURIComponent(text))
          .then(function (r) { return r.json(); })
          .then(function (data) {
            (data.results || []).slice(0, 8).forEach(function (entry) {
              var li = document.createElement("li"), button = document.createElement("button");
              button.type = "button";
              button.textContent = entry.heading + " (" + entry.uses + ")";
              button.addEventListener("click", function () {
                var l = currentLine(area);
                area.value = area.value.slice(0, l.start) + entry.heading + area.value.slice(l.end);
                box.innerHTML = "";
                area.focus();
              });
              li.appendChild(button);
              box.appendChild(li);
            });
          });
      }, 200);
    });
  });
})();
