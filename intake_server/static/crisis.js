/* Crisis language, matched in the browser with the same table and the same steps as the server
   (intake_server/intake/crisis.py): fold the text, cut it into words, try each rule's phrase at
   each word. Keep the two in step; tests run the labelled corpus through both. */
(function () {
  "use strict";

  var APOSTROPHES = /[\u2019\u2018\u02bc`]/g;
  var WORD = /[a-z0-9]+(?:'[a-z0-9]+)*|[.,;:!?]+/g;
  var BREAK = "|";  // where a sentence or clause ends: nothing reaches across it
  var MARKS = /\p{M}/gu;

  function foldChar(ch) {
    var lowered = ch.toLowerCase();
    if (lowered.length !== 1) return ch;
    var base = lowered.normalize("NFKD").replace(MARKS, "");
    return base.length === 1 ? base : lowered;
  }

  function fold(text) {
    var out = "";
    var source = text.replace(APOSTROPHES, "'");
    for (var i = 0; i < source.length; i++) out += foldChar(source[i]);
    return out;
  }

  function words(text) {
    var found = [];
    var folded = fold(text);
    var m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(folded)) !== null) {
      var word = ".,;:!?".indexOf(m[0].charAt(0)) >= 0 ? BREAK : m[0];
      found.push([word, m.index, m.index + m[0].length]);
    }
    return found;
  }

  var FUZZY = "~";

  function typosAllowed(word) {
    return word.length >= 8 ? 2 : word.length >= 5 ? 1 : 0;
  }

  /* A letter left out, added, changed or two swapped; the first letter must be right. */
  function close(token, word) {
    var limit = typosAllowed(word);
    if (token === word) return true;
    if (!limit || Math.abs(token.length - word.length) > limit || token[0] !== word[0]) return false;
    var previous2 = [];
    var previous = [];
    for (var j = 0; j <= word.length; j++) previous.push(j);
    for (var i = 1; i <= token.length; i++) {
      var row = [i];
      for (var k = 1; k <= word.length; k++) {
        var cost = token[i - 1] === word[k - 1] ? 0 : 1;
        row.push(Math.min(previous[k] + 1, row[k - 1] + 1, previous[k - 1] + cost));
        if (i > 1 && k > 1 && token[i - 1] === word[k - 2] && token[i - 2] === word[k - 1]) {
          row[k] = Math.min(row[k], previous2[k - 2] + 1);
        }
      }
      previous2 = previous;
      previous = row;
    }
    return previous[word.length] <= limit;
  }

  function has(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  /* Every word a table spells out (not the ~words). */
  function exactWords(table) {
    var found = {};
    function add(option) {
      option.split(" ").forEach(function (word) { if (word.charAt(0) !== FUZZY) found[word] = true; });
    }
    function addSteps(steps) {
      steps.forEach(function (step) { if (step.any) step.any.forEach(add); });
    }
    table.negations.forEach(addSteps);
    table.rules.forEach(function (rule) { addSteps(rule.steps); rule.notAfter.forEach(addSteps); });
    Object.keys(table.lists).forEach(function (name) { table.lists[name].forEach(add); });
    return found;
  }

  /* known: the words any language's rules spell out; such a word is never taken for a slip. */
  function Detector(table, known) {
    var self = this;
    this.known = exactWords(table);
    Object.keys(known || {}).forEach(function (word) { self.known[word] = true; });
    this.kinds = table.kinds;
    this.negations = table.negations;
    this.lists = {};
    Object.keys(table.lists).forEach(function (name) {
      self.lists[name] = table.lists[name].map(function (o) { return o.split(" "); });
    });
    this.byFirst = {};
    this.byLetter = {};
    table.rules.forEach(function (rule, order) {
      rule.order = order;
      var firsts = {};
      self.options(rule.steps[0]).forEach(function (option) { firsts[option[0]] = true; });
      Object.keys(firsts).sort().forEach(function (first) {
        var index = first.charAt(0) === FUZZY ? self.byLetter : self.byFirst;
        var key = first.charAt(0) === FUZZY ? first.charAt(1) : first;
        if (!has(index, key)) index[key] = [];
        index[key].push(rule);
      });
    });
  }

  Detector.prototype.options = function (step) {
    if (step.list !== undefined) return this.lists[step.list];
    if (!step.split) step.split = step.any.map(function (o) { return o.split(" "); });
    return step.split;
  };

  Detector.prototype.candidates = function (token) {
    var rules = (has(this.byFirst, token) ? this.byFirst[token] : [])
      .concat(has(this.byLetter, token.charAt(0)) ? this.byLetter[token.charAt(0)] : []);
    var seen = {};
    return rules.filter(function (rule) {
      if (seen[rule.order]) return false;
      seen[rule.order] = true;
      return true;
    }).sort(function (a, b) { return a.order - b.order; });
  };

  /* Whether token is the ~word mistyped (a word the rules know is never a slip). */
  Detector.prototype.slip = function (token, word) {
    return token === word || (!has(this.known, token) && close(token, word));
  };

  Detector.prototype.same = function (tokens, at, option) {
    if (at + option.length > tokens.length) return false;
    for (var k = 0; k < option.length; k++) {
      var word = option[k];
      var token = tokens[at + k];
      if (token !== word && !(word.charAt(0) === FUZZY && this.slip(token, word.slice(1)))) return false;
    }
    return true;
  };

  /* Where a fit of steps[s:] from word `at` ends (exclusive), or -1; `done(end)` says
     whether an end is acceptable, and the first acceptable way wins. */
  Detector.prototype.fit = function (steps, s, tokens, at, done) {
    if (s === steps.length) return done(at) ? at : -1;
    var step = steps[s];
    var end;
    if (step.gap !== undefined) {
      for (var size = 0; size <= step.gap; size++) {
        if (at + size > tokens.length || (size > 0 && tokens[at + size - 1] === BREAK)) break;
        end = this.fit(steps, s + 1, tokens, at + size, done);
        if (end >= 0) return end;
      }
      return -1;
    }
    var options = this.options(step);
    for (var o = 0; o < options.length; o++) {
      if (this.same(tokens, at, options[o])) {
        end = this.fit(steps, s + 1, tokens, at + options[o].length, done);
        if (end >= 0) return end;
      }
    }
    return -1;
  };

  /* The most words a phrase can cover. */
  Detector.prototype.span = function (steps) {
    var self = this;
    return steps.reduce(function (total, step) {
      if (step.gap !== undefined) return total + step.gap;
      return total + Math.max.apply(null, self.options(step).map(function (o) { return o.length; }));
    }, 0);
  };

  /* Whether one of `phrases` fits exactly in the words just before word `at`. */
  Detector.prototype.endsAt = function (phrases, tokens, at) {
    var exactly = function (end) { return end === at; };
    for (var p = 0; p < phrases.length; p++) {
      for (var start = Math.max(0, at - this.span(phrases[p])); start < at; start++) {
        if (this.fit(phrases[p], 0, tokens, start, exactly) >= 0) return true;
      }
    }
    return false;
  };

  /* Every rule that fits, in text order: {kind, label, text}. */
  Detector.prototype.find = function (text) {
    var found = words(text);
    var tokens = found.map(function (w) { return w[0]; });
    var matches = [];
    for (var at = 0; at < tokens.length; at++) {
      var rules = this.candidates(tokens[at]);
      for (var r = 0; r < rules.length; r++) {
        var rule = rules[r];
        var done = function (end) {
          var following = end < tokens.length ? tokens[end] : null;
          return rule.notNext.indexOf(following) < 0;
        };
        var end = this.fit(rule.steps, 0, tokens, at, done);
        if (end <= at) continue;
        if (this.endsAt(this.negations, tokens, at) || this.endsAt(rule.notAfter, tokens, at)) continue;
        matches.push({
          kind: rule.kind,
          label: this.kinds[rule.kind],
          text: text.slice(found[at][1], found[end - 1][2])
        });
      }
    }
    return matches;
  };

  /* One detector per language, as the server makes them (tables: {language: table}). */
  function detectorsFor(tables) {
    var known = {};
    Object.keys(tables).forEach(function (language) {
      Object.keys(exactWords(tables[language])).forEach(function (word) { known[word] = true; });
    });
    return Object.keys(tables).sort().map(function (language) {
      return new Detector(tables[language], known);
    });
  }

  /* Every match of every language, in the order of the languages (as the server's find()). */
  function findAll(detectors, text) {
    return detectors.reduce(function (all, d) { return all.concat(d.find(text)); }, []);
  }

  window.CrisisLanguage = {
    Detector: Detector, detectorsFor: detectorsFor, findAll: findAll, fold: fold, words: words, close: close
  };
})();
