// Lesson 6's activation explorer without a kernel (issue 45).
//
// explorer-data.json (made by tools/build_site.py) holds the shipped character model's
// weights as stored (float16), excerpts of files it never read, the units of lesson 6's
// section 4, a ridge probe per feature, and how lstm_course.explorer.text_heat_html draws
// (the HTML around the characters and its 256 colours). This script runs the LSTM on the
// chosen text, in float64, and colours each character by the chosen unit's value, the way
// the notebook's ipywidgets explorer does. Nothing leaves the page.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ numbers
  function float16(bits) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
    if (exponent === 31) return fraction ? NaN : sign * Infinity;
    return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }

  function bytes(b64) {
    const raw = atob(b64);
    const out = new Uint8Array(raw.length);
    for (let k = 0; k < raw.length; k++) out[k] = raw.charCodeAt(k);
    return out.buffer;
  }

  const f16 = (b64) => Float64Array.from(new Uint16Array(bytes(b64)), float16);
  const f32 = (b64) => Float64Array.from(new Float32Array(bytes(b64)));
  const sigmoid = (x) => 1 / (1 + Math.exp(-x));

  // ------------------------------------------------------------------ the model
  class CharLSTM {
    constructor(data) {
      const w = data.weights;
      this.E = data.embedding_dim;
      this.H = data.about.units;
      this.index = new Map(data.alphabet.map((ch, k) => [ch, k]));
      this.unk = data.unk;
      const embedding = f16(w.embedding);
      const wIh = f16(w.w_ih);
      const bIh = f16(w.b_ih);
      const bHh = f16(w.b_hh);
      this.wHh = f16(w.w_hh);
      // What each character adds to the gates' pre-activations: W_ih e + b_ih + b_hh.
      const G = 4 * this.H;
      this.event = data.alphabet.map((_, ch) => {
        const z = new Float64Array(G);
        for (let r = 0; r < G; r++) {
          let s = bIh[r] + bHh[r];
          for (let e = 0; e < this.E; e++) s += wIh[r * this.E + e] * embedding[ch * this.E + e];
          z[r] = s;
        }
        return z;
      });
      this.last = null; // the last trace: a text typed on reuses its beginning
    }

    // h, c and the four gates (PyTorch's order: i, f, g, o) after every character.
    trace(text) {
      const H = this.H;
      const T = text.length;
      const out = { text, h: new Float32Array(T * H), c: new Float32Array(T * H) };
      for (const k of "ifgo") out[k] = new Float32Array(T * H);
      let start = 0;
      const last = this.last;
      if (last) {
        while (start < T && start < last.text.length && text[start] === last.text[start]) start++;
        for (const k of ["h", "c", "i", "f", "g", "o"]) out[k].set(last[k].subarray(0, start * H));
      }
      // the memories after the shared beginning (stored in float32: a rounding of 1e-7)
      const from = (a) => (start ? Float64Array.from(a.subarray((start - 1) * H, start * H)) : new Float64Array(H));
      const h = from(out.h);
      const c = from(out.c);
      const z = new Float64Array(4 * H);
      const W = this.wHh;
      for (let t = start; t < T; t++) {
        const ch = this.index.has(text[t]) ? this.index.get(text[t]) : this.unk;
        const x = this.event[ch];
        // z = W_hh h + (W_ih e + b): four rows at a time, which reads h a quarter as often
        for (let r = 0; r < 4 * H; r += 4) {
          let s0 = x[r];
          let s1 = x[r + 1];
          let s2 = x[r + 2];
          let s3 = x[r + 3];
          const b0 = r * H;
          const b1 = b0 + H;
          const b2 = b1 + H;
          const b3 = b2 + H;
          for (let u = 0; u < H; u++) {
            const hu = h[u];
            s0 += W[b0 + u] * hu;
            s1 += W[b1 + u] * hu;
            s2 += W[b2 + u] * hu;
            s3 += W[b3 + u] * hu;
          }
          z[r] = s0;
          z[r + 1] = s1;
          z[r + 2] = s2;
          z[r + 3] = s3;
        }
        const base = t * H;
        for (let u = 0; u < H; u++) {
          const i = sigmoid(z[u]);
          const f = sigmoid(z[H + u]);
          const g = Math.tanh(z[2 * H + u]);
          const o = sigmoid(z[3 * H + u]);
          c[u] = f * c[u] + i * g;
          h[u] = o * Math.tanh(c[u]);
          out.i[base + u] = i;
          out.f[base + u] = f;
          out.g[base + u] = g;
          out.o[base + u] = o;
          out.c[base + u] = c[u];
          out.h[base + u] = h[u];
        }
      }
      this.last = out;
      return out;
    }
  }

  // What each view shows of a unit (found by tools/build_site.py from the notebook's views).
  const VIEWS = {
    tanh_c: (t, k) => Math.tanh(t.c[k]),
    c: (t, k) => t.c[k],
    h: (t, k) => t.h[k],
    g: (t, k) => t.g[k],
    gate_i: (t, k) => 2 * t.i[k] - 1,
    gate_f: (t, k) => 2 * t.f[k] - 1,
    gate_o: (t, k) => 2 * t.o[k] - 1,
  };

  // ------------------------------------------------------------------ drawing
  function heatHtml(data, text, values, label) {
    const heat = data.heat;
    const spans = [];
    for (let k = 0; k < text.length; k++) {
      const x = Math.min(1, Math.max(-1, values[k]));
      const bin = Math.min(255, Math.max(0, Math.floor((0.5 + 0.5 * x) * 256)));
      const [background, colour] = heat.colours[bin];
      const ch = text[k];
      const shown = ch in heat.shown ? heat.shown[ch] : ch;
      spans.push(`<span style="background-color:${background};color:${colour}">${shown}</span>`);
    }
    return heat.head.replace("LABEL", label) + spans.join("") + heat.tail;
  }

  // ------------------------------------------------------------------ the page
  class Explorer {
    constructor(data) {
      this.data = data;
      this.model = new CharLSTM(data);
      this.cache = new Map();
      this.probes = data.probes.map((p) => ({ ...p, w: f32(p.weights) }));
      this.controls = {
        snippet: $("ex-snippet"),
        show: $("ex-show"),
        unit: $("ex-unit"),
        unitBox: $("ex-unit-box"),
        preset: $("ex-preset"),
        text: $("ex-text"),
      };
      this.view = $("ex-view");
      this.status = $("ex-status");
      this.redraws = 0;
      this.fill();
      this.listen();
      this.redraw();
    }

    option(select, value, label) {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = label;
      select.appendChild(o);
    }

    fill() {
      const { data, controls } = this;
      for (const name of Object.keys(data.snippets)) this.option(controls.snippet, name, name);
      this.option(controls.snippet, data.own, data.own);
      const units = document.createElement("optgroup");
      units.label = "a unit";
      for (const v of data.views) this.option(units, `view:${v.name}`, v.name);
      const probes = document.createElement("optgroup");
      probes.label = "a probe (all units)";
      for (const p of data.probes) this.option(probes, `probe:${p.feature}`, `probe: ${p.feature}`);
      controls.show.append(units, probes);
      this.option(controls.preset, "", "(choose)");
      for (const u of data.units_of_section_4) {
        const r = (u.r > 0 ? "+" : "−") + Math.abs(u.r).toFixed(2);
        this.option(controls.preset, String(u.unit), `${u.feature}: unit ${u.unit} (r = ${r})`);
      }
      const last = data.about.units - 1;
      for (const box of [controls.unit, controls.unitBox]) {
        box.min = 0;
        box.max = last;
        box.value = data.start.unit;
      }
      controls.snippet.value = data.start.snippet;
      controls.text.value = data.own_text;
      controls.text.placeholder = data.own_placeholder;
    }

    listen() {
      const c = this.controls;
      c.snippet.addEventListener("change", () => this.redraw());
      c.show.addEventListener("change", () => this.redraw());
      c.unit.addEventListener("input", () => {
        c.unitBox.value = c.unit.value;
        this.redraw();
      });
      // a unit typed in the box is drawn as it is typed; leaving the box puts a number that
      // is not a unit (empty, too large) back in range
      c.unitBox.addEventListener("input", () => {
        const u = Number(c.unitBox.value);
        if (c.unitBox.value === "" || !Number.isInteger(u) || u < 0 || u > Number(c.unit.max)) return;
        c.unit.value = u;
        this.redraw();
      });
      c.unitBox.addEventListener("change", () => {
        const u = Math.round(Number(c.unitBox.value));
        c.unitBox.value = Number.isFinite(u) ? Math.min(Number(c.unit.max), Math.max(0, u)) : c.unit.value;
        if (c.unit.value !== c.unitBox.value) {
          c.unit.value = c.unitBox.value;
          this.redraw();
        }
      });
      c.preset.addEventListener("change", () => {
        if (c.preset.value === "") return;
        c.unit.value = c.unitBox.value = c.preset.value;
        this.redraw();
      });
      // Typing is choosing your own text: the menu follows and the text is drawn (as the
      // notebook's explorer does), after a short pause so fast typing stays smooth.
      let pending = null;
      c.text.addEventListener("input", () => {
        c.snippet.value = this.data.own;
        clearTimeout(pending);
        pending = setTimeout(() => this.redraw(), 120);
      });
    }

    trace(text) {
      if (!this.cache.has(text)) {
        if (this.cache.size > 20) this.cache.clear();
        this.cache.set(text, this.model.trace(text));
      }
      return this.cache.get(text);
    }

    // The values drawn, one per character, and the label above them.
    values(text, show, unit) {
      const t = this.trace(text);
      const H = this.model.H;
      const [kind, name] = [show.slice(0, show.indexOf(":")), show.slice(show.indexOf(":") + 1)];
      const values = new Float64Array(text.length);
      if (kind === "probe") {
        const p = this.probes.find((q) => q.feature === name);
        for (let k = 0; k < text.length; k++) {
          let s = p.bias;
          for (let u = 0; u < H; u++) s += p.w[u] * t.c[k * H + u];
          values[k] = (2 * s) / p.top - 1;
        }
        const label =
          `probe for <b>${name}</b>: a linear read-out of all ${H} units' c_t ` +
          `(blue = 0, white = ${p.top / 2}, red = ${p.top} or more)`;
        return { values, label };
      }
      const view = this.data.views.find((v) => v.name === name);
      const f = VIEWS[view.kind];
      for (let k = 0; k < text.length; k++) values[k] = f(t, k * H + unit);
      return { values, label: `unit ${unit}: ${view.label}` };
    }

    redraw() {
      const c = this.controls;
      const own = c.snippet.value === this.data.own;
      const text = own ? c.text.value : this.data.snippets[c.snippet.value];
      const probe = c.show.value.startsWith("probe:");
      c.unit.disabled = c.unitBox.disabled = c.preset.disabled = probe;
      c.preset.value = this.data.units_of_section_4.some((u) => String(u.unit) === c.unit.value)
        ? c.unit.value
        : "";
      if (!text) {
        this.view.innerHTML = "<i>type some code above to see the unit on it</i>";
        this.redraws++;
        return;
      }
      const started = performance.now();
      const { values, label } = this.values(text, c.show.value, Number(c.unit.value));
      this.view.innerHTML = heatHtml(this.data, text, values, label);
      this.redraws++;
      const ms = Math.round(performance.now() - started);
      this.status.textContent = `${text.length} characters, drawn in ${ms} ms`;
    }
  }

  window.lstmExplorer = { ready: false, error: null };
  fetch("explorer-data.json")
    .then((response) => {
      if (!response.ok) throw new Error(`explorer-data.json: HTTP ${response.status}`);
      return response.json();
    })
    .then((data) => {
      const explorer = new Explorer(data);
      $("ex-show").value = `view:${data.views[0].name}`;
      explorer.redraw();
      Object.assign(window.lstmExplorer, { ready: true, explorer, heatHtml });
      $("explorer").classList.add("ready");
    })
    .catch((error) => {
      window.lstmExplorer.error = String(error);
      $("ex-status").textContent =
        location.protocol === "file:"
          ? "The explorer reads its data with fetch, which browsers refuse for files opened " +
            "from disk: serve the site (python -m http.server -d DIR) and open it from there."
          : `The explorer could not start: ${error}`;
    });
})();
