// The msgpack codec, byte for byte against @msgpack/msgpack, and its bounds
// against hostile input (those of netcode/reader.go and payload.go).
import { decode as refDecode, encode as refEncode } from "@msgpack/msgpack";
import assert from "node:assert/strict";
import { test } from "node:test";
import { MalformedError, Reader, decodeValue, encodeValue } from "../src/msgpack";
import { frame, i16, u32 } from "../src/protocol";
import { rng } from "./util";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const ints = [0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53) + 1];
const floats = [0.5, -0.5, 1e300, -1e-300, Math.PI, 2 ** 53, -(2 ** 60), Infinity, -Infinity];
const strs = ["", "a", "x".repeat(31), "x".repeat(32), "x".repeat(255), "x".repeat(256), "x".repeat(70000), "héllo 🎮"];

function randomValue(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 0 ? 9 : 6));
  switch (k) {
    case 0: return ints[Math.floor(r() * ints.length)];
    case 1: return Math.floor((r() - 0.5) * 2 ** Math.floor(r() * 54));
    case 2: return floats[Math.floor(r() * floats.length)];
    case 3: return Array.from(strs[Math.floor(r() * strs.length)]).slice(0, Math.floor(r() * 300)).join(""); // whole code points
    case 4: return [null, true, false][Math.floor(r() * 3)];
    case 5: return new Uint8Array(Math.floor(r() * 300)).map((_, i) => i);
    case 6: return Array.from({ length: Math.floor(r() * 20) }, () => randomValue(r, depth - 1));
    case 7: return Object.fromEntries(Array.from({ length: Math.floor(r() * 20) }, (_, i) => ["k" + i + "é".repeat(i % 3), randomValue(r, depth - 1)]));
    default: return new Map(Array.from({ length: Math.floor(r() * 3) }, (_, i) => ["m" + i, randomValue(r, depth - 1)]));
  }
}

test("encodes every value as @msgpack/msgpack does", () => {
  for (const v of [...ints, ...floats, ...strs, null, undefined, true, false, new Uint8Array(0), new Uint8Array(300), new Uint8Array(70000), [], {}, Array(20).fill(1), Object.fromEntries(Array.from({ length: 20 }, (_, i) => ["k" + i, i]))]) {
    assert.equal(hex(encodeValue(v)), hex(refEncode(v)), String(v));
  }
  const r = rng(1);
  for (let i = 0; i < 2000; i++) {
    const v = randomValue(r, 4);
    assert.equal(hex(encodeValue(v)), hex(refEncode(v)));
  }
});

test("a lone surrogate goes out as U+FFFD: valid UTF-8, as the server requires", () => {
  // @msgpack/msgpack writes the surrogate's bytes (invalid UTF-8) instead.
  assert.equal(hex(encodeValue("a\ud83c")), hex(refEncode("a\ufffd")));
});

test("decodes every value as @msgpack/msgpack does", () => {
  const r = rng(2);
  for (let i = 0; i < 2000; i++) {
    const b = refEncode(randomValue(r, 4));
    const want = refDecode(b, { useBigInt64: true, rawStrings: false });
    assert.deepEqual(norm(decodeValue(b)), norm(want));
  }
  // 64-bit ints: numbers while safe, bigints past 2^53 (as useBigInt64).
  for (const x of [2n ** 53n, 2n ** 64n - 1n, -(2n ** 63n), 2n ** 63n - 1n, 5n]) {
    const b = refEncode(x, { useBigInt64: true });
    const got = decodeValue(b);
    assert.equal(BigInt(got as any), x);
    assert.equal(typeof got, x > 2n ** 53n - 1n || x < -(2n ** 53n) + 1n ? "bigint" : "number");
    assert.equal(hex(encodeValue(got)), x >= -(2n ** 31n) && x < 2n ** 32n ? hex(refEncode(Number(x))) : hex(b));
  }
});

// norm makes @msgpack's bigints and byte arrays comparable with ours.
function norm(x: any): any {
  if (typeof x === "bigint") return x >= -(2n ** 53n) + 1n && x <= 2n ** 53n - 1n ? Number(x) : x;
  if (x instanceof Uint8Array) return Array.from(x);
  if (x instanceof Map) return Object.fromEntries([...x].map(([k, v]) => [k, norm(v)]));
  if (Array.isArray(x)) return x.map(norm);
  if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, norm(v)]));
  return x;
}

