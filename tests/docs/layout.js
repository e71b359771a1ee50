// What a reader sees, measured: see layout.py. Returns a list of problems, [] when fine.
({minFont, minCode}) => {
  const problems = [];
  const describe = (el) => {
    const label = el.getAttribute("aria-labelledby") || el.id || "";
    const cls = typeof el.className === "string" ? el.className : el.className.baseVal;
    return `${el.tagName.toLowerCase()}${label ? "#" + label.split(" ")[0] : ""}${cls ? "." + cls.split(" ").join(".") : ""}`;
  };
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  const scrollsX = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const clipsX = (el) => getComputedStyle(el).overflowX !== "visible";
  const column = document.querySelector(".md-content__inner") || document.body;
  // a phone lays out a page too wide for it at the page's width and zooms out:
  // measure against the screen, not the layout viewport
  const width = Math.min(window.innerWidth, screen.width);
  const col = column.getBoundingClientRect();

  // 1. The page never scrolls sideways.
  const extra = document.documentElement.scrollWidth - width;
  if (extra > 1) problems.push(`the page is ${extra}px wider than the window`);

  // ... and nothing in the text column runs past the window's edge, unless it sits in a
  // box that scrolls (a code block, a table): clipped by an overflow:hidden box, or
  // laid out wider than the screen, it would simply be cut off. (Text for screen
  // readers only, such as a reflowed table's header, sits in a 1px box that clips it.)
  let cut = 0;
  for (const el of column.querySelectorAll("*")) {
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1) continue;
    let a = el.parentElement;
    while (a && a !== document.documentElement && !clipsX(a)) a = a.parentElement;
    if (a && a !== document.documentElement && scrollsX(a)) continue;
    if (a && a !== document.documentElement && a.getBoundingClientRect().width <= 1) continue;
    if (cut++ < 3) problems.push(`${describe(el)} runs ${Math.round(r.right - width)}px past the window's edge`);
  }

  // 2. Figures: inside the column, not scrolled, labels legible and whole.
  const figures = [...column.querySelectorAll('svg[role="img"]')].filter(shown);
  for (const svg of figures) {
    const name = describe(svg);
    const box = svg.getBoundingClientRect();
    if (box.left < col.left - 1 || box.right > col.right + 1) {
      problems.push(`${name} is ${Math.round(box.width)}px wide, outside its ${Math.round(col.width)}px column`);
    }
    for (let a = svg.parentElement; a && a !== column; a = a.parentElement) {
      if (clipsX(a) && a.scrollWidth > a.clientWidth + 1) {
        problems.push(`${name} scrolls sideways inside ${describe(a)} (${a.scrollWidth}px in ${a.clientWidth}px)`);
      }
    }
    const labels = [];
    for (const text of svg.querySelectorAll("text")) {
      if (!text.textContent.trim() || !shown(text)) continue;
      const m = text.getScreenCTM();
      const px = parseFloat(getComputedStyle(text).fontSize) * Math.hypot(m.a, m.b);
      const what = `"${text.textContent.trim().slice(0, 30)}" in ${name}`;
      if (px < minFont - 0.01) problems.push(`${what} renders at ${px.toFixed(1)}px`);
      const r = text.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        problems.push(`${what} is cut off by the figure's edge`);
      }
      labels.push([r, what, px]);
    }
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const [a, wa, pa] = labels[i];
        const [b, wb] = labels[j];
        // a glyph box is taller than its ink: ignore touching line boxes
        const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (dx > 1 && dy > 0.35 * pa) problems.push(`${wa} overlaps ${wb}`);
      }
    }
  }

  // 3. Tables: every column shows, at a desk and on a phone: none is wider than its box.
  // (On a phone a wide table is reflowed: hooks/phone_layout.py, extra.css.)
  for (const table of [...column.querySelectorAll("table")].filter(shown)) {
    const name = `table "${(table.querySelector("th, td") || table).textContent.trim().slice(0, 20)}"`;
    let clip = table.parentElement;
    while (clip && clip !== column && !clipsX(clip)) clip = clip.parentElement;
    const hidden = clip && clip !== column ? clip.scrollWidth - clip.clientWidth : 0;
    const outside = table.getBoundingClientRect().right - col.right;
    if (outside > 1 && !(clip && clip !== column)) problems.push(`${name} runs ${Math.round(outside)}px out of the column`);
    if (hidden > 1) problems.push(`${name} hides ${hidden}px of its columns at ${width}px`);
  }

  // 4. Hand calculations: each line ends inside its box, and the box shows all of them
  // (nothing of it hides in a box that scrolls, sideways or down).
  for (const block of [...column.querySelectorAll(".lx-hand, .stepper-hand")].filter(shown)) {
    const name = describe(block);
    if (block.scrollWidth > block.clientWidth + 1 || block.scrollHeight > block.clientHeight + 1) {
      problems.push(`${name} hides part of its lines: ${block.scrollWidth}x${block.scrollHeight}px in a ${block.clientWidth}x${block.clientHeight}px box`);
    }
    const inner = block.getBoundingClientRect();
    const right = Math.min(inner.right, col.right, width);
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    const ends = [];
    let last = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let k = 0; k < node.data.length; k++) {
        if (node.data[k] === "\n") {
          if (last) ends.push(last);
          last = null;
        } else if (node.data[k].trim()) {
          last = [node, k];
        }
      }
      // a block element (one line per element) also ends a line
      if (last && getComputedStyle(node.parentElement).display === "block" &&
          node === node.parentElement.lastChild) {
        ends.push(last);
        last = null;
      }
    }
    if (last) ends.push(last);
    if (!ends.length) problems.push(`${name} has no lines`);
    for (const [node, k] of ends) {
      const range = document.createRange();
      range.setStart(node, k);
      range.setEnd(node, k + 1);
      const r = range.getBoundingClientRect();
      if (r.right > right + 1) {
        const text = node.data.slice(Math.max(0, k - 24), k + 1).trim();
        problems.push(`in ${name} the line ending "${text}" is cut off (${Math.round(r.right - right)}px past the edge)`);
      }
    }
  }

  // 5. Output lines marked to wrap (hooks/phone_layout.py) end inside their block.
  for (const line of [...column.querySelectorAll(".lx-wrap")].filter(shown)) {
    const box = line.closest("code") || line.parentElement;
    const over = line.getBoundingClientRect().right - box.getBoundingClientRect().right;
    if (over > 1 || line.scrollWidth > line.clientWidth + 1) {
      problems.push(`the output line "${line.textContent.trim().slice(0, 30)}" does not wrap inside its block`);
    }
  }

  // 6. A notebook's code cells get a readable width.
  for (const cell of [...column.querySelectorAll(".jp-InputArea-editor")].filter(shown)) {
    const w = cell.getBoundingClientRect().width;
    if (w < minCode) problems.push(`a notebook code cell is ${Math.round(w)}px wide, under ${minCode}px`);
  }
  return problems;
}
