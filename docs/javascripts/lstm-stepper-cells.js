/* The interactive stepper's arithmetic: an LSTM or a GRU, any number of inputs and units.
 *
 * window.LSTMStepperCells.forward(config) runs the cell as Keras does. LSTM: gate order
 * input, forget, candidate, output; a = x W + h_prev U + b; c = f*c_prev + i*g;
 * h = o*act(c). GRU (docs/gru.md): gates update z, reset r, candidate n, pre-activations
 * a_z, a_r, a_n; reset_after=true (Keras's default) gives a_n = x W_n + b_n +
 * r*(h_prev U_n + b'_n), reset_after=false gives a_n = x W_n + b_n + (r*h_prev) U_n;
 * h = z*h_prev + (1-z)*n. It computes in float64 or, for the activations that keep
 * fractions exact, exactly: every number typed is the decimal it reads as (0.5 is 1/2)
 * and the arithmetic is on fractions of BigInts, as `forward(..., exact=True)` does.
 *
 * A config is {cell: "lstm" | "gru", resetAfter, inputs, weights | kernel..., activation,
 * recurrentActivation, exact, h0, c0}. `inputs` holds a number per step (one input) or
 * an array per step; `weights` holds per gate {W (inputs x units), U (units x units),
 * b (units), and for a GRU with reset_after bRecurrent (units)}, each a number when it is
 * 1 x 1. Instead of `weights`, Keras's packed layout may be given: `kernel`,
 * `recurrentKernel`, `bias` (what lstm_explained.networks.fingerprint.plain() writes). A step holds
 * x, h_prev (and c_prev), a (pre-activations by gate), gates, h (and c); x is an array
 * when there are several inputs, the rest when there are several units.
 *
 * Plain ES2020, no dependencies, no network requests. lstm-stepper.js builds the widget.
 */
