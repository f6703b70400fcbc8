// Random and mutated frames and records: nothing throws out of the SDK;
// every refusal is a typed error.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { connect } from "../src/client";
import { BadDelta, Lost, Mirror } from "../src/mirror";
import { TickroomError, decodeServer } from "../src/protocol";
import type { Welcome } from "../src/protocol";
import { RecordError, Records } from "../src/transports";
import { Clock, FakeWS, env, settle } from "./fake";
import { rng } from "./util";

const dir = new URL("../../../netcode/testdata/", import.meta.url);
const goldens = readdirSync(dir).filter((f) => f.endsWith(".golden")).map((f) => new Uint8Array(readFileSync(new URL(f, dir))));
const cases = JSON.parse(readFileSync(new URL("../test/cases.json", import.meta.url), "utf8")) as { welcome: string; steps: { frame: string }[] }[];
const seeds = [...goldens, ...cases.slice(0, 4).flatMap((c) => c.steps.slice(0, 5).map((s) => Uint8Array.from(Buffer.from(s.frame, "hex"))))];

/** mutate changes a frame a little: flip, insert, delete, cut, grow a length. */
function mutate(r: () => number, b: Uint8Array): Uint8Array {
  const a = Array.from(b);
  for (let n = 1 + Math.floor(r() * 4); n > 0; n--) {
    const i = Math.floor(r() * (a.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0: a[i] = Math.floor(r() * 256); break;
      case 1: a.splice(i, 0, Math.floor(r() * 256)); break;
      case 2: a.splice(i, 1); break;
      case 3: a.length = i; break;
      case 4: a[i] = [0xdc, 0xdd, 0xde, 0xdf, 0xdb, 0xc6, 0xcf, 0xd3, 0xc1, 0x9f][Math.floor(r() * 10)]; break;
      default: a.splice(i, 0, 0xff, 0xff, 0xff, 0xff);
    }
  }
  return Uint8Array.from(a.slice(0, 4096).map((x) => x ?? 0));
}

test("the decoder and the mirror only ever refuse with their errors", () => {
  const r = rng(7);
  const schemas = (decodeServer(Uint8Array.from(Buffer.from(cases[0].welcome, "hex"))) as Welcome).schemas;
  let refused = 0, states = 0;
  for (let i = 0; i < 30000; i++) {
    const b = i % 3 === 0 ? Uint8Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)) : mutate(r, seeds[Math.floor(r() * seeds.length)]);
    let f;
    try {
      f = decodeServer(b);
    } catch (e) {
      assert.ok(e instanceof TickroomError && [4000, 4001, 4006].includes(e.code), String(e));
      refused++;
      continue;
    }
    if (f.kind === 5 || f.kind === 6) {
      const m = new Mirror(schemas, 4);
      try {
        m.put_(f);
        states++;
      } catch (e) {
        assert.ok(e instanceof BadDelta || e instanceof Lost, String(e));
      }
    }
  }
  assert.ok(refused > 10000 && states > 10, `${refused} refused, ${states} states applied`);
});

test("the record reader only ever refuses with RecordError", () => {
  const r = rng(8);
  for (let i = 0; i < 20000; i++) {
    const rec = new Records(64);
    const b = Uint8Array.from({ length: Math.floor(r() * 40) }, () => (r() < 0.3 ? 0xff : Math.floor(r() * 256)));
    try {
      // In random pieces, as a stream brings them.
      for (let p = 0; p < b.length; ) {
        const n = 1 + Math.floor(r() * 8);
        for (const [seq, payload] of rec.push_(b.subarray(p, p + n))) assert.ok(seq === 0 ? payload.length === 0 || (payload.length >= 2 && payload.length <= 125) : payload.length <= 64);
        p += n;
      }
    } catch (e) {
      assert.ok(e instanceof RecordError, String(e));
    }
  }
});

test("a client fed random frames never throws and reports each refusal", async () => {
  const r = rng(9);
  const clock = new Clock();
  FakeWS.accept = () => "open";
  let errors = 0, frames = 0;
  for (let round = 0; round < 200; round++) {
    const c = await connect("http://game.test", { pingInterval: 0, reconnect: false, env: env(clock), onError: (e) => (assert.ok(e instanceof TickroomError), errors++) });
    const ws = FakeWS.all.at(-1)!;
    c.join().catch(() => {});
    await settle();
    ws.recv(Uint8Array.from(Buffer.from(cases[round % 4].welcome, "hex")));
    for (let i = 0; i < 50 && c.status === "open"; i++) {
      frames++;
      ws.recv(mutate(r, seeds[Math.floor(r() * seeds.length)]));
    }
    c.close();
  }
  assert.ok(errors > 150, `${errors} errors for ${frames} frames`);
});
