// The client: one connection to a Tickroom server over any transport, the
// room mirror, joins, messages, events, listings, pings and resume.
//
// Members whose names end in an underscore (conn_, sendFrame_) are internal:
// the build gives them short names (README.md, "Source conventions").
// Nothing that crosses a boundary by name (the public API, wire and JSON
// fields, options, platform APIs) may end in one.

import type { Entity, State } from "./mirror";
import { BadDelta, Lost, Mirror, fieldsChanged } from "./mirror";
import { Payload } from "./msgpack";
import type { GameEvent, Rates, RoomInfo, ServerFrame, Welcome } from "./protocol";
import { C, JoinHow, Limits, ProtocolVersion, TickroomError, badArg, checkStr, decodeServer, err, frame, i16, payloadOf, u32 } from "./protocol";
import type { Conn, ConnOptions, Env } from "./transports";
import { HTTP, WS, handshake, openWS } from "./transports";
import { View } from "./view";

/** Transport names. */
export type Transport = "websocket" | "longpoll" | "stream" | "poll";

/** Reconnect bounds the automatic resume after a lost connection. */
export interface Reconnect {
  /** Attempts at most; default 10. */
  attempts?: number;
  /** Give up after this many ms since the drop; default 30000, as the Go
   * client (past the server's room.resume_window, 20 s by default, the seat
   * is gone and coming back is a fresh join). */
  maxTime?: number;
  /** The backoff: attempt i waits a random time in [0, min(max, base·2^i))
   * ms (full jitter); defaults 100 and 5000. */
  base?: number;
  max?: number;
}

/** Events, for Client.on and the options' on… callbacks. */
export interface Events {
  /** A state was applied; view is the room now, prev before it. */
  state: (view: View, prev: View) => void;
  /** An entity appeared in the mirror. */
  add: (e: Entity, view: View) => void;
  /** An entity's values changed: fields lists the indexes that did. */
  update: (e: Entity, prev: Entity, fields: number[], view: View) => void;
  /** An entity left the mirror (its last values). */
  remove: (e: Entity, view: View) => void;
  /** A game event, each once, in order. */
  event: (e: GameEvent) => void;
  /** An error frame, a refused frame, a failed request: the SDK goes on. */
  error: (e: TickroomError) => void;
  /** A room admitted the player (join, or a fresh join after a resume
   * failed). */
  welcome: (w: Welcome) => void;
  /** The player is back in the lobby: leave, kicked, room closed. */
  left: (why: TickroomError | null) => void;
  /** The room's rates changed (from the first state of rates.tick). */
  rates: (r: RoomRates) => void;
  /** A pong: the round trip and the clock offset in ms. */
  pong: (rtt: number, offset: number) => void;
  /** The transport changed (an upgrade, a stream's fallback, a reconnect). */
  transport: (name: Transport) => void;
  /** The connection dropped; the client is reconnecting to resume. */
  dropped: (why: TickroomError) => void;
  /** The client is back: w is its room's welcome (null in the lobby);
   * fresh is true when the seat was gone (resume_expired, or a server that
   * holds no seats) and the client joined the room again instead. */
  resumed: (w: Welcome | null, fresh: boolean) => void;
  /** Reconnecting failed within Options.reconnect's bounds. */
  gaveUp: (why: TickroomError) => void;
  /** The client ended: why is null after close(). */
  close: (why: TickroomError | null) => void;
  /** Every decoded frame, after the client applied it. */
  frame: (f: ServerFrame) => void;
}

type On = { [K in keyof Events as `on${Capitalize<K>}`]?: Events[K] };

