/* The interactive stepper's arithmetic: an LSTM, a GRU or the plain recurrent cell, any
 * number of inputs and units.
 *
 * window.LSTMStepperCells.forward(config) runs the cell as Keras does. LSTM: gate order
 * input, forget, candidate, output; a = x W + h_prev U + b; c = f*c_prev + i*g;
 * h = o*act(c). GRU (docs/gru.md): gates update z, reset r, candidate n, pre-activations
 * a_z, a_r, a_n; reset_after=true (Keras's default) gives a_n = x W_n + b_n +
 * r*(h_prev U_n + b'_n), reset_after=false gives a_n = x W_n + b_n + (r*h_prev) U_n;
 * h = z*h_prev + (1-z)*n. The plain cell (Keras's SimpleRNN, engine/rnn.py) has one block,
 * "hidden": a = x W + b + h_prev U and h = act(a); recurrentActivation plays no part. It computes in float64 or, for the activations that keep
 * fractions exact, exactly: every number typed is the decimal it reads as (0.5 is 1/2)
 * and the arithmetic is on fractions of BigInts, as `forward(..., exact=True)` does.
 *
 * The LSTM takes ONNX's variants (engine/lstm_variants.py): peepholes, i and f adding
 * p×c_prev to their sums and o p×c (the new c); clip, every gate's sum, peephole term
 * included, bounded to [-clip, clip] before its activation (c is not clipped); and
 * input_forget, f = 1 - i, the forget block unused.
 *
 * A config is {cell: "lstm" | "gru" | "rnn", resetAfter, inputs, weights | kernel..., activation,
 * recurrentActivation, exact, h0, c0, and for an LSTM peephole, clip, inputForget}:
 * peephole is null or three rows p_i, p_f, p_o of a number per unit, clip null or a
 * positive number, inputForget true or false (null, null, false by default). `inputs` holds a number per step (one input) or
 * an array per step; `weights` holds per gate {W (inputs x units), U (units x units),
 * b (units), and for a GRU with reset_after bRecurrent (units)}, each a number when it is
 * 1 x 1. Instead of `weights`, Keras's packed layout may be given: `kernel`,
 * `recurrentKernel`, `bias` (what lstm_explained.networks.fingerprint.plain() writes). A step holds
 * x, h_prev (and c_prev), a (pre-activations by gate, after the clip), gates, h (and c);
 * run()'s steps also keep each LSTM sum before the clip (unclipped); x is an array
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
    rnn: {
      name: "plain recurrent",
      gates: ["hidden"],
      symbols: { hidden: "h" },
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
    hidden: "plain cell",
  };
  const QUARTER = "hard_sigmoid[alpha=1/4, beta=1/2]"; // the fingerprint networks' gates
  const ACTIVATIONS = ["linear", "sigmoid", "hard_sigmoid", "tanh", "relu", QUARTER];
  const EXACT_ACTIVATIONS = ["linear", "relu", "hard_sigmoid", QUARTER];
  const EXACT_NEEDS =
    "exact mode needs activations that keep fractions exact (linear, relu or a hard_sigmoid)";
  const MAX_STEPS = 10;
  const MAX_SIZE = 4; // inputs and units: the hand calculation stays readable
  const DIGITS = 4; // the table's significant digits; the working shows as many as it needs
  const MOST_DIGITS = 17; // what a float64 holds: beyond it, digits say nothing more

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
    if (up) { // in BigInt: beyond 15 digits a Number would round the head itself
      let n = BigInt(head) + 1n;
      if (n === 10n ** BigInt(digits)) {
        n = 10n ** BigInt(digits - 1);
        exp += 1;
      }
      head = n.toString();
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
      hard_sigmoid: (x) => Math.min(Math.max(x / 6 + 0.5, 0), 1), // x/6, as the engine
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
    clip: (a, m) => Math.min(Math.max(a, -m), m), // as the engine's np.minimum(np.maximum)
    out: (v) => v,
    fn: floatFn,
  };
  const EXACT = {
    of: exactOf,
    add,
    mul,
    oneMinus: (a) => add(ONE, frac(-a.n, a.d)),
    clip: (a, m) => (less(a, frac(-m.n, m.d)) ? frac(-m.n, m.d) : less(m, a) ? m : a),
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
    if (!CELLS[cell]) throw new Error(`cell must be "lstm", "gru" or "rnn"; got ${describe(config.cell)}`);
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
      ...variantsOf(config, cell, units),
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

  /** An LSTM's variants, checked: {peephole: null or 3 rows of `units` numbers, clip:
   * null or a positive number, inputForget: boolean}. Another cell takes none. */
  function variantsOf(config, cell, units) {
    const { peephole = null, clip = null, inputForget = false } = config;
    if (cell !== "lstm" && (peephole !== null || clip !== null || inputForget !== false)) {
      throw new Error(`peephole, clip and inputForget are an LSTM's variants; the ${CELLS[cell].name} cell takes none`);
    }
    if (typeof inputForget !== "boolean") {
      throw new Error(`inputForget must be true or false; got ${describe(inputForget)}`);
    }
    if (clip !== null && !(finite(clip, "clip") > 0)) {
      throw new Error(`clip must be a positive number or null; got ${describe(clip)}`);
    }
    if (peephole !== null && (!Array.isArray(peephole) || peephole.length !== 3)) {
      throw new Error(`peephole must be 3 rows (p_i, p_f, p_o) or null; got ${describe(peephole)}`);
    }
    const rows = peephole && peephole.map((row, k) => vector(row, units, `peephole[${k}] (p_${"ifo"[k]})`));
    return { peephole: rows, clip, inputForget };
  }

  /** The names of the variants a (normalized) config turns on, as ONNX calls them. */
  const variants = (cfg) =>
    [["peepholes", cfg.peephole], ["clip", cfg.clip !== null], ["input_forget", cfg.inputForget]]
      .filter(([, on]) => on).map(([name]) => name);

  /** Why a (normalized) config cannot be computed exactly, or "" if it can. */
  function exactProblem(cfg) {
    const why = [];
    const used = [["activation", cfg.activation], ["recurrent_activation", cfg.recurrentActivation]];
    for (const [name, value] of cfg.cell === "rnn" ? used.slice(0, 1) : used) { // the plain cell has no gates
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

  /** An LSTM step in the engine's order (lstm.step, lstm_variants.step): each sum, its
   * peephole term, the clip; i, f (1 - i when coupled), g; c; then o, which sees the new
   * c through its peephole. `v` holds the variants: {P, clip, inputForget}. */
  function lstmStep(ops, w, x, h, c, act, rec, U, v) {
    const sum = (gate) => range(U).map((u) => ops.add(ops.add(dot(ops, x, w[gate].W, u), dot(ops, h, w[gate].U, u)), w[gate].b[u]));
    const peep = (values, row, seen) => (v.P ? values.map((s, u) => ops.add(s, ops.mul(v.P[row][u], seen[u]))) : values);
    const clip = (values) => (v.clip === null ? values : values.map((s) => ops.clip(s, v.clip)));
    const unclipped = { input: peep(sum("input"), 0, c), forget: peep(sum("forget"), 1, c), candidate: sum("candidate") };
    const a = {};
    for (const gate of ["input", "forget", "candidate"]) a[gate] = clip(unclipped[gate]);
    const gates = { input: a.input.map(rec) };
    gates.forget = v.inputForget ? gates.input.map(ops.oneMinus) : a.forget.map(rec);
    gates.candidate = a.candidate.map(act);
    const cNew = range(U).map((u) => ops.add(ops.mul(gates.forget[u], c[u]), ops.mul(gates.input[u], gates.candidate[u])));
    unclipped.output = peep(sum("output"), 2, cNew);
    a.output = clip(unclipped.output);
    gates.output = a.output.map(rec);
    const hNew = range(U).map((u) => ops.mul(gates.output[u], act(cNew[u])));
    return { a, gates, unclipped, state: { h: hNew, c: cNew } };
  }

  /** The plain cell: a = (x W + b) + h_prev U, in the engine's order (rnn.project, rnn.step). */
  function rnnStep(ops, w, x, h, act, U) {
    const { W, U: R, b } = w.hidden;
    const a = range(U).map((u) => ops.add(ops.add(dot(ops, x, W, u), b[u]), dot(ops, h, R, u)));
    const hNew = a.map(act);
    return { a: { hidden: a }, gates: { hidden: hNew }, state: { h: hNew } };
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
    const rec = cfg.cell === "rnn" ? null : ops.fn(cfg.recurrentActivation); // no gates, no σ
    const w = {};
    for (const [gate, gw] of Object.entries(cfg.weights)) {
      w[gate] = Object.fromEntries(Object.entries(gw).map(([k, v]) => [
        k, Array.isArray(v[0]) ? v.map((row) => row.map(ops.of)) : v.map(ops.of),
      ]));
    }
    const out = (values) => values.map(ops.out);
    const v = { // an LSTM's variants, in the run's numbers
      P: cfg.peephole && cfg.peephole.map((row) => row.map(ops.of)),
      clip: cfg.clip === null ? null : ops.of(cfg.clip),
      inputForget: cfg.inputForget,
    };
    let h = cfg.h0.map(ops.of);
    let c = cfg.c0.map(ops.of);
    return cfg.inputs.map((xNumbers, k) => {
      const x = xNumbers.map(ops.of);
      const next = cfg.cell === "lstm"
        ? lstmStep(ops, w, x, h, c, act, rec, cfg.units, v)
        : cfg.cell === "rnn"
          ? rnnStep(ops, w, x, h, act, cfg.units)
          : gruStep(ops, w, x, h, act, rec, cfg.units, cfg.resetAfter);
      const step = { t: k + 1, x: out(x), h_prev: out(h) };
      if (cfg.cell === "lstm") step.c_prev = out(c);
      step.a = Object.fromEntries(Object.entries(next.a).map(([g, v]) => [g, out(v)]));
      step.gates = Object.fromEntries(Object.entries(next.gates).map(([g, v]) => [g, out(v)]));
      if (cfg.cell === "lstm") {
        step.c = out(next.state.c);
        step.unclipped = Object.fromEntries(Object.entries(next.unclipped).map(([g, s]) => [g, out(s)]));
      }
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

  // ---- lines of working that add up (as lstm_explained.explain.working) -----------------------
  //
  // The site's one rule: a line adds up when its result, at the digits it shows, is the
  // rounding of what the numbers written in it give, computed exactly (sigmoid and tanh
  // in float64); a value exactly halfway between two roundings has none. A line shows the
  // fewest digits, from DIGITS, with which it adds up: its operands' first, then its
  // result's. An expression is {num, bare} | {sym, shown} | {op: "+" | "×", parts} |
  // {wrap: head, inner} (head "" for brackets, "1-", or an activation's name).

  const num = (v, bare = false) => ({ num: v, bare });
  const op = (o, parts) => ({ op: o, parts });
  const wrap = (head, inner) => ({ wrap: head, inner });
  const noted = (inner, note) => ({ noted: inner, note }); // "0.5×0.19 (peephole)": read past
  const times = (a, b) => op("×", [num(a), num(b)]);
  const same = (a, b) => a.n === b.n && a.d === b.d;
  const pow10 = (e) => (e >= 0 ? frac(10n ** BigInt(e)) : frac(1n, 10n ** BigInt(-e)));

  /** The exact value of a double, as Python's Fraction(float) gives it. */
  function fracOfDouble(v) {
    if (v === 0) return ZERO;
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, v);
    const bits = view.getBigUint64(0);
    const sign = bits >> 63n ? -1n : 1n;
    const biased = Number((bits >> 52n) & 0x7ffn);
    const fraction = bits & ((1n << 52n) - 1n);
    const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
    const e = (biased === 0 ? 1 : biased) - 1075;
    return e >= 0 ? frac(sign * mantissa * (1n << BigInt(e))) : frac(sign * mantissa, 1n << BigInt(-e));
  }

  /** A number in a line of working (lstm_explained.explain.hand.written): formatNumber
   * at d digits, but never more than the number's shortest form has (0.2 stays 0.2). */
  function written(v, d) {
    if (typeof v === "number" && Number.isFinite(v)) {
      const mantissa = String(Math.abs(v)).toLowerCase().split("e")[0].replace(".", "").replace(/^0+/, "");
      return formatNumber(v, Math.min(d, Math.max(mantissa.length, 1)));
    }
    return formatNumber(v, d);
  }

  /** The exact value of v as a line of working writes it at d digits. */
  const shownValue = (v, d) => exactOf(written(v, d));

  /** An activation of a number as written, as a reader redoes it: exactly where it keeps
   * fractions exact, else in float64 (sigmoid as (1 + tanh(x/2)) / 2, as the engine). */
  function activate(name, value, text) {
    if (EXACT_ACTIVATIONS.includes(name)) return exactFn(name)(value);
    const x = Number(text);
    return fracOfDouble(name === "sigmoid" ? 0.5 * (Math.tanh(0.5 * x) + 1) : Math.tanh(x));
  }

  /** The expression's value from its numbers as written at d digits, exactly. */
  function redo(e, d) {
    if ("num" in e) return shownValue(e.num, d);
    if ("sym" in e) return exactOf(e.shown);
    if ("noted" in e) return redo(e.noted, d);
    if ("op" in e) {
      const values = e.parts.map((p) => redo(p, d));
      return e.op === "+" ? values.reduce(add, ZERO) : values.reduce(mul, ONE);
    }
    const inner = redo(e.inner, d);
    if (e.wrap === "") return inner;
    if (e.wrap === "1-") return add(ONE, frac(-inner.n, inner.d));
    return activate(e.wrap, inner, written(e.inner.num, d));
  }

  /** v rounded to d significant digits, or null when it lies exactly halfway. */
  function rounding(v, d) {
    if (v.n === 0n) return ZERO;
    const size = frac(v.n < 0n ? -v.n : v.n, v.d);
    let e = (v.n < 0n ? -v.n : v.n).toString().length - v.d.toString().length;
    while (less(size, pow10(e))) e -= 1;
    while (!less(size, pow10(e + 1))) e += 1;
    const unit = pow10(e - d + 1);
    const scaled = mul(v, frac(unit.d, unit.n));
    let q = scaled.n / scaled.d; // toward zero
    if (scaled.n < 0n && q * scaled.d !== scaled.n) q -= 1n; // floor
    const twice = 2n * (scaled.n - q * scaled.d); // 2 × (scaled - floor), over scaled.d
    if (twice === scaled.d) return null;
    return mul(frac(twice > scaled.d ? q + 1n : q), unit);
  }

  const SPREAD = 3; // a line's operands show at most this many digits more than its result

  /** [operand digits, result digits] from `digits` to `most` at which the line adds up:
   * the result's fewest first and, for each, the operands' fewest, at most SPREAD more;
   * null if none does. */
  function digitsToShow(expr, result, digits, most) {
    for (let dResult = digits; dResult <= most; dResult += 1) {
      const target = shownValue(result, dResult);
      for (let dOperands = dResult; dOperands <= Math.min(dResult + SPREAD, most); dOperands += 1) {
        const r = rounding(redo(expr, dOperands), dResult);
        if (r && same(r, target)) return [dOperands, dResult];
      }
    }
    return null;
  }

  /** The numbers of an expression, in order. */
  function leaves(e) {
    if ("num" in e || "sym" in e) return [e];
    if ("noted" in e) return leaves(e.noted);
    if ("op" in e) return e.parts.flatMap(leaves);
    return leaves(e.inner);
  }

  /** The digits to write a line with (lstm_explained.explain.working.choose_digits):
   * {operands, result, addsUp}; an exact line shows every digit and adds up, one that
   * cannot be redone (inf, NaN) is written at `digits`. */
  function chooseDigits(cfg, expr, result, digits = DIGITS) {
    if (cfg.exact) return { operands: digits, result: digits, addsUp: true };
    const values = [...leaves(expr).filter((l) => "num" in l).map((l) => l.num), result];
    if (!values.every(Number.isFinite)) return { operands: digits, result: digits, addsUp: null };
    const found = digitsToShow(expr, result, digits, MOST_DIGITS);
    if (!found) return { operands: MOST_DIGITS, result: digits, addsUp: false };
    return { operands: found[0], result: found[1], addsUp: true };
  }

  // ---- the hand calculation, as lstm_explained.explain.hand writes it -------------------------------

  const WIDTH = "hidden state:".length + 1;
  const label = (text) => (text ? `${text}:` : "").padEnd(WIDTH);

  /** An expression as a line of working writes it, every number at d digits. */
  function textOf(e, d) {
    if ("num" in e) return e.bare ? written(e.num, d) : factor(written(e.num, d));
    if ("sym" in e) return e.sym;
    if ("noted" in e) return `${textOf(e.noted, d)} (${e.note})`;
    if ("op" in e) return e.parts.map((p) => textOf(p, d)).join(e.op === "+" ? " + " : "×");
    const inner = textOf(e.inner, d);
    return e.wrap === "1-" ? `(1-${inner})` : `${e.wrap}(${inner})`;
  }

  /** A line of working: its text, its result as written, its digits and expression. */
  function writeLine(cfg, start, expr, result) {
    const digits = chooseDigits(cfg, expr, result);
    const shown = written(result, digits.result);
    const equals = digits.addsUp === false ? "≈" : "=";
    return { text: `${start}${textOf(expr, digits.operands)} ${equals} ${shown}`, result: shown, digits, expr };
  }

  /** The numbers a line's arithmetic shows, each as a factor (a bare activation argument
   * as itself, r by its letter), through `shorten`, as a figure writes them. */
  function operands(line, shorten = (text) => text) {
    return leaves(line.expr).map((l) => {
      if ("sym" in l) return l.sym;
      const text = shorten(written(l.num, line.digits.operands));
      return l.bare ? text : factor(text);
    });
  }

  /** A GRU gate's pre-activation for unit u (lstm_explained.explain.hand._gru_sum): r by
   * its letter, the value the line above shows, where the line adds up so. */
  function gruSum(cfg, s, gate, u, lines, letterR) {
    const gw = cfg.weights[gate];
    const inputs = [...products(cfg, s.x, gw.W, u), num(weightOf(cfg, gw.b[u]))];
    const recurrent = [...products(cfg, s.h_prev, gw.U, u), ...(cfg.resetAfter ? [num(weightOf(cfg, gw.bRecurrent[u]))] : [])];
    if (gate !== "candidate") return op("+", [...inputs, ...recurrent]);
    const letter = { sym: "r", shown: lines.reset.result };
    const byLetter = (build) => {
      const expr = build(letter);
      if (chooseDigits(cfg, expr, s.a.candidate[u]).addsUp !== false) return expr;
      return build(num(s.gates.reset[u]));
    };
    if (cfg.resetAfter) return byLetter((r) => op("+", [...inputs, op("×", [r, wrap("", op("+", recurrent))])]));
    if (letterR && cfg.units === 1) {
      return byLetter((r) => op("+", [...inputs, op("×", [wrap("", op("×", [r, num(s.h_prev[0])])), num(weightOf(cfg, gw.U[0][u]))])]));
    }
    return op("+", [...inputs, ...s.h_prev.map((hk, k) =>
      op("×", [wrap("", times(s.gates.reset[k], hk)), num(weightOf(cfg, gw.U[k][u]))]))]);
  }

  /** A weight as the working shows it: exact text in exact mode, else the number. */
  const weightOf = (cfg, v) => (cfg.exact ? exactText(exactOf(v)) : v);

  /** The products v_j×M[j][u] of unit u's sum: x×W for every input, h_prev×U for every unit. */
  const products = (cfg, v, M, u) => v.map((vj, j) => times(vj, weightOf(cfg, M[j][u])));

  /** The terms of unit u's x×W + h_prev×U + b (an LSTM's block, the plain cell's). */
  const weightedSum = (cfg, s, gw, u) =>
    [...products(cfg, s.x, gw.W, u), ...products(cfg, s.h_prev, gw.U, u), num(weightOf(cfg, gw.b[u]))];

  /** Unit u's lines of working at one step, by what they compute (as
   * lstm_explained.explain.hand.unit_working): "a_<gate>" and "<gate>" for each gate,
   * then "c" and "h". `letterR` writes a GRU's reset-before r by its letter, as the
   * drawing does with one unit. */
  function unitWorking(cfg, s, u, letterR = false) {
    if (cfg.cell === "rnn") return rnnWorking(cfg, s, u);
    if (cfg.cell === "lstm") return lstmWorking(cfg, s, u);
    const { symbols } = CELLS.gru;
    const lines = {};
    for (const gate of CELLS.gru.gates) {
      const sym = symbols[gate];
      const expr = gruSum(cfg, s, gate, u, lines, letterR);
      const fn = gate === "candidate" ? cfg.activation : cfg.recurrentActivation;
      const a = s.a[gate][u];
      lines[`a_${gate}`] = writeLine(cfg, `${label(LABELS[gate])}a_${sym} = `, expr, a);
      lines[gate] = writeLine(cfg, `${label("")}${sym} = `, wrap(fn, num(a, true)), s.gates[gate][u]);
    }
    const g = Object.fromEntries(Object.entries(s.gates).map(([k, v]) => [k, v[u]]));
    const kept = op("+", [times(g.update, s.h_prev[u]), op("×", [wrap("1-", num(g.update)), num(g.candidate)])]);
    lines.h = writeLine(cfg, `${label("hidden state")}h = z×h_prev + (1-z)×n = `, kept, s.h[u]);
    return lines;
  }

  /** An LSTM unit's lines (lstm_explained.explain.hand.unit_working and, with variants,
   * variant_hand.unit_working): each gate's, then c and h. With peepholes the output
   * gate's come after c, which it sees. */
  function lstmWorking(cfg, s, u) {
    const late = cfg.peephole ? ["output"] : [];
    const lines = {};
    for (const gate of CELLS.lstm.gates.filter((g) => !late.includes(g))) Object.assign(lines, gateLines(cfg, s, gate, u));
    const g = Object.fromEntries(Object.entries(s.gates).map(([k, v]) => [k, v[u]]));
    const act = cfg.activation;
    const cSum = op("+", [times(g.forget, s.c_prev[u]), times(g.input, g.candidate)]);
    lines.c = writeLine(cfg, `${label("cell state")}c = f×c_prev + i×g = `, cSum, s.c[u]);
    for (const gate of late) Object.assign(lines, gateLines(cfg, s, gate, u));
    const hProduct = op("×", [num(g.output), wrap(act, num(s.c[u], true))]);
    lines.h = writeLine(cfg, `${label("hidden state")}h = o×${act}(c) = `, hProduct, s.h[u]);
    return lines;
  }

  const PEEPHOLE_ROW = { input: 0, forget: 1, output: 2 };

  /** One LSTM gate's lines (variant_hand.gate_lines): "a_<gate>", its sum, with the
   * peephole term where there is one; "clip_<gate>" where the clip bit, which states the
   * value the activation sees; "<gate>". A coupled forget gate is "f = 1 - i" alone. */
  function gateLines(cfg, s, gate, u) {
    const sym = CELLS.lstm.symbols[gate];
    const value = s.gates[gate][u];
    if (gate === "forget" && cfg.inputForget) {
      return { forget: writeLine(cfg, `${label(LABELS.forget)}f = 1 - i = `, wrap("1-", num(s.gates.input[u])), value) };
    }
    const terms = weightedSum(cfg, s, cfg.weights[gate], u);
    if (cfg.peephole && gate in PEEPHOLE_ROW) {
      const [seen, note] = gate === "output" ? [s.c, "peephole, new c"] : [s.c_prev, "peephole"];
      terms.push(noted(times(weightOf(cfg, cfg.peephole[PEEPHOLE_ROW[gate]][u]), seen[u]), note));
    }
    const a = s.a[gate][u];
    const sum = writeLine(cfg, `${label(LABELS[gate])}a_${sym} = `, op("+", terms), s.unclipped[gate][u]);
    const lines = { [`a_${gate}`]: sum };
    if (cfg.clip !== null && a !== s.unclipped[gate][u]) { // the clip bit (NaN too, as in Python)
      const bound = written(weightOf(cfg, cfg.clip), DIGITS);
      const text = `${label("clipped")}a_${sym} = ${written(a, DIGITS)} (${sum.result} is outside [-${bound}, ${bound}])`;
      lines[`clip_${gate}`] = { text, result: written(a, DIGITS) };
    }
    const fn = gate === "candidate" ? cfg.activation : cfg.recurrentActivation;
    lines[gate] = writeLine(cfg, `${label("")}${sym} = `, wrap(fn, num(a, true)), value);
    return lines;
  }

  /** The plain cell's two lines for unit u (lstm_explained.explain.rnn_hand.unit_working):
   * "a_hidden", the weighted sum with every product, then the bias; "h" = act(a). */
  function rnnWorking(cfg, s, u) {
    const sum = op("+", weightedSum(cfg, s, cfg.weights.hidden, u));
    const a = s.a.hidden[u];
    const act = cfg.activation;
    return {
      a_hidden: writeLine(cfg, `${label("weighted sum")}a = x×W + h_prev×U + b = `, sum, a),
      h: writeLine(cfg, `${label("hidden state")}h = ${act}(a) = `, wrap(act, num(a, true)), s.h[u]),
    };
  }

  /** The hand calculation of step t (from 1) of run(cfg)'s steps. */
  function handText(cfg, steps, t) {
    const s = steps[t - 1];
    const states = [["x", s.x], ["h_prev", s.h_prev], ...(s.c_prev ? [["c_prev", s.c_prev]] : [])];
    const lines = [`time step ${s.t}: ${states.map(([k, v]) => `${k} = ${formatVector(v, DIGITS)}`).join(", ")}`];
    for (const u of range(cfg.units)) {
      if (cfg.units > 1) lines.push(`unit ${u + 1}:`);
      lines.push(...Object.values(unitWorking(cfg, s, u)).map((line) => line.text));
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
    variants,
    run,
    forward,
    handText,
    handCalculation,
    unitWorking,
    operands,
    formatFloat,
    formatNumber,
    formatVector,
    factor,
    exactOf,
    exactText,
  };
})();
