/* The thuvien document viewer: OpenSeadragon over the object's IIIF manifest, with
   single-page and two-page (book) modes, search inside and hit highlighting. */
(function () {
  "use strict";

  function setup(root) {
    if (root.dataset.bound) return;  // the include may appear more than once on a page
    root.dataset.bound = "1";
    var canvasEl = root.querySelector(".dv-canvas");
    var pageInput = root.querySelector(".dv-page");
    var countEl = root.querySelector(".dv-count");
    var hitsEl = root.querySelector(".dv-hits");
    var modeButton = root.querySelector(".dv-mode");
    var pages = [], current = 0, spread = false, hitsByPage = {}, viewer = null;

    function indices(i) {
      if (!spread || i === 0) return [i];  // the cover stands alone, then facing pages
      var left = i % 2 === 1 ? i : i - 1;
      return left + 1 < pages.length ? [left, left + 1] : [left];
    }

    function drawHits(shown) {
      viewer.clearOverlays();
      shown.forEach(function (p, k) {
        var item = viewer.world.getItemAt(k);
        (hitsByPage[p] || []).forEach(function (box) {
          var el = document.createElement("div");
          el.className = "dv-hit";
          viewer.addOverlay({ element: el, location: item.imageToViewportRectangle(box[0], box[1], box[2], box[3]) });
        });
      });
    }

    function show(i) {
      if (!pages.length) return;
      current = Math.max(0, Math.min(pages.length - 1, i));
      var shown = indices(current);
      var sources = shown.map(function (p, k) {
        return { tileSource: pages[p].info, x: k * 1.0, y: 0, width: 1 };
      });
      viewer.addOnceHandler("open", function () {
        var wait = function () {
          if (viewer.world.getItemCount() < shown.length) { setTimeout(wait, 50); return; }
          drawHits(shown);
        };
        wait();
      });
      viewer.open(sources);
      pageInput.value = shown[0] + 1;
      root.dataset.page = String(shown[0] + 1);
      if (history.replaceState) history.replaceState(null, "", "#p=" + (shown[0] + 1));
    }

    function step(direction) {
      var shown = indices(current);
      show(direction > 0 ? shown[shown.length - 1] + 1 : shown[0] - (spread && shown[0] > 1 ? 2 : 1));
    }

    function search(q, preferred) {
      hitsByPage = {};
      hitsEl.innerHTML = "";
      if (!q) { show(current); return; }
      fetch(root.dataset.search + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          var first = null;
          answer.items.forEach(function (hit) {
            var target = hit.target.split("#xywh=");
            var p = pages.findIndex(function (page) { return page.id === target[0]; });
            if (p < 0) return;
            (hitsByPage[p] = hitsByPage[p] || []).push(target[1].split(",").map(Number));
            if (first === null) first = p;
            var li = document.createElement("li");
            var b = document.createElement("button");
            b.type = "button";
            b.textContent = root.dataset.pageLabel + " " + (p + 1) + ": " + hit.body.value;
            b.addEventListener("click", function () { show(p); });
            li.appendChild(b);
            hitsEl.appendChild(li);
          });
          if (first === null) {
            var li = document.createElement("li");
            li.textContent = root.dataset.noHits;
            hitsEl.appendChild(li);
            show(current);
          } else {
            // a link from a search result names the page it found: open that one
            show(preferred !== undefined && hitsByPage[preferred] ? preferred : first);
          }
        });
    }

    root.addEventListener("click", function (event) {
      var act = event.target.closest("[data-act]");
      if (!act || !viewer) return;
      switch (act.dataset.act) {
        case "prev": step(-1); break;
        case "next": step(1); break;
        case "mode":
          spread = !spread;
          modeButton.setAttribute("aria-pressed", String(spread));
          show(current);
          break;
        case "zoomin": viewer.viewport.zoomBy(1.5); viewer.viewport.applyConstraints(); break;
        case "zoomout": viewer.viewport.zoomBy(1 / 1.5); viewer.viewport.applyConstraints(); break;
        case "full":
          if (document.fullscreenElement) document.exitFullscreen();
          else if (root.requestFullscreen) root.requestFullscreen();
          break;
      }
    });
    pageInput.addEventListener("change", function () { show(parseInt(pageInput.value, 10) - 1); });
    root.querySelector(".dv-search").addEventListener("submit", function (event) {
      event.preventDefault();
      search(this.q.value.trim());
    });
    root.addEventListener("keydown", function (event) {
      if (event.target.tagName === "INPUT") return;
      if (event.key === "ArrowRight" || event.key === "PageDown") { step(1); event.preventDefault(); }
      if (event.key === "ArrowLeft" || event.key === "PageUp") { step(-1); event.preventDefault(); }
    });

    fetch(root.dataset.manifest, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (manifest) {
        pages = manifest.items.map(function (canvas) {
          var body = canvas.items[0].items[0].body;
          return { id: canvas.id, info: body.service[0].id + "/info.json" };
        });
        countEl.textContent = pages.length;
        pageInput.max = pages.length;
        viewer = OpenSeadragon({
          element: canvasEl,
          prefixUrl: root.dataset.prefix,
          showNavigationControl: false,
          showNavigator: false,
          preserveViewport: false,
          visibilityRatio: 0.5,
          gestureSettingsTouch: { pinchRotate: false, flickEnabled: true },
          crossOriginPolicy: false
        });
        var wanted = /#p=(\d+)/.exec(location.hash);
        var params = new URLSearchParams(location.search);
        if (params.get("q")) {
          root.querySelector(".dv-search input").value = params.get("q");
          search(params.get("q"), wanted ? parseInt(wanted[1], 10) - 1 : undefined);
        } else {
          show(wanted ? parseInt(wanted[1], 10) - 1 : 0);
        }
        root.dataset.ready = "1";
      });
  }

  document.querySelectorAll(".dv").forEach(setup);
})();