export interface Options extends On {
  /** The player name sent with joins (at most 32 bytes). */
  name?: string;
  /** The transport to start on; default: WebSocket, falling back to
   * long-polling (which then tries to upgrade to WebSocket). */
  transport?: Transport | "";
  /** Keep a long-polling or streaming client on HTTP. */
  noUpgrade?: boolean;
  /** A signed ticket proving the player's identity, or a function that
   * returns a fresh one for every connection. */
  ticket?: string | (() => string | Promise<string>);
  /** Paths of the WebSocket endpoint and the HTTP transports; "/ws", "/rt". */
  wsPath?: string;
  httpPath?: string;
  /** States kept as possible baselines; default 64. */
  history?: number;
  /** Do not acknowledge states automatically (call ack()). */
  manualAck?: boolean;
  /** Bounds the WebSocket open, the HTTP handshake, the upgrade probe and
   * every POST, in ms; default 5000. */
  handshakeTimeout?: number;
  /** A WebSocket silent this long is dead; default 35000 ms. */
  idleTimeout?: number;
  /** The largest frame taken from the server; default 1 MiB. */
  readLimit?: number;
  /** Frames an HTTP transport queues while a POST is in flight; 256. */
  sendQueue?: number;
  /** The poll transport's longest wait after an empty answer; 50 ms. */
  pollInterval?: number;
  /** Ping every this many ms for the round trip and the clock offset;
   * default 2000, 0 for never. */
  pingInterval?: number;
  /** Resume after a lost connection; false turns it off. */
  reconnect?: Reconnect | false;
  /** Game messages kept while reconnecting; default 64. */
  messageBuffer?: number;
  /** Inputs kept while reconnecting: the newest; default 4 (as the Go
   * client's Reconnect.Inputs). */
  inputBuffer?: number;
  /** Platform hooks (fetch, WebSocket, timers, clock, random): tests
   * replace them. */
  env?: Partial<Env>;
}

/** JoinSpec says which room a join asks for. */
export interface JoinSpec {
  /** "match" (default: room "" any open public room of the mode, else a
   * new one; a name: that public room, made if missing), "create",
   * "private", "existing", or "id" (room is a room id or join code). */
  how?: keyof typeof JoinHow;
  room?: string;
  /** The game mode; "" for the server's default. */
  mode?: string;
  /** For the game's create and join hooks: any value msgpack encodes. */
  options?: unknown;
}

export interface ListQuery {
  mode?: string;
  /** Metadata values the rooms must have, compared as text. */
  filter?: Record<string, string>;
  offset?: number;
  /** At most this many (0: the server's page size; at most 100). */
  limit?: number;
}

/** Input is one player command: buttons (32 bits) and up to four axes in
 * [-32768, 32767] (the arena reads ±1000 at full deflection). */
export interface Input {
  buttons?: number;
  axes?: number[];
}

/** RoomRates are the room's tick and send rates, in effect from tick. */
export interface RoomRates {
  tick: number;
  tickRate: number;
  sendRate: number;
}

export interface Stats {
  frames: number;
  bytes: number;
  snapshots: number;
  diffs: number;
  lostBaselines: number;
  badFrames: number;
  events: number;
  upgrades: number;
  upgradeFailures: number;
  streamFallbacks: number;
  reconnects: number;
  /** Inputs sent while reconnecting and dropped for newer ones. */
  inputsDropped: number;
}

// stops says whether an end says not to come back (as client/reconnect.go):
// replaced, unauthorized, version_mismatch, bad_frame, too_large,
// rate_limited, WebSocket protocol closes, and HTTP refusals of the request
// itself (a bad or refused ticket among them).
const stops = (e: TickroomError) =>
  [4022, 4023, 4006, 4000, 4002, 4003, 1002, 1003, 1007, 1008, 1009, 1010].includes(e.code) || [400, 401, 403, 415, 431].includes(e.status!);
// Error codes that answer a join when the client is not seated (client/join.go),
// and server_busy: a server that takes no newcomers refuses joins with it.
const REFUSALS = [4004, 4010, 4009, 4006, 4013, 4014, 4015, 4016, 4017, 4011, 4019, 4012, 4000, 4024];

type Resolver<T> = { resolve_: (v: T) => void; reject_: (e: TickroomError) => void };

const noRates: RoomRates = { tick: 0, tickRate: 0, sendRate: 0 };

/** connect opens a connection to a Tickroom server and resolves once it is
 * open. url is the server's base URL ("https://game.example", default the
 * page's origin) or its WebSocket endpoint ("wss://game.example/ws"). */
export async function connect(url?: string, options: Options = {}): Promise<Client> {
  const c = new Client(url, options);
  await c.open();
  return c;
}

