// Helpers people would otherwise write badly: an interpolation buffer for
// remote entities, client-side prediction with reconciliation for the local
// player, and an input sender paced to the room's tick rate.
//
// Members whose names end in an underscore (off_, next_) are internal: the
// build gives them short names (README.md, "Source conventions"). Nothing
// that crosses a boundary by name (the public API, wire and JSON fields,
// options, platform APIs) may end in one.

import type { Client, Input } from "./client";
import { readValue } from "./view";
import type { View } from "./view";

/** Sampled is an entity as an Interpolator renders it: values read as
 * their fields say (Float fields in units, lerped; the others snapped). */
export interface Sampled {
  id: number;
  type: number;
  values: (number | bigint | boolean | string)[];
}

export interface InterpolatorOptions {
  /** How far in the past to render, in ms; default 100 (two sends at
   * 20 Hz). More hides more jitter and loss, and shows older positions. */
  delay?: number;
  /** Key states by their tick's game time (Client.tickTime) instead of
   * their serverTime: smoother when the server's timer is late, since the
   * tick says which game moment a state is. Default false. */
  byTick?: boolean;
  /** States kept; default 32. */
  keep?: number;
}

/** Interpolator renders remote entities a delay in the past, between the
 * two states around that moment. Give it a client (it then takes every
 * state and knows the clock), or push states yourself and sample at keys
 * of your own. */
export class Interpolator {
  readonly delay: number;
  readonly byTick: boolean;
  readonly keep: number;
  /** The buffered states: [key ms, view], oldest first. */
  buf: [number, View][] = [];
  private off_?: () => void;
  constructor(
    readonly client: Client | null = null,
    o: InterpolatorOptions = {},
  ) {
    this.delay = o.delay ?? 100;
    this.byTick = !!o.byTick;
    this.keep = o.keep ?? 32;
    if (client) this.off_ = client.on("state", (v) => this.push(v, this.keyOf(v)));
  }
  /** keyOf is the time line position of a view: its unwrapped serverTime,
   * or its tick's game time. */
  keyOf(v: View): number {
    return this.byTick && this.client ? this.client.tickTime(v.tick) : v.time;
  }
  /** push adds a state at key (ms). An older or equal key replaces the
   * buffer's tail (a new room, a snapshot after a reset). */
  push(v: View, key: number): void {
    while (this.buf.length && this.buf[this.buf.length - 1][0] >= key) this.buf.pop();
    this.buf.push([key, v]);
    if (this.buf.length > this.keep) this.buf.shift();
  }
  /** now is the key to render at: the server's time (or the newest tick's
   * game time, moved on by the server clock) less the delay. */
  now(): number {
    const c = this.client!, last = this.buf[this.buf.length - 1];
    if (!last) return 0;
    const t = c.serverNow();
    return (this.byTick ? this.keyOf(last[1]) + t - last[1].time : t) - this.delay;
  }
  /** sample returns the entities at key (default now()), every type or
   * those of one type (an index or a name). */
  sample(key: number = this.now(), type?: number | string): Sampled[] {
    const b = this.buf;
    if (!b.length) return [];
    let i = 0;
    while (i + 1 < b.length && b[i + 1][0] <= key) i++;
    const [k0, v0] = b[i];
    const next = key > k0 ? b[i + 1] : undefined;
    const a = next ? (key - k0) / (next[0] - k0) : 0;
    return v0.all(type).map((e) => {
      const to = next?.[1].entity(e.id), both = to?.type === e.type;
      const values = v0.schemas[e.type].fields.map((f, i) => {
        const x = readValue(f, e.values[i]) as number;
        return both && f.type === 2 ? x + ((readValue(f, to!.values[i]) as number) - x) * a : x;
      });
      return { id: e.id, type: e.type, values };
    });
  }
  /** get reads field f (an index or a name) of a sampled entity. */
  get(e: Sampled, f: number | string): number | bigint | boolean | string | undefined {
    const v = this.buf[0]?.[1];
    return e.values[typeof f === "string" ? (v ? v.fieldByName(e.type, f) : -1) : f];
  }
  /** stop stops taking the client's states. */
  stop(): void {
    this.off_?.();
  }
}

/** Predictor runs the local player ahead of the server: each input is
 * applied at once through the game's step function and kept until the room
 * acknowledges it; each authoritative state then replays the inputs the
 * room had not applied yet on top of it (reconciliation). S is the game's
 * own state of the player (a position, say), I its input. */
export class Predictor<S, I = Input> {
  /** Inputs sent and not yet acknowledged: [seq, input]. */
  pending: [number, I][] = [];
  constructor(
    /** step returns the state one input (one tick) after s. It must not
     * modify s. */
    readonly step: (s: S, input: I) => S,
    /** The predicted state. */
    public state: S,
  ) {}
  /** input applies an input sent with seq (0: not sent, applied only). */
  input(seq: number, input: I): S {
    if (seq) this.pending.push([seq, input]);
    return (this.state = this.step(this.state, input));
  }
  /** reconcile takes the authoritative state and the room's inputAck:
   * acknowledged inputs are dropped, the others replayed. */
  reconcile(auth: S, inputAck: number): S {
    this.pending = this.pending.filter(([seq]) => seq > inputAck);
    let s = auth;
    for (const [, i] of this.pending) s = this.step(s, i);
    return (this.state = s);
  }
}

export interface InputSenderOptions {
  /** sample returns the input for the next tick, or null to send none. */
  sample: () => Input | null;
  /** onSend is called with each input sent and its seq (a Predictor's
   * input method fits). */
  onSend?: (seq: number, input: Input) => void;
  /** The most inputs per second, whatever the tick rate; default 60 (the
   * server's default session.input_rate). */
  maxRate?: number;
}

/** InputSender sends an input every tick of the room (at most maxRate a
 * second), each carrying the ack of the newest state, so that a playing
 * client sends nothing else upstream. */
export class InputSender {
  private t: unknown = null;
  private next_!: number;
  constructor(
    readonly client: Pick<Client, "input" | "rates" | "env">,
    readonly o: InputSenderOptions,
  ) {}
  /** interval is the time between two inputs now, in ms. */
  interval(): number {
    return 1000 / Math.min(this.client.rates.tickRate || 20, this.o.maxRate ?? 60);
  }
  start(): void {
    if (this.t !== null) return;
    const env = this.client.env;
    this.next_ = env.now();
    const tick = () => {
      const i = this.client.rates.tickRate ? this.o.sample() : null;
      if (i) {
        const seq = this.client.input(i);
        if (seq) this.o.onSend?.(seq, i);
      }
      // Paced on the clock, not on the timer: a late timer does not slow
      // the inputs down, and a long stall does not make a burst.
      const now = env.now();
      this.next_ += this.interval();
      if (this.next_ <= now) this.next_ = now + this.interval();
      this.t = env.setTimeout(tick, this.next_ - now);
    };
    tick();
  }
  stop(): void {
    this.client.env.clearTimeout(this.t);
    this.t = null;
  }
}
