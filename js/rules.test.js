// `node --test`: js/rules.js gives Python's answers (tests/golden/rules.json) on every case.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as rules from "./rules.js";
import { camel, golden } from "./golden.js";

const cases = golden("rules");

for (const [name, list] of Object.entries(cases)) {
  test(`${camel(name)} agrees with rules.${name} on ${list.length} cases`, () => {
    const fn = rules[camel(name)];
    assert.equal(typeof fn, "function", `js/rules.js has no ${camel(name)} (Python's ${name})`);
    for (const { args, out } of list) {
      assert.deepEqual(fn(...args), out, `${camel(name)}(${JSON.stringify(args).slice(0, 200)})`);
    }
  });
}

test("every rule of js/rules.js has golden cases", () => {
  const covered = new Set(Object.keys(cases).map(camel));
  const functions = Object.keys(rules).filter((k) => typeof rules[k] === "function");
  assert.deepEqual(functions.filter((k) => !covered.has(k)), []);
});

test("the constants agree with Python's", () => {
  // Python's values, as tests/test_rules.py checks them on its side.
  assert.equal(rules.ACCENT, "#d0006f");
  assert.deepEqual([rules.DARK_INK, rules.LIGHT_INK, rules.LUT_SIZE], ["#111111", "#ffffff", 256]);
  assert.deepEqual(rules.INK_LETTERS, { d: "#111111", l: "#ffffff" });
});