/** Client is one connection to a Tickroom server. */
export class Client {
  readonly env: Env;
  readonly options: Options;
  /** The WebSocket endpoint and the base of the HTTP transports. */
  readonly wsURL: string;
  readonly httpURL: string;
  /** The welcome of the current room, or null in the lobby. */
  welcome: Welcome | null = null;
  /** The newest state, with the schemas: null in the lobby. */
  view: View | null = null;
  /** The rates in effect at the newest state (zero in the lobby). */
  rates: RoomRates = noRates;
  /** The last input seq the room applied. */
  inputAck = 0;
  /** The id of the last event received. */
  lastEvent = 0;
  /** The transport in use now. */
  transport: Transport | "" = "";
  /** The latest round trip (ms) and clock offset (server minus client). */
  rtt = 0;
  offset = 0;
  /** "connecting", "open", "away" (reconnecting) or "closed". */
  status: "connecting" | "open" | "away" | "closed" = "connecting";
  readonly stats: Stats = { frames: 0, bytes: 0, snapshots: 0, diffs: 0, lostBaselines: 0, badFrames: 0, events: 0, upgrades: 0, upgradeFailures: 0, streamFallbacks: 0, reconnects: 0, inputsDropped: 0 };

  // Fields left undefined read as null, 0 or false.
  private conn_?: Conn | null;
  private connOptions_: ConnOptions;
  private mirror_: Mirror;
  private listeners_ = new Map<string, Set<(...a: any[]) => void>>();
  private pending_: Rates[] = [];
  private segs_: { tick: number; ms: number; rate: number }[] = [];
  private seq_!: number; // the last input's; (undefined + 1) >>> 0 || 1 is 1
  private inputSent_?: boolean;
  private joins_: Resolver<Welcome>[] = [];
  private lists_ = new Map<number, Resolver<{ total: number; rooms: RoomInfo[] }>>();
  private listNext_ = 0;
  private joinOptions_?: unknown; // of the join that seated the player
  private hold_?: Uint8Array[] | null; // sends during an upgrade's switch
  private away_: [Uint8Array, boolean][] = []; // messages and inputs (true) kept while reconnecting
  private resuming_?: ((r: "ok" | "expired" | "dropped") => void) | null;
  private gone_?: Welcome | null; // a seat resume_expired took: reconnects join its room afresh
  private closing_?: boolean;
  private httpFirst_?: boolean; // WebSocket failed where HTTP worked: start on HTTP
  private noStream_?: boolean; // a stream was found behind a buffering proxy
  private pinger_: unknown;
  private samples_: [number, number][] = []; // pong [rtt, offset] samples
  private timeBase_?: number; // the last raw serverTime seen, for unwrapping
  private timeUn_?: number;

  constructor(url?: string, options: Options = {}) {
    this.options = options;
    const g = globalThis as any;
    this.env = {
      fetch: (...a) => g.fetch(...a),
      WebSocket: g.WebSocket,
      setTimeout: (f, ms) => g.setTimeout(f, ms),
      clearTimeout: (t) => g.clearTimeout(t),
      now: () => g.performance.now(),
      random: Math.random,
      ...options.env,
    };
    const wsPath = path(options.wsPath, "/ws"), httpPath = path(options.httpPath, "/rt");
    const u = new URL(url ?? g.location?.origin ?? "", g.location?.href);
    const ws = new URL(u.href), h = new URL(u.href);
    h.search = h.hash = ws.hash = "";
    const p = u.pathname.replace(/\/$/, "");
    if (/^ws/.test(u.protocol)) {
      h.protocol = u.protocol.replace("ws", "http");
      if (u.pathname === "/") ws.pathname = wsPath;
      h.pathname = (p.endsWith(wsPath) ? p.slice(0, -wsPath.length) : "") + httpPath;
    } else {
      ws.protocol = u.protocol.replace("http", "ws");
      ws.pathname = p + wsPath;
      h.pathname = p + httpPath;
    }
    this.wsURL = ws.href;
    this.httpURL = h.href;
    this.mirror_ = new Mirror(null, options.history || 64);
    this.connOptions_ = {
      env: this.env,
      handshakeTimeout_: options.handshakeTimeout || 5000,
      idleTimeout_: options.idleTimeout || 35000,
      readLimit_: options.readLimit || 1 << 20,
      sendQueue_: options.sendQueue || 256,
      pollInterval_: options.pollInterval || 50,
      sendInterval_: () => this.rates.sendRate && 1000 / this.rates.sendRate,
    };
    for (const k in options) {
      const f = (options as any)[k];
      if (/^on[A-Z]/.test(k) && typeof f === "function") this.on((k[2].toLowerCase() + k.slice(3)) as keyof Events, f);
    }
  }

