// A msgpack codec for the subset the Tickroom protocol uses, with the bounds
// of the Go decoder (netcode/reader.go, netcode/payload.go): every length is
// checked against the bytes left before anything is sized by it, nesting is
// bounded, and nothing here throws out of the SDK (decoders throw
// MalformedError, which the frame decoder catches).
//
// Members whose names end in an underscore (Reader.head_, Writer.int_) are
// internal: the build gives them short names (README.md, "Source
// conventions"). Nothing that crosses a boundary by name (the public API,
// wire and JSON fields, options, platform APIs) may end in one.

/** An integer value: a number when it is a safe integer, else a bigint. */
export type Int = number | bigint;

/** MalformedError reports bytes that are not what a frame's layout says. */
export class MalformedError extends Error {}

export const MaxPayloadDepth = 8;

const te = new TextEncoder();
export const td = new TextDecoder();

/** utf8 returns the UTF-8 bytes of s. */
export const utf8 = (s: string): Uint8Array => te.encode(s);

export const fail = (msg: string): never => {
  throw new MalformedError(msg);
};

/** norm returns v as a number when it is a safe integer. */
export const norm = (v: Int): Int => (v >= -0x1fffffffffffffn && v <= 0x1fffffffffffffn ? Number(v) : v);

/** The families of msgpack formats: what Reader.head_ returns. */
export const enum Fam {
  Bin = 1,
  Ext,
  Str,
  Arr,
  Map,
  // Above: n is read from the header. Below: n is the format's own.
  Num,
  Float,
  Nil,
  Bool,
  FixExt, // only in FORMATS: head_ returns Ext
}

// The formats 0xc0..0xdf: family << 5 | size, where size is the bytes of
// the length (Bin to Map), of the integer (Num), of the float (Float) or of
// a fixext's data. 0xc1 is never used.
const FORMATS = [
  /* c0 nil */ 256, , /* c2 false, true */ 288, 288,
  /* c4 bin */ 33, 34, 36, /* c7 ext */ 65, 66, 68, /* ca float */ 228, 232,
  /* cc uint */ 193, 194, 196, 200, /* d0 int */ 193, 194, 196, 200,
  /* d4 fixext */ 321, 322, 324, 328, 336, /* d9 str */ 97, 98, 100,
  /* dc array */ 130, 132, /* de map */ 162, 164,
];

/** Reader reads msgpack values off the front of a frame. str, num, uint,
 * bool, float and payload have no underscore: the frame decoder calls them
 * by the name its layouts' letters stand for (protocol.ts, read). */
