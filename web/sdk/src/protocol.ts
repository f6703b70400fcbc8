// The Tickroom wire protocol, version 2 (netcode/doc.go): frame layouts,
// codes, limits, the decoder for server frames and the encoders for client
// frames.

import { Fam, Int, Payload, Reader, Writer, encodeValue, fail, utf8 } from "./msgpack";

export const ProtocolVersion = 2;

const names =
  "bad_frame unknown_kind too_large rate_limited room_full not_joined version_mismatch slow_consumer heartbeat_timeout already_joined unknown_mode room_closed internal too_many_rooms join_refused room_not_found room_locked room_exists unknown_message kicked resume_expired events_lost replaced unauthorized server_busy join_timeout".split(
    " ",
  );

/** Codes of error frames and closes (netcode/doc.go, "Codes"): Code.RoomFull
 * is 4004, and so on. */
export const Code = Object.fromEntries([
  ["GoingAway", 1001],
  ...names.map((n, i) => [n.replace(/(?:^|_)(.)/g, (_, c: string) => c.toUpperCase()), 4000 + i]),
]) as {
  readonly GoingAway: 1001;
  readonly BadFrame: 4000;
  readonly UnknownKind: 4001;
  readonly TooLarge: 4002;
  readonly RateLimited: 4003;
  readonly RoomFull: 4004;
  readonly NotJoined: 4005;
  readonly VersionMismatch: 4006;
  readonly SlowConsumer: 4007;
  readonly HeartbeatTimeout: 4008;
  readonly AlreadyJoined: 4009;
  readonly UnknownMode: 4010;
  readonly RoomClosed: 4011;
  readonly Internal: 4012;
  readonly TooManyRooms: 4013;
  readonly JoinRefused: 4014;
  readonly RoomNotFound: 4015;
  readonly RoomLocked: 4016;
  readonly RoomExists: 4017;
  readonly UnknownMessage: 4018;
  readonly Kicked: 4019;
  readonly ResumeExpired: 4020;
  readonly EventsLost: 4021;
  readonly Replaced: 4022;
  readonly Unauthorized: 4023;
  readonly ServerBusy: 4024;
  readonly JoinTimeout: 4025;
};

/** C is Code for the SDK's own use: the compiler writes the numbers. */
export const enum C {
  GoingAway = 1001,
  BadFrame = 4000,
  UnknownKind,
  TooLarge,
  RoomFull = 4004,
  VersionMismatch = 4006,
  AlreadyJoined = 4009,
  RoomClosed = 4011,
  Kicked = 4019,
  ResumeExpired,
}

/** codeName returns a code's snake_case name ("room_full"), or "code_N". */
export function codeName(code: number): string {
  return code === 1001 ? "going_away" : names[code - 4000] ?? "code_" + code;
}

/** TickroomError is every error the SDK reports: code is the protocol's
 * (an error frame's, a close code; 0 for errors of the network, HTTP or
 * the caller), codeName its name ("room_full"), or for HTTP answers the
 * error body's code ("unknown_session") with status set. */
export class TickroomError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly status?: number;
  /** For a connection refused for load or capacity (server_busy,
   * server_full: 503; too_many_connections: 429), the least wait in ms
   * before connecting again (Retry-After). */
  retryAfter?: number;
  constructor(code: number, message: string, name?: string, status?: number) {
    super(message);
    this.name = "TickroomError";
    this.code = code;
    this.codeName = name ?? codeName(code);
    if (status) this.status = status;
  }
}

/** How a join picks its room (netcode.JoinHow). */
export const JoinHow = { match: 0, create: 1, private: 2, existing: 3, id: 4 } as const;

/** Field types. */
export const FieldType = { Int: 1, Float: 2, Bool: 3, String: 4 } as const;

/** Limits of netcode/doc.go, in bytes or counts. */
export const enum Limits {
  room = 64,
  mode = 32,
  name = 32,
  session = 64,
  error = 256,
  schemaName = 32,
  value = 1024,
  type = 32,
  roomID = 32,
  token = 64,
  metaKey = 32,
  metaValue = 64,
  payload = 1024,
  event = 16384,
  metadata = 1024,
  schemas = 256,
  fields = 64,
  listLimit = 100,
  filterKeys = 8,
}

/** Field is one typed field of an entity type. */
export interface Field {
  name: string;
  type: number; // FieldType
  quantum: number; // a Float field's resolution, 0 for others
  maxLen: number;
  private: boolean;
}

/** Schema is an entity type: its name and fields in wire order. */
export interface Schema {
  name: string;
  fields: Field[];
}

/** Value is a field's value: a string for String fields, an integer for
 * the others (a Float field's in quanta). */
export type Value = Int | string;

export interface Added {
  id: number;
  type: number;
  values: Value[];
}

/** Change is a changed entity: bit i of the 64-bit mask (lo, hi) is set
 * when field i changed; values has one value per set bit. */
export interface Change {
  id: number;
  lo: number;
  hi: number;
  values: Value[];
}