  /** on registers a listener and returns the function that removes it. */
  on<K extends keyof Events>(name: K, f: Events[K]): () => void {
    let s = this.listeners_.get(name);
    if (!s) this.listeners_.set(name, (s = new Set()));
    s.add(f);
    return () => s!.delete(f);
  }

  private emit_<K extends keyof Events>(name: K, ...args: Parameters<Events[K]>): void {
    for (const f of this.listeners_.get(name) ?? []) {
      try {
        f(...args);
      } catch (e) {
        // A listener's exception is the program's, not ours: report it
        // without breaking the SDK's own work.
        this.env.setTimeout(() => {
          throw e;
        }, 0);
      }
    }
  }

  /** open connects (connect calls it). */
  async open(): Promise<void> {
    this.install_(await this.dial_());
    this.status = "open";
    this.pingLoop_();
  }

  // ---- connections ----

  /** dial_ opens a connection; resume marks a reconnect whose first frame
   * is resume, which a busy server still admits (transports/doc.go,
   * "Resuming"). */
  private async dial_(resume?: unknown): Promise<Conn> {
    const o = this.options, t = o.transport || "";
    const ticket = typeof o.ticket === "function" ? await o.ticket() : o.ticket;
    this.connOptions_.protocols = ticket ? ["tickroom", "tickroom-ticket." + ticket] : undefined;
    let wsErr: TickroomError | undefined;
    if (t === "websocket" || (t === "" && !this.httpFirst_)) {
      try {
        return await openWS(this.connOptions_, resume ? this.ws_("resume=1") : this.wsURL, true);
      } catch (e) {
        if (t || (e as TickroomError).code) throw e; // a code: the server refused this connection, not WebSocket
        wsErr = e as TickroomError;
      }
    }
    const kind = t === "" || (t === "stream" && this.noStream_) ? "longpoll" : t;
    const h = new HTTP(this.connOptions_, this.httpURL, await handshake(this.connOptions_, this.httpURL, kind, ticket, resume), kind);
    if (wsErr) this.httpFirst_ = true;
    h.onFallback_ = () => {
      this.noStream_ = true;
      this.stats.streamFallbacks++;
      this.setTransport_(h.transport_() as Transport);
    };
    // upgrades read as text: whatever a server sends there, the worst is a
    // probe it refuses.
    if (!o.noUpgrade && kind !== "poll" && String(h.h.upgrades).includes("websocket")) queueMicrotask(() => this.upgrade_(h));
    return h;
  }

  /** ws_ is the WebSocket endpoint with one more query parameter. */
  private ws_(q: string): string {
    return this.wsURL + (this.wsURL.includes("?") ? "&" : "?") + q;
  }

  /** install_ makes c the client's connection and starts it. */
  private install_(c: Conn): void {
    this.conn_ = c;
    c.onFrame_ = (b) => this.conn_ === c && this.deliver_(b);
    c.onEnd_ = (e) => this.conn_ === c && this.ended_(e);
    this.setTransport_(c.transport_() as Transport);
    if (c instanceof HTTP && !c.loop_) c.start_();
  }

  private setTransport_(t: Transport): void {
    if (t !== this.transport) this.emit_("transport", (this.transport = t));
  }

  /** upgrade_ tries once to move HTTP session h to a WebSocket, following
   * transports/doc.go, "Upgrade to WebSocket". */
  private async upgrade_(h: HTTP): Promise<void> {
    let ws: WS | undefined;
    try {
      ws = await openWS({ ...this.connOptions_, protocols: undefined }, this.ws_("sid=" + h.h.sid), false); // a probe carries no ticket
      const w = ws;
      await new Promise<void>((res, rej) => {
        const t = this.env.setTimeout(rej, this.connOptions_.handshakeTimeout_);
        w.onProbe_ = () => (this.env.clearTimeout(t), res());
        w.onEnd_ = rej;
        w.text_("probe");
      });
      if (this.conn_ !== h) throw 0;
      const n = await h.pause_(this.connOptions_.handshakeTimeout_);
      if (n < 0 || w.ended_ || this.conn_ !== h) {
        h.resume_();
        throw 0;
      }
      // The switch: frames the server sends from here on come on the
      // WebSocket; frames queued for the uplink are posted first, and
      // sends wait for them, so none overtakes another.
      this.hold_ = [];
      w.live_ = true;
      this.install_(w);
      w.text_("upgrade " + n);
      await h.retire_();
      for (const f of this.hold_) w.send(f);
      this.hold_ = null;
      this.stats.upgrades++;
    } catch {
      this.stats.upgradeFailures++;
      if (ws && this.conn_ !== ws) ws.close();
    }
  }

