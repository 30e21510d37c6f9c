// `node --test`: the width the page reports for the kernel's layout.
import assert from "node:assert/strict";
import { test } from "node:test";
import { reportedWidth, WIDTH_STEP } from "./width.js";

test("the reported width is whole steps, never more than the element has", () => {
  assert.equal(WIDTH_STEP, 20);
  assert.equal(reportedWidth(739.5), 720);
  assert.equal(reportedWidth(720), 720);
  assert.equal(reportedWidth(1399), 1380);
  assert.equal(reportedWidth(0), 0);
  assert.equal(reportedWidth(-5), 0);
});
