// Hover text for neurons, weights and biases: name, exact value, and how a z was summed.
import { fixed } from "./format.js";
import { slotOf } from "./data.js";
import { layerMark as sup, subscript as sub } from "./rules.js";

const MAX_TERMS = 8;

export function describe(el, state, src) {
  const d = el.dataset;
  const k = Number(d.layer);
  const L = state.meta.widths.length - 1;
  const exactValue = d.value;
  if (d.role === "wcell") return `W${sup(k)}[${d.from}, ${d.to}] (unit ${d.from} → unit ${d.to}) = ${exactValue}`;
  if (d.kind === "x") return `x${sub(Number(d.index) + 1)} (input ${Number(d.index) + 1}) = ${exactValue}`;
  if (d.kind === "w") return `w${sup(k)} from unit ${d.from} to unit ${d.to} = ${exactValue}`;
  if (d.kind === "b") return `b${sup(k)}${sub(d.index)} = ${exactValue}`;
  const name = `${d.kind}${sup(k)}${sub(d.index)}`;
  if (d.kind === "a") {
    const act = k === L ? { regression: "identity", binary: "sigmoid", multiclass: "softmax" }[state.meta.task] : state.meta.activation;
    return `${name} = ${act}(z${sup(k)}${sub(d.index)}) = ${exactValue}`;
  }
  return `${name} = Σ w·a + b = ${sumTerms(src, k, Number(d.index))} = ${exactValue}`;
}

function sumTerms(src, k, j) {
  const { W, b, nIn, nOut } = src.params[k - 1];
  const prev = k === 1 ? "x0" : slotOf("a", k - 1);
  const terms = [];
  for (let i = 0; i < nIn && i < MAX_TERMS; i++) {
    terms.push(`${fixed(W[i * nOut + j], 3)}×${fixed(src.value(prev, i), 3)}`);
  }
  if (nIn > MAX_TERMS) terms.push(`… (${nIn - MAX_TERMS} more)`);
  terms.push(fixed(b[j], 3));
  return terms.join(" + ");
}

/** Hover text for neurons, weights, biases and matrix cells; `describeAt(event)` gives
 * text for other places (the plane) or null. */
export function attachTooltip(root, figure, getState, getSource, describeAt) {
  const tip = document.createElement("div");
  tip.className = "fcnn-tooltip";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  root.appendChild(tip);
  const over = (event) => {
    const el = event.target.closest('[data-kind], [data-role="wcell"]');
    const text = el && figure.contains(el) ? describe(el, getState(), getSource()) : describeAt(event);
    if (!text) { tip.hidden = true; return; }
    tip.textContent = text;
    const box = root.getBoundingClientRect();
    tip.hidden = false;
    // Keep the tip inside the widget: flip it left of the pointer near the right edge.
    const left = event.clientX - box.left + 14;
    const fits = left + tip.offsetWidth <= box.width;
    tip.style.left = `${fits ? left : Math.max(0, event.clientX - box.left - 14 - tip.offsetWidth)}px`;
    tip.style.top = `${event.clientY - box.top + 14}px`;
  };
  const out = () => { tip.hidden = true; };
  figure.addEventListener("mousemove", over);
  figure.addEventListener("mouseleave", out);
  return () => {
    figure.removeEventListener("mousemove", over);
    figure.removeEventListener("mouseleave", out);
    tip.remove();
  };
}
