/* Interactive stepper: an LSTM, a GRU or the plain recurrent cell computed in the browser,
 * one time step at a time.
 *
 * The arithmetic is in lstm-stepper-cells.js (window.LSTMStepperCells), which the page
 * loads first. This file builds the widget on the "Interactive stepper" page: its
 * controls, the table of every step, the hand calculation of one step in the text format
 * of lstm_explained.explain.hand, and the cell drawing that the page embeds as <template>s (made
 * by lstm_explained.explain.figures, so there is one drawing), filled with one step's numbers.
 * The presets are the engine's own networks (lstm_explained.networks.examples.NETWORKS), which
 * the page embeds as JSON. An LSTM with ONNX's variants (peepholes, clip, input_forget)
 * gets no drawing: it has no place for their terms, which the hand calculation shows.
 *
 * window.LSTMStepper is defined either way; the widget is built only where an element
 * with id "lstm-stepper" exists. Plain ES2020, no dependencies, no network requests.
 */
(() => {
  "use strict";

  if (window.LSTMStepper) return; // loaded twice: the first copy is in charge
  const Cells = window.LSTMStepperCells;
  const { CELLS, LABELS, ACTIVATIONS, MAX_STEPS, formatNumber, formatVector, factor } = Cells;
  /** How the number of units is set: by the length of the biases, the one field that is
   * always shown; W and U follow it (one value for all) or are typed to match it. */
  const UNITS_HINT = "Units: each b has one number per unit, so to add a unit, type one " +
    "more number into every b (0, 0 for two units). With one value for all W and U, they " +
    "grow to match; per gate and candidate, type each W with a row per input and each U " +
    "with a row per unit, each row a number per unit, rows separated by semicolons " +
    "(1, 0; 0, 1).";

  // ---- numbers for the diagram ------------------------------------------------------------

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
    if (text.includes("/")) return text.length <= 10 ? text : `≈${Cells.formatFloat(approx(text))}`;
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

  /** The values the cell drawing's {fields} take at one step, for one unit (see
   * figures.cell_template and figures.gru_template): each number as the hand calculation
   * writes it (Cells.unitWorking), a gate's line of working with the digits it needs to
   * add up, the states it starts from at DIGITS (as figures.lstm_figures.forward_values
   * and figures.gru_cell.gru_values). */
  function figureValues(cfg, s, unit) {
    const lines = Cells.unitWorking(cfg, s, unit, true);
    const num = (v) => shortNumber(formatNumber(v, Cells.DIGITS));
    const result = (line) => shortNumber(line.result);
    const xs = s.x.map(num);
    const values = {
      t: String(s.t),
      x: xs.length === 1 ? xs[0] : `[${xs.join(", ")}]`,
      h_prev: num(s.h_prev[unit]),
      h: result(lines.h),
      act: cfg.activation,
      rec: cfg.recurrentActivation,
      unit: String(unit + 1),
    };
    if (cfg.cell === "lstm") {
      values.c_prev = num(s.c_prev[unit]);
      values.c = result(lines.c);
    }
    if (cfg.cell === "rnn") return Object.assign(values, rnnFigureValues(cfg, lines.a_hidden, result));
    const oneByOne = cfg.inputDim === 1 && cfg.units === 1;
    const { symbols } = CELLS[cfg.cell];
    for (const gate of CELLS[cfg.cell].gates) {
      const sym = symbols[gate];
      const line = lines[`a_${gate}`];
      values[`a_${sym}`] = result(line);
      values[`v_${sym}`] = result(lines[gate]);
      if (!oneByOne) continue;
      // the numbers of the line as it reads: x, W, [b], [r], h_prev, U, [b′]
      const found = Cells.operands(line, shortNumber);
      values[`xt_${sym}`] = found.shift();
      values[`W_${sym}`] = found.shift();
      if (cfg.cell === "lstm") {
        [values[`h_prevt_${sym}`], values[`U_${sym}`], values[`b_${sym}`]] = found;
        continue;
      }
      values[`b_${sym}`] = found.shift();
      if (gate === "candidate") values.rt = found.shift();
      [values[`h_prevt_${sym}`], values[`U_${sym}`]] = found;
      values[`b2_${sym}`] = cfg.resetAfter ? found[2] : "0";
    }
    return values;
  }

  /** The plain cell's sum for figures.rnn_cell (as its rnn_values): a, and with one input
   * and one unit the numbers of its line, x, W, h_prev, U, b. */
  function rnnFigureValues(cfg, line, result) {
    const values = { a: result(line) };
    if (cfg.inputDim !== 1 || cfg.units !== 1) return values;
    [values.xt, values.W, values.h_prevt, values.U, values.b] = Cells.operands(line, shortNumber);
    return values;
  }

  /** Which of the page's <template>s draws this network. */
  function templateId(cfg) {
    const units = cfg.inputDim === 1 && cfg.units === 1 ? "" : "-units";
    if (cfg.cell === "gru") return `gru-stepper-figure-${cfg.resetAfter ? "after" : "before"}${units}`;
    if (cfg.cell === "rnn") return `rnn-stepper-figure${units}`;
    return `lstm-stepper-figure${units}`;
  }

  // The page holds the LSTM's drawings; the GRU's and the plain cell's are in a file beside
  // it (the container's data-figures, written by hooks/page_context/stepper.py), fetched
  // the first time a reader picks one of those cells, so that a page that opens on the
  // LSTM does not download them. Until they arrive the box says so; if they cannot be
  // fetched it says that, and the table and the hand calculation are there as ever.
  let moreFigures = null; // the fetch's promise: once per page
  let figuresState = ""; // "loaded", or why they could not be fetched

  /** Fetch the other cells' drawings into the page (once); resolves when that is over. */
  function loadFigures() {
    if (!moreFigures) {
      const url = new URL(document.getElementById("lstm-stepper").dataset.figures, document.baseURI);
      moreFigures = fetch(url)
        .then((response) => {
          if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
          return response.text();
        })
        .then((html) => {
          const parsed = new DOMParser().parseFromString(html, "text/html");
          const holder = document.createElement("div");
          holder.hidden = true;
          holder.id = "stepper-more-figures";
          holder.append(...[...parsed.querySelectorAll("template")].map((node) => document.adoptNode(node)));
          document.body.append(holder);
          figuresState = "loaded";
        })
        .catch((error) => {
          figuresState = `${error.message || error}`;
        })
        .then(render);
    }
    return moreFigures;
  }

  /** What stands in the box for a drawing the page does not have (yet). */
  function missingFigure() {
    if (figuresState === "loaded") return document.createTextNode("");
    const note = document.createElement("p");
    note.className = "stepper-figure-note";
    if (figuresState) {
      note.textContent = `The drawing could not be loaded (${figuresState}); the table and the hand calculation show this step.`;
    } else {
      loadFigures();
      note.textContent = "Loading the drawing…";
    }
    return note;
  }

  /** The page's cell drawing with one step's numbers filled in (unit `unit`'s). */
  function cellFigure(cfg, step, unit) {
    const template = document.getElementById(templateId(cfg));
    if (!template) return missingFigure();
    const values = figureValues(cfg, step, unit);
    const figure = template.content.cloneNode(true);
    figure.querySelectorAll("[data-text]").forEach((node) => {
      node.textContent = node.dataset.text.replace(/\{(\w+)\}/g, (_, name) => values[name]);
    });
    return figure;
  }

  // ---- presets: the engine's networks, from the page ------------------------------------------

  let presetCache = null;

  /** {name: {label, config}} from the page's JSON (lstm_explained.networks.examples.NETWORKS). */
  function presets() {
    if (!presetCache) {
      const node = document.getElementById("lstm-stepper-presets");
      presetCache = node ? JSON.parse(node.textContent) : {};
    }
    return presetCache;
  }

  // ---- the widget -------------------------------------------------------------------------

  const esc = (text) =>
    String(text).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);

  const options = (values, labels = {}) =>
    values.map((v) => `<option value="${esc(v)}">${esc(labels[v] || v)}</option>`).join("");

  /** The weight columns of a cell: W, U, b and, for a GRU with reset_after, b′. */
  function columns(cell, resetAfter) {
    const cols = [["W", "input weight W"], ["U", "recurrent weight U"], ["b", "bias b"]];
    return cell === "gru" && resetAfter ? [...cols, ["b2", "recurrent-side bias b′"]] : cols;
  }

  function gateRows(cell, resetAfter) {
    const cols = columns(cell, resetAfter);
    // the plain cell has no gate: its one row is the new hidden state's weighted sum
    const what = cell === "rnn" ? "block" : "gate";
    const head = `<span class="stepper-gate-head" aria-hidden="true">${what}</span>` +
      cols.map(([key]) => `<span class="stepper-gate-head stepper-col-${key}" aria-hidden="true">${key === "b2" ? "b′" : key}</span>`).join("");
    const rows = CELLS[cell].gates.map((gate) => {
      const cell_ = ([key, what]) =>
        `<label class="stepper-gate-cell stepper-col-${key}" for="stepper-${key}-${gate}">` +
        `<span class="stepper-sr">${LABELS[gate]}, ${what}</span>` +
        `<span class="stepper-cell-key" aria-hidden="true">${key === "b2" ? "b′" : key}</span>` +
        `<input type="text" id="stepper-${key}-${gate}" autocomplete="off" spellcheck="false"></label>`;
      return `<span class="stepper-gate-name" aria-hidden="true">${LABELS[gate]}</span>` + cols.map(cell_).join("");
    });
    return head + rows.join("");
  }

  function skeleton() {
    const names = presets();
    const labels = Object.fromEntries(Object.entries(names).map(([k, p]) => [k, p.label]));
    return `
<form class="stepper-controls" id="stepper-form" novalidate>
  <div class="stepper-grid">
    <div class="stepper-field">
      <label for="stepper-preset">Preset</label>
      <div class="stepper-inline">
        <select id="stepper-preset">${options(Object.keys(names), labels)}</select>
        <button type="button" class="stepper-button" id="stepper-reset">Reset</button>
      </div>
      <span class="stepper-hint" id="stepper-preset-state" aria-live="polite"></span>
    </div>
    <div class="stepper-field stepper-pair">
      <label for="stepper-cell"><span>Cell</span>
        <select id="stepper-cell"><option value="lstm">LSTM</option><option value="gru">GRU</option><option value="rnn">plain (SimpleRNN)</option></select></label>
      <label for="stepper-reset-after" id="stepper-reset-after-box"><span><code>reset_after</code></span>
        <select id="stepper-reset-after"><option value="true">True (default)</option><option value="false">False</option></select></label>
    </div>
    <div class="stepper-field">
      <label for="stepper-inputs">Input sequence</label>
      <input type="text" id="stepper-inputs" autocomplete="off" spellcheck="false"
        aria-describedby="stepper-inputs-hint">
      <span class="stepper-hint" id="stepper-inputs-hint">One to ten numbers, separated by commas; one per time step. Several inputs per step: steps separated by semicolons (1, 0; 0, 1).</span>
    </div>
    <div class="stepper-field">
      <label for="stepper-activation"><code>activation</code> φ <span id="stepper-activation-role"></span></label>
      <select id="stepper-activation">${options(ACTIVATIONS)}</select>
    </div>
    <div class="stepper-field" id="stepper-recurrent-box">
      <label for="stepper-recurrent-activation"><code>recurrent_activation</code> σ <span id="stepper-recurrent-role"></span></label>
      <select id="stepper-recurrent-activation">${options(ACTIVATIONS)}</select>
    </div>
    <div class="stepper-field stepper-pair">
      <label for="stepper-h0"><span>Initial h<sub>0</sub></span>
        <input type="text" id="stepper-h0" autocomplete="off" spellcheck="false"></label>
      <label for="stepper-c0" id="stepper-c0-box"><span>Initial c<sub>0</sub></span>
        <input type="text" id="stepper-c0" autocomplete="off" spellcheck="false"></label>
    </div>
    <div class="stepper-field">
      <label for="stepper-weight-mode">Weights</label>
      <select id="stepper-weight-mode">
        <option value="one">one value for all W and U</option>
        <option value="per-gate">per gate and candidate</option>
      </select>
    </div>
  </div>
  <div class="stepper-weights" id="stepper-weights">
    <div class="stepper-field stepper-one">
      <label for="stepper-weight">W and U of every gate and the candidate</label>
      <input type="text" id="stepper-weight" autocomplete="off" spellcheck="false">
    </div>
    <div class="stepper-gates" id="stepper-gates" role="group" aria-label="Weights and biases of each gate and the candidate" aria-describedby="stepper-legend"></div>
    <p class="stepper-hint stepper-legend" id="stepper-legend"></p>
  </div>
  <fieldset class="stepper-grid stepper-variants" id="stepper-variants" aria-describedby="stepper-variants-hint">
    <legend>ONNX's LSTM variants</legend>
    <div class="stepper-field">
      <label for="stepper-peephole">Peepholes P: p<sub>i</sub>; p<sub>f</sub>; p<sub>o</sub></label>
      <input type="text" id="stepper-peephole" autocomplete="off" spellcheck="false">
    </div>
    <div class="stepper-field">
      <label for="stepper-clip"><code>clip</code></label>
      <input type="text" id="stepper-clip" autocomplete="off" spellcheck="false">
    </div>
    <div class="stepper-exact">
      <input type="checkbox" id="stepper-input-forget">
      <label for="stepper-input-forget"><code>input_forget</code>: f = 1 − i</label>
    </div>
    <p class="stepper-hint" id="stepper-variants-hint">Empty for none. P: a row of a number per unit for each gate (0.5; -0.25; 0.75).</p>
  </fieldset>
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
    <div class="stepper-unit-box" id="stepper-unit-box">
      <label for="stepper-unit">The diagram shows unit</label>
      <select id="stepper-unit"></select>
    </div>
    <div id="stepper-figure-box"></div>
    <figcaption id="stepper-figcaption"></figcaption>
  </figure>
  <p class="stepper-caption" id="stepper-hand-caption">Hand calculation</p>
  <pre id="stepper-hand" class="lx-hand stepper-hand" tabindex="0" aria-live="polite"></pre>
  <div class="stepper-table-box stepper-scroll" tabindex="0" role="group" aria-labelledby="stepper-table-caption">
    <table id="stepper-table" class="stepper-table">
      <caption id="stepper-table-caption">Every time step (the selected one is highlighted)</caption>
      <thead></thead>
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

  /** "1, -1; 3, -2" as rows of numbers (NaN where a part does not parse). */
  function parseRows(text) {
    return text.split(";").map((row) => row.split(",").map(parseNumber));
  }

  /** A value as a field shows it: "2", "-2, -1" (a vector), "1, -1; 3, -2" (a matrix). */
  function fieldText(v) {
    if (!Array.isArray(v)) return String(v);
    return v.map((row) => (Array.isArray(row) ? row.join(", ") : String(row))).join(Array.isArray(v[0]) ? "; " : ", ");
  }

  const TABLE_HEADS = {
    lstm: ["t", "x", "h_prev", "c_prev", "i", "f", "g", "o", "c", "h"],
    gru: ["t", "x", "h_prev", "z", "r", "n", "h"],
    rnn: ["t", "x", "h_prev", "a", "h"],
  };

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
      this.unit = 0;
      this.wantExact = true;
      this.result = null;
      this.cfg = null;
      this.bind();
      this.applyPreset(Object.keys(presets())[0]);
    }

    field(key, gate) {
      return this.root.querySelector(`#stepper-${key}-${gate}`);
    }

    get cell() {
      return this.el.cell.value;
    }

    get resetAfter() {
      return this.el["reset-after"].value === "true";
    }

    /** Rebuild the per-gate fields for the chosen cell; returns whether they changed. */
    buildGates() {
      const key = `${this.cell}/${this.cell === "gru" && this.resetAfter}`;
      if (this.gatesKey === key) return false;
      this.gatesKey = key;
      this.el.gates.innerHTML = gateRows(this.cell, this.resetAfter);
      this.el.gates.classList.toggle("has-b2", columns(this.cell, this.resetAfter).length === 4);
      this.el["weight-mode"].options[1].textContent =
        this.cell === "rnn" ? "typed as matrices" : "per gate and candidate";
      this.el.legend.textContent = (this.cell === "gru" && this.resetAfter
        ? "W multiplies the input x, U the previous hidden state h_prev; b is the input-side bias, b′ the recurrent-side one. "
        : "W multiplies the input x, U the previous hidden state h_prev; b is the bias. ") + UNITS_HINT;
      return true;
    }

    applyPreset(name) {
      const preset = presets()[name];
      const cfg = Cells.normalize(preset.config);
      const { el } = this;
      el.preset.value = name;
      el.cell.value = cfg.cell;
      el["reset-after"].value = String(cfg.cell !== "gru" || cfg.resetAfter);
      this.buildGates();
      el.inputs.value = cfg.inputDim === 1 ? cfg.inputs.map((x) => x[0]).join(", ") : fieldText(cfg.inputs);
      el.activation.value = cfg.activation;
      el["recurrent-activation"].value = cfg.recurrentActivation;
      el.h0.value = fieldText(cfg.units === 1 ? cfg.h0[0] : cfg.h0);
      el.c0.value = fieldText(cfg.units === 1 ? cfg.c0[0] : cfg.c0);
      el.peephole.value = cfg.peephole ? fieldText(cfg.peephole) : "";
      el.clip.value = cfg.clip === null ? "" : String(cfg.clip);
      el["input-forget"].checked = cfg.inputForget;
      const every = Object.values(cfg.weights).flatMap((gw) => [gw.W, gw.U].flat(2));
      const one = every.every((v) => v === every[0]);
      el["weight-mode"].value = one ? "one" : "per-gate";
      el.weight.value = String(every[0]);
      for (const [gate, gw] of Object.entries(cfg.weights)) {
        const scalar = (v) => fieldText(cfg.units === 1 && !Array.isArray(v[0]) ? v[0] : v);
        this.field("W", gate).value = fieldText(cfg.inputDim === 1 && cfg.units === 1 ? gw.W[0][0] : gw.W);
        this.field("U", gate).value = fieldText(cfg.units === 1 ? gw.U[0][0] : gw.U);
        this.field("b", gate).value = scalar(gw.b);
        if (gw.bRecurrent) this.field("b2", gate).value = scalar(gw.bRecurrent);
      }
      this.wantExact = cfg.exact;
      el.exact.checked = cfg.exact;
      this.edited = false;
      el["preset-state"].textContent = "";
      this.t = 1;
      this.unit = 0;
      this.render();
    }

    /** A new cell: fresh per-gate fields, W and U from the one value, biases zero, with
     * as many units as the first bias had. A new reset_after keeps every field the two
     * forms share and adds or drops the recurrent-side biases b′ (zero when added). */
    switchCell() {
      const units = parseRows(this.root.querySelector(".stepper-col-b input").value)[0].length;
      const sameCell = this.gatesKey.startsWith(`${this.cell}/`);
      const kept = {};
      this.el.gates.querySelectorAll("input").forEach((input) => {
        kept[input.id] = input.value;
      });
      if (!this.buildGates()) return;
      const zeros = Array(units).fill(0).join(", ");
      const dims = this.cellDims(units);
      const v = this.el.weight.value;
      for (const gate of CELLS[this.cell].gates) {
        const fresh = { W: fieldText(dims.W(v)), U: fieldText(dims.U(v)), b: zeros, b2: zeros };
        for (const key of Object.keys(fresh)) {
          const input = this.field(key, gate);
          if (input) input.value = sameCell && input.id in kept ? kept[input.id] : fresh[key];
        }
      }
      this.markEdited();
      this.render();
    }

    /** Fill-ins of one value at the shapes W (inputs x units) and U (units x units). */
    cellDims(units) {
      const inputDim = this.readInputs().inputs[0]?.length || 1;
      const fill = (rows, cols) => (v) => (rows === 1 && cols === 1 ? v : Array(rows).fill(Array(cols).fill(v)));
      return { W: fill(inputDim, units), U: fill(units, units) };
    }

    bind() {
      const { el } = this;
      el.form.addEventListener("submit", (event) => event.preventDefault());
      el.preset.addEventListener("change", () => this.applyPreset(el.preset.value));
      el.reset.addEventListener("click", () => this.applyPreset(el.preset.value));
      el["weight-mode"].addEventListener("change", () => this.switchMode());
      el.cell.addEventListener("change", () => this.switchCell());
      el["reset-after"].addEventListener("change", () => this.switchCell());
      el.exact.addEventListener("change", () => {
        this.wantExact = el.exact.checked;
        this.markEdited();
        this.render();
      });
      const onEdit = (event) => {
        if ([el.preset, el.exact, el["weight-mode"], el.cell, el["reset-after"]].includes(event.target)) return;
        this.markEdited();
        this.render();
      };
      el.form.addEventListener("input", onEdit);
      el.form.addEventListener("change", onEdit);
      el.prev.addEventListener("click", () => this.go(this.t - 1));
      el.next.addEventListener("click", () => this.go(this.t + 1));
      el.slider.addEventListener("input", () => this.go(Number(el.slider.value)));
      el.unit.addEventListener("change", () => {
        this.unit = Number(el.unit.value) - 1; // the options count units from 1
        this.drawStep();
      });
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
      const gates = CELLS[this.cell].gates;
      if (perGate) {
        const units = parseRows(this.field("b", gates[0]).value)[0].length;
        const dims = this.cellDims(units);
        for (const gate of gates) {
          this.field("W", gate).value = fieldText(dims.W(el.weight.value));
          this.field("U", gate).value = fieldText(dims.U(el.weight.value));
        }
      } else {
        const values = gates.flatMap((g) => ["W", "U"].flatMap((k) => parseRows(this.field(k, g).value).flat()));
        if (values.every((v) => v === values[0])) el.weight.value = String(values[0]);
      }
      this.markEdited();
      this.render();
    }

    readInputs() {
      const { el } = this;
      const text = el.inputs.value;
      const problems = [];
      const parts = text.includes(";") ? text.split(";") : text.split(",");
      if (parts.length > 1 && parts[parts.length - 1].trim() === "") parts.pop();
      const inputs = parts.map((p) => (text.includes(";") ? p.split(",").map(parseNumber) : [parseNumber(p)]));
      const bad = inputs.findIndex((x) => !x.every(Number.isFinite));
      if (parts.length === 1 && parts[0].trim() === "") {
        problems.push("Input sequence is empty: type 1 to 10 numbers, separated by commas.");
      } else if (bad >= 0) {
        problems.push(`Input ${bad + 1} must be ${inputs[bad].length > 1 ? "numbers" : "a number"}; got "${parts[bad].trim()}".`);
      } else if (inputs.length > MAX_STEPS) {
        problems.push(`The input sequence has ${inputs.length} steps; the stepper takes 1 to ${MAX_STEPS}.`);
      } else if (inputs.some((x) => x.length !== inputs[0].length)) {
        problems.push(`Every step needs the same number of inputs; step 1 has ${inputs[0].length}.`);
      } else if (inputs[0].length > Cells.MAX_SIZE) {
        problems.push(`Each step has ${inputs[0].length} inputs; the stepper takes 1 to ${Cells.MAX_SIZE}.`);
      }
      return { inputs, problems };
    }

    /** The config the controls describe, or the list of fields that do not parse. */
    readControls() {
      const { el } = this;
      const problems = [];
      const invalid = new Set();
      const read = this.readInputs();
      if (read.problems.length) {
        problems.push(...read.problems);
        invalid.add(el.inputs);
      }
      const inputDim = read.problems.length ? 1 : read.inputs[0].length;
      const cell = this.cell;
      const gates = CELLS[cell].gates;
      const units = parseRows(this.field("b", gates[0]).value)[0].length;
      const grid = (input, what, rows, cols) => {
        const m = parseRows(input.value);
        const shape = `${rows}×${cols}`;
        if (!m.every((row) => row.every(Number.isFinite))) {
          problems.push(`${what} must be ${rows * cols === 1 ? "a number" : "numbers"}; got "${input.value.trim()}".`);
          invalid.add(input);
        } else if (m.length !== rows || m.some((row) => row.length !== cols)) {
          const got = `${m.length}×${m[0].length}`;
          problems.push(`${what} must be ${shape} (rows separated by semicolons); got ${got}.`);
          invalid.add(input);
        }
        return m;
      };
      const perGate = el["weight-mode"].value === "per-gate";
      const one = perGate ? 0 : grid(el.weight, "W and U", 1, 1)[0][0];
      const fill = (rows, cols) => Array.from({ length: rows }, () => Array(cols).fill(one));
      const weights = {};
      for (const gate of gates) {
        const name = LABELS[gate];
        weights[gate] = {
          W: perGate ? grid(this.field("W", gate), `${name} W`, inputDim, units) : fill(inputDim, units),
          U: perGate ? grid(this.field("U", gate), `${name} U`, units, units) : fill(units, units),
          b: grid(this.field("b", gate), `${name} b`, 1, units)[0],
        };
        const b2 = this.field("b2", gate);
        if (b2) weights[gate].bRecurrent = grid(b2, `${name} b′`, 1, units)[0];
      }
      const state = (input, what) => {
        const v = parseRows(input.value)[0];
        if (v.length === 1 && Number.isFinite(v[0])) return v[0];
        return grid(input, what, 1, units)[0];
      };
      const config = {
        cell,
        resetAfter: this.resetAfter,
        inputs: read.inputs,
        weights,
        activation: el.activation.value,
        recurrentActivation: el["recurrent-activation"].value,
        exact: false,
        h0: state(el.h0, "Initial h0"),
        c0: cell === "lstm" ? state(el.c0, "Initial c0") : 0,
      };
      if (cell === "lstm") { // ONNX's variants: an empty field is none
        config.peephole = el.peephole.value.trim() ? grid(el.peephole, "Peepholes P", 3, units) : null;
        const clip = el.clip.value.trim();
        config.clip = clip ? parseNumber(clip) : null;
        if (clip && !(config.clip > 0)) {
          problems.push(`clip must be a positive number, or empty for none; got "${clip}".`);
          invalid.add(el.clip);
        }
        config.inputForget = el["input-forget"].checked;
      }
      return { config, problems, invalid };
    }

    /** Recompute from the controls and redraw everything. */
    render() {
      const { el } = this;
      const perGate = el["weight-mode"].value === "per-gate";
      const gru = this.cell === "gru";
      const plain = this.cell === "rnn";
      this.perGate = perGate;
      el.weights.classList.toggle("is-per-gate", perGate);
      el.weight.closest(".stepper-one").hidden = perGate;
      el["reset-after-box"].hidden = !gru;
      el["c0-box"].hidden = this.cell !== "lstm";
      el.variants.hidden = this.cell !== "lstm";
      el["recurrent-box"].hidden = plain; // no gates: the plain cell has only φ
      el.weight.labels[0].textContent = plain ? "W and U of the cell" : "W and U of every gate and the candidate";
      el["activation-role"].textContent = plain ? "(h = φ(a))" : gru ? "(the candidate n)" : "(the candidate g, and φ(c) in h)";
      el["recurrent-role"].textContent = gru ? "(the gates z, r)" : "(the gates i, f, o)";
      for (const gate of CELLS[this.cell].gates) {
        this.field("W", gate).closest("label").hidden = !perGate;
        this.field("U", gate).closest("label").hidden = !perGate;
      }
      const { config, problems, invalid } = this.readControls();
      this.root.querySelectorAll("[aria-invalid]").forEach((node) => {
        if (!invalid.has(node)) node.removeAttribute("aria-invalid");
      });
      invalid.forEach((node) => node.setAttribute("aria-invalid", "true"));

      let cfg = null;
      let problem = problems.join(" ");
      if (!problem) {
        try {
          cfg = Cells.normalize(config);
        } catch (err) {
          problem = err.message;
        }
      }
      // The exact checkbox: offered only when the numbers can stay exact. While a field
      // does not parse, it keeps its state.
      if (cfg) {
        const why = Cells.exactProblem(cfg);
        el.exact.disabled = why !== "";
        el["exact-note"].textContent = why
          ? `Not available: ${why}.`
          : "Integers and fractions with every digit; 0.5 counts as 1/2.";
      }
      el.exact.checked = !el.exact.disabled && this.wantExact;
      if (problem) {
        this.showError(problem);
        return;
      }
      cfg.exact = el.exact.checked;
      this.showError("");
      this.cfg = cfg;
      this.steps = Cells.run(cfg);
      this.result = { steps: this.steps };
      const T = this.steps.length;
      this.t = Math.min(Math.max(this.t, 1), T);
      this.unit = Math.min(this.unit, cfg.units - 1);
      this.drawUnits();
      this.drawTable();
      this.drawNote();
      this.drawStep();
    }

    showError(message) {
      const { el } = this;
      if (el.error.textContent !== message) el.error.textContent = message;
      el.out.classList.toggle("is-stale", Boolean(message));
    }

    drawUnits() {
      const { el, cfg } = this;
      el["unit-box"].hidden = cfg.units === 1 || Cells.variants(cfg).length > 0; // it picks the drawing's unit
      if (el.unit.options.length !== cfg.units) {
        el.unit.innerHTML = Array.from({ length: cfg.units }, (_, u) => `<option>${u + 1}</option>`).join("");
      }
      el.unit.value = String(this.unit + 1);
    }

    drawNote() {
      let text = "";
      if (!this.cfg.exact) {
        const values = (s) => [s.h, s.c || [], ...Object.values(s.gates)].flat();
        const bad = this.steps.find((s) => !values(s).every(Number.isFinite));
        if (bad) {
          text = `Float64 overflowed at step ${bad.t}: the values grew too large and show as inf or nan.`;
          if (!this.el.exact.disabled) text += " Tick Exact arithmetic to see every digit.";
        }
      }
      if (this.el.note.textContent !== text) this.el.note.textContent = text;
    }

    drawTable() {
      const cell = this.cfg.cell;
      const heads = TABLE_HEADS[cell];
      const head = `<tr>${heads.map((h) => `<th scope="col">${h}</th>`).join("")}</tr>`;
      if (this.el.table.tHead.innerHTML !== head) this.el.table.tHead.innerHTML = head;
      const gates = CELLS[cell].gates;
      const rows = this.steps.map((s) => {
        const values = cell === "rnn" ? [s.x, s.h_prev, s.a.hidden, s.h]
        : [s.x, s.h_prev, ...(cell === "lstm" ? [s.c_prev] : []), ...gates.map((g) => s.gates[g]),
          ...(cell === "lstm" ? [s.c] : []), s.h];
        // each cell names its column (data-label), for the phone's layout of a step as a card
        const cells = values.map((v, k) => {
          const text = formatVector(v);
          const label = `data-label="${heads[k + 1]}"`;
          if (text.length > 400) {
            return `<td class="stepper-long" ${label}><span class="stepper-digits" tabindex="0">${esc(text)}</span></td>`;
          }
          if (Array.isArray(v) && v.length > 1) { // a vector may wrap after each comma
            return `<td class="stepper-vector" ${label}>${esc(text).replace(/, /g, ",<wbr> ")}</td>`;
          }
          return `<td${text.length > 24 ? ' class="stepper-long"' : ""} ${label}>${esc(text)}</td>`;
        });
        return `<tr data-t="${s.t}"><th scope="row">${s.t}</th>${cells.join("")}</tr>`;
      });
      this.el.tbody.innerHTML = rows.join("");
    }

    go(t) {
      if (!this.result) return;
      const T = this.steps.length;
      const next = Math.min(Math.max(t, 1), T);
      if (next === this.t) return;
      this.t = next;
      this.drawStep();
    }

    drawStep() {
      const { el, t, cfg } = this;
      const T = this.steps.length;
      const step = this.steps[t - 1];
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
      const variants = Cells.variants(cfg);
      el["figure-box"].replaceChildren(variants.length ? "" : cellFigure(cfg, step, this.unit));
      const u = this.unit;
      const shown = [step.x, step.h_prev, step.c_prev || [], step.c || [], step.h, ...Object.values(step.gates)].flat();
      const shortened = shown.some((v) => typeof v === "string" && shortNumber(v) !== v);
      el.figcaption.textContent = variants.length
        ? `No diagram of an LSTM with ${variants.join(", ").replace(/, (?!.*, )/, " and ")}: the hand calculation shows their terms.`
        : `The ${CELLS[cfg.cell].name} cell at time step ${t} of ${T}` +
        (cfg.units > 1 ? `, unit ${u + 1} of ${cfg.units}.` : ".") +
        (shortened ? " Long numbers are rounded here; the table and the hand calculation show every digit." : "");
      el["hand-caption"].textContent = `Hand calculation of time step ${t}`;
      const lines = Cells.handText(cfg, this.steps, t).split("\n").map((line) => {
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
    forward: Cells.forward,
    handCalculation: Cells.handCalculation,
    formatNumber,
    render,
    loadFigures,
    get PRESETS() {
      return Object.fromEntries(Object.entries(presets()).map(([k, p]) => [k, p.config]));
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