  /** ended_ handles the end of the client's connection. */
  private ended_(e: TickroomError): void {
    this.conn_ = null;
    this.hold_ = null;
    if (this.resuming_) return this.resuming_("dropped");
    const fail = (r: Resolver<any>) => r.reject_(e);
    this.joins_.splice(0).forEach(fail);
    this.lists_.forEach(fail);
    this.lists_.clear();
    const rc = this.options.reconnect;
    if (this.closing_ || rc === false || stops(e)) return this.finish_(this.closing_ ? null : e);
    if (this.gone_) return; // a reconnect's fresh join: its attempt failed, the next one follows
    this.status = "away";
    this.emit_("dropped", e);
    this.reconnect_(rc ?? {}, e);
  }

  /** reconnect_ dials again and asks for the client's place back, with
   * backoff and full jitter, within rc's bounds: the seat (resume), the
   * room (a fresh join, when the seat is gone), or nothing (the lobby). */
  private async reconnect_(rc: Reconnect, why: TickroomError): Promise<void> {
    const env = this.env, start = env.now(), attempts = rc.attempts ?? 10, maxTime = rc.maxTime ?? 30000;
    for (let i = 0; i < attempts && !this.closing_; i++) {
      // Not before the Retry-After of a refusal for load.
      const d = Math.max(env.random() * Math.min(rc.max ?? 5000, (rc.base ?? 100) * 2 ** i), why.retryAfter! | 0);
      if (env.now() - start + d > maxTime) break;
      await new Promise<void>((r) => env.setTimeout(r, d));
      if (this.closing_) return;
      this.stats.reconnects++;
      const w = this.welcome ?? this.gone_, token = !this.gone_ && w?.resumeToken;
      let c: Conn;
      try {
        c = await this.dial_(token);
      } catch (e) {
        why = e as TickroomError;
        if (stops(why)) break;
        continue;
      }
      if (this.closing_) return c.close();
      type A = "ok" | "expired" | "dropped";
      let a = "expired" as A;
      this.install_(c);
      if (token) {
        c.send(frame(16, ProtocolVersion, token, this.mirror_.current_.tick, this.lastEvent));
        a = await new Promise<A>((r) => {
          this.resuming_ = r;
          env.setTimeout(() => r("dropped"), 2 * this.connOptions_.handshakeTimeout_);
        });
        this.resuming_ = null;
        if (a === "dropped") {
          if (this.conn_ === c) (this.conn_ = null), c.close();
          continue;
        }
      }
      this.status = "open";
      if (a === "ok" || !w) {
        for (const [f] of this.away_.splice(0)) this.sendFrame_(f);
        this.emit_("resumed", this.welcome, false);
        return;
      }
      // The seat is gone: join the room again, by its id, with the options
      // of the join that seated the player. A join refused because the
      // server takes no newcomers now, or whose connection ends, fails the
      // attempt (as in client/comeback.go): later ones join afresh.
      this.leftRoom_();
      this.gone_ = w;
      try {
        const f = await this.join({ how: w.roomId ? "id" : "match", room: w.roomId || w.room, mode: w.mode, options: this.joinOptions_ });
        this.gone_ = null;
        this.emit_("resumed", f, true);
        return;
      } catch (e) {
        why = e as TickroomError;
        if (this.conn_ === c && why.code !== 4024) {
          this.gone_ = null;
          this.emit_("left", why);
          return;
        }
      }
      if (this.closing_ || stops(why)) return; // ended (ended_() finished the client)
      this.status = "away";
      if (this.conn_ === c) (this.conn_ = null), c.close();
    }
    if (this.closing_) return;
    this.emit_("gaveUp", why);
    this.finish_(why);
  }

  /** finish_ ends the client for good. */
  private finish_(why: TickroomError | null): void {
    if (this.status === "closed") return;
    this.status = "closed";
    this.env.clearTimeout(this.pinger_);
    this.leftRoom_();
    this.emit_("close", why);
  }