(() => {
  "use strict";

  if (window.LSTMStepperCells) return; // loaded twice: the first copy is in charge

  const CELLS = {
    lstm: {
      name: "LSTM",
      gates: ["input", "forget", "candidate", "output"],
      symbols: { input: "i", forget: "f", candidate: "g", output: "o" },
      pre: "a_",
    },
    gru: {
      name: "GRU",
      gates: ["update", "reset", "candidate"],
      symbols: { update: "z", reset: "r", candidate: "n" },
      pre: "a_",
    },
  };
  const LABELS = {
    input: "input gate",
    forget: "forget gate",
    candidate: "candidate",
    output: "output gate",
    update: "update gate",
    reset: "reset gate",
  };
  const QUARTER = "hard_sigmoid[alpha=1/4, beta=1/2]"; // the fingerprint networks' gates
  const ACTIVATIONS = ["linear", "sigmoid", "hard_sigmoid", "tanh", "relu", QUARTER];
  const EXACT_ACTIVATIONS = ["linear", "relu", "hard_sigmoid", QUARTER];
  const EXACT_NEEDS =
    "exact mode needs activations that keep fractions exact (linear, relu or a hard_sigmoid)";
  const MAX_STEPS = 10;
  const MAX_SIZE = 4; // inputs and units: the hand calculation stays readable
  const DIGITS = 4; // the table's significant digits; the working shows as many as it needs
  const MOST_DIGITS = 10;

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

  /** One value as itself, several as "[a, b]" (lstm_explained.format_vector). */
  function formatVector(values, digits = DIGITS) {
    const texts = values.map((v) => formatNumber(v, digits));
    return texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`;
  }

  function factor(text) {
    return text.replace(/^≈/, "").startsWith("-") || text.includes("/") ? `(${text})` : text;
  }

  /** A number as a factor: negatives and fractions in brackets so products read right. */
  function term(v, digits = DIGITS) {
    return factor(formatNumber(v, digits));
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

  /** A typed number as the decimal it reads as: 0.5 is 1/2 and 0.1 is 1/10; "3/4" too. */
  function exactOf(v) {
    const ratio = String(v).match(/^(-?\d+)\/(\d+)$/);
    if (ratio) return frac(BigInt(ratio[1]), BigInt(ratio[2]));
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

  // ---- activations: Keras 3's, and ONNX's hard_sigmoid with alpha and beta ---------------

  /** alpha and beta of "hard_sigmoid[alpha=1/4, beta=1/2]"; Keras's is alpha 1/6. */
  function hardSigmoidParams(name) {
    if (name === "hard_sigmoid") return [frac(1n, 6n), frac(1n, 2n)];
    const m = name.match(/^hard_sigmoid\[alpha=(-?\d+(?:\/\d+)?), beta=(-?\d+(?:\/\d+)?)\]$/);
    return m ? [exactOf(m[1]), exactOf(m[2])] : null;
  }

  const toFloat = (v) => Number(v.n) / Number(v.d);

  function floatFn(name) {
    const fns = {
      linear: (x) => x,
      sigmoid: (x) => 1 / (1 + Math.exp(-x)),
      tanh: Math.tanh,
      relu: (x) => Math.max(x, 0),
    };
    if (fns[name]) return fns[name];
    const [alpha, beta] = hardSigmoidParams(name).map(toFloat);
    return (x) => Math.min(Math.max(alpha * x + beta, 0), 1);
  }

  function exactFn(name) {
    if (name === "linear") return (v) => v;
    if (name === "relu") return (v) => (less(v, ZERO) ? ZERO : v);
    const [alpha, beta] = hardSigmoidParams(name);
    return (v) => {
      const s = add(mul(v, alpha), beta);
      return less(s, ZERO) ? ZERO : less(ONE, s) ? ONE : s;
    };
  }

  // The two kinds of arithmetic, so each cell is written once.
  const FLOAT = {
    of: (v) => v,
    add: (a, b) => a + b,
    mul: (a, b) => a * b,
    oneMinus: (a) => 1 - a,
    out: (v) => v,
    fn: floatFn,
  };
  const EXACT = {
    of: exactOf,
    add,
    mul,
    oneMinus: (a) => add(ONE, frac(-a.n, a.d)),
    out: exactText,
    fn: exactFn,
  };

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

  /** A vector of `size` numbers; a lone number stands for a vector of one. */
  function vector(v, size, name, spread = false) {
    if (typeof v === "number" && (size === 1 || spread)) return Array(size).fill(finite(v, name));
    if (!Array.isArray(v) || v.length !== size) {
      throw new Error(`${name} must be ${size === 1 ? "a number" : `an array of ${size} numbers`}; got ${describe(v)}`);
    }
    return v.map((x, k) => finite(x, `${name}[${k}]`));
  }

  /** A rows x cols matrix (an array of rows); a lone number stands for a 1 x 1 matrix. */
  function matrix(v, rows, cols, name) {
    if (typeof v === "number" && rows === 1 && cols === 1) return [[finite(v, name)]];
    if (!Array.isArray(v) || v.length !== rows || !v.every((r) => Array.isArray(r) && r.length === cols)) {
      const what = rows === 1 && cols === 1 ? "a number" : `a ${rows}×${cols} matrix (an array of ${rows} rows of ${cols})`;
      throw new Error(`${name} must be ${what}; got ${describe(v)}`);
    }
    return v.map((r, j) => r.map((x, k) => finite(x, `${name}[${j}][${k}]`)));
  }

  function activationName(v, name, fallback) {
    if (v === undefined) return fallback;
    if (v && typeof v === "object" && v.kind === "hard_sigmoid") { // plain()'s form
      v = `hard_sigmoid[alpha=${v.alpha}, beta=${v.beta}]`;
    }
    if (!ACTIVATIONS.includes(v)) {
      throw new Error(`${name} must be one of ${ACTIVATIONS.join(", ")}; got ${describe(v)}`);
    }
    return v;
  }

  /** Keras's packed kernel, recurrent kernel and bias, cut into per-gate blocks. */
  function unpack(config, cell) {
    const { kernel, recurrentKernel, bias } = config;
    const G = CELLS[cell].gates.length;
    if (!Array.isArray(recurrentKernel) || !Array.isArray(recurrentKernel[0])) {
      throw new Error(`recurrentKernel must be an array of rows; got ${describe(recurrentKernel)}`);
    }
    const units = recurrentKernel.length;
    const cut = (row, k) => (Array.isArray(row) ? row.slice(k * units, (k + 1) * units) : row);
    const block = (rows, k) => (Array.isArray(rows) ? rows.map((row) => cut(row, k)) : rows);
    const twoRows = Array.isArray(bias) && Array.isArray(bias[0]);
    const weights = {};
    CELLS[cell].gates.forEach((gate, k) => {
      const b = bias == null ? Array(units).fill(0) : cut(twoRows ? bias[0] : bias, k);
      weights[gate] = { W: block(kernel, k), U: block(recurrentKernel, k), b };
      if (twoRows) weights[gate].bRecurrent = cut(bias[1], k);
    });
    if (Array.isArray(kernel) && kernel.some((r) => !Array.isArray(r) || r.length !== G * units)) {
      throw new Error(`kernel must have rows of ${G * units} numbers (${G} gates × ${units} units)`);
    }
    return weights;
  }

  /** A checked copy of a config, with defaults filled in; throws an Error if invalid. */
  function normalize(config) {
    if (config === null || typeof config !== "object") {
      throw new Error(`config must be an object; got ${describe(config)}`);
    }
    const cell = String(config.cell === undefined ? "lstm" : config.cell).toLowerCase();
    if (!CELLS[cell]) throw new Error(`cell must be "lstm" or "gru"; got ${describe(config.cell)}`);
    const { gates } = CELLS[cell];
    if (config.resetAfter !== undefined && typeof config.resetAfter !== "boolean") {
      throw new Error(`resetAfter must be true or false; got ${describe(config.resetAfter)}`);
    }
    const resetAfter = cell === "gru" && config.resetAfter !== false;
    const { inputs } = config;
    if (!Array.isArray(inputs) || inputs.length < 1 || inputs.length > MAX_STEPS) {
      const got = Array.isArray(inputs) ? `${inputs.length} steps` : describe(inputs);
      throw new Error(`inputs must be an array of 1 to ${MAX_STEPS} steps; got ${got}`);
    }
    const inputDim = Array.isArray(inputs[0]) ? inputs[0].length : 1;
    const xs = inputs.map((x, k) => vector(x, inputDim, `inputs[${k}] (step ${k + 1})`));
    const given = config.weights === undefined && config.kernel !== undefined ? unpack(config, cell) : config.weights;
    if (given === null || typeof given !== "object") {
      throw new Error(`weights must be an object with the gates ${gates.join(", ")}; got ${describe(given)}`);
    }
    const first = given[gates[0]] && given[gates[0]].U;
    const units = Array.isArray(first) ? first.length : 1;
    if (inputDim < 1 || inputDim > MAX_SIZE || units > MAX_SIZE) {
      throw new Error(`the stepper takes 1 to ${MAX_SIZE} inputs and units; got ${inputDim} inputs and ${units} units`);
    }
    const w = {};
    for (const gate of gates) {
      const gw = given[gate];
      if (gw === null || typeof gw !== "object") {
        throw new Error(`weights.${gate} must be an object {W, U, b}; got ${describe(gw)}`);
      }
      w[gate] = {
        W: matrix(gw.W, inputDim, units, `weights.${gate}.W`),
        U: matrix(gw.U, units, units, `weights.${gate}.U`),
        b: vector(gw.b, units, `weights.${gate}.b`),
      };
      if (resetAfter) {
        const b2 = gw.bRecurrent === undefined ? 0 : gw.bRecurrent;
        w[gate].bRecurrent = vector(b2, units, `weights.${gate}.bRecurrent`, true);
      }
    }
    if (config.exact !== undefined && typeof config.exact !== "boolean") {
      throw new Error(`exact must be true or false; got ${describe(config.exact)}`);
    }
    const state = (v, name) => vector(v === undefined ? 0 : v, units, name, true);
    return {
      cell,
      resetAfter,
      inputDim,
      units,
      inputs: xs,
      weights: w,
      activation: activationName(config.activation, "activation", "tanh"),
      recurrentActivation: activationName(config.recurrentActivation, "recurrentActivation", "sigmoid"),
      exact: config.exact === true,
      h0: state(config.h0, "h0"),
      c0: state(config.c0, "c0"),
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

  const range = (n) => [...Array(n).keys()];

  /** sum_j x_j M[j][u] + extra... for unit u, in the order the hand calculation writes it. */
  function dot(ops, v, M, u) {
    return v.reduce((sum, vj, j) => ops.add(sum, ops.mul(vj, M[j][u])), ops.of(0));
  }

  function lstmStep(ops, w, x, h, c, act, rec, U) {
    const a = {};
    const gates = {};
    for (const gate of CELLS.lstm.gates) {
      a[gate] = range(U).map((u) => ops.add(ops.add(dot(ops, x, w[gate].W, u), dot(ops, h, w[gate].U, u)), w[gate].b[u]));
      gates[gate] = a[gate].map(gate === "candidate" ? act : rec);
    }
    const cNew = range(U).map((u) => ops.add(ops.mul(gates.forget[u], c[u]), ops.mul(gates.input[u], gates.candidate[u])));
    const hNew = range(U).map((u) => ops.mul(gates.output[u], act(cNew[u])));
    return { a, gates, state: { h: hNew, c: cNew } };
  }

  function gruStep(ops, w, x, h, act, rec, U, resetAfter) {
    const inputSide = (gate, u) => ops.add(dot(ops, x, w[gate].W, u), w[gate].b[u]);
    const recurrentSide = (gate, u) => {
      const hu = dot(ops, h, w[gate].U, u);
      return resetAfter ? ops.add(hu, w[gate].bRecurrent[u]) : hu;
    };
    const a = {};
    const gates = {};
    for (const gate of ["update", "reset"]) {
      a[gate] = range(U).map((u) => ops.add(inputSide(gate, u), recurrentSide(gate, u)));
      gates[gate] = a[gate].map(rec);
    }
    const r = gates.reset;
    const rh = h.map((hk, k) => ops.mul(r[k], hk)); // reset before: each h_prev scaled by its r
    a.candidate = range(U).map((u) => ops.add(
      inputSide("candidate", u),
      resetAfter ? ops.mul(r[u], recurrentSide("candidate", u)) : dot(ops, rh, w.candidate.U, u),
    ));
    gates.candidate = a.candidate.map(act);
    const zu = gates.update;
    const hNew = range(U).map((u) => ops.add(ops.mul(zu[u], h[u]), ops.mul(ops.oneMinus(zu[u]), gates.candidate[u])));
    return { a, gates, state: { h: hNew } };
  }

  /** Every step with vectors throughout (numbers, or exact text in exact mode). */
  function run(cfg) {
    const ops = cfg.exact ? EXACT : FLOAT;
    const act = ops.fn(cfg.activation);
    const rec = ops.fn(cfg.recurrentActivation);
    const w = {};
    for (const [gate, gw] of Object.entries(cfg.weights)) {
      w[gate] = Object.fromEntries(Object.entries(gw).map(([k, v]) => [
        k, Array.isArray(v[0]) ? v.map((row) => row.map(ops.of)) : v.map(ops.of),
      ]));
    }
    const out = (values) => values.map(ops.out);
    let h = cfg.h0.map(ops.of);
    let c = cfg.c0.map(ops.of);
    return cfg.inputs.map((xNumbers, k) => {
      const x = xNumbers.map(ops.of);
      const next = cfg.cell === "lstm"
        ? lstmStep(ops, w, x, h, c, act, rec, cfg.units)
        : gruStep(ops, w, x, h, act, rec, cfg.units, cfg.resetAfter);
      const step = { t: k + 1, x: out(x), h_prev: out(h) };
      if (cfg.cell === "lstm") step.c_prev = out(c);
      step.a = Object.fromEntries(Object.entries(next.a).map(([g, v]) => [g, out(v)]));
      step.gates = Object.fromEntries(Object.entries(next.gates).map(([g, v]) => [g, out(v)]));
      if (cfg.cell === "lstm") step.c = out(next.state.c);
      step.h = out(next.state.h);
      h = next.state.h;
      c = next.state.c || c;
      return step;
    });
  }

  /** A step as the public API gives it: scalars where there is one input or one unit. */
  function shaped(cfg, s) {
    const one = (v) => (v.length === 1 ? v[0] : v);
    const per = (d) => Object.fromEntries(Object.entries(d).map(([g, v]) => [g, one(v)]));
    const step = { t: s.t, x: one(s.x) };
    for (const key of ["h_prev", "c_prev"]) if (s[key]) step[key] = one(s[key]);
    step.a = per(s.a);
    step.gates = per(s.gates);
    for (const key of ["c", "h"]) if (s[key]) step[key] = one(s[key]);
    return step;
  }

  function computable(cfg) {
    if (cfg.exact) {
      const why = exactProblem(cfg);
      if (why) throw new Error(why);
    }
    return run(cfg);
  }

  /** Run the cell over config.inputs; see the file's header for the config. */
  function forward(config) {
    const cfg = normalize(config);
    return { steps: computable(cfg).map((s) => shaped(cfg, s)) };
  }

  // ---- how many digits the working needs (as lstm_explained.explain.figures.numbers) ---------------

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
  const iapply = (fn, a) => [fn(a[0]), fn(a[1])]; // every activation here is monotone
  const ioneMinus = (a) => [1 - a[1], 1 - a[0]];
  const isum = (parts) => parts.reduce(iadd, [0, 0]);

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

  /** Each line of unit u's working redone from the numbers shown at d digits: a list of
   * [interval the line's right-hand side may take, the result it shows]. */
  function unitLines(cfg, s, u, shown) {
    const act = floatFn(cfg.activation);
    const rec = floatFn(cfg.recurrentActivation);
    const w = cfg.weights;
    const products = (v, M) => v.map((vj, j) => imul(shown(vj), shown(M[j][u])));
    const lines = [];
    for (const gate of CELLS[cfg.cell].gates) {
      const gw = w[gate];
      let pre;
      if (cfg.cell === "lstm") {
        pre = isum([...products(s.x, gw.W), ...products(s.h_prev, gw.U), shown(gw.b[u])]);
      } else {
        const inputSide = [...products(s.x, gw.W), shown(gw.b[u])];
        const recurrent = [...products(s.h_prev, gw.U), ...(cfg.resetAfter ? [shown(gw.bRecurrent[u])] : [])];
        if (gate !== "candidate") pre = isum([...inputSide, ...recurrent]);
        else if (cfg.resetAfter) pre = iadd(isum(inputSide), imul(shown(s.gates.reset[u]), isum(recurrent)));
        else {
          const rh = s.h_prev.map((hk, k) => imul(imul(shown(s.gates.reset[k]), shown(hk)), shown(gw.U[k][u])));
          pre = isum([...inputSide, ...rh]);
        }
      }
      lines.push([pre, s.a[gate][u]]);
      lines.push([iapply(gate === "candidate" ? act : rec, shown(s.a[gate][u])), s.gates[gate][u]]);
    }
    const g = Object.fromEntries(Object.entries(s.gates).map(([k, v]) => [k, shown(v[u])]));
    if (cfg.cell === "lstm") {
      lines.push([iadd(imul(g.forget, shown(s.c_prev[u])), imul(g.input, g.candidate)), s.c[u]]);
      lines.push([imul(g.output, iapply(act, shown(s.c[u]))), s.h[u]]);
    } else {
      lines.push([iadd(imul(g.update, shown(s.h_prev[u])), imul(ioneMinus(g.update), g.candidate)), s.h[u]]);
    }
    return lines;
  }

  /** The significant digits to show a float step's working with so that every line adds
   * up: at least DIGITS, every number with a short decimal form in full, and each result
   * following from the numbers its line shows. With fewer, "c = ... = 207.2" could be
   * followed by "h = 12×linear(207.2) = 2487". */
  function digitsThatAddUp(cfg, s) {
    if (cfg.exact) return DIGITS;
    const weights = Object.values(cfg.weights).flatMap((gw) => Object.values(gw).flat(2));
    const values = [s.x, s.h_prev, s.c_prev || [], s.c || [], s.h, weights,
      ...Object.values(s.a), ...Object.values(s.gates)].flat();
    if (!values.every(Number.isFinite)) return DIGITS;
    const start = Math.max(DIGITS, ...values.map((v) => shortDigits(v, MOST_DIGITS)));
    for (let d = start; d <= MOST_DIGITS; d += 1) {
      const shown = (v) => shownInterval(v, d);
      const ok = range(cfg.units).every((u) => unitLines(cfg, s, u, shown).every(([lo, result]) => addsUp(lo, result, d)));
      if (ok) return d;
    }
    return MOST_DIGITS;
  }

  // ---- the hand calculation, as lstm_explained.explain.hand writes it -------------------------------

  const WIDTH = "hidden state:".length + 1;
  const label = (text) => (text ? `${text}:` : "").padEnd(WIDTH);

  function unitText(cfg, s, u, d) {
    const f = (v) => formatNumber(v, d);
    const n = (v) => term(v, d);
    const weight = (v) => (cfg.exact ? exactText(exactOf(v)) : v);
    const { symbols, pre } = CELLS[cfg.cell];
    const products = (v, M) => v.map((vj, j) => `${n(vj)}×${n(weight(M[j][u]))}`);
    const lines = [];
    for (const gate of CELLS[cfg.cell].gates) {
      const gw = cfg.weights[gate];
      const sym = symbols[gate];
      let terms;
      if (cfg.cell === "lstm") {
        terms = [...products(s.x, gw.W), ...products(s.h_prev, gw.U), n(weight(gw.b[u]))];
      } else {
        const inputSide = [...products(s.x, gw.W), n(weight(gw.b[u]))];
        const recurrent = [...products(s.h_prev, gw.U), ...(cfg.resetAfter ? [n(weight(gw.bRecurrent[u]))] : [])];
        if (gate !== "candidate") terms = [...inputSide, ...recurrent];
        else if (cfg.resetAfter) terms = [...inputSide, `r×(${recurrent.join(" + ")})`];
        else {
          terms = [...inputSide, ...s.h_prev.map((hk, k) => `(${n(s.gates.reset[k])}×${n(hk)})×${n(weight(gw.U[k][u]))}`)];
        }
      }
      const fn = gate === "candidate" ? cfg.activation : cfg.recurrentActivation;
      const a = f(s.a[gate][u]);
      lines.push(`${label(LABELS[gate])}${pre}${sym} = ${terms.join(" + ")} = ${a}`);
      lines.push(`${label("")}${sym} = ${fn}(${a}) = ${f(s.gates[gate][u])}`);
    }
    const g = Object.fromEntries(Object.entries(s.gates).map(([k, v]) => [k, v[u]]));
    const act = cfg.activation;
    if (cfg.cell === "lstm") {
      lines.push(`${label("cell state")}c = f×c_prev + i×g = ${n(g.forget)}×${n(s.c_prev[u])} + ` +
        `${n(g.input)}×${n(g.candidate)} = ${f(s.c[u])}`);
      lines.push(`${label("hidden state")}h = o×${act}(c) = ${n(g.output)}×${act}(${f(s.c[u])}) = ${f(s.h[u])}`);
    } else {
      lines.push(`${label("hidden state")}h = z×h_prev + (1-z)×n = ${n(g.update)}×${n(s.h_prev[u])} + ` +
        `(1-${n(g.update)})×${n(g.candidate)} = ${f(s.h[u])}`);
    }
    return lines;
  }

  /** The hand calculation of step t (from 1) of run(cfg)'s steps. */
  function handText(cfg, steps, t) {
    const s = steps[t - 1];
    const d = digitsThatAddUp(cfg, s);
    const states = [["x", s.x], ["h_prev", s.h_prev], ...(s.c_prev ? [["c_prev", s.c_prev]] : [])];
    const lines = [`time step ${s.t}: ${states.map(([k, v]) => `${k} = ${formatVector(v, d)}`).join(", ")}`];
    for (const u of range(cfg.units)) {
      if (cfg.units > 1) lines.push(`unit ${u + 1}:`);
      lines.push(...unitText(cfg, s, u, d));
    }
    return lines.join("\n");
  }

  /** The hand calculation of step t for a config. */
  function handCalculation(config, t) {
    const cfg = normalize(config);
    const steps = computable(cfg);
    if (!Number.isInteger(t) || t < 1 || t > steps.length) {
      throw new Error(`t must be a time step from 1 to ${steps.length}; got ${describe(t)}`);
    }
    return handText(cfg, steps, t);
  }

  /** True if forward(config) may be asked for exact arithmetic. */
  function canBeExact(config) {
    try {
      return exactProblem(normalize({ ...config, exact: false })) === "";
    } catch (err) {
      return false;
    }
  }

  window.LSTMStepperCells = {
    CELLS,
    LABELS,
    ACTIVATIONS,
    EXACT_ACTIVATIONS,
    MAX_STEPS,
    MAX_SIZE,
    DIGITS,
    normalize,
    exactProblem,
    run,
    forward,
    canBeExact,
    handText,
    handCalculation,
    digitsThatAddUp,
    formatFloat,
    formatNumber,
    formatVector,
    factor,
    exactOf,
    exactText,
  };
})();
