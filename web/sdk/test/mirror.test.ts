// The mirror: random worlds run and encoded by the Go side
// (internal/gencases, committed as cases.json) must come out as the Go
// side says, plus hand-made sequences for baselines and bad deltas.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BadDelta, Lost, Mirror, add } from "../src/mirror";
import type { StateFrame, Welcome } from "../src/protocol";
import { decodeServer } from "../src/protocol";
import { unhex } from "./util";

interface Case {
  name: string;
  welcome: string;
  steps: { frame: string; tick: number; ack: number; want: (number | string)[][] }[];
}
const cases: Case[] = JSON.parse(readFileSync(new URL("../test/cases.json", import.meta.url), "utf8"));

test("the Go encoder's random worlds reach the same states", () => {
  assert.ok(cases.length >= 10);
  let diffs = 0, states = 0, bigs = 0, highMasks = 0;
  for (const c of cases) {
    const w = decodeServer(unhex(c.welcome)) as Welcome;
    const m = new Mirror(w.schemas, 64);
    for (const s of c.steps) {
      const f = decodeServer(unhex(s.frame)) as StateFrame;
      assert.equal(f.base, s.ack);
      if (f.base) diffs++;
      highMasks += f.changed.filter((x) => x.hi).length;
      const got = m.put_(f)!;
      states++;
      assert.equal(got.tick, s.tick);
      const rows = got.entities.map((e) => [e.id, e.type, ...e.values.map((v, i) => (w.schemas[e.type].fields[i].type === 4 ? v : String(v)))]);
      for (const e of got.entities) bigs += e.values.filter((v) => typeof v === "bigint").length;
      assert.deepEqual(rows, s.want ?? [], c.name + " tick " + s.tick);
    }
  }
  // The cases cover what they are for.
  assert.ok(diffs > 100 && states > 300 && bigs > 10 && highMasks > 10, `${diffs} diffs, ${states} states, ${bigs} bigints, ${highMasks} high masks`);
});

test("int64 arithmetic wraps as Go's", () => {
  assert.equal(add(2 ** 53 - 1, 1), 2n ** 53n);
  assert.equal(add(2n ** 63n - 1n, 1), -(2n ** 63n));
  assert.equal(add(-(2n ** 63n), -1), 2n ** 63n - 1n);
  assert.equal(add(2n ** 53n, -1), 2 ** 53 - 1); // back to a number
  assert.equal(add(5, -7), -2);
});

// States of one Int field "x" and one String field "s".
const schemas = [{ name: "e", fields: [{ name: "x", type: 1, quantum: 0, maxLen: 0, private: false }, { name: "s", type: 4, quantum: 0, maxLen: 0, private: false }] }];
const snap = (tick: number, ...ents: [number, number, string][]): StateFrame => ({
  kind: 5, tick, base: 0, serverTime: 0, inputAck: 0, changed: [], removed: [], private: [],
  added: ents.map(([id, x, s]) => ({ id, type: 0, values: [x, s] })),
});
const diff = (tick: number, base: number, o: Partial<StateFrame>): StateFrame => ({ kind: 6, tick, base, serverTime: 0, inputAck: 0, added: [], changed: [], removed: [], private: [], ...o });

test("diffs apply to the exact baseline they name", () => {
  const m = new Mirror(schemas, 3);
  m.put_(snap(1, [1, 10, "a"], [2, 20, "b"]));
  m.put_(diff(2, 1, { changed: [{ id: 1, lo: 1, hi: 0, values: [5] }] }));
  // Against tick 1 again, not 2: x is 10+7, not 15+7.
  const s = m.put_(diff(3, 1, { changed: [{ id: 1, lo: 3, hi: 0, values: [7, "c"] }], removed: [2], added: [{ id: 3, type: 0, values: [0, 0] }] }))!;
  assert.deepEqual(s.entities.map((e) => [e.id, ...e.values]), [[1, 17, "c"], [3, 0, ""]]);
  // Unchanged entities are shared between states.
  const t = m.put_(diff(4, 3, { changed: [{ id: 3, lo: 1, hi: 0, values: [1] }] }))!;
  assert.equal(t.entities[0], s.entities[0]);
  // Older or equal ticks are ignored.
  assert.equal(m.put_(diff(4, 3, {})), null);
  assert.equal(m.put_(snap(2)), null);
  // Only the last 3 states are kept: tick 1 is gone.
  assert.throws(() => m.put_(diff(5, 1, {})), Lost);
  m.put_(snap(6, [9, 1, "z"]));
  assert.deepEqual(m.current_.entities.map((e) => e.id), [9]);
});

test("a state that does not fit its baseline or schemas is refused", () => {
  const bad = [
    diff(2, 1, { changed: [{ id: 5, lo: 1, hi: 0, values: [1] }] }), // not in the baseline
    diff(2, 1, { removed: [5] }),
    diff(2, 1, { changed: [{ id: 1, lo: 4, hi: 0, values: [1] }] }), // mask past the fields
    diff(2, 1, { changed: [{ id: 1, lo: 2, hi: 0, values: [1] }] }), // an int for a string
    diff(2, 1, { changed: [{ id: 1, lo: 1, hi: 0, values: ["x"] }] }), // a string for an int
    diff(2, 1, { added: [{ id: 1, type: 0, values: [1, ""] }] }), // added twice
    diff(2, 1, { added: [{ id: 7, type: 3, values: [1, ""] }] }), // unknown type
    diff(2, 1, { added: [{ id: 7, type: 0, values: [1] }] }), // too few values
    diff(2, 1, { private: [{ id: 9, lo: 1, hi: 0, values: [1] }] }), // not in the state
  ];
  for (const d of bad) {
    const m = new Mirror(schemas, 8);
    m.put_(snap(1, [1, 10, "a"]));
    assert.throws(() => m.put_(d), BadDelta, JSON.stringify(d));
    assert.equal(m.current_.tick, 1);
  }
  // The int 0 reads as "" in a String field, "" as 0 in an Int field.
  const m = new Mirror(schemas, 8);
  assert.deepEqual(m.put_(snap(1, [1, "" as any, 0 as any]))!.entities[0].values, [0, ""]);
  // A state before a welcome (sent before the server took a leave) is ignored.
  assert.equal(new Mirror(null, 8).put_(snap(1)), null);
});