  // ---- inbound ----

  /** deliver_ handles one frame from the server. It never throws. */
  private deliver_(b: Uint8Array): void {
    this.stats.frames++;
    this.stats.bytes += b.length;
    let f: ServerFrame;
    try {
      f = decodeServer(b);
    } catch (e) {
      const te = e as TickroomError;
      this.stats.badFrames++;
      this.emit_("error", te);
      // As the server does with a client's: a malformed frame (or a
      // welcome of another version) closes; an unknown kind is ignored.
      if (te.code !== C.UnknownKind) this.closeWith_(te);
      return;
    }
    switch (f.kind) {
      case 2: {
        const resumed = !!this.resuming_;
        this.welcome = f;
        this.rates = { tick: 0, tickRate: f.tickRate, sendRate: f.sendRate };
        this.pending_ = [];
        this.segs_ = [{ tick: 0, ms: 0, rate: f.tickRate }];
        this.time_(f.serverTime);
        this.inputSent_ = false;
        if (resumed) {
          this.mirror_.schemas_ = f.schemas;
          this.resuming_!("ok");
        } else {
          this.mirror_.reset_(f.schemas);
          this.view = null;
          this.seq_ = this.inputAck = this.lastEvent = 0;
          this.joins_.shift()?.resolve_(f);
          this.emit_("welcome", f);
        }
        break;
      }
      case 5:
      case 6:
        this.onState_(f);
        break;
      case 8: {
        const now = this.env.now(), rtt = now - Number(f.clientTime) / 1000;
        if (rtt >= 0 && rtt < 60000) {
          this.rtt = rtt;
          this.samples_.push([rtt, this.time_(f.serverTime) + rtt / 2 - now]);
          if (this.samples_.length > 8) this.samples_.shift();
          this.offset = this.samples_.reduce((a, b) => (b[0] < a[0] ? b : a))[1];
          this.emit_("pong", rtt, this.offset);
        }
        break;
      }
      case 9: {
        const e = new TickroomError(f.code, f.message || "tickroom: " + f.code);
        this.emit_("error", e);
        if (this.resuming_ && f.code === C.ResumeExpired) this.resuming_("expired");
        else if (this.welcome && (f.code === C.Kicked || f.code === C.RoomClosed)) {
          this.leftRoom_();
          this.emit_("left", e);
        } else if (REFUSALS.includes(f.code)) (f.code === C.AlreadyJoined ? this.joins_.pop() : this.joins_.shift())?.reject_(e);
        break;
      }
      case 13: {
        const r = this.lists_.get(f.request);
        this.lists_.delete(f.request);
        r?.resolve_({ total: f.total, rooms: f.rooms });
        break;
      }
      case 14:
        if (f.id <= this.lastEvent) return; // seen before a resume
        this.lastEvent = f.id;
        this.stats.events++;
        this.emit_("event", f);
        break;
      case 15:
        this.pending_.push(f);
        this.reach_(this.mirror_.current_.tick);
    }
    this.emit_("frame", f);
  }

  /** onState_ applies a snapshot or diff, acknowledges it as the spec says
   * and reports the changes. */
  private onState_(f: ServerFrame & { kind: 5 | 6 }): void {
    f.base ? this.stats.diffs++ : this.stats.snapshots++;
    const prev = this.view;
    let next: State | null;
    try {
      next = this.mirror_.put_(f);
    } catch (e) {
      if (e instanceof Lost) this.stats.lostBaselines++;
      else {
        this.stats.badFrames++;
        this.emit_("error", err(0, "bad state: " + (e as BadDelta).message, "bad_delta"));
      }
      // Ask for a full snapshot.
      this.sendFrame_(frame(4, 0));
      return;
    }
    const auto = next && !this.options.manualAck && !this.inputSent_;
    this.inputSent_ = false;
    if (!next) return;
    this.inputAck = Math.max(this.inputAck, f.inputAck);
    this.reach_(next.tick);
    const time = this.time_(f.serverTime);
    // Before any pong, a state's time is a bound on the offset.
    if (!this.samples_.length) this.offset = Math.max(prev ? this.offset : -Infinity, time - this.env.now());
    const view = (this.view = new View(next, this.welcome!.schemas, f.serverTime, f.inputAck, time));
    if (auto) this.sendFrame_(frame(4, next.tick));
    const old = prev ?? new View({ tick: 0, entities: [] }, view.schemas, 0, 0, 0);
    if (["add", "update", "remove"].some((n) => this.listeners_.get(n)?.size)) this.changes_(old, view);
    this.emit_("state", view, old);
  }

