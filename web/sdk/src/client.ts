// The client: one connection to a Tickroom server over any transport, the
// room mirror, joins, messages, events, listings, pings and resume.

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
  /** Give up after this many ms since the drop; default 20000 (the
   * server's default room.resume_window). */
  maxTime?: number;
  /** The backoff: attempt i waits a random time in [0, min(max, base·2^i))
   * ms (full jitter); defaults 250 and 5000. */
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

type Resolver<T> = { res: (v: T) => void; rej: (e: TickroomError) => void };

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
  private conn?: Conn | null;
  private co: ConnOptions;
  private mirror: Mirror;
  private ls = new Map<string, Set<(...a: any[]) => void>>();
  private pending: Rates[] = [];
  private segs: { tick: number; ms: number; rate: number }[] = [];
  private seq!: number; // the last input's; (undefined + 1) >>> 0 || 1 is 1
  private inputSent?: boolean;
  private joins: Resolver<Welcome>[] = [];
  private lists = new Map<number, Resolver<{ total: number; rooms: RoomInfo[] }>>();
  private listNext = 0;
  private joinOptions?: unknown; // of the join that seated the player
  private hold?: Uint8Array[] | null; // sends during an upgrade's switch
  private away: [Uint8Array, boolean][] = []; // messages and inputs (true) kept while reconnecting
  private resuming?: ((r: "ok" | "expired" | "dropped") => void) | null;
  private gone?: Welcome | null; // a seat resume_expired took: reconnects join its room afresh
  private closing?: boolean;
  private httpFirst?: boolean; // WebSocket failed where HTTP worked: start on HTTP
  private noStream?: boolean; // a stream was found behind a buffering proxy
  private pinger: unknown;
  private samples: [number, number][] = []; // pong [rtt, offset] samples
  private timeBase?: number; // the last raw serverTime seen, for unwrapping
  private timeUn?: number;

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
    this.mirror = new Mirror(null, options.history || 64);
    this.co = {
      env: this.env,
      handshakeTimeout: options.handshakeTimeout || 5000,
      idleTimeout: options.idleTimeout || 35000,
      readLimit: options.readLimit || 1 << 20,
      sendQueue: options.sendQueue || 256,
      pollInterval: options.pollInterval || 50,
      sendInterval: () => this.rates.sendRate && 1000 / this.rates.sendRate,
    };
    for (const k in options) {
      const f = (options as any)[k];
      if (/^on[A-Z]/.test(k) && typeof f === "function") this.on((k[2].toLowerCase() + k.slice(3)) as keyof Events, f);
    }
  }

  /** on registers a listener and returns the function that removes it. */
  on<K extends keyof Events>(name: K, f: Events[K]): () => void {
    let s = this.ls.get(name);
    if (!s) this.ls.set(name, (s = new Set()));
    s.add(f);
    return () => s!.delete(f);
  }

  private emit<K extends keyof Events>(name: K, ...args: Parameters<Events[K]>): void {
    for (const f of this.ls.get(name) ?? []) {
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
    this.install(await this.dial());
    this.status = "open";
    this.pingLoop();
  }

  // ---- connections ----

  /** dial opens a connection; resume marks a reconnect whose first frame
   * is resume, which a busy server still admits (transports/doc.go,
   * "Resuming"). */
  private async dial(resume?: unknown): Promise<Conn> {
    const o = this.options, t = o.transport || "";
    const ticket = typeof o.ticket === "function" ? await o.ticket() : o.ticket;
    this.co.protocols = ticket ? ["tickroom", "tickroom-ticket." + ticket] : undefined;
    let wsErr: TickroomError | undefined;
    if (t === "websocket" || (t === "" && !this.httpFirst)) {
      try {
        return await openWS(this.co, resume ? this.ws("resume=1") : this.wsURL, true);
      } catch (e) {
        if (t || (e as TickroomError).code) throw e; // a code: the server refused this connection, not WebSocket
        wsErr = e as TickroomError;
      }
    }
    const kind = t === "" || (t === "stream" && this.noStream) ? "longpoll" : t;
    const h = new HTTP(this.co, this.httpURL, await handshake(this.co, this.httpURL, kind, ticket, resume), kind);
    if (wsErr) this.httpFirst = true;
    h.onFallback = () => {
      this.noStream = true;
      this.stats.streamFallbacks++;
      this.setTransport(h.transport() as Transport);
    };
    // upgrades read as text: whatever a server sends there, the worst is a
    // probe it refuses.
    if (!o.noUpgrade && kind !== "poll" && String(h.h.upgrades).includes("websocket")) queueMicrotask(() => this.upgrade(h));
    return h;
  }

  /** ws is the WebSocket endpoint with one more query parameter. */
  private ws(q: string): string {
    return this.wsURL + (this.wsURL.includes("?") ? "&" : "?") + q;
  }

  /** install makes c the client's connection and starts it. */
  private install(c: Conn): void {
    this.conn = c;
    c.onFrame = (b) => this.conn === c && this.deliver(b);
    c.onEnd = (e) => this.conn === c && this.ended(e);
    this.setTransport(c.transport() as Transport);
    if (c instanceof HTTP && !c.loop) c.start();
  }

  private setTransport(t: Transport): void {
    if (t !== this.transport) this.emit("transport", (this.transport = t));
  }

  /** upgrade tries once to move HTTP session h to a WebSocket, following
   * transports/doc.go, "Upgrade to WebSocket". */
  private async upgrade(h: HTTP): Promise<void> {
    let ws: WS | undefined;
    try {
      ws = await openWS({ ...this.co, protocols: undefined }, this.ws("sid=" + h.h.sid), false); // a probe carries no ticket
      const w = ws;
      await new Promise<void>((res, rej) => {
        const t = this.env.setTimeout(rej, this.co.handshakeTimeout);
        w.onProbe = () => (this.env.clearTimeout(t), res());
        w.onEnd = rej;
        w.text("probe");
      });
      if (this.conn !== h) throw 0;
      const n = await h.pause(this.co.handshakeTimeout);
      if (n < 0 || w.ended || this.conn !== h) {
        h.resume();
        throw 0;
      }
      // The switch: frames the server sends from here on come on the
      // WebSocket; frames queued for the uplink are posted first, and
      // sends wait for them, so none overtakes another.
      this.hold = [];
      w.live = true;
      this.install(w);
      w.text("upgrade " + n);
      await h.retire();
      for (const f of this.hold) w.send(f);
      this.hold = null;
      this.stats.upgrades++;
    } catch {
      this.stats.upgradeFailures++;
      if (ws && this.conn !== ws) ws.close();
    }
  }

  /** ended handles the end of the client's connection. */
  private ended(e: TickroomError): void {
    this.conn = null;
    this.hold = null;
    if (this.resuming) return this.resuming("dropped");
    const fail = (r: Resolver<any>) => r.rej(e);
    this.joins.splice(0).forEach(fail);
    this.lists.forEach(fail);
    this.lists.clear();
    const rc = this.options.reconnect;
    if (this.closing || rc === false || stops(e)) return this.finish(this.closing ? null : e);
    if (this.gone) return; // a reconnect's fresh join: its attempt failed, the next one follows
    this.status = "away";
    this.emit("dropped", e);
    this.reconnect(rc ?? {}, e);
  }

  /** reconnect dials again and asks for the client's place back, with
   * backoff and full jitter, within rc's bounds: the seat (resume), the
   * room (a fresh join, when the seat is gone), or nothing (the lobby). */
  private async reconnect(rc: Reconnect, why: TickroomError): Promise<void> {
    const env = this.env, start = env.now(), attempts = rc.attempts ?? 10, maxTime = rc.maxTime ?? 30000;
    for (let i = 0; i < attempts && !this.closing; i++) {
      // Not before the Retry-After of a refusal for load.
      const d = Math.max(env.random() * Math.min(rc.max ?? 5000, (rc.base ?? 100) * 2 ** i), why.retryAfter! | 0);
      if (env.now() - start + d > maxTime) break;
      await new Promise<void>((r) => env.setTimeout(r, d));
      if (this.closing) return;
      this.stats.reconnects++;
      const w = this.welcome ?? this.gone, token = !this.gone && w?.resumeToken;
      let c: Conn;
      try {
        c = await this.dial(token);
      } catch (e) {
        why = e as TickroomError;
        if (stops(why)) break;
        continue;
      }
      if (this.closing) return c.close();
      type A = "ok" | "expired" | "dropped";
      let a = "expired" as A;
      this.install(c);
      if (token) {
        c.send(frame(16, ProtocolVersion, token, this.mirror.current.tick, this.lastEvent));
        a = await new Promise<A>((r) => {
          this.resuming = r;
          env.setTimeout(() => r("dropped"), 2 * this.co.handshakeTimeout);
        });
        this.resuming = null;
        if (a === "dropped") {
          if (this.conn === c) (this.conn = null), c.close();
          continue;
        }
      }
      this.status = "open";
      if (a === "ok" || !w) {
        for (const [f] of this.away.splice(0)) this.sendFrame(f);
        this.emit("resumed", this.welcome, false);
        return;
      }
      // The seat is gone: join the room again, by its id, with the options
      // of the join that seated the player. A join refused because the
      // server takes no newcomers now, or whose connection ends, fails the
      // attempt (as in client/comeback.go): later ones join afresh.
      this.leftRoom();
      this.gone = w;
      try {
        const f = await this.join({ how: w.roomId ? "id" : "match", room: w.roomId || w.room, mode: w.mode, options: this.joinOptions });
        this.gone = null;
        this.emit("resumed", f, true);
        return;
      } catch (e) {
        why = e as TickroomError;
        if (this.conn === c && why.code !== 4024) {
          this.gone = null;
          this.emit("left", why);
          return;
        }
      }
      if (this.closing || stops(why)) return; // ended (ended() finished the client)
      this.status = "away";
      if (this.conn === c) (this.conn = null), c.close();
    }
    if (this.closing) return;
    this.emit("gaveUp", why);
    this.finish(why);
  }

  /** finish ends the client for good. */
  private finish(why: TickroomError | null): void {
    if (this.status === "closed") return;
    this.status = "closed";
    this.env.clearTimeout(this.pinger);
    this.leftRoom();
    this.emit("close", why);
  }

  // ---- inbound ----

  /** deliver handles one frame from the server. It never throws. */
  private deliver(b: Uint8Array): void {
    this.stats.frames++;
    this.stats.bytes += b.length;
    let f: ServerFrame;
    try {
      f = decodeServer(b);
    } catch (e) {
      const te = e as TickroomError;
      this.stats.badFrames++;
      this.emit("error", te);
      // As the server does with a client's: a malformed frame (or a
      // welcome of another version) closes; an unknown kind is ignored.
      if (te.code !== C.UnknownKind) this.closeWith(te);
      return;
    }
    switch (f.kind) {
      case 2: {
        const resumed = !!this.resuming;
        this.welcome = f;
        this.rates = { tick: 0, tickRate: f.tickRate, sendRate: f.sendRate };
        this.pending = [];
        this.segs = [{ tick: 0, ms: 0, rate: f.tickRate }];
        this.time(f.serverTime);
        this.inputSent = false;
        if (resumed) {
          this.mirror.schemas = f.schemas;
          this.resuming!("ok");
        } else {
          this.mirror.reset(f.schemas);
          this.view = null;
          this.seq = this.inputAck = this.lastEvent = 0;
          this.joins.shift()?.res(f);
          this.emit("welcome", f);
        }
        break;
      }
      case 5:
      case 6:
        this.onState(f);
        break;
      case 8: {
        const now = this.env.now(), rtt = now - Number(f.clientTime) / 1000;
        if (rtt >= 0 && rtt < 60000) {
          this.rtt = rtt;
          this.samples.push([rtt, this.time(f.serverTime) + rtt / 2 - now]);
          if (this.samples.length > 8) this.samples.shift();
          this.offset = this.samples.reduce((a, b) => (b[0] < a[0] ? b : a))[1];
          this.emit("pong", rtt, this.offset);
        }
        break;
      }
      case 9: {
        const e = new TickroomError(f.code, f.message || "tickroom: " + f.code);
        this.emit("error", e);
        if (this.resuming && f.code === C.ResumeExpired) this.resuming("expired");
        else if (this.welcome && (f.code === C.Kicked || f.code === C.RoomClosed)) {
          this.leftRoom();
          this.emit("left", e);
        } else if (REFUSALS.includes(f.code)) (f.code === C.AlreadyJoined ? this.joins.pop() : this.joins.shift())?.rej(e);
        break;
      }
      case 13: {
        const r = this.lists.get(f.request);
        this.lists.delete(f.request);
        r?.res({ total: f.total, rooms: f.rooms });
        break;
      }
      case 14:
        if (f.id <= this.lastEvent) return; // seen before a resume
        this.lastEvent = f.id;
        this.stats.events++;
        this.emit("event", f);
        break;
      case 15:
        this.pending.push(f);
        this.reach(this.mirror.current.tick);
    }
    this.emit("frame", f);
  }

  /** onState applies a snapshot or diff, acknowledges it as the spec says
   * and reports the changes. */
  private onState(f: ServerFrame & { kind: 5 | 6 }): void {
    f.base ? this.stats.diffs++ : this.stats.snapshots++;
    const prev = this.view;
    let next: State | null;
    try {
      next = this.mirror.put(f);
    } catch (e) {
      if (e instanceof Lost) this.stats.lostBaselines++;
      else {
        this.stats.badFrames++;
        this.emit("error", err(0, "bad state: " + (e as BadDelta).message, "bad_delta"));
      }
      // Ask for a full snapshot.
      this.sendFrame(frame(4, 0));
      return;
    }
    const auto = next && !this.options.manualAck && !this.inputSent;
    this.inputSent = false;
    if (!next) return;
    this.inputAck = Math.max(this.inputAck, f.inputAck);
    this.reach(next.tick);
    const time = this.time(f.serverTime);
    // Before any pong, a state's time is a bound on the offset.
    if (!this.samples.length) this.offset = Math.max(prev ? this.offset : -Infinity, time - this.env.now());
    const view = (this.view = new View(next, this.welcome!.schemas, f.serverTime, f.inputAck, time));
    if (auto) this.sendFrame(frame(4, next.tick));
    const old = prev ?? new View({ tick: 0, entities: [] }, view.schemas, 0, 0, 0);
    if (["add", "update", "remove"].some((n) => this.ls.get(n)?.size)) this.changes(old, view);
    this.emit("state", view, old);
  }

  /** changes reports the entities added, changed and removed between two
   * views (states share unchanged entities, so this is cheap). */
  private changes(a: View, b: View): void {
    const x = a.entities, y = b.entities;
    let i = 0, j = 0;
    while (i < x.length || j < y.length) {
      if (j === y.length || (i < x.length && x[i].id < y[j].id)) this.emit("remove", x[i++], b);
      else if (i === x.length || y[j].id < x[i].id) this.emit("add", y[j++], b);
      else {
        const p = x[i++], e = y[j++];
        if (p !== e) {
          const fs = fieldsChanged(p, e);
          if (fs.length) this.emit("update", e, p, fs, b);
        }
      }
    }
  }

  /** reach applies the announced rates whose tick a state has reached. */
  private reach(tick: number): void {
    while (this.pending.length && this.pending[0].tick <= tick) {
      const r = this.pending.shift()!;
      this.segs.push({ tick: r.tick, ms: this.tickTime(r.tick), rate: r.tickRate });
      this.emit("rates", (this.rates = { tick: r.tick, tickRate: r.tickRate, sendRate: r.sendRate }));
    }
  }

  /** time unwraps a serverTime onto a line that does not wrap. */
  private time(t: number): number {
    const d = (t - (this.timeBase ?? t)) | 0;
    this.timeBase = t;
    return (this.timeUn = (this.timeUn ?? t) + d);
  }

  /** tickTime returns the game time of a tick in ms since the room's tick
   * 0, at the rates in effect for each tick. */
  tickTime(tick: number): number {
    let s = this.segs[0] ?? { tick: 0, ms: 0, rate: 20 };
    for (const x of this.segs) if (x.tick <= tick) s = x;
    return s.ms + ((tick - s.tick) * 1000) / s.rate;
  }

  /** serverNow estimates the server's clock now, in the unwrapped ms of
   * View.time. */
  serverNow(): number {
    return this.env.now() + this.offset;
  }

  // ---- outbound ----

  /** sendFrame sends or queues a frame; false when it cannot. */
  private sendFrame(f: Uint8Array): boolean {
    if (this.hold) return this.hold.push(f), true;
    return !!this.conn?.send(f);
  }

  private closeWith(e: TickroomError): void {
    const c = this.conn;
    if (!c) return;
    this.closing = true;
    this.finish(e);
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
      this.joinOptions = spec.options;
      this.joins.push({ res, rej });
      this.sendFrame(f);
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
      const n = (this.listNext = (this.listNext + 1) >>> 0);
      this.lists.set(n, { res, rej });
      this.sendFrame(frame(12, n, q.mode ?? "", u32(q.offset ?? 0), Math.min(u32(q.limit ?? 0), Limits.listLimit), filter));
    });
  }

  /** send sends the room a game message: a type the game knows and a
   * payload (any value msgpack encodes). While reconnecting, messages wait
   * (Options.messageBuffer of them) and go out once the seat is back. */
  send(type: string, payload?: unknown): boolean {
    checkStr("message type", type, Limits.type, 1);
    const f = frame(11, type, payloadOf("payload", payload, Limits.payload));
    return (this.status === "open" && this.sendFrame(f)) || this.keep(f, false);
  }

  /** input sends one input, carrying the ack of the newest state, and
   * returns its seq (0 when it could not be sent: no room, no connection).
   * While reconnecting, the newest inputs (Options.inputBuffer) wait and
   * go out once the seat is back. */
  input(i: Input = {}): number {
    if (!this.welcome) return 0;
    const axes = (i.axes ?? []).slice(0, 4).map(i16);
    while (axes.length && !axes[axes.length - 1]) axes.pop();
    const seq = (this.seq = (this.seq + 1) >>> 0 || 1);
    const f = frame(3, seq, this.mirror.current.tick, (i.buttons ?? 0) >>> 0, ...axes);
    const sent = this.status === "open" && this.sendFrame(f);
    if (!sent && !this.keep(f, true)) return 0;
    this.inputSent = sent; // the input carries the ack: no explicit one for this state
    return seq;
  }

  /** ack acknowledges the newest state (for Options.manualAck). */
  ack(): boolean {
    return this.sendFrame(frame(4, this.mirror.current.tick));
  }

  /** ping sends a ping; the pong sets rtt and offset. */
  ping(): boolean {
    return this.sendFrame(frame(7, Math.round(this.env.now() * 1000)));
  }

  private pingLoop(): void {
    const ms = this.options.pingInterval ?? 2000;
    if (!ms || this.status === "closed") return;
    if (this.status === "open") this.ping();
    this.pinger = this.env.setTimeout(() => this.pingLoop(), ms);
  }

  /** leave gives up the seat; the client stays connected in the lobby. */
  leave(): void {
    this.leftRoom();
    this.sendFrame(frame(10));
    this.emit("left", null);
  }

  /** keep keeps a frame that was not sent for after the resume, as the Go
   * client does (client/away.go): while reconnecting, or when the
   * WebSocket is closing, its end on the way (a send that failed on HTTP
   * found the queue full); the newest inputs (an older one makes room, in
   * place among the messages), the messages up to their bound. */
  private keep(f: Uint8Array, input: boolean): boolean {
    const q = this.away, o = this.options;
    if (this.status !== "away" && !(this.status === "open" && this.conn instanceof WS && !this.closing && o.reconnect !== false)) return false;
    if (q.filter((x) => x[1] === input).length >= ((input ? o.inputBuffer ?? 4 : o.messageBuffer) ?? 64)) {
      const i = input ? q.findIndex((x) => x[1]) : -1;
      if (i < 0) return false;
      q.splice(i, 1);
      this.stats.inputsDropped++;
    }
    return q.push([f, input]) > 0;
  }

  private leftRoom(): void {
    this.welcome = this.view = this.gone = null;
    this.mirror.reset(null);
    this.rates = noRates;
    this.pending = [];
    this.away = [];
  }

  /** close ends the connection (and any reconnecting) for good. */
  close(): void {
    this.closing = true;
    if (this.conn) this.conn.close();
    else this.finish(null);
  }

  /** stateAt returns the kept state of a tick, if the client has it. */
  stateAt(tick: number): State | undefined {
    return this.mirror.states.get(tick);
  }
}

function path(p: string | undefined, d: string): string {
  return p ? "/" + p.replace(/^\/|\/$/g, "") : d;
}

export { Payload };
