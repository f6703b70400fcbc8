// The helpers: interpolation, prediction with reconciliation, and the input
// sender's pacing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "../src/client";
import { InputSender, Interpolator, Predictor } from "../src/helpers";
import type { Schema } from "../src/protocol";
import { View } from "../src/view";
import { Clock, F, FakeWS, enc, env, settle } from "./fake";

const schemas: Schema[] = [
  { name: "p", fields: [{ name: "x", type: 2, quantum: 0.1, maxLen: 0, private: false }, { name: "score", type: 1, quantum: 0, maxLen: 0, private: false }, { name: "name", type: 4, quantum: 0, maxLen: 0, private: false }] },
];
const view = (tick: number, ...ents: [number, number, number, string][]) =>
  new View({ tick, entities: ents.map(([id, x, score, name]) => ({ id, type: 0, values: [x, score, name] })) }, schemas, 0, 0, tick * 50);

test("interpolation lerps floats in units and snaps the rest", () => {
  const ip = new Interpolator(null, { delay: 100 });
  ip.push(view(1, [1, 0, 1, "a"], [2, 50, 0, "gone"]), 0);
  ip.push(view(2, [1, 100, 2, "b"], [3, 70, 0, "new"]), 100);
  ip.push(view(3, [1, 300, 3, "c"], [3, 70, 0, "new"]), 200);
  const at = (k: number) => ip.sample(k).map((e) => [e.id, ...e.values]);
  assert.deepEqual(at(50), [[1, 5, 1, "a"], [2, 5, 0, "gone"]]); // 2 is gone at 100, shown until then; 3 not yet
  assert.deepEqual(at(100), [[1, 10, 2, "b"], [3, 7, 0, "new"]]);
  assert.deepEqual(at(150), [[1, 20, 2, "b"], [3, 7, 0, "new"]]);
  assert.deepEqual(at(-50), at(0)); // before the oldest: the oldest
  assert.deepEqual(at(500), [[1, 30, 3, "c"], [3, 7, 0, "new"]]); // after the newest: held
  assert.equal(ip.get(ip.sample(150)[0], "x"), 20);
  assert.deepEqual(ip.sample(150, "p").length, 2);
  // An older key (a new room) starts the buffer over from there.
  ip.push(view(9, [7, 10, 0, "z"]), 50);
  assert.deepEqual(ip.buf.map(([k]) => k), [0, 50]);
});

test("interpolation follows a client a delay behind the server's clock", async () => {
  const clock = new Clock();
  FakeWS.accept = () => "open";
  const c = await connect("http://game.test", { pingInterval: 0, env: env(clock) });
  const ws = FakeWS.all.at(-1)!;
  const ip = new Interpolator(c, { delay: 100 });
  const byTick = new Interpolator(c, { delay: 100, byTick: true });
  const j = c.join();
  await settle();
  ws.recv(enc([2, 2, "s", 1, 1, "r", "m", 20, 20, 5000, [["p", [["x", 2, new F(0.1), 0, 0]]]], "id", "", ""]));
  await j;
  // States every 50 ms of server time; they arrive as they are made.
  for (let t = 1; t <= 4; t++) {
    ws.recv(enc([5, t, 5000 + t * 50, 0, [[1, 0, t * 100]]]));
    if (t < 4) await clock.advance(50);
  }
  // The offset comes from the first state: server time 5050 at client time 1000.
  assert.equal(c.serverNow(), 5200);
  assert.equal(ip.now(), 5100);
  assert.equal(ip.sample()[0].values[0], 20);
  await clock.advance(25);
  assert.equal(ip.sample()[0].values[0], 25);
  assert.equal(byTick.sample()[0].values[0], 25);
  ip.stop();
});

test("prediction replays the inputs the room has not applied", () => {
  const p = new Predictor((s: number, i: number) => s + i, 0);
  p.input(1, 1);
  p.input(2, 10);
  p.input(3, 100);
  p.input(0, 1000); // not sent: applied, not kept
  assert.equal(p.state, 1111);
  // The room applied input 1 and says the player is at 1 (as predicted)
  // plus 5 of its own (a push): 2 and 3 are replayed on top.
  assert.equal(p.reconcile(6, 1), 116);
  assert.deepEqual(p.pending.map(([s]) => s), [2, 3]);
  assert.equal(p.reconcile(111, 3), 111);
  assert.deepEqual(p.pending, []);
});

test("the input sender paces inputs to the tick rate, without bursts", async () => {
  const clock = new Clock();
  let seq = 0;
  const sent: number[] = [];
  const client = { rates: { tick: 0, tickRate: 20, sendRate: 20 }, input: () => (sent.push(clock.t), ++seq), env: env(clock) as any };
  const seqs: number[] = [];
  const s = new InputSender(client, { sample: () => ({ axes: [1] }), onSend: (q) => seqs.push(q) });
  s.start();
  await clock.advance(1000);
  assert.equal(sent.length, 21);
  assert.deepEqual(sent.slice(0, 3), [1000, 1050, 1100]);
  assert.deepEqual(seqs.slice(0, 3), [1, 2, 3]);
  // A stalled page (no timers for 500 ms) does not send a burst after.
  clock.t += 500;
  sent.length = 0;
  await clock.advance(100);
  assert.deepEqual(sent, [2500, 2550, 2600]); // the late one, then on time again
  // A tick rate above maxRate is capped.
  client.rates.tickRate = 240;
  sent.length = 0;
  await clock.advance(1000);
  assert.ok(sent.length >= 57 && sent.length <= 61, String(sent.length)); // 60 a second, from the next tick on
  // No room: nothing is sampled or sent.
  client.rates.tickRate = 0;
  sent.length = 0;
  await clock.advance(1000);
  assert.equal(sent.length, 0);
  s.stop();
  assert.equal(clock.timers.size, 0);
});