export class Reader {
  p = 0;
  v: DataView;
  constructor(readonly b: Uint8Array) {
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  /** left_ is how many bytes are unread. */
  left_(): number {
    return this.b.length - this.p;
  }
  need_(n: Int, what: string): void {
    if (this.left_() < n) fail(what + ": truncated");
  }
  /** at_ reads a size-byte big-endian number of type t ("Uint", "Int": two's
   * complement, "Float"), after checking it is there. */
  at_(size: number, what: string, t = "Uint"): Int {
    this.need_(size, what);
    const x = (this.v as any)[(size > 4 && t > "G" ? "getBig" : "get") + t + size * 8](this.p);
    this.p += size;
    return norm(x);
  }
  /** head_ reads a value's type and header: its family and n, the length of
   * a Bin, Ext (without its type byte) or Str, the elements of an Arr, the
   * pairs of a Map, the value of a Num, the size of a Float (whose bytes
   * follow), 1 for true. Nothing is read past the header. */
  head_(what: string): [Fam, Int] {
    this.need_(1, what);
    const c = this.b[this.p++];
    if (c < 0x80 || c > 0xdf) return [Fam.Num, (c << 24) >> 24];
    if (c < 0xa0) return [c < 0x90 ? Fam.Map : Fam.Arr, c & 15];
    if (c < 0xc0) return [Fam.Str, c & 31];
    const f = FORMATS[c - 0xc0] ?? fail(what + ": 0xc1"), fam: Fam = f >> 5, size = f & 31;
    if (fam === Fam.Num) return [fam, this.at_(size, what, c & 16 ? "Int" : "Uint")];
    if (fam < Fam.Num) return [fam, this.at_(size, what)];
    return fam === Fam.FixExt ? [Fam.Ext, size] : [fam, fam === Fam.Bool ? c & 1 : size];
  }
  /** want_ reads the header of a value of family fam (a Num's value is a
   * bigint past 2^53). */
  want_(what: string, fam: Fam): number {
    const [f, n] = this.head_(what);
    return f === fam ? (n as number) : fail(what + ": type");
  }
  /** len_ reads an array (map = false) or map header whose every element
   * (pair) takes at least minSize bytes. */
  len_(what: string, minSize: number, map?: boolean): number {
    const n = this.want_(what, map ? Fam.Map : Fam.Arr);
    return n > this.left_() / minSize ? fail(what + ": too long") : n;
  }
  bool(what: string): boolean {
    return this.want_(what, Fam.Bool) === 1;
  }
  /** num reads an integer of any width, exactly. */
  num(what: string): Int {
    return this.want_(what, Fam.Num);
  }
  /** uint reads an integer in [0, max]. */
  uint(what: string, max: number): number {
    const u = this.num(what);
    return u < 0 || u > max ? fail(what + ": range") : (u as number);
  }
  u32_(what: string): number {
    return this.uint(what, 0xffffffff);
  }
  /** str reads a string of at most max bytes. */
  str(what: string, max: number): string {
    return this.text_(this.want_(what, Fam.Str), what, max);
  }
  /** text_ reads the n bytes of a str. */
  text_(n: number, what: string, max = Infinity): string {
    if (n > max) fail(what + ": too long");
    return td.decode(this.raw_(n, what));
  }
  /** raw_ reads n bytes (a copy). */
  raw_(n: number, what: string): Uint8Array {
    this.need_(n, what);
    return this.b.slice(this.p, (this.p += n));
  }
  /** float reads a float32 or float64. */
  float(what: string): number {
    return this.at_(this.want_(what, Fam.Float), what, "Float") as number;
  }
  /** skip_ steps over one value of any type nested at most depth deep. */
  skip_(what: string, depth: number): void {
    const [f, n] = this.head_(what);
    let k = n as number;
    if (f === Fam.Arr || f === Fam.Map) {
      if (!depth) fail(what + ": too deep");
      if (f === Fam.Map) k *= 2;
      this.need_(k, what);
      while (k--) this.skip_(what, depth - 1);
    } else if (f < Fam.Num || f === Fam.Float) this.raw_(k + (f === Fam.Ext ? 1 : 0), what);
  }
  /** payload reads one value of at most max bytes and depth MaxPayloadDepth;
   * nil reads as null. */
  payload(what: string, max: number): Payload | null {
    const start = this.p;
    if (this.b[start] === 0xc0) return this.p++, null;
    this.skip_(what, MaxPayloadDepth);
    if (this.p - start > max) fail(what + ": too long");
    return new Payload(this.b.slice(start, this.p));
  }
  end_(): void {
    if (this.left_()) fail("trailing bytes");
  }
}

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
  r.skip_("value", MaxPayloadDepth); // bounds everything read below
  r.end_();
  r.p = 0;
  return read(r);
}

function read(r: Reader): unknown {
  const [f, n] = r.head_(""), k = n as number;
  switch (f) {
    case Fam.Num:
      return n;
    case Fam.Str:
      return r.text_(k, "");
    case Fam.Arr:
      return Array.from({ length: k }, () => read(r));
    case Fam.Map:
      // fromEntries defines each key as an own property: "__proto__" too.
      return Object.fromEntries(Array.from({ length: k }, () => [String(read(r)), read(r)]));
    case Fam.Float:
      return r.at_(k, "", "Float");
    case Fam.Nil:
      return null;
    case Fam.Bool:
      return k === 1;
    case Fam.Bin:
      return r.raw_(k, "");
  }
  // Ext
  const type = r.v.getInt8(r.p++);
  return { type, data: r.raw_(k, "") };
}

