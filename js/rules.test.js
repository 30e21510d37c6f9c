// `node --test`: js/rules.js gives Python's answers (tests/golden/rules.json) on every case.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as rules from "./rules.js";
import { camel, constants, golden } from "./golden.js";

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
  assert.ok(Object.keys(constants).length >= 5);
  for (const [name, value] of Object.entries(constants)) assert.deepEqual(rules[name], value, name);
});
