"use strict";
// Passages are plain #fragment links and work without this script. It adds what
// links cannot: the partner is centred, focused and flashed so the eye finds it,
// also when the same passage is clicked twice (no hashchange then).
(function () {
  function show(id) {
    var target = id ? document.getElementById(id) : null;
    if (!target) { return; }
    // Centre a short passage; show a long one from its first line.
    var tall = target.getBoundingClientRect().height > window.innerHeight * 0.6;
    target.scrollIntoView({block: tall ? "start" : "center"});
    target.focus({preventScroll: true});
    target.classList.remove("flash");
    void target.offsetWidth; // restart the animation
    target.classList.add("flash");
  }
  function fromHash() { show(decodeURIComponent(location.hash.slice(1))); }
  window.addEventListener("hashchange", fromHash);
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.psg") : null;
    if (link && link.getAttribute("href") === location.hash) { fromHash(); }
  });
  if (location.hash) { fromHash(); }
})();
