/* Interactive LSTM stepper: one input, one unit, computed in the browser.
 *
 * window.LSTMStepper.forward(config) runs the cell as Keras does (gate order input,
 * forget, candidate, output; z = x*W + h_prev*U + b; c = f*c_prev + i*g; h = o*a(c)),
 * in float64 or, for the activations that keep fractions exact (linear, relu,
 * hard_sigmoid), exactly: every number typed is the decimal it reads as (0.5 is 1/2),
 * and the arithmetic is on fractions of BigInts, as `forward(..., exact=True)` does.
 * The widget on the "Interactive stepper" page fills the cell drawing that the page
 * embeds as a <template> (made by lstm_explained.figures, so there is one drawing), and
 * shows a table of every step and the hand calculation of one step in the text format
 * of lstm_explained.hand.
 *
 * Plain ES2020, no dependencies, no network requests. It builds the widget only where an
 * element with id "lstm-stepper" exists; window.LSTMStepper is defined either way.
 */
(() => {
  "use strict";

  if (window.LSTMStepper) return; // loaded twice: the first copy is in charge

  const GATES = ["input", "forget", "candidate", "output"];
  const SYMBOLS = { input: "i", forget: "f", candidate: "g", output: "o" };
  const LABELS = {
    input: "input gate",
    forget: "forget gate",
    candidate: "candidate",
    output: "output gate",
  };
  const ACTIVATIONS = ["linear", "sigmoid", "hard_sigmoid", "tanh", "relu"];
  const MAX_STEPS = 10;
  const DIGITS = 4; // the table's significant digits; the working shows as many as it needs
  const MOST_DIGITS = 10;
  const EXACT_ACTIVATIONS = ["linear", "relu", "hard_sigmoid"];
  const EXACT_NEEDS = "exact mode needs activations that keep fractions exact (linear, relu or hard_sigmoid)";

  // Keras 3's definitions, in float64.
  const FLOAT_FNS = {
    linear: (x) => x,
    sigmoid: (x) => 1 / (1 + Math.exp(-x)),
    hard_sigmoid: (x) => Math.min(Math.max(x / 6 + 0.5, 0), 1),
    tanh: Math.tanh,
    relu: (x) => Math.max(x, 0),
  };

  // ---- numbers as text ----------------------------------------------------------------

  /** A float as Python's f"{v:.{digits}g}" writes it ("-0" becomes "0", as in hand.py). */
  function formatFloat(v, digits = DIGITS) {
    if (Number.isNaN(v)) return "nan";
    if (v === Infinity) return "inf";
    if (v === -Infinity) return "-inf";
    if (v === 0) return "0";
    // toPrecision(100) gives the exact decimal digits, so ties round half to even as
    // Python does (toPrecision(4) alone would round them up).
    const m = Math.abs(v).toPrecision(100).match(/^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/);
    const all = m[1] + (m[2] || "");
    let lead = 0;
    while (all[lead] === "0") lead += 1;
    const sig = all.slice(lead);
    let exp = m[1].length + (m[3] ? Number(m[3]) : 0) - lead - 1;
    let head = sig.slice(0, digits).padEnd(digits, "0");
    const rest = sig.slice(digits);
    let up = false;
    if (rest[0] > "5") up = true;
    else if (rest[0] === "5") up = /[1-9]/.test(rest.slice(1)) || Number(head[digits - 1]) % 2 === 1;
    if (up) {
      let n = Number(head) + 1;
      if (n === 10 ** digits) {
        n = 10 ** (digits - 1);
        exp += 1;
      }
      head = String(n);
    }
    let text;
    if (exp >= -4 && exp < digits) {
      const fixed = exp >= 0
        ? head.slice(0, exp + 1) + "." + head.slice(exp + 1)
        : "0." + "0".repeat(-exp - 1) + head;
      text = fixed.replace(/0+$/, "").replace(/\.$/, "");
    } else {
      const mantissa = (head[0] + "." + head.slice(1)).replace(/0+$/, "").replace(/\.$/, "");
      text = `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
    }
    return (v < 0 ? "-" : "") + text;
  }

  /** Exact values are strings already ("12", "829/4"); floats get `digits` significant digits. */
  function formatNumber(v, digits = DIGITS) {
    if (typeof v === "string") return v;
    if (typeof v === "bigint") return v.toString();
    return formatFloat(v, digits);
  }

  /** A number as a factor: negatives and fractions in brackets so products read right. */
  function term(v, digits = DIGITS) {
    return factor(formatNumber(v, digits));
  }

  function factor(text) {
    return text.replace(/^≈/, "").startsWith("-") || text.includes("/") ? `(${text})` : text;
  }

  // ---- exact numbers: fractions of BigInts, as Python's Fraction ---------------------------

  function gcd(a, b) {
    let x = a < 0n ? -a : a;
    let y = b < 0n ? -b : b;
    while (y) [x, y] = [y, x % y];
    return x;
  }

  function frac(n, d = 1n) {
    const sign = d < 0n ? -1n : 1n;
    const g = gcd(n, d) || 1n;
    return { n: (sign * n) / g, d: (sign * d) / g };
  }

  const add = (a, b) => frac(a.n * b.d + b.n * a.d, a.d * b.d);
  const mul = (a, b) => frac(a.n * b.n, a.d * b.d);
  const less = (a, b) => a.n * b.d < b.n * a.d;
  const ZERO = frac(0n);
  const ONE = frac(1n);

  /** A typed number as the decimal it reads as: 0.5 is 1/2 and 0.1 is 1/10. */
  function exactOf(v) {
    const m = String(v).match(/^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i);
    const digits = BigInt(m[2] + (m[3] || ""));
    const exp = (m[4] ? Number(m[4]) : 0) - (m[3] || "").length;
    const r = exp >= 0 ? frac(digits * 10n ** BigInt(exp)) : frac(digits, 10n ** BigInt(-exp));
    return m[1] ? frac(-r.n, r.d) : r;
  }

  /** An exact value as lstm_explained.format_number writes it: "12", "-829/4". */
  function exactText(v) {
    return v.d === 1n ? v.n.toString() : `${v.n}/${v.d}`;
  }

  // Keras 3's definitions where they map fractions to fractions.
  const EXACT_FNS = {
    linear: (v) => v,
    relu: (v) => (less(v, ZERO) ? ZERO : v),
    hard_sigmoid: (v) => {
      const s = add(mul(v, frac(1n, 6n)), frac(1n, 2n));
      return less(s, ZERO) ? ZERO : less(ONE, s) ? ONE : s;
    },
  };

  /** A fraction's approximate value, for the diagram, whatever its size. */
  function approx(text) {
    const [p, q = "1"] = text.replace(/^-/, "").split("/");
    const head = (digits) => Number(digits.slice(0, 17)) * 10 ** Math.max(0, digits.length - 17);
    const scale = Math.max(0, p.length - 17) - Math.max(0, q.length - 17);
    const value = (Number(p.slice(0, 17)) / Number(q.slice(0, 17))) * 10 ** scale;
    return (text.startsWith("-") ? -1 : 1) * (Number.isFinite(value) ? value : head(p) / head(q));
  }

  /** A long exact number shortened for the diagram: "≈9.396e+94", "≈207.2". */
  function shortNumber(text) {
    if (text.includes("/")) return text.length <= 10 ? text : `≈${formatFloat(approx(text))}`;
    if (text.length <= 10 || !/^-?\d+$/.test(text)) return text;
    const neg = text.startsWith("-");
    const digits = neg ? text.slice(1) : text;
    let exp = digits.length - 1;
    let head = Number(digits.slice(0, 4)) + (digits[4] >= "5" ? 1 : 0);
    if (head === 10000) {
      head = 1000;
      exp += 1;
    }
    const h = String(head);
    const mantissa = (h[0] + "." + h.slice(1)).replace(/0+$/, "").replace(/\.$/, "");
    return `≈${neg ? "-" : ""}${mantissa}e+${String(exp).padStart(2, "0")}`;
  }

  // ---- the configuration ----------------------------------------------------------------

  function describe(v) {
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v === "number" || typeof v === "boolean" || v == null) return String(v);
    if (Array.isArray(v)) return `an array of ${v.length}`;
    return typeof v;
  }

  function finite(v, name) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new Error(`${name} must be a finite number; got ${describe(v)}`);
    }
    return v;
  }

  function activationName(v, name, fallback) {
    if (v === undefined) return fallback;
    if (!ACTIVATIONS.includes(v)) {
      throw new Error(`${name} must be one of ${ACTIVATIONS.join(", ")}; got ${describe(v)}`);
    }
    return v;
  }

  /** A checked copy of a config, with defaults filled in; throws an Error if invalid. */
  function normalize(config) {
    if (config === null || typeof config !== "object") {
      throw new Error(`config must be an object; got ${describe(config)}`);
    }
    const { inputs, weights } = config;
    if (!Array.isArray(inputs) || inputs.length < 1 || inputs.length > MAX_STEPS) {
      const got = Array.isArray(inputs) ? `${inputs.length} numbers` : describe(inputs);
      throw new Error(`inputs must be an array of 1 to ${MAX_STEPS} numbers; got ${got}`);
    }
    inputs.forEach((x, k) => finite(x, `inputs[${k}] (step ${k + 1})`));
    if (weights === null || typeof weights !== "object") {
      throw new Error(`weights must be an object with the gates ${GATES.join(", ")}; got ${describe(weights)}`);
    }
    const w = {};
    for (const gate of GATES) {
      const gw = weights[gate];
      if (gw === null || typeof gw !== "object") {
        throw new Error(`weights.${gate} must be an object {W, U, b}; got ${describe(gw)}`);
      }
      w[gate] = {
        W: finite(gw.W, `weights.${gate}.W`),
        U: finite(gw.U, `weights.${gate}.U`),
        b: finite(gw.b, `weights.${gate}.b`),
      };
    }
    if (config.exact !== undefined && typeof config.exact !== "boolean") {
      throw new Error(`exact must be true or false; got ${describe(config.exact)}`);
    }
    return {
      inputs: inputs.slice(),
      weights: w,
      activation: activationName(config.activation, "activation", "tanh"),
      recurrentActivation: activationName(
        config.recurrentActivation, "recurrentActivation", "sigmoid",
      ),
      exact: config.exact === true,
      h0: config.h0 === undefined ? 0 : finite(config.h0, "h0"),
      c0: config.c0 === undefined ? 0 : finite(config.c0, "c0"),
    };
  }

  /** Why a (normalized) config cannot be computed exactly, or "" if it can. */
  function exactProblem(cfg) {
    const why = [];
    for (const [name, value] of [["activation", cfg.activation], ["recurrent_activation", cfg.recurrentActivation]]) {
      if (!EXACT_ACTIVATIONS.includes(value)) why.push(`${name} is ${value}`);
    }
    return why.length ? `${EXACT_NEEDS}; ${why.join(" and ")}` : "";
  }

  // ---- the computation ------------------------------------------------------------------

  function forwardFloat(cfg) {
    const act = FLOAT_FNS[cfg.activation];
    const rec = FLOAT_FNS[cfg.recurrentActivation];
    const w = cfg.weights;
    let h = cfg.h0;
    let c = cfg.c0;
    return cfg.inputs.map((x, k) => {
      const z = {};
      for (const gate of GATES) z[gate] = x * w[gate].W + h * w[gate].U + w[gate].b;
      const gates = {
        input: rec(z.input),
        forget: rec(z.forget),
        candidate: act(z.candidate),
        output: rec(z.output),
      };
      const cNew = gates.forget * c + gates.input * gates.candidate;
      const hNew = gates.output * act(cNew);
      const step = { t: k + 1, x, h_prev: h, c_prev: c, z, gates, c: cNew, h: hNew };
      h = hNew;
      c = cNew;
      return step;
    });
  }

  function forwardExact(cfg) {
    const act = EXACT_FNS[cfg.activation];
    const rec = EXACT_FNS[cfg.recurrentActivation];
    const w = {};
    for (const gate of GATES) {
      const g = cfg.weights[gate];
      w[gate] = { W: exactOf(g.W), U: exactOf(g.U), b: exactOf(g.b) };
    }
    let h = exactOf(cfg.h0);
    let c = exactOf(cfg.c0);
    return cfg.inputs.map((xNumber, k) => {
      const x = exactOf(xNumber);
      const z = {};
      for (const gate of GATES) z[gate] = add(add(mul(x, w[gate].W), mul(h, w[gate].U)), w[gate].b);
      const gates = {
        input: rec(z.input),
        forget: rec(z.forget),
        candidate: act(z.candidate),
        output: rec(z.output),
      };
      const cNew = add(mul(gates.forget, c), mul(gates.input, gates.candidate));
      const hNew = mul(gates.output, act(cNew));
      const text = (values) => Object.fromEntries(GATES.map((g) => [g, exactText(values[g])]));
      const step = {
        t: k + 1,
        x: exactText(x),
        h_prev: exactText(h),
        c_prev: exactText(c),
        z: text(z),
        gates: text(gates),
        c: exactText(cNew),
        h: exactText(hNew),
      };
      h = hNew;
      c = cNew;
      return step;
    });
  }

  /** Run the cell over config.inputs; see the file's header for the config. */
  function forward(config) {
    const cfg = normalize(config);
    if (cfg.exact) {
      const why = exactProblem(cfg);
      if (why) throw new Error(why);
      return { steps: forwardExact(cfg) };
    }
    return { steps: forwardFloat(cfg) };
  }

  /** True if forward(config) may be asked for exact integers. */
  function canBeExact(config) {
    try {
      return exactProblem(normalize({ ...config, exact: false })) === "";
    } catch (err) {
      return false;
    }
  }

  // ---- how many digits the working needs (as lstm_explained.figures.numbers) ---------------

  /** Significant digits of a number written as text: "207.25" has 5. */
  function significant(text) {
    return text.toLowerCase().split("e")[0].replace(/[-.]/g, "").replace(/^0+/, "").length || 1;
  }

  /** The digits of a float's shortest decimal form if at most `most` (207.25: 5), else 0. */
  function shortDigits(v, most) {
    const d = significant(String(v));
    return d <= most ? d : 0;
  }

  /** What a reader can tell from v written to d digits: v itself if the text is exact,
   * else every number that rounds to that text. */
  function shownInterval(v, d) {
    const s = Number(formatFloat(v, d));
    if (s === v || s === 0) return [s, s];
    const half = 10 ** (Math.floor(Math.log10(Math.abs(s))) - d + 1) / 2;
    return [s - half, s + half];
  }

  const iadd = (a, b) => [a[0] + b[0], a[1] + b[1]];
  const imul = (a, b) => {
    const ends = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]];
    return [Math.min(...ends), Math.max(...ends)];
  };
  const iapply = (fn, a) => [fn(a[0]), fn(a[1])]; // Keras's activations are monotone

  /** Whether a line whose right-hand side, redone from the numbers shown, lies in
   * [lo, hi] may show `result` at d digits: from exact numbers the exact value (in full
   * if it has a short decimal form: 207.25, not 207.2), else the rounding of some value
   * the rounded numbers allow. */
  function addsUp([lo, hi], result, d) {
    if (lo === hi) {
      if (shortDigits(lo, 10)) return Number(formatFloat(result, d)) === lo;
      return formatFloat(lo, d) === formatFloat(result, d);
    }
    const s = Number(formatFloat(result, d));
    const half = s === 0 ? 0 : 10 ** (Math.floor(Math.log10(Math.abs(s))) - d + 1) / 2;
    const slack = 1e-12 * Math.max(1, Math.abs(s));
    return lo <= s + half + slack && s - half - slack <= hi;
  }

  /** The significant digits to show a float step's working with so that every line adds
   * up: at least DIGITS, every number with a short decimal form in full, and each result
   * following from the numbers its line shows. With fewer, "c = ... = 207.2" could be
   * followed by "h = 12×linear(207.2) = 2487". */
  function digitsThatAddUp(cfg, s) {
    if (cfg.exact) return DIGITS;
    const weights = GATES.flatMap((g) => [cfg.weights[g].W, cfg.weights[g].U, cfg.weights[g].b]);
    const values = [s.x, s.h_prev, s.c_prev, s.c, s.h, ...weights,
      ...GATES.flatMap((g) => [s.z[g], s.gates[g]])];
    if (!values.every(Number.isFinite)) return DIGITS;
    const act = FLOAT_FNS[cfg.activation];
    const rec = FLOAT_FNS[cfg.recurrentActivation];
    const start = Math.max(DIGITS, ...values.map((v) => shortDigits(v, MOST_DIGITS)));
    for (let d = start; d <= MOST_DIGITS; d += 1) {
      const shown = (v) => shownInterval(v, d);
      let ok = true;
      for (const gate of GATES) {
        const w = cfg.weights[gate];
        const z = iadd(iadd(imul(shown(s.x), shown(w.W)), imul(shown(s.h_prev), shown(w.U))), shown(w.b));
        const fn = gate === "candidate" ? act : rec;
        ok = ok && addsUp(z, s.z[gate], d) && addsUp(iapply(fn, shown(s.z[gate])), s.gates[gate], d);
      }
      const g = Object.fromEntries(GATES.map((k) => [k, shown(s.gates[k])]));
      ok = ok && addsUp(iadd(imul(g.forget, shown(s.c_prev)), imul(g.input, g.candidate)), s.c, d);
      ok = ok && addsUp(imul(g.output, iapply(act, shown(s.c))), s.h, d);
      if (ok) return d;
    }
    return MOST_DIGITS;
  }

  /** The hand calculation of step t (from 1), as lstm_explained.hand writes it. */
  function handText(cfg, steps, t) {
    const s = steps[t - 1];
    const d = digitsThatAddUp(cfg, s);
    const f = (v) => formatNumber(v, d);
    const n = (v) => term(v, d);
    const weight = (v) => (cfg.exact ? exactText(exactOf(v)) : v);
    const width = "hidden state:".length + 1;
    const pad = (text) => text.padEnd(width);
    const act = cfg.activation;
    const lines = [`time step ${s.t}: x = ${f(s.x)}, h_prev = ${f(s.h_prev)}, c_prev = ${f(s.c_prev)}`];
    for (const gate of GATES) {
      const sym = SYMBOLS[gate];
      const gw = cfg.weights[gate];
      const products = [
        `${n(s.x)}×${n(weight(gw.W))}`,
        `${n(s.h_prev)}×${n(weight(gw.U))}`,
        n(weight(gw.b)),
      ];
      const fn = gate === "candidate" ? act : cfg.recurrentActivation;
      const z = f(s.z[gate]);
      lines.push(`${pad(LABELS[gate] + ":")}z_${sym} = ${products.join(" + ")} = ${z}`);
      lines.push(`${pad("")}${sym} = ${fn}(${z}) = ${f(s.gates[gate])}`);
    }
    const g = s.gates;
    lines.push(
      `${pad("cell state:")}c = f×c_prev + i×g = ${n(g.forget)}×${n(s.c_prev)} + ` +
        `${n(g.input)}×${n(g.candidate)} = ${f(s.c)}`,
    );
    lines.push(
      `${pad("hidden state:")}h = o×${act}(c) = ${n(g.output)}×${act}(${f(s.c)}) = ${f(s.h)}`,
    );
    return lines.join("\n");
  }

  /** The values the cell drawing's {fields} take at one step (see figures.cell_template). */
  function figureValues(cfg, s) {
    const d = digitsThatAddUp(cfg, s);
    const num = (v) => shortNumber(formatNumber(v, d));
    const weight = (v) => (cfg.exact ? exactText(exactOf(v)) : v);
    const values = {
      t: String(s.t),
      x: num(s.x),
      h_prev: num(s.h_prev),
      c_prev: num(s.c_prev),
      c: num(s.c),
      h: num(s.h),
      act: cfg.activation,
      rec: cfg.recurrentActivation,
      xt: factor(num(s.x)),
      h_prevt: factor(num(s.h_prev)),
    };
    for (const gate of GATES) {
      const sym = SYMBOLS[gate];
      const gw = cfg.weights[gate];
      values[`W_${sym}`] = factor(num(weight(gw.W)));
      values[`U_${sym}`] = factor(num(weight(gw.U)));
      values[`b_${sym}`] = factor(num(weight(gw.b)));
      values[`z_${sym}`] = num(s.z[gate]);
      values[`v_${sym}`] = num(s.gates[gate]);
    }
    return values;
  }

  /** The page's cell drawing (a <template>) with one step's numbers filled in. */
  function cellFigure(cfg, step) {
    const template = document.getElementById("lstm-stepper-figure");
    if (!template) return document.createTextNode("");
    const values = figureValues(cfg, step);
    const figure = template.content.cloneNode(true);
    figure.querySelectorAll("[data-text]").forEach((node) => {
      node.textContent = node.dataset.text.replace(/\{(\w+)\}/g, (_, name) => values[name]);
    });
    return figure;
  }

  /** The hand calculation of step t for a config (a convenience for checks). */
  function handCalculation(config, t) {
    const cfg = normalize(config);
    const { steps } = forward(cfg);
    if (!Number.isInteger(t) || t < 1 || t > steps.length) {
      throw new Error(`t must be a time step from 1 to ${steps.length}; got ${describe(t)}`);
    }
    return handText(cfg, steps, t);
  }

  // ---- presets ----------------------------------------------------------------------------

  function sameWeights(W, U, bias) {
    const weights = {};
    for (const gate of GATES) weights[gate] = { W, U, b: bias[gate] || 0 };
    return weights;
  }

  function presets() {
    return {
      article: {
        inputs: [1, 1, 1],
        weights: sameWeights(1, 1, {}),
        activation: "linear",
        recurrentActivation: "linear",
        exact: true,
        h0: 0,
        c0: 0,
      },
      unit_forget_bias: {
        inputs: [1, 1, 1],
        weights: sameWeights(1, 1, { forget: 1 }),
        activation: "linear",
        recurrentActivation: "linear",
        exact: true,
        h0: 0,
        c0: 0,
      },
      second_example: {
        inputs: [1, 0.5, -1],
        weights: {
          input: { W: 0.5, U: 0.25, b: 0 },
          forget: { W: 0.25, U: 0.5, b: 1 },
          candidate: { W: 0.75, U: -0.25, b: 0 },
          output: { W: -0.5, U: 0.5, b: 0.25 },
        },
        activation: "tanh",
        recurrentActivation: "sigmoid",
        exact: false,
        h0: 0,
        c0: 0,
      },
    };
  }

  const PRESET_LABELS = {
    article: "the article's toy network",
    unit_forget_bias: "unit_forget_bias",
    second_example: "the second example",
  };
  const PRESET_MODES = { article: "one", unit_forget_bias: "one", second_example: "per-gate" };

  // ---- the widget -------------------------------------------------------------------------

  const esc = (text) =>
    String(text).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);

  const options = (values, labels = {}) =>
    values.map((v) => `<option value="${v}">${esc(labels[v] || v)}</option>`).join("");

  function skeleton() {
    const gateRows = GATES.map((gate) => {
      const cell = (key, what) =>
        `<label class="stepper-gate-cell stepper-col-${key}" for="stepper-${key}-${gate}">` +
        `<span class="stepper-sr">${LABELS[gate]}, ${what}</span>` +
        `<input type="text" id="stepper-${key}-${gate}" autocomplete="off" spellcheck="false"></label>`;
      return (
        `<span class="stepper-gate-name" aria-hidden="true">${LABELS[gate]}</span>` +
        cell("W", "input weight W") +
        cell("U", "recurrent weight U") +
        cell("b", "bias b")
      );
    }).join("");
    return `
<form class="stepper-controls" id="stepper-form" novalidate>
  <div class="stepper-grid">
    <div class="stepper-field">
      <label for="stepper-preset">Preset</label>
      <div class="stepper-inline">
        <select id="stepper-preset">${options(Object.keys(PRESET_LABELS), PRESET_LABELS)}</select>
        <button type="button" class="stepper-button" id="stepper-reset">Reset</button>
      </div>
      <span class="stepper-hint" id="stepper-preset-state" aria-live="polite"></span>
    </div>
    <div class="stepper-field">
      <label for="stepper-inputs">Input sequence</label>
      <input type="text" id="stepper-inputs" autocomplete="off" spellcheck="false"
        aria-describedby="stepper-inputs-hint">
      <span class="stepper-hint" id="stepper-inputs-hint">One to ten numbers, separated by commas; one per time step.</span>
    </div>
    <div class="stepper-field">
      <label for="stepper-activation"><code>activation</code> φ (the candidate g, and φ(c) in h)</label>
      <select id="stepper-activation">${options(ACTIVATIONS)}</select>
    </div>
    <div class="stepper-field">
      <label for="stepper-recurrent-activation"><code>recurrent_activation</code> σ (the gates i, f, o)</label>
      <select id="stepper-recurrent-activation">${options(ACTIVATIONS)}</select>
    </div>
    <div class="stepper-field stepper-pair">
      <label for="stepper-h0"><span>Initial h<sub>0</sub></span>
        <input type="text" id="stepper-h0" autocomplete="off" spellcheck="false"></label>
      <label for="stepper-c0"><span>Initial c<sub>0</sub></span>
        <input type="text" id="stepper-c0" autocomplete="off" spellcheck="false"></label>
    </div>
    <div class="stepper-field">
      <label for="stepper-weight-mode">Weights</label>
      <select id="stepper-weight-mode">
        <option value="one">one value for all W and U</option>
        <option value="per-gate">per gate</option>
      </select>
    </div>
  </div>
  <div class="stepper-weights" id="stepper-weights">
    <div class="stepper-field stepper-one">
      <label for="stepper-weight">W and U of every gate</label>
      <input type="text" id="stepper-weight" autocomplete="off" spellcheck="false">
    </div>
    <div class="stepper-gates" role="group" aria-label="Weights and biases per gate">
      <span class="stepper-gate-head" aria-hidden="true">gate</span>
      <span class="stepper-gate-head stepper-col-W" aria-hidden="true">W</span>
      <span class="stepper-gate-head stepper-col-U" aria-hidden="true">U</span>
      <span class="stepper-gate-head stepper-col-b" aria-hidden="true">b</span>
      ${gateRows}
    </div>
    <p class="stepper-hint stepper-legend" aria-hidden="true">W multiplies the input x, U the previous hidden state h_prev; b is the bias.</p>
  </div>
  <div class="stepper-exact">
    <input type="checkbox" id="stepper-exact" aria-describedby="stepper-exact-note">
    <label for="stepper-exact">Exact arithmetic</label>
    <span class="stepper-hint" id="stepper-exact-note"></span>
  </div>
</form>
<div id="stepper-error" class="stepper-error" role="alert"></div>
<div id="stepper-note" class="stepper-note" role="status"></div>
<div class="stepper-nav">
  <button type="button" class="stepper-button" id="stepper-prev">◀ previous step</button>
  <label class="stepper-slider" for="stepper-slider"><span class="stepper-sr">Time step</span>
    <input type="range" id="stepper-slider" min="1" max="1" step="1" value="1"></label>
  <output id="stepper-step" for="stepper-slider">step 1 of 1</output>
  <button type="button" class="stepper-button" id="stepper-next">next step ▶</button>
</div>
<p class="stepper-keys">With the focus in the stepper, the left and right arrow keys step back and forth.</p>
<div class="stepper-out" id="stepper-out">
  <figure class="stepper-figure" id="stepper-figure">
    <div id="stepper-figure-box"></div>
    <figcaption id="stepper-figcaption"></figcaption>
  </figure>
  <p class="stepper-caption" id="stepper-hand-caption">Hand calculation</p>
  <pre id="stepper-hand" class="lx-hand stepper-hand" tabindex="0" aria-live="polite"></pre>
  <div class="stepper-table-box stepper-scroll" tabindex="0" role="group" aria-labelledby="stepper-table-caption">
    <table id="stepper-table" class="stepper-table">
      <caption id="stepper-table-caption">Every time step (the selected one is highlighted)</caption>
      <thead><tr><th scope="col">t</th><th scope="col">x</th><th scope="col">h_prev</th>
        <th scope="col">c_prev</th><th scope="col">i</th><th scope="col">f</th><th scope="col">g</th>
        <th scope="col">o</th><th scope="col">c</th><th scope="col">h</th></tr></thead>
      <tbody></tbody>
    </table>
  </div>
</div>`;
  }

  const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

  /** A number typed by a reader: decimal notation only (no "", "0x10" or "Infinity"). */
  function parseNumber(text) {
    const clean = text.trim().replace(/\u2212/g, "-");
    if (!NUMBER.test(clean)) return NaN;
    return Number(clean);
  }

  class Stepper {
    constructor(root) {
      this.root = root;
      root.classList.add("stepper");
      root.innerHTML = skeleton();
      this.el = {};
      root.querySelectorAll("[id]").forEach((node) => {
        this.el[node.id.replace(/^stepper-/, "")] = node;
      });
      this.t = 1;
      this.wantExact = true;
      this.result = null;
      this.cfg = null;
      this.bind();
      this.applyPreset("article");
    }

    field(key, gate) {
      return this.el[`${key}-${gate}`];
    }

    setNumber(input, v) {
      input.value = String(v);
    }

    applyPreset(name) {
      const cfg = presets()[name];
      const mode = PRESET_MODES[name];
      this.el.preset.value = name;
      this.el.inputs.value = cfg.inputs.join(", ");
      this.el.activation.value = cfg.activation;
      this.el["recurrent-activation"].value = cfg.recurrentActivation;
      this.setNumber(this.el.h0, cfg.h0);
      this.setNumber(this.el.c0, cfg.c0);
      this.el["weight-mode"].value = mode;
      this.setNumber(this.el.weight, cfg.weights.input.W);
      for (const gate of GATES) {
        for (const key of ["W", "U", "b"]) this.setNumber(this.field(key, gate), cfg.weights[gate][key]);
      }
      this.wantExact = cfg.exact;
      this.el.exact.checked = cfg.exact;
      this.edited = false;
      this.el["preset-state"].textContent = "";
      this.t = 1;
      this.render();
    }

    bind() {
      const { el } = this;
      el.form.addEventListener("submit", (event) => event.preventDefault());
      el.preset.addEventListener("change", () => this.applyPreset(el.preset.value));
      el.reset.addEventListener("click", () => this.applyPreset(el.preset.value));
      el["weight-mode"].addEventListener("change", () => this.switchMode());
      el.exact.addEventListener("change", () => {
        this.wantExact = el.exact.checked;
        this.markEdited();
        this.render();
      });
      const onEdit = (event) => {
        if ([el.preset, el.exact, el["weight-mode"]].includes(event.target)) return;
        this.markEdited();
        this.render();
      };
      el.form.addEventListener("input", onEdit);
      el.form.addEventListener("change", onEdit);
      el.prev.addEventListener("click", () => this.go(this.t - 1));
      el.next.addEventListener("click", () => this.go(this.t + 1));
      el.slider.addEventListener("input", () => this.go(Number(el.slider.value)));
      el.tbody = el.table.tBodies[0];
      el.tbody.addEventListener("click", (event) => {
        const row = event.target.closest("tr[data-t]");
        if (row) this.go(Number(row.dataset.t));
      });
      this.root.addEventListener("keydown", (event) => this.onKey(event));
    }

    onKey(event) {
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      const keys = { ArrowLeft: -1, ArrowRight: 1 };
      if (!(event.key in keys)) return;
      const target = event.target;
      // Let text fields, selects and the slider keep their own arrow keys, and scroll
      // boxes that overflow scroll.
      if (target.matches('input[type="text"], input[type="range"], select, textarea')) return;
      if (target.scrollWidth > target.clientWidth + 1 && target.matches(".stepper-scroll, pre")) return;
      event.preventDefault();
      this.go(this.t + keys[event.key]);
    }

    markEdited() {
      if (!this.edited) {
        this.edited = true;
        this.el["preset-state"].textContent = "Changed from the preset; Reset restores it.";
      }
    }

    switchMode() {
      const { el } = this;
      const perGate = el["weight-mode"].value === "per-gate";
      if (perGate === this.perGate) return; // the same mode chosen again: nothing to copy
      if (perGate) {
        const v = el.weight.value;
        for (const gate of GATES) {
          this.field("W", gate).value = v;
          this.field("U", gate).value = v;
        }
      } else {
        const values = GATES.flatMap((g) => [this.field("W", g).value.trim(), this.field("U", g).value.trim()]);
        if (values.every((v) => v === values[0])) el.weight.value = values[0];
      }
      this.markEdited();
      this.render();
    }

    /** The config the controls describe, or the list of fields that do not parse. */
    readControls() {
      const { el } = this;
      const problems = [];
      const invalid = new Set();
      const num = (input, what) => {
        const v = parseNumber(input.value);
        if (!Number.isFinite(v)) {
          problems.push(`${what} must be a number; got "${input.value.trim()}".`);
          invalid.add(input);
        }
        return v;
      };
      const parts = el.inputs.value.split(",").map((p) => p.trim());
      if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
      const inputs = parts.map((p) => parseNumber(p));
      const badInput = inputs.findIndex((x) => !Number.isFinite(x));
      if (parts.length === 1 && parts[0] === "") {
        problems.push("Input sequence is empty: type 1 to 10 numbers, separated by commas.");
        invalid.add(el.inputs);
      } else if (badInput >= 0) {
        problems.push(`Input ${badInput + 1} must be a number; got "${parts[badInput]}".`);
        invalid.add(el.inputs);
      } else if (inputs.length > MAX_STEPS) {
        problems.push(`The input sequence has ${inputs.length} numbers; the stepper takes 1 to ${MAX_STEPS}.`);
        invalid.add(el.inputs);
      }
      const perGate = el["weight-mode"].value === "per-gate";
      const weights = {};
      const one = perGate ? 0 : num(el.weight, "W and U");
      for (const gate of GATES) {
        weights[gate] = {
          W: perGate ? num(this.field("W", gate), `${LABELS[gate]} W`) : one,
          U: perGate ? num(this.field("U", gate), `${LABELS[gate]} U`) : one,
          b: num(this.field("b", gate), `${LABELS[gate]} b`),
        };
      }
      const h0 = num(el.h0, "Initial h0");
      const c0 = num(el.c0, "Initial c0");
      const config = {
        inputs,
        weights,
        activation: el.activation.value,
        recurrentActivation: el["recurrent-activation"].value,
        exact: false,
        h0,
        c0,
      };
      return { config, problems, invalid };
    }

    /** Recompute from the controls and redraw everything. */
    render() {
      const { el } = this;
      const perGate = el["weight-mode"].value === "per-gate";
      this.perGate = perGate;
      el.weights.classList.toggle("is-per-gate", perGate);
      el.weight.closest(".stepper-one").hidden = perGate;
      for (const gate of GATES) {
        this.field("W", gate).closest("label").hidden = !perGate;
        this.field("U", gate).closest("label").hidden = !perGate;
      }
      const { config, problems, invalid } = this.readControls();
      this.root.querySelectorAll("[aria-invalid]").forEach((node) => {
        if (!invalid.has(node)) node.removeAttribute("aria-invalid");
      });
      invalid.forEach((node) => node.setAttribute("aria-invalid", "true"));

      // The exact checkbox: offered only when integers can stay exact. While a field
      // does not parse, it keeps its state.
      if (!problems.length) {
        const why = exactProblem(normalize(config));
        el.exact.disabled = why !== "";
        el["exact-note"].textContent = why
          ? `Not available: ${why}.`
          : "Integers and fractions with every digit; 0.5 counts as 1/2.";
      }
      el.exact.checked = !el.exact.disabled && this.wantExact;

      if (problems.length) {
        this.showError(problems.join(" "));
        return;
      }
      config.exact = el.exact.checked;
      let result;
      try {
        result = forward(config);
      } catch (err) {
        this.showError(err.message);
        return;
      }
      this.showError("");
      this.cfg = normalize(config);
      this.result = result;
      const T = result.steps.length;
      this.t = Math.min(Math.max(this.t, 1), T);
      this.drawTable();
      this.drawNote();
      this.drawStep();
    }

    showError(message) {
      const { el } = this;
      if (el.error.textContent !== message) el.error.textContent = message;
      el.out.classList.toggle("is-stale", Boolean(message));
    }

    drawNote() {
      const steps = this.result.steps;
      let text = "";
      if (!this.cfg.exact) {
        const bad = steps.find((s) => ![s.c, s.h, ...GATES.map((g) => s.gates[g])].every(Number.isFinite));
        if (bad) {
          text = `Float64 overflowed at step ${bad.t}: the values grew too large and show as inf or nan.`;
          if (!this.el.exact.disabled) text += " Tick Exact arithmetic to see every digit.";
        }
      }
      if (this.el.note.textContent !== text) this.el.note.textContent = text;
    }

    drawTable() {
      const rows = this.result.steps.map((s) => {
        const values = [s.x, s.h_prev, s.c_prev, ...GATES.map((g) => s.gates[g]), s.c, s.h];
        const cells = values.map((v) => {
          const text = formatNumber(v);
          if (text.length > 400) {
            return `<td class="stepper-long"><span class="stepper-digits" tabindex="0">${esc(text)}</span></td>`;
          }
          return text.length > 24 ? `<td class="stepper-long">${esc(text)}</td>` : `<td>${esc(text)}</td>`;
        });
        return `<tr data-t="${s.t}"><th scope="row">${s.t}</th>${cells.join("")}</tr>`;
      });
      this.el.tbody.innerHTML = rows.join("");
    }

    go(t) {
      if (!this.result) return;
      const T = this.result.steps.length;
      const next = Math.min(Math.max(t, 1), T);
      if (next === this.t) return;
      this.t = next;
      this.drawStep();
    }

    drawStep() {
      const { el, t } = this;
      const steps = this.result.steps;
      const T = steps.length;
      const step = steps[t - 1];
      const position = `step ${t} of ${T}`;
      el.step.textContent = position;
      el.slider.max = String(T);
      el.slider.value = String(t);
      el.slider.setAttribute("aria-valuetext", position);
      el.prev.setAttribute("aria-disabled", String(t <= 1));
      el.next.setAttribute("aria-disabled", String(t >= T));
      for (const row of el.tbody.rows) {
        if (Number(row.dataset.t) === t) {
          row.classList.add("is-current");
          row.setAttribute("aria-current", "step");
        } else if (row.classList.contains("is-current")) {
          row.classList.remove("is-current");
          row.removeAttribute("aria-current");
        }
      }
      el["figure-box"].replaceChildren(cellFigure(this.cfg, step));
      const shortened = [step.x, step.h_prev, step.c_prev, step.c, step.h, ...GATES.map((g) => step.gates[g])]
        .some((v) => typeof v === "string" && shortNumber(v) !== v);
      el.figcaption.textContent =
        `The cell at time step ${t} of ${T}.` +
        (shortened ? " Long numbers are rounded here; the table and the hand calculation show every digit." : "");
      el["hand-caption"].textContent = `Hand calculation of time step ${t}`;
      const lines = handText(this.cfg, steps, t).split("\n").map((line) => {
        const span = document.createElement("span");
        span.className = "lx-line";
        span.textContent = line;
        return span;
      });
      el.hand.replaceChildren(...lines);
    }
  }

  let widget = null;

  function render() {
    if (widget) widget.render();
  }

  function init() {
    const root = document.getElementById("lstm-stepper");
    if (!root || widget) return;
    widget = new Stepper(root);
  }

  window.LSTMStepper = {
    forward,
    canBeExact,
    render,
    handCalculation,
    formatNumber,
    get PRESETS() {
      return presets();
    },
  };

  // The page loads this script right after the widget's container, so the widget is
  // built before the rest of the page is laid out (nothing below it shifts). Loaded
  // anywhere else, it waits for the document, and does nothing without the container.
  if (document.getElementById("lstm-stepper") || document.readyState !== "loading") {
    init();
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
