// A msgpack codec for the subset the Tickroom protocol uses, with the bounds
// of the Go decoder (netcode/reader.go, netcode/payload.go): every length is
// checked against the bytes left before anything is sized by it, nesting is
// bounded, and nothing here throws out of the SDK (decoders throw
// MalformedError, which the frame decoder catches).

/** An integer value: a number when it is a safe integer, else a bigint. */
export type Int = number | bigint;

/** MalformedError reports bytes that are not what a frame's layout says. */
export class MalformedError extends Error {}

export const MaxPayloadDepth = 8;

const te = new TextEncoder();
const td = new TextDecoder();

/** utf8 returns the UTF-8 bytes of s. */
export const utf8 = (s: string): Uint8Array => te.encode(s);

const fail = (msg: string): never => {
  throw new MalformedError(msg);
};

/** norm returns v as a number when it is a safe integer. */
export const norm = (v: bigint): Int => (v >= -0x1fffffffffffffn && v <= 0x1fffffffffffffn ? Number(v) : v);

/** Reader reads msgpack values off the front of a frame. */
export class Reader {
  b: Uint8Array;
  p = 0;
  v: DataView;
  constructor(b: Uint8Array) {
    this.b = b;
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  /** left is how many bytes are unread. */
  left(): number {
    return this.b.length - this.p;
  }
  need(n: number, what: string): void {
    if (this.left() < n) fail(what + ": truncated");
  }
  peek(): number {
    return this.b[this.p];
  }
  /** len reads an array (map = false) or map header whose every element
   * (pair) takes at least minSize bytes. */
  len(what: string, minSize: number, map = false): number {
    this.need(1, what);
    const c = this.b[this.p++];
    let n: number;
    const fix = map ? 0x80 : 0x90;
    if ((c & 0xf0) === fix) n = c & 15;
    else if (c === (map ? 0xde : 0xdc)) {
      this.need(2, what);
      n = this.v.getUint16(this.p);
      this.p += 2;
    } else if (c === (map ? 0xdf : 0xdd)) {
      this.need(4, what);
      n = this.v.getUint32(this.p);
      this.p += 4;
    } else return fail(what + ": want " + (map ? "map" : "array"));
    if (n > Math.floor(this.left() / minSize)) fail(what + ": too long");
    return n;
  }
  bool(what: string): boolean {
    this.need(1, what);
    const c = this.b[this.p];
    if (c !== 0xc2 && c !== 0xc3) fail(what + ": want bool");
    this.p++;
    return c === 0xc3;
  }
  /** num reads an integer of any width, exactly. */
  num(what: string): Int {
    this.need(1, what);
    const c = this.b[this.p];
    if (c <= 0x7f || c >= 0xe0) {
      this.p++;
      return c <= 0x7f ? c : c - 256;
    }
    let size: number;
    switch (c) {
      case 0xcc: case 0xd0: size = 1; break;
      case 0xcd: case 0xd1: size = 2; break;
      case 0xce: case 0xd2: size = 4; break;
      case 0xcf: case 0xd3: size = 8; break;
      default: return fail(what + ": want int");
    }
    this.need(1 + size, what);
    const v = this.v, p = this.p + 1;
    this.p += 1 + size;
    switch (c) {
      case 0xcc: return v.getUint8(p);
      case 0xcd: return v.getUint16(p);
      case 0xce: return v.getUint32(p);
      case 0xcf: return norm(v.getBigUint64(p));
      case 0xd0: return v.getInt8(p);
      case 0xd1: return v.getInt16(p);
      case 0xd2: return v.getInt32(p);
    }
    return norm(v.getBigInt64(p));
  }
  /** uint reads an integer in [0, max] (max a safe integer). */
  uint(what: string, max: number): number {
    const u = this.num(what);
    if (u < 0) fail(what + ": range");
    if (u > max) fail(what + ": range");
    return Number(u);
  }
  u32(what: string): number {
    return this.uint(what, 0xffffffff);
  }
  /** u64 reads an integer in [0, 2^64-1]. */
  u64(what: string): Int {
    const u = this.num(what);
    if (u < 0) fail(what + ": range");
    return u;
  }
  /** int reads an integer in [min, max]. */
  int(what: string, min: number, max: number): number {
    const u = this.num(what);
    if (u < min || u > max) fail(what + ": range");
    return Number(u);
  }
  isStr(): boolean {
    const c = this.b[this.p];
    return this.p < this.b.length && ((c & 0xe0) === 0xa0 || (c >= 0xd9 && c <= 0xdb));
  }
  /** str reads a string of at most max bytes. */
  str(what: string, max: number): string {
    this.need(1, what);
    const c = this.b[this.p];
    let n: number, hdr: number;
    if ((c & 0xe0) === 0xa0) (n = c & 31), (hdr = 1);
    else if (c >= 0xd9 && c <= 0xdb) {
      hdr = 1 << (c - 0xd9); // 1, 2, 4
      this.need(1 + hdr, what);
      n = hdr === 1 ? this.b[this.p + 1] : hdr === 2 ? this.v.getUint16(this.p + 1) : this.v.getUint32(this.p + 1);
      hdr++;
    } else return fail(what + ": want str");
    if (n > max) fail(what + ": too long");
    this.need(hdr + n, what);
    const s = this.p + hdr;
    this.p = s + n;
    return n === 0 ? "" : td.decode(this.b.subarray(s, s + n));
  }
  /** float reads a float32 or float64. */
  float(what: string): number {
    this.need(1, what);
    const c = this.b[this.p];
    if (c === 0xca) {
      this.need(5, what);
      this.p += 5;
      return this.v.getFloat32(this.p - 4);
    }
    if (c === 0xcb) {
      this.need(9, what);
      this.p += 9;
      return this.v.getFloat64(this.p - 8);
    }
    return fail(what + ": want float");
  }
  /** skip steps over one value of any type nested at most depth deep. */
  skip(what: string, depth: number): void {
    this.need(1, what);
    const c = this.b[this.p];
    let head = 1, body = 0, elems = 0, container = false;
    if (c <= 0x7f || c >= 0xe0 || c === 0xc0 || c === 0xc2 || c === 0xc3) {
      // a one-byte value
    } else if ((c & 0xe0) === 0xa0) body = c & 31;
    else if ((c & 0xe0) === 0x80) (elems = (c & 15) << ((c & 0x10) === 0 ? 1 : 0)), (container = true); // fixmap: pairs
    else {
      const f = FORMATS[c - 0xc4];
      if (f === undefined) return fail(what + ": 0xc1");
      const size = f & 31, kind = f >> 5;
      this.need(1 + size, what);
      const q = this.p + 1;
      const n = size === 1 ? this.b[q] : size === 2 ? this.v.getUint16(q) : size === 4 ? this.v.getUint32(q) : 0;
      head = 1 + size;
      if (kind === FIXED) (head = 1), (body = size);
      else if (kind === BYTES || kind === EXT) {
        if (n > this.left()) fail(what + ": truncated");
        body = n + (kind === EXT ? 1 : 0);
      } else if (kind === FIXEXT) (head = 1), (body = size + 1);
      else {
        if (n > this.left()) fail(what + ": truncated");
        elems = kind === MAP ? 2 * n : n;
        container = true;
      }
    }
    this.need(head + body, what);
    this.p += head + body;
    if (container && depth === 0) fail(what + ": too deep");
    if (elems === 0) return;
    if (elems > this.left()) fail(what + ": truncated");
    for (let i = 0; i < elems; i++) this.skip(what, depth - 1);
  }
  /** payload reads one value of at most max bytes and depth MaxPayloadDepth;
   * nil reads as null. */
  payload(what: string, max: number): Payload | null {
    if (this.b[this.p] === 0xc0 && this.p < this.b.length) {
      this.p++;
      return null;
    }
    const start = this.p;
    this.skip(what, MaxPayloadDepth);
    if (this.p - start > max) fail(what + ": too long");
    return new Payload(this.b.slice(start, this.p));
  }
  end(): void {
    if (this.left() !== 0) fail("trailing bytes");
  }
}

// Formats 0xc4..0xdf (other than the fix types): kind << 5 | size.
const FIXED = 0, BYTES = 1, EXT = 2, FIXEXT = 3, ARRAY = 4, MAP = 5;
const FORMATS: (number | undefined)[] = [
  /* c4 bin8 */ 33, 34, 36, /* c7 ext8 */ 65, 66, 68, /* ca float32 */ 4, 8,
  /* cc uint8 */ 1, 2, 4, 8, /* d0 int8 */ 1, 2, 4, 8,
  /* d4 fixext1 */ 97, 98, 100, 104, 112, /* d9 str8 */ 33, 34, 36,
  /* dc array16 */ 130, 132, /* de map16 */ 162, 164,
];

/** Payload is one msgpack value carried as is: an event's or a message's
 * body, join options, room metadata. The SDK checked that it is one
 * well-formed value within the protocol's limits; value() decodes it. */
export class Payload {
  constructor(readonly bytes: Uint8Array) {}
  /** value decodes the payload: maps as plain objects, str as string, bin
   * as Uint8Array, ints as numbers (bigints past 2^53), ext as
   * {type, data}. */
  value<T = unknown>(): T {
    return decodeValue(this.bytes) as T;
  }
}

/** decodeValue decodes one msgpack value (the whole of b), within the depth
 * and size bounds of a payload. It throws MalformedError for bytes that are
 * not exactly one value. */
export function decodeValue(b: Uint8Array): unknown {
  const r = new Reader(b);
  r.skip("value", MaxPayloadDepth); // bounds everything read below
  r.end();
  r.p = 0;
  return read(r);
}

function read(r: Reader): unknown {
  const c = r.peek();
  if (c <= 0x7f || c >= 0xe0 || (c >= 0xcc && c <= 0xd3)) return r.num("");
  if ((c & 0xe0) === 0xa0 || (c >= 0xd9 && c <= 0xdb)) return r.str("", Infinity);
  if ((c & 0xf0) === 0x90 || c === 0xdc || c === 0xdd) {
    const n = r.len("", 1), a = new Array(n);
    for (let i = 0; i < n; i++) a[i] = read(r);
    return a;
  }
  if ((c & 0xf0) === 0x80 || c === 0xde || c === 0xdf) {
    const n = r.len("", 2, true), o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = String(read(r));
      const v = read(r);
      if (k === "__proto__") Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      else o[k] = v;
    }
    return o;
  }
  if (c === 0xca || c === 0xcb) return r.float("");
  r.p++;
  if (c === 0xc0) return null;
  if (c === 0xc2 || c === 0xc3) return c === 0xc3;
  // bin, ext and fixext: the skip above checked every length.
  const f = FORMATS[c - 0xc4]!, size = f & 31, kind = f >> 5;
  let n = size;
  if (kind !== FIXEXT) {
    n = size === 1 ? r.b[r.p] : size === 2 ? r.v.getUint16(r.p) : r.v.getUint32(r.p);
    r.p += size;
  }
  const type = kind === BYTES ? 0 : r.v.getInt8(r.p++);
  const data = r.b.slice(r.p, r.p + n);
  r.p += n;
  return kind === BYTES ? data : { type, data };
}

