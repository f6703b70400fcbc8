// The room mirror: states applied from snapshots and diffs against the exact
// baseline they name (netcode/doc.go, "Deltas"; world.Apply).
//
// Members whose names end in an underscore (Mirror.put_, states_) are
// internal: the build gives them short names (README.md, "Source
// conventions"). Nothing that crosses a boundary by name (the public API,
// wire and JSON fields, options, platform APIs) may end in one.

import type { Int } from "./msgpack";
import { MalformedError as BadDelta, fail as bad, norm } from "./msgpack";
import type { Change, Schema, StateFrame, Value } from "./protocol";

/** Entity is one entity of a state: its id, its type (an index into the
 * schemas) and one value per field. States share unchanged entities, so
 * never modify one. */
export interface Entity {
  readonly id: number;
  readonly type: number;
  readonly values: readonly Value[];
}

/** State is the room at one tick, entities sorted by id. */
export interface State {
  readonly tick: number;
  readonly entities: readonly Entity[];
}

// BadDelta reports a state that does not fit its baseline or schemas: a
// MalformedError, as for a frame that does not fit its layout.
export { BadDelta };

/** add adds two int64 values with int64 wrap-around. */
export function add(a: Int, b: Int): Int {
  if (typeof a === "number" && typeof b === "number") {
    const s = a + b;
    if (Number.isSafeInteger(s)) return s;
  }
  return norm(BigInt.asIntN(64, BigInt(a) + BigInt(b)));
}

/** fit returns v as a value of a field of type t (the int 0 reads as ""
 * for String fields, "" as 0 for the others), or throws BadDelta. */
function fit(t: number, v: Value, id: number): Value {
  return (typeof v === "string") === (t === 4) ? v : v === "" ? 0 : v === 0 ? "" : bad("type " + id);
}

function change(schemas: readonly Schema[], e: Entity, c: Change): Entity {
  const fields = schemas[e.type].fields;
  // The decoder read one value per bit set.
  const bitsLen = c.hi ? 64 - Math.clz32(c.hi) : 32 - Math.clz32(c.lo);
  if (bitsLen > fields.length) bad("mask " + c.id);
  const vals = e.values.slice();
  let i = 0;
  for (let f = 0; f < bitsLen; f++) {
    if (((f < 32 ? c.lo >>> f : c.hi >>> (f - 32)) & 1) === 0) continue;
    const t = fields[f].type, v = fit(t, c.values[i++], c.id);
    vals[f] = t === 4 ? v : add(vals[f] as Int, v as Int);
  }
  return { id: e.id, type: e.type, values: vals };
}

/** find returns the index of entity id in entities (sorted by id), or -1. */
export function find(entities: readonly Entity[], id: number): number {
  let lo = 0, hi = entities.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >>> 1, x = entities[m].id;
    if (x === id) return m;
    if (x < id) lo = m + 1;
    else hi = m - 1;
  }
  return -1;
}

/** apply returns the state that frame d turns base into (base is ignored
 * for a snapshot), as world.Apply does: remove, change, add, then the
 * private section. It throws BadDelta for a state that does not fit. */
export function apply(schemas: readonly Schema[], base: State | undefined, d: StateFrame): State {
  let out: Entity[] = [];
  const patch = (cs: Change[]) => {
    for (const c of cs) {
      const i = find(out, c.id);
      out[i < 0 ? bad("no entity " + c.id) : i] = change(schemas, out[i], c);
    }
  };
  if (d.base) {
    if (base?.tick !== d.base) bad("baseline " + d.base);
    const gone = new Set(d.removed);
    out = base!.entities.filter((e) => !gone.delete(e.id));
    if (gone.size) bad("removed " + [...gone]);
    patch(d.changed);
  }
  for (const a of d.added) {
    const s = schemas[a.type];
    if (s?.fields.length !== a.values.length) bad("added " + a.id);
    out.push({ id: a.id, type: a.type, values: a.values.map((v, i) => fit(s.fields[i].type, v, a.id)) });
  }
  out.sort((x, y) => x.id - y.id); // in order already unless something was added
  for (let i = 1; i < out.length; i++) if (out[i].id === out[i - 1].id) bad("twice " + out[i].id);
  patch(d.private);
  return { tick: d.tick, entities: out };
}

/** Mirror keeps the newest state and the recent states a diff may name as
 * its baseline. */
export class Mirror {
  states_ = new Map<number, State>();
  current_: State = { tick: 0, entities: [] };
  constructor(
    public schemas_: Schema[] | null,
    public limit_: number,
  ) {}
  /** put_ applies a decoded state: it returns the new state, null for a
   * state older than the newest or one before a welcome (sent before the
   * server took a leave: ignored), or throws: "lost" (a Lost error) when
   * the diff's baseline is no longer kept, BadDelta when it does not fit. */
  put_(d: StateFrame): State | null {
    if (!this.schemas_ || (d.tick <= this.current_.tick && this.current_.tick)) return null;
    let base: State | undefined;
    if (d.base !== 0 && !(base = this.states_.get(d.base))) throw new Lost();
    const next = apply(this.schemas_, base, d);
    this.states_.set(next.tick, next);
    // Ticks only grow: the Map's first key is the oldest.
    if (this.states_.size > this.limit_) this.states_.delete(this.states_.keys().next().value!);
    return (this.current_ = next);
  }
  reset_(schemas: Schema[] | null): void {
    this.schemas_ = schemas;
    this.states_.clear();
    this.current_ = { tick: 0, entities: [] };
  }
}

/** Lost is a diff whose baseline the mirror no longer keeps. */
export class Lost extends Error {}

/** fieldsChanged lists the fields whose values differ between two states
 * of one entity. */
export function fieldsChanged(a: Entity, b: Entity): number[] {
  const out: number[] = [];
  for (let f = 0; f < b.values.length; f++) if (a.values[f] !== b.values[f]) out.push(f);
  return out;
}
