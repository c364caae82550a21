/* CRM Casebook, the static book: exercises that check answers in the page, no kernel.
 *
 * Each quiz is a .ck-quiz element whose <script class="ck-data"> holds what casekit/book.py
 * worked out from the exercise bank with the exercise engine: the feedback of every choice
 * (single and multiple choice), and for numbers, matchings and orders the pieces of the
 * engine's message. `evaluate(data, answer)` is pure, so tests/test_book.py compares it with
 * the engine answer for answer. Nothing is saved: the book has no answer sheet.
 */
(function () {
  "use strict";

  var TICK = "\u2713", CROSS = "\u2717", HALF = "\u25d0", WARN = "\u26a0";

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  /* a template's {name}s filled from `values` */
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  /* casekit.exercises.types.sentences: a space between English sentences, none next to a
   * full-width mark */
  function sentences(first, second) {
    var joined = "\u3002\uff01\uff1f\uff1a\uff1b\uff0c\uff09\u201d".indexOf(first.slice(-1)) >= 0 ||
      "\uff08\u201c".indexOf(second.charAt(0)) >= 0;
    return first + (joined ? "" : " ") + second;
  }

  /* the engine's verdict (its words in `says`, the book's language) before `text` */
  function verdict(correct, score, text, says) {
    var mark = correct ? TICK : (score > 0 ? HALF : CROSS);
    var lead = correct ? says.correct : (score > 0 ? says.partly : says.not_yet);
    return text ? sentences(mark + " " + lead, text) : mark + " " + lead;
  }

  function result(correct, score, html, valid) {
    return {correct: correct, score: Math.round(score * 1e6) / 1e6, html: html,
            valid: valid !== false};
  }

  function problem(text) {            // an answer that cannot be read: engine's wording
    return result(false, 0, "<p>" + WARN + " " + escapeHtml(text) + "</p>", false);
  }

  /* Python's repr() of a str, for messages that quote what was typed. */
  function pyRepr(text) {
    var quote = (text.indexOf("'") >= 0 && text.indexOf('"') < 0) ? '"' : "'";
    var body = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t")
      .replace(/\r/g, "\\r");
    if (quote === "'") body = body.replace(/'/g, "\\'");
    return quote + body + quote;
  }

  /* casekit.exercises.types.parse_number for text typed in a box; `says` are its messages
   * (typed_number_messages, in the book's language). */
  function parseNumber(raw, says) {
    var text = raw.trim();
    if (!text) return {error: says.number_empty.replace("{what}", says.number_what)};
    if (text.length > 60) return {error: says.number_too_long};
    var ascii = text.replace(/[\uff01-\uff5e]/g, function (ch) {   // a Chinese keyboard's １２．５％
      return String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
    }).replace(/\u3000/g, " ").replace(/\uffe5/g, "\u00a5").replace(/[\u2212\u2012\u2013\u2014\ufe63]/g, "-");
    var cleaned = ascii.replace(/[¥$€£]|元|rmb|usd|cny/gi, "").replace(/[_ ]/g, "");
    var percent = false;
    if (cleaned.slice(-1) === "%") { percent = true; cleaned = cleaned.slice(0, -1); }
    var scale = "";
    if (!percent && (cleaned.slice(-1) === "万" || cleaned.slice(-1) === "亿")) {
      scale = cleaned.slice(-1) === "万" ? "e4" : "e8";
      cleaned = cleaned.slice(0, -1);
    }
    if (cleaned.indexOf(",") >= 0) {
      if (!/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?(e[+-]?\d+)?$/i.test(cleaned)) {
        return {error: says.number_comma.replace("{text}", pyRepr(text))};
      }
      cleaned = cleaned.replace(/,/g, "");
    }
    var x;
    var c = cleaned + scale;
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(c)) x = Number(c);
    else if (/^[+-]?(inf|infinity)$/i.test(c)) x = c[0] === "-" ? -Infinity : Infinity;
    else if (/^[+-]?nan$/i.test(c)) x = NaN;
    else return {error: says.number_not_number.replace("{text}", pyRepr(text))};
    if (Number.isNaN(x)) return {error: says.number_nan};
    if (!Number.isFinite(x)) return {error: says.number_infinite};
    return {x: x, percent: percent};
  }

  function close(x, target, absTol, relTol) {
    return Math.abs(x - target) <= Math.max(absTol, relTol * Math.abs(target));
  }

  function numeric(d, typed) {
    var parsed = parseNumber(typed == null ? "" : String(typed), d.labels);
    if (parsed.error) return problem(parsed.error);
    var x = parsed.x, t = d.target, a = d.abs_tol, r = d.rel_tol;
    if (parsed.percent) {
      if (d.units === "" || d.units === "share" || d.units === "fraction") x = x / 100;
      else if (d.units !== "%") return result(false, 0, d.percent_html, false);
    }
    if (close(x, t, a, r)) return result(true, 1, d.correct_html);
    for (var i = 0; i < d.mistakes.length; i++) {
      if (close(x, d.mistakes[i][0], a, r)) return result(false, 0, d.mistakes[i][1]);
    }
    var key;
    if (t !== 0) {
      if (close(x, t * 100, a * 100, r)) key = "percent";
      else if (close(x, t / 100, a / 100, r)) key = "fraction";
      else if (close(x, -t, a, r)) key = "sign";
      else if (close(x, t * 1000, a * 1000, r) || close(x, t / 1000, a / 1000, r)) key = "thousand";
      else if (close(x, t * 1e6, a * 1e6, r) || close(x, t / 1e6, a / 1e6, r)) key = "million";
    }
    if (!key) key = Math.abs(x - t) <= Math.max(a, r * Math.abs(t)) * 5 ? "close" : (x > t ? "high" : "low");
    return result(false, 0, d.generic[key]);
  }

  /* answer: the bank position of the chosen option, or null */
  function single(d, answer) {
    var o = answer == null ? d.none : d.outcomes[answer];
    return result(o.correct, o.score, o.html, o.valid);
  }

  /* answer: the bank positions of the ticked options */
  function multiple(d, answer) {
    var mask = 0;
    (answer || []).forEach(function (i) { mask |= (1 << i); });
    var o = d.outcomes[mask];
    return result(o.correct, o.score, o.html, o.valid);
  }

  /* answer: for each item (bank order), the index of its category or null */
  function matching(d, answer) {
    var missing = [];
    d.items.forEach(function (it, i) { if (answer[i] == null) missing.push(it.html); });
    if (missing.length) {
      return result(false, 0, "<p>" + WARN + " " + fill(escapeHtml(d.labels.no_category), {
        n: missing.length,
        items: missing.slice(0, 3).join("; ") + (missing.length > 3 ? " \u2026" : "")}) + "</p>", false);
    }
    var wrong = [];
    d.items.forEach(function (it, i) { if (answer[i] !== it.answer) wrong.push(it.wrong[answer[i]]); });
    if (!wrong.length) return result(true, 1, d.correct_html);
    var n = d.items.length, score = 1 - wrong.length / n;
    var lines = wrong.slice(0, 4).map(function (w) { return "<li>" + w + "</li>"; });
    if (wrong.length > 4) lines.push("<li>" + escapeHtml(fill(d.labels.and_more, {n: wrong.length - 4})) + "</li>");
    var head = verdict(false, score, fill(d.labels.placed, {right: n - wrong.length, total: n}), d.labels);
    return result(false, score, "<p>" + escapeHtml(head) + "</p>\n<ul>\n" + lines.join("\n") + "\n</ul>");
  }

  /* answer: for each item as shown, its position (1 = first) or null */
  function ordering(d, answer) {
    if (answer.some(function (p) { return p == null; })) {
      return problem(d.labels.no_position);
    }
    var seen = {};
    for (var k = 0; k < answer.length; k++) {
      if (seen[answer[k]]) return result(false, 0, d.duplicate_html, false);
      seen[answer[k]] = true;
    }
    var given = d.shown.map(function (it, i) { return {rank: it.rank, pos: answer[i]}; })
      .sort(function (p, q) { return p.pos - q.pos; }).map(function (g) { return g.rank; });
    var n = given.length, good = 0, pairs = n * (n - 1) / 2;
    for (var i = 0; i < n; i++) for (var j = i + 1; j < n; j++) if (given[i] < given[j]) good++;
    var firstBad = -1;
    for (var m = 0; m < n; m++) if (given[m] !== m) { firstBad = m; break; }
    if (firstBad < 0) return result(true, 1, d.correct_html);
    var score = pairs ? good / pairs : 1;
    var text = verdict(false, score, fill(d.labels.pairs, {good: good, pairs: pairs, position: firstBad + 1}),
      d.labels);
    return result(false, score, "<p>" + escapeHtml(text) + "</p>");
  }

  function evaluate(d, answer) {
    switch (d.kind) {
      case "single": return single(d, answer);
      case "multiple": return multiple(d, answer);
      case "matching": return matching(d, answer);
      case "ordering": return ordering(d, answer);
      case "numeric": return numeric(d, answer);
      default: throw new Error("no checker for " + d.kind);
    }
  }

  /* ---------------------------------------------------------------- the page */
  function readAnswer(root, d) {
    var answer = root.querySelector(".ck-answer");
    if (d.kind === "single") {
      var picked = answer.querySelector("input:checked");
      return picked ? Number(picked.value) : null;
    }
    if (d.kind === "multiple") {
      return Array.prototype.map.call(answer.querySelectorAll("input:checked"),
        function (box) { return Number(box.value); });
    }
    if (d.kind === "matching" || d.kind === "ordering") {
      return Array.prototype.map.call(answer.querySelectorAll("select"), function (s) {
        return s.value === "" ? null : Number(s.value);
      });
    }
    if (d.kind === "numeric") return answer.querySelector("input").value;
    return answer.querySelector("textarea").value;
  }

  function show(root, cls, html) {
    var box = root.querySelector(".ck-feedback");
    box.className = "ck-feedback " + cls;
    box.innerHTML = html;
  }

  function selfAssess(root, d) {
    var self = root.querySelector(".ck-self");
    if (self.childElementCount) return;
    var html = "<p>" + escapeHtml(d.labels.text_saved) + "</p>" +
      "<div class=\"ck-model\"><p><strong>" + escapeHtml(d.labels.model) + "</strong></p>" + d.model + "</div>" +
      "<p><strong>" + escapeHtml(d.labels.rubric) + "</strong></p>" +
      d.rubric.map(function (r) {
        return "<label class=\"ck-option\"><input type=\"checkbox\"> <span class=\"ck-text\">" + r + "</span></label>";
      }).join("") + "<p class=\"ck-ticked\"></p>";
    self.innerHTML = html;
    var boxes = self.querySelectorAll("input");
    var count = self.querySelector(".ck-ticked");
    function update() {
      var k = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      count.textContent = d.labels.ticked.replace("{k}", k).replace("{n}", boxes.length);
    }
    Array.prototype.forEach.call(boxes, function (b) { b.addEventListener("change", update); });
    update();
  }

  function setUp(root) {
    var d = JSON.parse(root.querySelector("script.ck-data").textContent);
    var tries = 0, hintsShown = 0;
    var check = root.querySelector(".ck-check"), hint = root.querySelector(".ck-hint");
    check.addEventListener("click", function () {
      var answer = readAnswer(root, d);
      if (d.kind === "text") {
        if (answer.trim().length < 3) { show(root, "ck-partial", d.empty_html); return; }
        show(root, "ck-neutral", "");
        selfAssess(root, d);
        return;
      }
      var r = evaluate(d, answer);
      if (r.valid) tries += 1;
      var html = r.html;
      if (d.why && r.valid && (r.correct || tries >= d.reveal_after)) html += "\n" + d.why;
      show(root, r.correct ? "ck-right" : (r.score > 0 || !r.valid ? "ck-partial" : "ck-wrong"), html);
      root.setAttribute("data-tries", String(tries));
    });
    if (hint) {
      hint.addEventListener("click", function () {
        hintsShown = Math.min(hintsShown + 1, d.hints.length);
        var more = hintsShown < d.hints.length ? "" : " " + d.labels.no_more;
        var items = d.hints.slice(0, hintsShown).map(function (h) { return "<li>" + h + "</li>"; }).join("");
        root.querySelector(".ck-hints").innerHTML = "<div>" + escapeHtml(
          d.labels.hint_of.replace("{n}", hintsShown).replace("{m}", d.hints.length) + more) +
          "<ol>" + items + "</ol></div>";
        hint.disabled = hintsShown >= d.hints.length;
      });
      hint.disabled = false;
    }
    var number = root.querySelector("input.ck-number");
    if (number) {
      number.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); check.click(); }
      });
    }
    check.disabled = false;
    root.classList.add("ck-ready");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".ck-quiz"), function (root) {
      if (root.querySelector("script.ck-data")) setUp(root);
    });
  }

  window.casekitQuiz = {evaluate: evaluate};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
