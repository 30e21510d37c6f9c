import { test } from "node:test";
import assert from "node:assert/strict";
import { heightAt, nearestCurve, pointsOf } from "./population.js";

test("a polyline's points and its height between them", () => {
  const points = pointsOf(" 0.0,10.0 10.0,20.0  20.0,0.0 ");
  assert.deepEqual(points, [[0, 10], [10, 20], [20, 0]]);
  assert.equal(heightAt(points, 5), 15);
  assert.equal(heightAt(points, 15), 10);
  assert.equal(heightAt(points, 25), null);
  assert.equal(heightAt(pointsOf(""), 5), null);
});

test("the curve nearest a point in height at its x", () => {
  const curves = [
    { member: 0, points: pointsOf("0,0 100,0") },
    { member: 1, points: pointsOf("0,50 100,50") },
    { member: 2, points: pointsOf("50,40 100,40") }, // starts later: not at x = 10
  ];
  assert.equal(nearestCurve(curves, 10, 35).member, 1);
  assert.equal(nearestCurve(curves, 60, 35).member, 2);
  assert.equal(nearestCurve(curves, 60, 10).member, 0);
  assert.equal(nearestCurve([], 60, 10), null);
});