export interface Welcome {
  kind: 2;
  version: number;
  session: string;
  player: number;
  entity: number;
  room: string;
  mode: string;
  tickRate: number;
  sendRate: number;
  serverTime: number;
  schemas: Schema[];
  roomId: string;
  joinCode: string;
  resumeToken: string;
}

/** StateFrame is a snapshot (base 0) or a diff against tick base. */
export interface StateFrame {
  kind: 5 | 6;
  tick: number;
  base: number;
  serverTime: number;
  inputAck: number;
  added: Added[];
  changed: Change[];
  removed: number[];
  private: Change[];
}

export interface Pong {
  kind: 8;
  clientTime: Int;
  serverTime: number;
}
export interface ErrorFrame {
  kind: 9;
  code: number;
  message: string;
}
export interface RoomInfo {
  id: string;
  name: string;
  mode: string;
  players: number;
  maxPlayers: number;
  locked: boolean;
  metadata: Payload | null;
}
export interface Rooms {
  kind: 13;
  request: number;
  total: number;
  rooms: RoomInfo[];
}
export interface GameEvent {
  kind: 14;
  tick: number;
  id: number;
  type: string;
  payload: Payload | null;
}
export interface Rates {
  kind: 15;
  tick: number;
  tickRate: number;
  sendRate: number;
}

export type ServerFrame = Welcome | StateFrame | Pong | ErrorFrame | Rooms | GameEvent | Rates;

// The layouts of the server frames other than states, element by element
// after the kind: name:type, where type is u (u32), n<max> (an integer in
// [0, max], no max: u64), N<max> (in [1, max]), i (any integer), t (0 or
// 1, a boolean), b (bool), f (float), s<max> (a str of at most max bytes),
// S<max> (the same, not empty), p<max> (a payload), or l (a list: LISTS).
// Names are the decoded frame's keys and the error messages' words.
const LAYOUTS: Record<number, string> = {
  2: "version:i session:s64 player:u entity:u room:s64 mode:s32 tickRate:N65535 sendRate:N65535 serverTime:u schemas:l roomId:s32 joinCode:s32 resumeToken:s64",
  8: "clientTime:n serverTime:u",
  9: "code:n65535 message:s256",
  13: "request:u total:u rooms:l",
  14: "tick:u id:u type:S32 payload:p16384",
  15: "tick:u tickRate:N65535 sendRate:N65535",
};

// Lists: the layout of an element (an array), the least bytes one takes,
// the most elements.
const LISTS: Record<string, [string, number, number]> = {
  schemas: ["name:S32 fields:l", 3, 256],
  fields: ["name:s32 type:N4 quantum:f maxLen:n1024 private:t", 10, 64],
  rooms: ["id:s32 name:s64 mode:s32 players:n65535 maxPlayers:n65535 locked:b metadata:p1024", 8, 100],
};

/** decodeServer decodes a frame from the server. It throws a TickroomError,
 * and nothing else, for a frame it refuses: code bad_frame, unknown_kind (a
 * kind this version does not know, or a client kind), or version_mismatch. */
export function decodeServer(frame: Uint8Array): ServerFrame {
  const r = new Reader(frame);
  let kind: Int = 0;
  try {
    const n = r.len_("frame", 1) || fail("empty");
    kind = r.num("kind");
    const layout = LAYOUTS[kind as number];
    if (!layout && kind !== 5 && kind !== 6) throw err(C.UnknownKind, "unknown kind " + kind);
    const f = layout ? read(r, layout, { kind }, n) : decodeState(r, kind as 5 | 6, n);
    r.end_();
    return f;
  } catch (e) {
    throw e instanceof TickroomError ? e : err(C.BadFrame, "malformed frame: " + kind + " " + (e as Error).message);
  }
}

/** read reads the elements of layout into o; n, for a frame, is its
 * length, checked after the first element (a welcome's version first). */
function read(r: Reader, layout: string, o: any, n?: number): any {
  const els = layout.split(" ");
  if (n! < 2) fail("length");
  els.forEach((el, i) => {
    const [k, t] = el.split(":"), c = t[0], max = +t.slice(1) || Infinity;
    let v: any;
    if (c === "l") {
      const [sub, size, most] = LISTS[k];
      const m = r.len_(k, size);
      if (m > most) fail(k + ": too long");
      v = Array.from({ length: m }, () => {
        if (r.len_(k, 1) !== sub.split(" ").length) fail(k + ": length");
        return read(r, sub, {});
      });
    } else v = (r as any)[{ s: "str", S: "str", p: "payload", b: "bool", f: "float", i: "num" }[c] ?? "uint"](k, c === "u" ? 0xffffffff : c === "t" ? 1 : max);
    if (c < "a" && !v) fail(k + ": 0"); // S, N
    o[k] = c === "t" ? v === 1 : v;
    if (!i && n !== undefined) {
      if (k === "version" && v !== ProtocolVersion) throw err(C.VersionMismatch, "server speaks version " + v);
      if (n !== els.length + 1) fail("length");
    }
  });
  // world.Schema.Validate's and netcode's checks.
  if (o.sendRate > o.tickRate) fail("rates");
  if (o.fields && !o.fields.length) fail("fields: 0");
  if (o.quantum !== undefined && !(o.quantum >= 0 && o.quantum < Infinity && (o.type !== 2 || o.quantum > 0))) fail("quantum");
  return o;
}

