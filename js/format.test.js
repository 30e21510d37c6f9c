// `node --test`: js/format.js prints numbers as fcnn_widget/fmt.py does (tests/golden/rules.json).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as format from "./format.js";
import { golden } from "./golden.js";

for (const [name, list] of Object.entries(golden("format"))) {
  test(`${name} agrees with fmt.${name} on ${list.length} cases`, () => {
    for (const { args, out } of list) {
      assert.equal(format[name](...args), out, `${name}(${args.map(String).join(", ")})`);
    }
  });
}