test("protocol integers never go out as floats", () => {
  // u32 and i16 take what a program computes (1.0 from a division, a
  // fraction, a negative) and make integers of it.
  const f = frame(3, u32(10 / 2), u32(1.7), u32(-3), i16(1000.4), i16(-0.4), i16(1e9));
  assert.equal(hex(f), hex(refEncode([3, 5, 1, 0, 1000, 0, 32767])));
  assert.ok(!hex(f).match(/^(..)*?c[ab]/));
  assert.equal(hex(frame(7, Math.round(123.456 * 1000))), hex(refEncode([7, 123456])));
});

const fails = (b: number[] | Uint8Array, f: (r: Reader) => unknown) => assert.throws(() => f(new Reader(Uint8Array.from(b))), MalformedError);

test("lying lengths fail before anything is allocated", () => {
  fails([0xdd, 0xff, 0xff, 0xff, 0xff, 1, 2], (r) => r.len_("a", 1)); // array32 of 4G elements in 2 bytes
  fails([0xdf, 0xff, 0xff, 0xff, 0xff, 1, 2], (r) => r.len_("m", 2, true));
  fails([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61], (r) => r.str("s", 2 ** 40)); // str32 cut short
  fails([0xdd, 0xff, 0xff, 0xff, 0xff, 1, 2], (r) => r.skip_("p", 8));
  fails([0xc6, 0xff, 0xff, 0xff, 0xff, 1, 2], (r) => r.skip_("p", 8)); // bin32
  fails([0xc9, 0xff, 0xff, 0xff, 0xff, 1, 2], (r) => r.skip_("p", 8)); // ext32
  fails([0xc1], (r) => r.skip_("p", 8));
  assert.equal(new Reader(Uint8Array.from([0x92, 1, 2])).len_("a", 1), 2);
  fails([0x92, 1], (r) => r.len_("a", 1));
  fails([0x94, 1, 2, 3, 4, 5, 6, 7], (r) => r.len_("a", 2)); // 4 elements of at least 2 bytes in 7
});

test("huge strings fail at their limit", () => {
  const long = refEncode("x".repeat(1025));
  fails(long, (r) => r.str("value", 1024));
  assert.equal(new Reader(refEncode("x".repeat(1024))).str("value", 1024).length, 1024);
});

test("payloads nest at most 8 deep", () => {
  const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);
  assert.deepEqual(decodeValue(refEncode(nest(8))), nest(8));
  assert.throws(() => decodeValue(refEncode(nest(9))), MalformedError);
  // An empty array or map is a level too.
  const empty = (n: number): unknown => (n === 1 ? {} : [empty(n - 1)]);
  new Reader(refEncode(empty(8))).payload("p", 1024);
  fails(refEncode(empty(9)), (r) => r.payload("p", 1024));
  // Deep nesting of a huge depth does not exhaust the stack.
  fails(new Uint8Array(100000).fill(0x91), (r) => r.skip_("p", 8));
});

test("payloads are bounded in size", () => {
  const p = refEncode({ s: "x".repeat(1100) });
  fails(p, (r) => r.payload("payload", 1024));
  assert.equal(new Reader(p).payload("payload", 2048)!.value<{ s: string }>().s.length, 1100);
});

test("integers are exact at every width", () => {
  for (const [b, want] of [
    [[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 2n ** 64n - 1n],
    [[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], -(2n ** 63n)],
    [[0xd0, 0x80], -128],
    [[0xcd, 0xff, 0xff], 65535],
    [[0xd1, 0x00, 0x05], 5],
  ] as [number[], number | bigint][]) {
    assert.equal(new Reader(Uint8Array.from(b)).num("n"), want);
  }
  fails([0xd1, 0xff, 0xfe], (r) => r.u32_("u")); // negative
  fails([0xce, 0xff, 0xff, 0xff, 0xff], (r) => r.uint("u", 65535));
  fails([0xcb, 0, 0, 0, 0, 0, 0, 0, 0], (r) => r.u32_("u")); // a float for an int
});

test("a map's keys are its own properties, __proto__ too; a later key wins", () => {
  // {"__proto__": {"a": 1}, "b": 2, "b": 3}
  const o = decodeValue(Uint8Array.from([0x83, 0xa9, ...Buffer.from("__proto__"), 0x81, 0xa1, 0x61, 1, 0xa1, 0x62, 2, 0xa1, 0x62, 3])) as Record<string, unknown>;
  assert.deepEqual(Object.keys(o), ["__proto__", "b"]);
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(o, "__proto__")?.value, { a: 1 });
  assert.equal(o.b, 3);
  assert.equal((o as { a?: number }).a, undefined);
});
