// The Tickroom wire protocol, version 2 (netcode/doc.go): frame layouts,
// codes, limits, the decoder for server frames and the encoders for client
// frames.

import { Int, MalformedError, Payload, Reader, Writer, utf8 } from "./msgpack";

export const ProtocolVersion = 2;

const names =
  "bad_frame unknown_kind too_large rate_limited room_full not_joined version_mismatch slow_consumer heartbeat_timeout already_joined unknown_mode room_closed internal too_many_rooms join_refused room_not_found room_locked room_exists unknown_message kicked resume_expired events_lost replaced unauthorized".split(
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
};

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

/** FrameError is a frame the decoder refused: code bad_frame,
 * unknown_kind (a kind this version does not know, or a client kind), or
 * version_mismatch. */
export class FrameError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const CLIENT_KINDS = [1, 3, 4, 7, 10, 11, 12, 16];

/** decodeServer decodes a frame from the server. It throws FrameError, and
 * nothing else, for a frame it refuses. */
export function decodeServer(frame: Uint8Array): ServerFrame {
  const r = new Reader(frame);
  let kind = 0;
  try {
    const n = r.len("frame", 1);
    if (n === 0) throw new MalformedError("empty array");
    const k = r.num("kind");
    if (k < 0 || k > 16 || k === 0 || CLIENT_KINDS.includes(Number(k))) {
      throw new FrameError(Code.UnknownKind, "unknown kind " + k);
    }
    kind = Number(k);
    const f = decodeKind(r, kind, n);
    r.end();
    return f;
  } catch (e) {
    if (e instanceof FrameError) throw e;
    if (e instanceof MalformedError) throw new FrameError(Code.BadFrame, "malformed frame: " + (kind || "") + " " + e.message);
    throw new FrameError(Code.BadFrame, "malformed frame: " + String(e)); // cannot happen; never let anything else out
  }
}

const count = (n: number, want: number) => {
  if (n !== want) throw new MalformedError("length");
};

function decodeKind(r: Reader, kind: number, n: number): ServerFrame {
  switch (kind) {
    case 2: {
      if (n < 2) throw new MalformedError("length");
      const version = r.int("version", -Infinity, Infinity);
      if (version !== ProtocolVersion) throw new FrameError(Code.VersionMismatch, "server speaks version " + version);
      count(n, 14);
      const w: Welcome = {
        kind,
        version,
        session: r.str("session", Limits.session),
        player: r.u32("player"),
        entity: r.u32("entity"),
        room: r.str("room", Limits.room),
        mode: r.str("mode", Limits.mode),
        tickRate: r.uint("tick rate", 0xffff),
        sendRate: r.uint("send rate", 0xffff),
        serverTime: 0,
        schemas: [],
        roomId: "",
        joinCode: "",
        resumeToken: "",
      };
      if (w.tickRate < 1 || w.sendRate < 1 || w.sendRate > w.tickRate) throw new MalformedError("rates");
      w.serverTime = r.u32("server time");
      w.schemas = decodeSchemas(r);
      w.roomId = r.str("room id", Limits.roomID);
      w.joinCode = r.str("join code", Limits.roomID);
      w.resumeToken = r.str("resume token", Limits.token);
      return w;
    }
    case 5:
    case 6:
      return decodeState(r, kind, n);
    case 8:
      count(n, 3);
      return { kind, clientTime: r.u64("client time"), serverTime: r.u32("server time") };
    case 9:
      count(n, 3);
      return { kind, code: r.uint("code", 0xffff), message: r.str("message", Limits.error) };
    case 13: {
      count(n, 4);
      const request = r.u32("request"), total = r.u32("total");
      const k = r.len("rooms", 8);
      if (k > Limits.listLimit) throw new MalformedError("rooms: too long");
      const rooms: RoomInfo[] = [];
      for (let i = 0; i < k; i++) {
        count(r.len("room", 1), 7);
        rooms.push({
          id: r.str("room id", Limits.roomID),
          name: r.str("room name", Limits.room),
          mode: r.str("room mode", Limits.mode),
          players: r.uint("players", 0xffff),
          maxPlayers: r.uint("max players", 0xffff),
          locked: r.bool("locked"),
          metadata: r.payload("metadata", Limits.metadata),
        });
      }
      return { kind, request, total, rooms };
    }
    case 14: {
      count(n, 5);
      const e: GameEvent = { kind, tick: r.u32("tick"), id: r.u32("event id"), type: r.str("type", Limits.type), payload: null };
      if (e.type === "") throw new MalformedError("type: empty");
      e.payload = r.payload("payload", Limits.event);
      return e;
    }
    default: {
      // 15, rates
      count(n, 4);
      const ra: Rates = { kind: 15, tick: r.u32("tick"), tickRate: r.uint("tick rate", 0xffff), sendRate: r.uint("send rate", 0xffff) };
      if (ra.sendRate < 1 || ra.sendRate > ra.tickRate) throw new MalformedError("rates");
      return ra;
    }
  }
}

