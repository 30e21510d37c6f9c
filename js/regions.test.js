// `node --test`: js/regions.js finds the region under a point and writes a region's pattern.
import assert from "node:assert/strict";
import { test } from "node:test";
import { patternText, regionAtPixel } from "./regions.js";

// Two pixel-space regions side by side (as the kernel writes them: y down, so clockwise).
const regions = {
  corners: [
    [[0, 10], [5, 10], [5, 0], [0, 0]],
    [[5, 10], [10, 10], [10, 0], [5, 0]],
  ],
};

test("regionAtPixel finds the convex polygon holding a point, -1 outside", () => {
  assert.equal(regionAtPixel(regions, 2, 3), 0);
  assert.equal(regionAtPixel(regions, 7.5, 9), 1);
  assert.equal(regionAtPixel(regions, 11, 5), -1);
  assert.equal(regionAtPixel(regions, 5, 5), 0); // on the shared edge: the first one
});

test("patternText lists each hidden layer's units on (1) and off (0)", () => {
  const state = { meta: { widths: [2, 3, 2, 1] }, regionPatterns: Uint8Array.from([1, 0, 1, 0, 1, 1, 1, 0, 0, 1]) };
  assert.equal(patternText(state, 0), "layer 1: 101, layer 2: 01");
  assert.equal(patternText(state, 1), "layer 1: 110, layer 2: 01");
});
