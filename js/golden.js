// Reads tests/golden/rules.json (written by tests/golden/make_rules.py from the Python rules)
// for the `node --test` checks of the page's mirrors: js/rules.test.js, js/format.test.js.
import { readFileSync } from "node:fs";

const FLOATS = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

const doc = JSON.parse(readFileSync(new URL("../tests/golden/rules.json", import.meta.url), "utf8"));

/** A case's value with {"float": ...} and {"table": name} put back. */
function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === "object") {
    if ("float" in value) return FLOATS[value.float];
    if ("table" in value) return doc.tables[value.table];
  }
  return value;
}

/** Python's snake_case name as the JS mirror spells it. */
export const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** The constants both sides share, by their Python names. */
export const constants = doc.constants;

/** The cases of one part ("rules" or "format"): { name: [{ args, out }, ...] }. */
export function golden(part) {
  const out = {};
  for (const [name, cases] of Object.entries(doc[part])) {
    out[name] = cases.map((c) => ({ args: decode(c.args), out: decode(c.out) }));
  }
  return out;
}