/** Writer appends msgpack values to a growing buffer. */
export class Writer {
  b = new Uint8Array(64);
  v = new DataView(this.b.buffer);
  p = 0;
  room_(n: number): number {
    if (this.p + n > this.b.length) {
      const b = new Uint8Array(Math.max(this.b.length * 2, this.p + n));
      b.set(this.b);
      this.b = b;
      this.v = new DataView(b.buffer);
    }
    return (this.p += n) - n;
  }
  // room_ may replace this.b: it is called first.
  byte_(c: number): void {
    const p = this.room_(1);
    this.b[p] = c;
  }
  raw_(b: Uint8Array): void {
    const p = this.room_(b.length);
    this.b.set(b, p);
  }
  /** put_ writes a type byte c, then x as a size-byte big-endian integer
   * (two's complement when signed; a bigint when size is 8), or a float64
   * when t is "Float". */
  put_(c: number, size: number, x: Int, t = "Uint"): void {
    this.byte_(c);
    const p = this.room_(size);
    (this.v as any)[(size > 4 && t > "G" ? "setBig" : "set") + t + size * 8](p, x);
  }
  /** hdr_ writes the header of a str, bin, array or map of n: fix | n when n
   * is below lim, else c8, c16 or c32 (c + 0, 1, 2; from c16 when wide). */
  hdr_(n: number, fix: number, lim: number, c: number, wide = 0): void {
    if (n < lim) return this.byte_(fix | n);
    const s = n < 256 && !wide ? 0 : n < 65536 ? 1 : 2;
    this.put_(c + s - wide, 1 << s, n);
  }
  /** int_ writes an integer in its shortest form; a number must be an
   * integer (the caller rounds), a bigint must fit 64 bits. */
  int_(x: Int): void {
    if (x >= -32 && x < 128) return this.byte_(Number(x) & 255);
    const neg = x < 0;
    let s = 0; // 1 << s bytes: the fewest that hold x
    while (s < 3 && (neg ? x < -(2 ** (8 << s)) / 2 : x >= 2 ** (8 << s))) s++;
    this.put_((neg ? 0xd0 : 0xcc) + s, 1 << s, s > 2 ? BigInt(x) : Number(x), neg ? "Int" : "Uint");
  }
  str_(s: string): void {
    const u = utf8(s);
    this.hdr_(u.length, 0xa0, 32, 0xd9);
    this.raw_(u);
  }
  /** arr_ writes an array (or, with map, a map) header. */
  arr_(n: number, map?: boolean): void {
    this.hdr_(n, map ? 0x80 : 0x90, 16, map ? 0xde : 0xdc, 1);
  }
  /** value_ writes any value as @msgpack/msgpack's encode does: null and
   * undefined as nil, safe integers as ints, other numbers as float64,
   * bigints as ints, byte arrays as bin, arrays, objects as maps (their
   * own enumerable keys: a Map is an empty map, as there);
   * a Payload as its bytes. */
  value_(x: unknown, depth = 0): void {
    if (depth > 100) throw new TypeError("too deep");
    const t = typeof x;
    if (x == null) this.byte_(0xc0);
    else if (t === "boolean") this.byte_(x ? 0xc3 : 0xc2);
    else if (t === "number") Number.isSafeInteger(x) ? this.int_(x as number) : this.put_(0xcb, 8, x as number, "Float");
    else if (t === "bigint") {
      if (BigInt.asIntN(64, x as bigint) !== x && BigInt.asUintN(64, x as bigint) !== x) throw new RangeError("over 64 bits");
      this.int_(x as bigint);
    } else if (t === "string") this.str_(x as string);
    else if (x instanceof Payload) this.raw_(x.bytes);
    else if (ArrayBuffer.isView(x) || x instanceof ArrayBuffer) {
      const u = x instanceof ArrayBuffer ? new Uint8Array(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
      this.hdr_(u.length, 0, 0, 0xc4);
      this.raw_(u);
    } else if (Array.isArray(x)) {
      this.arr_(x.length);
      for (const e of x) this.value_(e, depth + 1);
    } else if (t === "object") {
      const keys = Object.keys(x as object);
      this.arr_(keys.length, true);
      for (const k of keys) this.str_(k), this.value_((x as Record<string, unknown>)[k], depth + 1);
    } else throw new TypeError("cannot encode " + t);
  }
  bytes_(): Uint8Array {
    return this.b.slice(0, this.p);
  }
}

/** encodeValue encodes x as one msgpack value. */
export function encodeValue(x: unknown): Uint8Array {
  const w = new Writer();
  w.value_(x);
  return w.bytes_();
}
