// The size budget: the built SDK, minified and gzipped (as gzip -9 does),
// is at most 12 KiB, 12,288 bytes (issue 11: "minified and gzipped ≤ 12 KB").
// Names stay readable: the budget is not worth hand-shortened private
// members (tried: 300 bytes, at the cost of a source nobody wants to read).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gzipSync } from "node:zlib";

const BUDGET = 12288;

test("dist/tickroom.js gzips to at most 12,288 bytes", () => {
  const n = gzipSync(readFileSync("dist/tickroom.js"), { level: 9 }).length;
  assert.ok(n <= BUDGET, `dist/tickroom.js is ${n} bytes gzipped, over the budget of ${BUDGET}`);
});
