// Tickroom's browser SDK: see README.md. (The order of the exports is the
// order of the modules in the bundle, which gzips smallest this way.)

export { Payload } from "./msgpack";
export type { Int } from "./msgpack";
export { Code, FieldType, JoinHow, ProtocolVersion, TickroomError, codeName } from "./protocol";
export type { Field, GameEvent, RoomInfo, Schema, Value, Welcome } from "./protocol";
export { View } from "./view";
export { Client, connect } from "./client";
export type { Events, Input, JoinSpec, ListQuery, Options, Reconnect, RoomRates, Stats, Transport } from "./client";
export { InputSender, Interpolator, Predictor } from "./helpers";
export type { InputSenderOptions, InterpolatorOptions, Sampled } from "./helpers";
export type { Entity, State } from "./mirror";
export type { Env } from "./transports";
