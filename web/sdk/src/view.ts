import type { Int } from "./msgpack";
import type { Entity, State } from "./mirror";
import { find } from "./mirror";
import type { Field, Schema } from "./protocol";

/** View is one state of the room with its schemas, for a program that
 * knows the game by its type and field names. Views never change; keep
 * them as long as you like. */
export class View {
  constructor(
    /** The state: its tick and entities, sorted by id. */
    readonly state: State,
    /** The room's entity types (the welcome's). */
    readonly schemas: readonly Schema[],
    /** The server's clock (ms, wrapping at 2^32) when the state was built. */
    readonly serverTime: number,
    /** The last input seq the room had applied for this client. */
    readonly inputAck: number,
    /** serverTime unwrapped: the server's clock in ms on a line that does
     * not wrap, comparable with Client.serverNow(). */
    readonly time: number,
  ) {}
  get tick(): number {
    return this.state.tick;
  }
  get entities(): readonly Entity[] {
    return this.state.entities;
  }
  /** typeByName returns the index of the entity type called name, or -1. */
  typeByName(name: string): number {
    return ix(this.schemas, name);
  }
  /** fieldByName returns the index of field name of type (an index or a
   * name), or -1. */
  fieldByName(type: number | string, name: string): number {
    const s = this.schemas[ix(this.schemas, type)];
    return s ? ix(s.fields, name) : -1;
  }
  /** entity returns the entity with that id, if the state has it. */
  entity(id: number): Entity | undefined {
    return this.state.entities[find(this.state.entities, id)];
  }
  /** all returns the entities of a type (an index or a name), or every
   * entity, in id order. */
  all(type?: number | string): Entity[] {
    const t = ix(this.schemas, type!);
    return this.state.entities.filter((e) => t === undefined || e.type === t);
  }
  /** get reads field f (an index or a name) of e as its schema says: a
   * Float field in units (the integer times its quantum), an Int as a
   * number (a bigint past 2^53), a Bool as a boolean, a String as a
   * string. A private field of an entity you do not own reads as zero. */
  get(e: Entity, f: number | string): number | bigint | boolean | string | undefined {
    const fields = this.schemas[e.type]?.fields ?? [], i = ix(fields, f), field = fields[i];
    return field && readValue(field, e.values[i]);
  }
}

/** ix returns x, or the index of the element called x, or -1. */
const ix = (list: readonly { name: string }[], x: number | string): number => (typeof x === "string" ? list.findIndex((s) => s.name === x) : x);

/** readValue reads a wire value as its field type says. */
export function readValue(f: Field, v: Int | string): number | bigint | boolean | string {
  return f.type === 2 ? Number(v) * f.quantum : f.type === 3 ? v != 0 : v;
}
