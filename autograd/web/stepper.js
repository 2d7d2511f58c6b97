// Steps through the frames of every stepper on the page (autograd/stepper.py
// writes the markup): the graph is drawn once, and each frame repaints it from
// the frames' JSON (the shape is in stepper.py's docstring): the look of each
// value and operation (Graphviz attributes per frame state, FRAME_STATES in
// draw.py), its data and grad texts, and the edges into the current operation.
// prev / next / play, a slider, arrow keys once the stepper has focus, and
// steps.html#step=N opens step N. Plain script, no modules and no network: it
// is inlined into one HTML file. Each stepper is set up once, so several can
// share a notebook page.
// In predict mode (a .bl-predict panel, and predict.js inlined before this
// file) a step's answers stay hidden until its questions are answered: the
// frame shows the grads as they were before the step, and the step's intro.
(function () {
  "use strict";

  var SHAPES = "polygon, ellipse, path, polyline";
  var PAINTED = ["fill", "stroke", "stroke-width", "stroke-dasharray"];

  // A drawn element (Graphviz's <g> of a node or an edge) that can be
  // repainted and put back as Graphviz drew it.
  function Drawn(group) {
    this.shapes = group.querySelectorAll(SHAPES);
    this.texts = group.querySelectorAll("text");
    this.saved = [];
    for (var i = 0; i < this.shapes.length; i++) {
      var attributes = {};
      for (var j = 0; j < PAINTED.length; j++) {
        attributes[PAINTED[j]] = this.shapes[i].getAttribute(PAINTED[j]);
      }
      this.saved.push(attributes);
    }
    this.savedTextFill = [];
    for (var t = 0; t < this.texts.length; t++) this.savedTextFill.push(this.texts[t].getAttribute("fill"));
    this.dataText = this.lastText("data ");
    this.gradText = this.lastText("grad ");
  }

  Drawn.prototype.lastText = function (prefix) {
    for (var i = this.texts.length - 1; i >= 0; i--) {
      if (this.texts[i].textContent.indexOf(prefix) === 0) return this.texts[i];
    }
    return null;
  };

  function put(element, name, value) {
    if (value === null) element.removeAttribute(name); else element.setAttribute(name, value);
  }

  Drawn.prototype.reset = function () {
    for (var i = 0; i < this.shapes.length; i++) {
      for (var j = 0; j < PAINTED.length; j++) put(this.shapes[i], PAINTED[j], this.saved[i][PAINTED[j]]);
    }
    for (var t = 0; t < this.texts.length; t++) put(this.texts[t], "fill", this.savedTextFill[t]);
  };

  // Graphviz attributes (fillcolor, color, penwidth, style, fontcolor) as SVG paint.
  Drawn.prototype.paint = function (look, isEdge) {
    this.reset();
    if (!look) return;
    for (var i = 0; i < this.shapes.length; i++) {
      var shape = this.shapes[i];
      var filled = shape.getAttribute("fill") !== "none";
      if (look.fillcolor && i === 0 && !isEdge) shape.setAttribute("fill", look.fillcolor);
      if (look.color) {
        shape.setAttribute("stroke", look.color);
        if (isEdge && filled) shape.setAttribute("fill", look.color);  // the arrowhead
      }
      if (look.penwidth) shape.setAttribute("stroke-width", look.penwidth);
      if (look.style && look.style.indexOf("dashed") >= 0) shape.setAttribute("stroke-dasharray", "5,2");
    }
    if (look.fontcolor) {
      for (var t = 0; t < this.texts.length; t++) this.texts[t].setAttribute("fill", look.fontcolor);
    }
  };

  function setUp(box) {
    box.setAttribute("data-ready", "");
    var data = JSON.parse(box.querySelector("script.bl-frames").textContent);
    var frames = data.frames;
    var slider = box.querySelector("input");
    var counter = box.querySelector(".counter");
    var text = box.querySelector(".text");
    var play = box.querySelector(".play");
    var interval = Number(box.getAttribute("data-interval")) || 1000;

    // Graphviz writes each node's and edge's id in its <title>.
    var groups = {};
    var titled = box.querySelectorAll("g.node, g.edge");
    for (var g = 0; g < titled.length; g++) {
      var title = titled[g].querySelector("title").textContent;
      (groups[title] = groups[title] || []).push(titled[g]);
    }
    var drawn = {};
    function drawnOf(title) {
      if (!drawn[title]) {
        drawn[title] = (groups[title] || []).map(function (group) { return new Drawn(group); });
      }
      return drawn[title];
    }

    // What frame k shows per value: [state, data text, grad text], replayed from frame 0.
    function valuesAt(k) {
      var values = [];
      for (var f = 0; f <= k; f++) {
        var changes = frames[f][1];
        for (var c = 0; c < changes.length; c++) values[changes[c][0]] = changes[c].slice(1);
      }
      return values;
    }

    function edgeTitles(edge) {
      var titles = [];
      var tails = data.ids[edge[0]][0];
      for (var i = 0; i < tails.length; i++) titles.push(tails[i] + "->" + data.ids[edge[1]][1]);
      return titles;
    }

    var shown = [];  // per value, what is painted now
    var paintedEdges = [];
    var current = -1;
    var timer = null;

    function paintValue(position, value) {
      var look = data.looks[value[0]] || {};
      var ids = data.ids[position];
      for (var i = 0; i < ids[0].length; i++) {
        var copies = drawnOf(ids[0][i]);
        for (var j = 0; j < copies.length; j++) {
          copies[j].paint(look.value, false);
          if (copies[j].dataText) copies[j].dataText.textContent = value[1];
          if (copies[j].gradText && value[2] !== null) copies[j].gradText.textContent = value[2];
        }
      }
      if (ids[1] !== null) {
        var operations = drawnOf(ids[1]);
        for (var k = 0; k < operations.length; k++) operations[k].paint(look.operation, false);
      }
    }

    // Predict mode: the question panel, and the grads a step changes hidden
    // (shown as before the step) until its questions are done.
    var panel = box.querySelector(".bl-predict");
    var drill = panel && data.predict && typeof BackpropPredict !== "undefined"
      ? new BackpropPredict.Drill(panel, data, function (k) { show(k); }) : null;

    function hideAnswers(values, before) {
      return values.map(function (value, position) {
        return value[2] === before[position][2] ? value : [value[0], value[1], before[position][2]];
      });
    }

    function show(k) {
      k = Math.max(0, Math.min(frames.length - 1, k));
      var values = valuesAt(k);
      var asking = drill !== null && drill.asking(k);
      if (asking) values = hideAnswers(values, valuesAt(k - 1));
      for (var position = 0; position < values.length; position++) {
        var before = shown[position];
        var now = values[position];
        if (!before || before[0] !== now[0] || before[1] !== now[1] || before[2] !== now[2]) {
          paintValue(position, now);
        }
      }
      shown = values;
      for (var p = 0; p < paintedEdges.length; p++) paintedEdges[p].reset();
      paintedEdges = [];
      var edges = frames[k][2];
      for (var e = 0; e < edges.length; e++) {
        var look = (data.looks[values[edges[e][0]][0]] || {}).edge_to_current;
        var titles = edgeTitles(edges[e]);
        for (var t = 0; t < titles.length; t++) {
          var lines = drawnOf(titles[t]);
          for (var l = 0; l < lines.length; l++) {
            lines[l].paint(look, true);
            paintedEdges.push(lines[l]);
          }
        }
      }
      current = k;
      slider.value = k;
      text.textContent = asking ? drill.intro(k) : frames[k][0];
      if (drill) drill.show(k);
      // The counter speaks as the texts do: "start", then "step k of N".
      var step = data.start ? k : k + 1;
      counter.textContent = step === 0 ? "start" : "step " + step + " of " + data.steps;
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
        if (current === frames.length - 1 || drill && drill.asking(current)) stop(); else show(current + 1);
      }, interval);
    };
    box.tabIndex = 0;
    box.addEventListener("keydown", function (event) {
      if (event.target === slider) return;  // the slider handles its own arrows
      if (event.key === "ArrowRight") { stop(); show(current + 1); event.preventDefault(); }
      if (event.key === "ArrowLeft") { stop(); show(current - 1); event.preventDefault(); }
    });
    // #step=N opens step N (N = 0 is the start frame of a backward stepper).
    var wanted = /^#step=(\d+)$/.exec(window.location.hash);
    show(wanted ? Number(wanted[1]) - (data.start ? 0 : 1) : 0);
  }

  var boxes = document.querySelectorAll(".bl-stepper:not([data-ready])");
  for (var i = 0; i < boxes.length; i++) setUp(boxes[i]);
})();