/** popcount returns the number of set bits of a 32-bit number. */
export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** value reads a field's value: a str, or an int that fits int64. */
function value(r: Reader, what: string): Value {
  const [f, n] = r.head_(what);
  if (f === Fam.Str) return r.text_(n as number, what, Limits.value);
  return f === Fam.Num && n <= 0x7fffffffffffffffn ? n : fail(what + ": want int64");
}

/** id reads an id as the gap from prev. */
function id(r: Reader, what: string, prev: number): number {
  const gap = r.u32_(what);
  return !gap || prev + gap > 0xffffffff ? fail(what + ": gap") : prev + gap;
}

function changes(r: Reader, what: string): Change[] {
  let n = r.len_(what, 1), prev = 0;
  const out: Change[] = [];
  while (n > 0) {
    if (n < 2) fail(what + ": length");
    prev = id(r, what, prev);
    const m = BigInt(r.uint(what, Infinity));
    const lo = Number(m & 0xffffffffn), hi = Number(m >> 32n), k = popcount(lo) + popcount(hi);
    if (!m || n - 2 < k) fail(what + ": mask");
    out.push({ id: prev, lo, hi, values: Array.from({ length: k }, () => value(r, what)) });
    n -= 2 + k;
  }
  return out;
}

function decodeState(r: Reader, kind: 5 | 6, n: number): StateFrame {
  const diff = kind === 6, want = diff ? 8 : 5;
  if (n !== want && n !== want + 1) fail("length");
  const tick = r.u32_("tick"), base = diff ? r.u32_("baseline") : 0;
  if (diff && (!base || base > tick)) fail("baseline");
  const s: StateFrame = { kind, tick, base, serverTime: r.u32_("serverTime"), inputAck: r.u32_("inputAck"), added: [], changed: [], removed: [], private: [] };
  if (n > want && !(s.private = changes(r, "private")).length) fail("private: empty");
  s.added = Array.from({ length: r.len_("added", 4) }, () => {
    const m = r.len_("added", 1);
    if (m < 3 || m > 2 + Limits.fields) fail("added: length");
    return { id: id(r, "added", 0), type: r.uint("added type", 255), values: Array.from({ length: m - 2 }, () => value(r, "added")) };
  });
  if (diff) {
    s.changed = changes(r, "changed");
    let prev = 0;
    s.removed = Array.from({ length: r.len_("removed", 1) }, () => (prev = id(r, "removed", prev)));
  }
  return s;
}

// Client frames.

/** err makes a TickroomError of the SDK's own. */
export const err = (code: number, msg: string, name?: string, status?: number) => new TickroomError(code, "tickroom: " + msg, name, status);

/** badArg is a caller's mistake. */
export const badArg = (msg: string) => err(0, msg, "bad_argument");

/** checkStr throws a TickroomError for what is not a string of min to max
 * bytes. */
export function checkStr(what: string, s: string, max: number, min = 0): void {
  const n = typeof s === "string" ? utf8(s).length : -1;
  if (n < min || n > max) throw badArg(what + ": want a string of " + min + " to " + max + " bytes");
}

/** payloadOf encodes a value as a payload of at most max bytes (null: none). */
export function payloadOf(what: string, v: unknown, max: number): Payload | null {
  if (v == null) return null;
  try {
    const p = new Reader(encodeValue(v)).payload(what, max); // the decoder's checks: size and depth
    return p;
  } catch (e) {
    throw badArg(what + ": " + (e as Error).message);
  }
}

/** frame encodes a client frame from its elements: numbers are written as
 * integers (they must be), strings as str, Payloads as their bytes, null
 * as nil, an object as a map of strings, in key order. */
export function frame(...els: (number | bigint | string | Payload | null | Record<string, string>)[]): Uint8Array {
  const w = new Writer();
  w.arr_(els.length);
  for (const e of els) {
    if (e && typeof e === "object" && !(e instanceof Payload)) {
      const keys = Object.keys(e).sort();
      w.arr_(keys.length, true);
      for (const k of keys) w.str_(k), w.str_(e[k]);
    } else w.value_(e);
  }
  return w.bytes_();
}

/** u32 forces an integer into [0, 2^32-1], so that the encoder never writes
 * a float. */
export const u32 = (x: number): number => (x >= 0xffffffff ? 0xffffffff : x > 0 ? Math.floor(x) : 0);

/** i16 rounds and clamps an axis value. */
export const i16 = (x: number): number => (x >= 32767 ? 32767 : x <= -32768 ? -32768 : Math.round(x) || 0);
