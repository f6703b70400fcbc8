// The size budget: the built SDK, minified and gzipped (as gzip -9 does),
// is at most 12,000 bytes (issue 11: "minified and gzipped ≤ 12 KB").
// Names stay readable: the build gives internal members (a trailing
// underscore: README.md, "Source conventions") short names, the source
// does not.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gzipSync } from "node:zlib";

const BUDGET = 12000;

test("dist/tickroom.js gzips to at most 12,000 bytes", () => {
  const n = gzipSync(readFileSync("dist/tickroom.js"), { level: 9 }).length;
  assert.ok(n <= BUDGET, `dist/tickroom.js is ${n} bytes gzipped, over the budget of ${BUDGET}`);
});
