// Steps through the frames of every stepper on the page (autograd/stepper.py
// writes the markup): one frame shown at a time, prev / next / play, a slider,
// arrow keys once the stepper has focus, and steps.html#step=N opens step N.
// Plain script, no modules and no network: it is inlined into one HTML file.
// Each stepper is set up once, so several can share a notebook page.
(function () {
  "use strict";

  function setUp(box) {
    box.setAttribute("data-ready", "");
    var frames = box.querySelectorAll(".frame");
    var slider = box.querySelector("input");
    var counter = box.querySelector(".counter");
    var play = box.querySelector(".play");
    var interval = Number(box.getAttribute("data-interval")) || 1000;
    var current = 0;
    var timer = null;

    function show(k) {
      current = Math.max(0, Math.min(frames.length - 1, k));
      for (var i = 0; i < frames.length; i++) {
        frames[i].style.display = i === current ? "" : "none";
      }
      slider.value = current;
      counter.textContent = (current + 1) + " / " + frames.length;
    }

    function stop() {
      clearInterval(timer);
      timer = null;
      play.textContent = "play";
    }

    box.querySelector(".prev").onclick = function () { stop(); show(current - 1); };
    box.querySelector(".next").onclick = function () { stop(); show(current + 1); };
    slider.oninput = function () { stop(); show(Number(slider.value)); };
    play.onclick = function () {
      if (timer) { stop(); return; }
      if (current === frames.length - 1) show(0);
      play.textContent = "pause";
      timer = setInterval(function () {
        if (current === frames.length - 1) stop(); else show(current + 1);
      }, interval);
    };
    box.tabIndex = 0;
    box.addEventListener("keydown", function (event) {
      if (event.target === slider) return;  // the slider handles its own arrows
      if (event.key === "ArrowRight") { stop(); show(current + 1); event.preventDefault(); }
      if (event.key === "ArrowLeft") { stop(); show(current - 1); event.preventDefault(); }
    });
    var wanted = /^#step=(\d+)$/.exec(window.location.hash);
    show(wanted ? Number(wanted[1]) - 1 : 0);
  }

  var boxes = document.querySelectorAll(".bl-stepper:not([data-ready])");
  for (var i = 0; i < boxes.length; i++) setUp(boxes[i]);
})();