  /** changes_ reports the entities added, changed and removed between two
   * views (states share unchanged entities, so this is cheap). */
  private changes_(a: View, b: View): void {
    const x = a.entities, y = b.entities;
    let i = 0, j = 0;
    while (i < x.length || j < y.length) {
      if (j === y.length || (i < x.length && x[i].id < y[j].id)) this.emit_("remove", x[i++], b);
      else if (i === x.length || y[j].id < x[i].id) this.emit_("add", y[j++], b);
      else {
        const p = x[i++], e = y[j++];
        if (p !== e) {
          const fs = fieldsChanged(p, e);
          if (fs.length) this.emit_("update", e, p, fs, b);
        }
      }
    }
  }

  /** reach_ applies the announced rates whose tick a state has reached. */
  private reach_(tick: number): void {
    while (this.pending_.length && this.pending_[0].tick <= tick) {
      const r = this.pending_.shift()!;
      this.segs_.push({ tick: r.tick, ms: this.tickTime(r.tick), rate: r.tickRate });
      this.emit_("rates", (this.rates = { tick: r.tick, tickRate: r.tickRate, sendRate: r.sendRate }));
    }
  }

  /** time_ unwraps a serverTime onto a line that does not wrap. */
  private time_(t: number): number {
    const d = (t - (this.timeBase_ ?? t)) | 0;
    this.timeBase_ = t;
    return (this.timeUn_ = (this.timeUn_ ?? t) + d);
  }

  /** tickTime returns the game time of a tick in ms since the room's tick
   * 0, at the rates in effect for each tick. */
  tickTime(tick: number): number {
    let s = this.segs_[0] ?? { tick: 0, ms: 0, rate: 20 };
    for (const x of this.segs_) if (x.tick <= tick) s = x;
    return s.ms + ((tick - s.tick) * 1000) / s.rate;
  }

  /** serverNow estimates the server's clock now, in the unwrapped ms of
   * View.time. */
  serverNow(): number {
    return this.env.now() + this.offset;
  }

  // ---- outbound ----

  /** sendFrame_ sends or queues a frame; false when it cannot. */
  private sendFrame_(f: Uint8Array): boolean {
    if (this.hold_) return this.hold_.push(f), true;
    return !!this.conn_?.send(f);
  }

  private closeWith_(e: TickroomError): void {
    const c = this.conn_;
    if (!c) return;
    this.closing_ = true;
    this.finish_(e);
    c.close(e.code, e.message.slice(0, 120));
  }

  /** join asks for a seat and resolves with the welcome; a refusal rejects
   * with a TickroomError (room_full, room_not_found, join_refused with the
   * game's reason, …), after which the client is still connected. */
  join(spec: JoinSpec = {}): Promise<Welcome> {
    return new Promise((res, rej) => {
      const how = JoinHow[spec.how ?? "match"];
      checkStr("mode", spec.mode ?? "", Limits.mode);
      checkStr("name", this.options.name ?? "", Limits.name);
      checkStr("room", spec.room ?? "", Limits.room);
      if (how === undefined) throw badArg("unknown join how " + spec.how);
      const f = frame(1, ProtocolVersion, spec.mode ?? "", this.options.name ?? "", how, spec.room ?? "", payloadOf("options", spec.options, Limits.payload));
      if (this.status !== "open") throw err(0, "not connected", "closed");
      this.joinOptions_ = spec.options;
      this.joins_.push({ resolve_: res, reject_: rej });
      this.sendFrame_(f);
    });
  }

