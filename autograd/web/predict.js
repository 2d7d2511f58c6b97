// Predict, then reveal: grading what the learner types at a backward step.
// The questions, their answers and the wrong numbers of the classic mistakes
// come from Python (autograd/predict.py, in the "predict" entry of the
// stepper's page data); this file reads a typed answer, grades it and runs
// the question panel that stepper.js shows in predict mode.
//
// A typed answer is a number or an expression of the step's named values
// (`1 - t**2`, `(1 - v3.data**2) * v3.grad`, `exp(x)`). It is read by the
// small parser below, never by eval or Function: + - * / ** (or ^), unary
// minus, parentheses, numbers, names and a few functions. Plain script, no
// modules: it is inlined into one HTML page before stepper.js, and under
// Node (the tests) it is a CommonJS module.
var BackpropPredict = (function () {
  "use strict";

  var MAX_LENGTH = 200;  // characters of a typed answer
  var MAX_DEPTH = 40;    // nested parentheses and unary signs
  var FUNCTIONS = {
    exp: Math.exp, log: Math.log, tanh: Math.tanh, sin: Math.sin, cos: Math.cos, sqrt: Math.sqrt,
    abs: Math.abs,
    sigmoid: function (x) { return 1 / (1 + Math.exp(-x)); },
    relu: function (x) { return x > 0 ? x : 0; }
  };
  var CONSTANTS = { pi: Math.PI, e: Math.E, inf: Infinity, nan: NaN };

  function Unreadable(message) { this.message = message; }

  // Tokens: numbers, names (with .data or .grad), the operators and parentheses.
  var TOKEN = /\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*(?:\.(?:data|grad))?)|(\*\*|[-+*\/^(),]))/y;

  function tokenize(text) {
    var tokens = [];
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < text.length) {
      var at = TOKEN.lastIndex;
      if (/^\s*$/.test(text.slice(at))) break;
      var match = TOKEN.exec(text);
      if (!match) {
        var rest = text.slice(at).trim();
        throw new Unreadable("cannot read '" + rest.charAt(0) + "' (at '" + rest.slice(0, 12) + "')");
      }
      if (match[1] !== undefined) tokens.push({ number: Number(match[1]), text: match[1] });
      else if (match[2] !== undefined) tokens.push({ name: match[2], text: match[2] });
      else tokens.push({ symbol: match[3] === "^" ? "**" : match[3], text: match[3] });
    }
    return tokens;
  }

  // Recursive descent, Python's precedence: + -, then * /, then unary -,
  // then ** (right to left, so 2**-1 and -2**2 = -(2**2) read as in Python).
  function Parser(tokens, names) {
    this.tokens = tokens;
    this.at = 0;
    this.names = names || {};
    this.depth = 0;
  }

  Parser.prototype.peek = function () { return this.tokens[this.at]; };
  Parser.prototype.isSymbol = function (symbol) {
    var token = this.tokens[this.at];
    return token !== undefined && token.symbol === symbol;
  };
  Parser.prototype.expect = function (symbol, why) {
    if (!this.isSymbol(symbol)) throw new Unreadable(why);
    this.at++;
  };
  Parser.prototype.deeper = function () {
    if (++this.depth > MAX_DEPTH) throw new Unreadable("too deeply nested");
  };

  Parser.prototype.sum = function () {
    var value = this.product();
    while (this.isSymbol("+") || this.isSymbol("-")) {
      var symbol = this.tokens[this.at++].symbol;
      var right = this.product();
      value = symbol === "+" ? value + right : value - right;
    }
    return value;
  };

  Parser.prototype.product = function () {
    var value = this.unary();
    while (this.isSymbol("*") || this.isSymbol("/")) {
      var symbol = this.tokens[this.at++].symbol;
      var right = this.unary();
      value = symbol === "*" ? value * right : value / right;
    }
    return value;
  };

  Parser.prototype.unary = function () {
    if (this.isSymbol("-") || this.isSymbol("+")) {
      var symbol = this.tokens[this.at++].symbol;
      this.deeper();
      var value = this.unary();
      this.depth--;
      return symbol === "-" ? -value : value;
    }
    return this.power();
  };

  Parser.prototype.power = function () {
    var base = this.atom();
    if (this.isSymbol("**")) {
      this.at++;
      this.deeper();
      var exponent = this.unary();
      this.depth--;
      return Math.pow(base, exponent);
    }
    return base;
  };

  Parser.prototype.atom = function () {
    var token = this.tokens[this.at++];
    if (token === undefined) throw new Unreadable("the expression ends too early");
    if (token.number !== undefined) return token.number;
    if (token.symbol === "(") {
      this.deeper();
      var value = this.sum();
      this.depth--;
      this.expect(")", "a '(' is not closed");
      return value;
    }
    if (token.name !== undefined) {
      if (this.isSymbol("(")) return this.call(token.name);
      if (Object.prototype.hasOwnProperty.call(this.names, token.name)) return Number(this.names[token.name]);
      if (Object.prototype.hasOwnProperty.call(CONSTANTS, token.name)) return CONSTANTS[token.name];
      throw new Unreadable("unknown name '" + token.name + "'" + this.known());
    }
    throw new Unreadable("unexpected '" + token.text + "'");
  };

  Parser.prototype.call = function (name) {
    if (!Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) {
      throw new Unreadable("unknown function '" + name + "'; the functions are " +
                           Object.keys(FUNCTIONS).join(", "));
    }
    this.at++;  // the "("
    this.deeper();
    var argument = this.sum();
    this.depth--;
    this.expect(")", name + "( takes one argument and a ')'");
    return FUNCTIONS[name](argument);
  };

  Parser.prototype.known = function () {
    var names = Object.keys(this.names).filter(function (name) { return name.indexOf(".") < 0; });
    return names.length ? "; this step's names are " + names.join(", ") : "";
  };

  // {value: number} or {error: message} for a typed answer; never throws.
  function read(text, names) {
    text = String(text === undefined || text === null ? "" : text);
    if (!text.trim()) return { error: "type a number or an expression first" };
    if (text.length > MAX_LENGTH) return { error: "that is longer than " + MAX_LENGTH + " characters" };
    try {
      var parser = new Parser(tokenize(text), names);
      var value = parser.sum();
      if (parser.at < parser.tokens.length) {
        var next = parser.peek();
        throw new Unreadable(next.symbol === ")" ? "a ')' has no '('"
                             : "missing an operator before '" + next.text + "' (write 2*x, not 2x)");
      }
      if (isNaN(value) && !/nan/.test(text)) {
        return { error: "that expression has no value here (nan): " + text.trim() };
      }
      return { value: value };
    } catch (problem) {
      if (problem instanceof Unreadable) return { error: "not a number nor an expression I can read: " + problem.message };
      return { error: "not a number nor an expression I can read" };
    }
  }

  function number(x) { return typeof x === "string" ? Number(x.replace("inf", "Infinity")) : x; }

  function close(got, expected, rtol, atol) {
    if (!isFinite(expected) || !isFinite(got)) return got === expected || isNaN(got) && isNaN(expected);
    return Math.abs(got - expected) <= atol + rtol * Math.abs(expected);
  }

  // Grade one typed answer: {verdict: "right" | "wrong" | "unreadable", message, hint}.
  // A wrong answer's hint names the classic mistake that gives its number,
  // else it says the rule in words.
  function grade(question, typed, rtol, atol) {
    rtol = rtol === undefined ? 1e-3 : rtol;
    atol = atol === undefined ? 1e-6 : atol;
    var typedValue = read(typed, question.names);
    if (typedValue.error) return { verdict: "unreadable", message: typedValue.error, hint: "" };
    var got = typedValue.value;
    if (close(got, number(question.answer), rtol, atol)) {
      return { verdict: "right", message: "right: " + question.reveal, hint: "" };
    }
    for (var i = 0; i < question.mistakes.length; i++) {
      if (close(got, number(question.mistakes[i][0]), rtol, atol)) {
        return { verdict: "wrong", message: "not quite (" + shortNumber(got) + ")", hint: question.mistakes[i][1] };
      }
    }
    return { verdict: "wrong", message: "not quite (" + shortNumber(got) + ")", hint: question.rule };
  }

  function shortNumber(x) { return isFinite(x) ? String(Number(x.toPrecision(6))) : String(x); }

  // The question panel of one stepper. `data` is the stepper's page data;
  // `onFrameDone(k)` is called when frame k's last question is answered or
  // shown, so that the stepper reveals the frame.
  function Drill(panel, data, onFrameDone) {
    this.panel = panel;
    this.drill = data.predict;
    this.onFrameDone = onFrameDone;
    this.next = [];      // per frame, the index of the question being asked
    this.results = [];   // per frame, per question: "right", "wrong" (first try) or "shown"
    this.tried = false;  // the question being asked had a wrong try
    this.frame = -1;
    this.question = panel.querySelector(".question");
    this.answer = panel.querySelector(".answer");
    this.verdict = panel.querySelector(".verdict");
    this.hint = panel.querySelector(".hint");
    this.score = panel.querySelector(".score");
    var self = this;
    panel.querySelector(".check").onclick = function () { self.check(); };
    panel.querySelector(".reveal").onclick = function () { self.finishQuestion("shown"); };
    this.answer.addEventListener("keydown", function (event) {
      event.stopPropagation();  // typing arrows must not move the stepper
      if (event.key === "Enter") { self.check(); event.preventDefault(); }
    });
  }

  Drill.prototype.questionsOf = function (k) {
    var frame = this.drill.frames[k];
    return frame ? frame.questions : [];
  };

  // Does frame k still ask something (so the stepper hides its answers)?
  Drill.prototype.asking = function (k) {
    return (this.next[k] || 0) < this.questionsOf(k).length;
  };

  Drill.prototype.intro = function (k) { return this.drill.frames[k].intro; };

  Drill.prototype.show = function (k) {
    if (k !== this.frame) { this.verdict.textContent = ""; this.hint.textContent = ""; }
    this.frame = k;
    this.tried = false;
    var questions = this.questionsOf(k);
    var index = this.next[k] || 0;
    var asking = index < questions.length;
    this.answer.disabled = !asking;
    this.panel.querySelector(".check").disabled = !asking;
    this.panel.querySelector(".reveal").disabled = !asking;
    if (asking) {
      this.question.textContent = "question " + (index + 1) + " of " + questions.length + ": " +
        questions[index].prompt;
      this.answer.value = "";
    } else {
      this.question.textContent = questions.length ? "answered: press next for the following step" :
        (k === 0 ? "press next: each step asks for its local derivatives and grads" : "");
    }
    this.showScore();
  };

  Drill.prototype.check = function () {
    var k = this.frame;
    if (!this.asking(k)) return;
    var question = this.questionsOf(k)[this.next[k] || 0];
    var result = grade(question, this.answer.value, this.drill.rtol, this.drill.atol);
    this.verdict.textContent = result.message;
    this.hint.textContent = result.hint ? "hint: " + result.hint : "";
    this.panel.setAttribute("data-verdict", result.verdict);
    if (result.verdict === "right") this.finishQuestion(this.tried ? "wrong" : "right");
    else if (result.verdict === "wrong") this.tried = true;
  };

  // The question being asked is done: right or wrong at the first try, or
  // its answer shown. The verdict stays on screen while the next one is asked.
  Drill.prototype.finishQuestion = function (result) {
    var k = this.frame;
    if (!this.asking(k)) return;
    var index = this.next[k] || 0;
    var question = this.questionsOf(k)[index];
    if (result === "shown") {
      if (this.tried) result = "wrong";
      this.verdict.textContent = "the answer: " + question.reveal;
      this.panel.setAttribute("data-verdict", "shown");
    }
    (this.results[k] = this.results[k] || [])[index] = result;
    this.next[k] = index + 1;
    if (this.asking(k)) this.show(k); else this.onFrameDone(k);
  };

  Drill.prototype.showScore = function () {
    var right = 0, done = 0, total = 0;
    for (var k = 0; k < this.drill.frames.length; k++) {
      var results = this.results[k] || [];
      total += this.questionsOf(k).length;
      for (var i = 0; i < results.length; i++) {
        if (results[i] !== undefined) done++;
        if (results[i] === "right") right++;
      }
    }
    this.score.textContent = (done === total ? "score: " : "score so far: ") + right + " of " + done +
      " right at the first try" + (done === total ? " (all " + total + " questions answered)" : ", " +
      (total - done) + " to go");
  };

  return { read: read, grade: grade, Drill: Drill };
})();

if (typeof module !== "undefined" && module.exports) module.exports = BackpropPredict;