function decodeSchemas(r: Reader): Schema[] {
  const n = r.len("schemas", 3);
  if (n > Limits.schemas) throw new MalformedError("schemas: too long");
  const out: Schema[] = [];
  for (let i = 0; i < n; i++) {
    count(r.len("schema", 1), 2);
    const name = r.str("schema name", Limits.schemaName);
    const k = r.len("fields", 10);
    if (k === 0 || k > Limits.fields) throw new MalformedError("fields: length");
    const fields: Field[] = [];
    for (let j = 0; j < k; j++) {
      count(r.len("field", 1), 5);
      const f: Field = {
        name: r.str("field name", Limits.schemaName),
        type: r.uint("field type", 255),
        quantum: r.float("field quantum"),
        maxLen: r.uint("field max length", Limits.value),
        private: r.uint("field flags", 1) === 1,
      };
      // world.Schema.Validate and netcode's checks.
      if (f.type < 1 || f.type > 4) throw new MalformedError("field type");
      if (!(f.quantum >= 0 && f.quantum < Infinity) || (f.type === 2 && !(f.quantum > 0))) throw new MalformedError("quantum");
      fields.push(f);
    }
    if (name === "") throw new MalformedError("schema: empty name");
    out.push({ name, fields });
  }
  return out;
}

/** popcount returns the number of set bits of a 32-bit number. */
export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function value(r: Reader, what: string): Value {
  if (r.isStr()) return r.str(what, Limits.value);
  const v = r.num(what);
  if (v > 0x7fffffffffffffffn) throw new MalformedError(what + ": range");
  return v;
}

function id(r: Reader, what: string, prev: number): number {
  const gap = r.u32(what);
  if (gap === 0) throw new MalformedError(what + ": gap 0");
  if (prev + gap > 0xffffffff) throw new MalformedError(what + ": range");
  return prev + gap;
}

function changes(r: Reader, what: string): Change[] {
  let n = r.len(what, 1);
  const out: Change[] = [];
  let prev = 0;
  while (n > 0) {
    if (n < 2) throw new MalformedError(what + ": length");
    prev = id(r, what + " id", prev);
    const m = r.u64(what + " mask");
    const lo = typeof m === "number" ? m >>> 0 : Number(m & 0xffffffffn);
    const hi = typeof m === "number" ? Math.floor(m / 4294967296) : Number(m >> 32n);
    if (m == 0) throw new MalformedError(what + ": mask 0");
    const k = popcount(lo) + popcount(hi);
    if (n - 2 < k) throw new MalformedError(what + ": mask");
    const values: Value[] = [];
    for (let i = 0; i < k; i++) values.push(value(r, what + " value"));
    out.push({ id: prev, lo, hi, values });
    n -= 2 + k;
  }
  return out;
}

function decodeState(r: Reader, kind: 5 | 6, n: number): StateFrame {
  const want = kind === 6 ? 8 : 5;
  if (n !== want && n !== want + 1) throw new MalformedError("length");
  const tick = r.u32("tick");
  const base = kind === 6 ? r.u32("baseline") : 0;
  if (kind === 6 && (base === 0 || base > tick)) throw new MalformedError("baseline");
  const s: StateFrame = { kind, tick, base, serverTime: r.u32("server time"), inputAck: r.u32("input ack"), added: [], changed: [], removed: [], private: [] };
  if (n === want + 1) {
    s.private = changes(r, "private");
    if (s.private.length === 0) throw new MalformedError("private: empty");
  }
  const k = r.len("added", 4);
  for (let i = 0; i < k; i++) {
    const m = r.len("added entity", 1);
    if (m < 3 || m > 2 + Limits.fields) throw new MalformedError("added: length");
    const a: Added = { id: id(r, "added id", 0), type: r.uint("added type", 255), values: [] };
    for (let j = 2; j < m; j++) a.values.push(value(r, "added value"));
    s.added.push(a);
  }
  if (kind === 6) {
    s.changed = changes(r, "changed");
    const k = r.len("removed", 1);
    let prev = 0;
    for (let i = 0; i < k; i++) s.removed.push((prev = id(r, "removed id", prev)));
  }
  return s;
}

// Client frames.

/** checkStr throws a TickroomError for a string over its limit. */
export function checkStr(what: string, s: string, max: number, min = 0): void {
  if (typeof s !== "string") throw new TickroomError(0, "tickroom: " + what + " must be a string", "bad_argument");
  const n = utf8(s).length;
  if (n > max || n < min) throw new TickroomError(0, "tickroom: " + what + ": length", "bad_argument");
}

/** payloadOf encodes a value as a payload of at most max bytes (null: none). */
export function payloadOf(what: string, v: unknown, max: number): Payload | null {
  if (v == null) return null;
  let p: Payload;
  try {
    const w = new Writer();
    w.value(v);
    p = new Payload(w.bytes());
    new Reader(p.bytes).payload(what, max); // the decoder's checks: size and depth
  } catch (e) {
    throw new TickroomError(0, "tickroom: " + what + ": " + (e as Error).message, "bad_argument");
  }
  return p;
}

/** frame encodes a client frame from its elements: numbers are written as
 * integers (they must be), strings as str, Payloads as their bytes, null
 * as nil, an object as a map of strings. */
export function frame(...els: (number | bigint | string | Payload | null | Record<string, string>)[]): Uint8Array {
  const w = new Writer();
  w.arr(els.length);
  for (const e of els) {
    if (typeof e === "number" || typeof e === "bigint") w.int(e);
    else if (typeof e === "string") w.str(e);
    else if (e === null) w.byte(0xc0);
    else if (e instanceof Payload) w.raw(e.bytes);
    else {
      const keys = Object.keys(e).sort();
      w.arr(keys.length, true);
      for (const k of keys) w.str(k), w.str(e[k]);
    }
  }
  return w.bytes();
}

/** u32 forces an integer into [0, 2^32-1], so that the encoder never writes
 * a float. */
export const u32 = (x: number): number => (x >= 0xffffffff ? 0xffffffff : x > 0 ? Math.floor(x) : 0);

/** i16 rounds and clamps an axis value. */
export const i16 = (x: number): number => (x >= 32767 ? 32767 : x <= -32768 ? -32768 : Math.round(x) || 0);