/** Writer appends msgpack values to a growing buffer. */
export class Writer {
  b = new Uint8Array(64);
  v = new DataView(this.b.buffer);
  p = 0;
  room(n: number): number {
    if (this.p + n > this.b.length) {
      const b = new Uint8Array(Math.max(this.b.length * 2, this.p + n));
      b.set(this.b);
      this.b = b;
      this.v = new DataView(b.buffer);
    }
    const p = this.p;
    this.p += n;
    return p;
  }
  byte(c: number): void {
    const p = this.room(1);
    this.b[p] = c;
  }
  raw(b: Uint8Array): void {
    const p = this.room(b.length);
    this.b.set(b, p);
  }
  /** head writes a type byte c and n as a size-byte big-endian count. */
  head(c: number, n: number, size: number): void {
    this.byte(c);
    const p = this.room(size);
    if (size === 1) this.b[p] = n;
    else if (size === 2) this.v.setUint16(p, n);
    else this.v.setUint32(p, n);
  }
  /** int writes an integer in its shortest form; a number must be an
   * integer (the caller rounds), a bigint must fit 64 bits. */
  int(x: Int): void {
    if (typeof x === "bigint") {
      if (x >= 0n ? x < 0x100000000n : x >= -0x80000000n) return this.int(Number(x));
      const p = this.room(9);
      this.b[p] = x >= 0n ? 0xcf : 0xd3;
      if (x >= 0n) this.v.setBigUint64(p + 1, x);
      else this.v.setBigInt64(p + 1, x);
      return;
    }
    if (x >= 0) {
      if (x < 0x80) this.byte(x);
      else if (x < 0x100) this.head(0xcc, x, 1);
      else if (x < 0x10000) this.head(0xcd, x, 2);
      else if (x < 0x100000000) this.head(0xce, x, 4);
      else this.int(BigInt(x));
    } else if (x >= -0x20) this.byte(x & 0xff);
    else if (x >= -0x80) this.head(0xd0, x & 0xff, 1);
    else if (x >= -0x8000) this.head(0xd1, x & 0xffff, 2);
    else if (x >= -0x80000000) this.head(0xd2, x >>> 0, 4);
    else this.int(BigInt(x));
  }
  float(x: number): void {
    const p = this.room(9);
    this.b[p] = 0xcb;
    this.v.setFloat64(p + 1, x);
  }
  str(s: string): void {
    const u = utf8(s), n = u.length;
    if (n < 32) this.byte(0xa0 | n);
    else this.head(n < 0x100 ? 0xd9 : n < 0x10000 ? 0xda : 0xdb, n, n < 0x100 ? 1 : n < 0x10000 ? 2 : 4);
    this.raw(u);
  }
  /** arr writes an array (or, with map, a map) header. */
  arr(n: number, map = false): void {
    if (n < 16) this.byte((map ? 0x80 : 0x90) | n);
    else this.head(map ? (n < 0x10000 ? 0xde : 0xdf) : n < 0x10000 ? 0xdc : 0xdd, n, n < 0x10000 ? 2 : 4);
  }
  /** value writes any value as @msgpack/msgpack's encode does: null and
   * undefined as nil, safe integers as ints, other numbers as float64,
   * bigints as ints, byte arrays as bin, arrays, objects as maps (their
   * own enumerable keys: a Map is an empty map, as there);
   * a Payload as its bytes. */
  value(x: unknown, depth = 0): void {
    if (depth > 100) throw new TypeError("too deep");
    if (x == null) this.byte(0xc0);
    else if (typeof x === "boolean") this.byte(x ? 0xc3 : 0xc2);
    else if (typeof x === "number") Number.isSafeInteger(x) ? this.int(x) : this.float(x);
    else if (typeof x === "bigint") {
      if (x !== BigInt.asIntN(64, x) && x !== BigInt.asUintN(64, x)) throw new RangeError("over 64 bits");
      this.int(x);
    } else if (typeof x === "string") this.str(x);
    else if (x instanceof Payload) this.raw(x.bytes);
    else if (ArrayBuffer.isView(x) || x instanceof ArrayBuffer) {
      const u = x instanceof ArrayBuffer ? new Uint8Array(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
      const n = u.length;
      this.head(n < 0x100 ? 0xc4 : n < 0x10000 ? 0xc5 : 0xc6, n, n < 0x100 ? 1 : n < 0x10000 ? 2 : 4);
      this.raw(u);
    } else if (Array.isArray(x)) {
      this.arr(x.length);
      for (const e of x) this.value(e, depth + 1);
    } else if (typeof x === "object") {
      const keys = Object.keys(x);
      this.arr(keys.length, true);
      for (const k of keys) this.str(k), this.value((x as Record<string, unknown>)[k], depth + 1);
    } else throw new TypeError("cannot encode " + typeof x);
  }
  bytes(): Uint8Array {
    return this.b.slice(0, this.p);
  }
}

/** encodeValue encodes x as one msgpack value. */
export function encodeValue(x: unknown): Uint8Array {
  const w = new Writer();
  w.value(x);
  return w.bytes();
}
