// corpus-tools view: layer switches, one tooltip, quote highlighting. No libraries, no network.
(function () {
  "use strict";
  var doc = document.getElementById("doc");

  // Layer switches: a checkbox per layer sets hide-<layer> (or show-<layer> with data-show) on the page.
  document.querySelectorAll("input[data-layer]").forEach(function (box) {
    function apply() {
      var show = box.hasAttribute("data-show");
      doc.classList.toggle((show ? "show-" : "hide-") + box.dataset.layer, show ? box.checked : !box.checked);
    }
    box.addEventListener("change", apply);
    apply();
    // Going back to the page, the browser restores the boxes as they were left after this ran,
    // firing no change: without this the page drew every layer while a box said it was off.
    window.addEventListener("pageshow", apply);
  });

  // One tooltip: titles become data-tip (no native tooltip on top), and hovering shows the tips
  // of the element and of every highlighted element around it, innermost first.
  var tip = document.getElementById("tip");
  document.querySelectorAll("[title]").forEach(function (element) {
    element.setAttribute("data-tip", element.getAttribute("title"));
    element.removeAttribute("title");
  });
  document.addEventListener("mouseover", function (event) {
    var lines = [];
    for (var node = event.target; node && node.nodeType === 1; node = node.parentElement) {
      if (node.hasAttribute("data-tip") && !isHidden(node)) lines.push(node.getAttribute("data-tip"));
    }
    if (!lines.length) { tip.hidden = true; return; }
    tip.textContent = lines.join("\n");
    tip.hidden = false;
    var x = event.pageX + 12, y = event.pageY + 18;
    tip.style.left = Math.max(0, Math.min(x, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8)) + "px";
    tip.style.top = y + "px";
  });
  document.addEventListener("mouseleave", function () { tip.hidden = true; });

  // A region of a switched-off layer says nothing on hover.
  function isHidden(node) {
    var layer = node.getAttribute("data-layer");
    return !!(layer && doc && doc.classList.contains("hide-" + layer));
  }

  // Hovering a quote in the side panel marks the quote in the text.
  document.querySelectorAll("li[data-quote]").forEach(function (item) {
    var parts = document.querySelectorAll('[data-kind="QUOTE"][data-id="' + CSS.escape(item.dataset.quote) + '"]');
    item.addEventListener("mouseenter", function () { parts.forEach(function (p) { p.classList.add("flash"); }); });
    item.addEventListener("mouseleave", function () { parts.forEach(function (p) { p.classList.remove("flash"); }); });
  });
})();