  /** list asks for a page of the public rooms; it works in the lobby too. */
  list(q: ListQuery = {}): Promise<{ total: number; rooms: RoomInfo[] }> {
    return new Promise((res, rej) => {
      const filter = q.filter ?? {};
      checkStr("mode", q.mode ?? "", Limits.mode);
      if (Object.keys(filter).length > Limits.filterKeys) throw badArg("too many filter keys");
      for (const k in filter) checkStr("filter key", k, Limits.metaKey), checkStr("filter value", filter[k], Limits.metaValue);
      if (this.status !== "open") throw err(0, "not connected", "closed");
      const n = (this.listNext_ = (this.listNext_ + 1) >>> 0);
      this.lists_.set(n, { resolve_: res, reject_: rej });
      this.sendFrame_(frame(12, n, q.mode ?? "", u32(q.offset ?? 0), Math.min(u32(q.limit ?? 0), Limits.listLimit), filter));
    });
  }

  /** send sends the room a game message: a type the game knows and a
   * payload (any value msgpack encodes). While reconnecting, messages wait
   * (Options.messageBuffer of them) and go out once the seat is back. */
  send(type: string, payload?: unknown): boolean {
    checkStr("message type", type, Limits.type, 1);
    const f = frame(11, type, payloadOf("payload", payload, Limits.payload));
    return (this.status === "open" && this.sendFrame_(f)) || this.keep_(f, false);
  }

  /** input sends one input, carrying the ack of the newest state, and
   * returns its seq (0 when it could not be sent: no room, no connection).
   * While reconnecting, the newest inputs (Options.inputBuffer) wait and
   * go out once the seat is back. */
  input(i: Input = {}): number {
    if (!this.welcome) return 0;
    const axes = (i.axes ?? []).slice(0, 4).map(i16);
    while (axes.length && !axes[axes.length - 1]) axes.pop();
    const seq = (this.seq_ = (this.seq_ + 1) >>> 0 || 1);
    const f = frame(3, seq, this.mirror_.current_.tick, (i.buttons ?? 0) >>> 0, ...axes);
    const sent = this.status === "open" && this.sendFrame_(f);
    if (!sent && !this.keep_(f, true)) return 0;
    this.inputSent_ = sent; // the input carries the ack: no explicit one for this state
    return seq;
  }

  /** ack acknowledges the newest state (for Options.manualAck). */
  ack(): boolean {
    return this.sendFrame_(frame(4, this.mirror_.current_.tick));
  }

  /** ping sends a ping; the pong sets rtt and offset. */
  ping(): boolean {
    return this.sendFrame_(frame(7, Math.round(this.env.now() * 1000)));
  }

  private pingLoop_(): void {
    const ms = this.options.pingInterval ?? 2000;
    if (!ms || this.status === "closed") return;
    if (this.status === "open") this.ping();
    this.pinger_ = this.env.setTimeout(() => this.pingLoop_(), ms);
  }

  /** leave gives up the seat; the client stays connected in the lobby. */
  leave(): void {
    this.leftRoom_();
    this.sendFrame_(frame(10));
    this.emit_("left", null);
  }

  /** keep_ keeps a frame that was not sent for after the resume, as the Go
   * client does (client/away.go): while reconnecting, or when the
   * WebSocket is closing, its end on the way (a send that failed on HTTP
   * found the queue full); the newest inputs (an older one makes room, in
   * place among the messages), the messages up to their bound. */
  private keep_(f: Uint8Array, input: boolean): boolean {
    const q = this.away_, o = this.options;
    if (this.status !== "away" && !(this.status === "open" && this.conn_ instanceof WS && !this.closing_ && o.reconnect !== false)) return false;
    if (q.filter((x) => x[1] === input).length >= ((input ? o.inputBuffer ?? 4 : o.messageBuffer) ?? 64)) {
      const i = input ? q.findIndex((x) => x[1]) : -1;
      if (i < 0) return false;
      q.splice(i, 1);
      this.stats.inputsDropped++;
    }
    return q.push([f, input]) > 0;
  }

  private leftRoom_(): void {
    this.welcome = this.view = this.gone_ = null;
    this.mirror_.reset_(null);
    this.rates = noRates;
    this.pending_ = [];
    this.away_ = [];
  }

  /** close ends the connection (and any reconnecting) for good. */
  close(): void {
    this.closing_ = true;
    if (this.conn_) this.conn_.close();
    else this.finish_(null);
  }

  /** stateAt returns the kept state of a tick, if the client has it. */
  stateAt(tick: number): State | undefined {
    return this.mirror_.states_.get(tick);
  }
}

function path(p: string | undefined, d: string): string {
  return p ? "/" + p.replace(/^\/|\/$/g, "") : d;
}

export { Payload };
