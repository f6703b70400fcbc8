// The client over a fake WebSocket: joins, the mirror, acks as the spec
// says, events once each, rates, pings, errors, bad frames, and resume with
// backoff (on a fake clock).
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import type { Client } from "../src/client";
import { connect } from "../src/client";
import { TickroomError, codeName } from "../src/protocol";
import { Clock, F, FakeWS, enc, env, settle } from "./fake";
import { FakeHTTP } from "./fakehttp";

const hex = (x: unknown) => Buffer.from(enc(x)).toString("hex");
const schemas = [["player", [["x", 2, new F(0.1), 0, 0], ["score", 1, new F(0), 0, 0], ["name", 4, new F(0), 16, 0]]]];
const welcome = (token = "tok", serverTime = 1000) => enc([2, 2, "sess", 1, 5, "room", "arena", 20, 20, serverTime, schemas, "rid", "", token]);
const snapshot = (tick: number, ack = 0) => enc([5, tick, 1000 + tick * 50, ack, [[5, 0, 100, 0, "ada"], [6, 0, 200, 3, "bob"]]]);
const diff = (tick: number, base: number, changed: unknown[], removed: unknown[] = [], ack = 0) => enc([6, tick, base, 1000 + tick * 50, ack, [], changed, removed]);

let clock: Clock;
beforeEach(() => {
  clock = new Clock();
  FakeWS.all = [];
  FakeWS.accept = () => "open";
});

async function seated(o: Record<string, unknown> = {}): Promise<{ c: Client; ws: FakeWS; log: string[] }> {
  const log: string[] = [];
  const c = await connect("http://game.test", {
    name: "ada",
    pingInterval: 0,
    env: env(clock),
    onError: (e) => log.push("error " + e.codeName),
    onEvent: (e) => log.push("event " + e.id),
    onLeft: (e) => log.push("left " + (e?.codeName ?? "")),
    onDropped: (e) => log.push("dropped " + e.codeName),
    onResumed: (_w, fresh) => log.push("resumed " + fresh),
    onGaveUp: () => log.push("gave up"),
    onClose: (e) => log.push("close " + (e?.code ?? "")),
    ...o,
  });
  const ws = FakeWS.all.at(-1)!;
  const joined = c.join({ mode: "arena" });
  await settle();
  ws.recv(welcome());
  await joined;
  return { c, ws, log };
}

test("connects to the endpoints derived from a URL", async () => {
  const c = await connect("https://game.test/prefix/", { env: env(clock), pingInterval: 0 });
  assert.equal(FakeWS.all[0].url, "wss://game.test/prefix/ws");
  assert.equal(c.httpURL, "https://game.test/prefix/rt");
  assert.equal(c.transport, "websocket");
  const d = await connect("wss://game.test/x/ws?k=1", { env: env(clock), pingInterval: 0 });
  assert.equal(d.wsURL, "wss://game.test/x/ws?k=1");
  assert.equal(d.httpURL, "https://game.test/x/rt");
  assert.equal(FakeWS.all[0].protocols, undefined);
  await connect("http://game.test", { env: env(clock), ticket: () => "abc.def", pingInterval: 0 });
  assert.deepEqual(FakeWS.all[2].protocols, ["tickroom", "tickroom-ticket.abc.def"]);
});

test("join sends the frame and resolves with the welcome", async () => {
  const { c, ws } = await seated();
  assert.deepEqual(ws.frames(), [hex([1, 2, "arena", "ada", 0, "", null])]);
  assert.equal(c.welcome!.resumeToken, "tok");
  assert.equal(c.rates.tickRate, 20);
  // A refusal rejects with a typed error; the client stays connected.
  const p = c.join({ how: "id", room: "NOPE" });
  ws.recv(enc([9, 4009, "already joined"]));
  await assert.rejects(p, (e: TickroomError) => e instanceof TickroomError && e.code === 4009 && e.codeName === "already_joined" && e.name === "TickroomError");
  assert.equal(c.status, "open");
});

test("states are applied, acknowledged once each, and read by name", async () => {
  const { c, ws } = await seated();
  const seen: string[] = [];
  c.on("add", (e) => seen.push("add " + e.id));
  c.on("update", (e, _p, fields) => seen.push("update " + e.id + " " + fields));
  c.on("remove", (e) => seen.push("remove " + e.id));
  ws.recv(snapshot(10));
  const v = c.view!;
  assert.equal(v.tick, 10);
  const p = v.typeByName("player");
  assert.equal(p, 0);
  assert.equal(v.fieldByName("player", "name"), 2);
  assert.deepEqual(v.all("player").map((e) => v.get(e, "x")), [10, 20]);
  assert.equal(v.get(v.entity(6)!, "score"), 3);
  assert.equal(v.get(v.entity(6)!, "name"), "bob");
  assert.equal(ws.frames().at(-1), hex([4, 10])); // ack
  // An input carries the ack: no ack frame for the next state.
  assert.equal(c.input({ axes: [1000, -0.4, 0, 0], buttons: 1 }), 1);
  assert.equal(ws.frames().at(-1), hex([3, 1, 10, 1, 1000])); // trailing zero axes left out
  ws.recv(diff(11, 10, [5, 0b101, 7, "eve"], [6], 1));
  assert.equal(ws.frames().at(-1), hex([3, 1, 10, 1, 1000]));
  assert.equal(c.inputAck, 1);
  assert.deepEqual(seen, ["add 5", "add 6", "update 5 0,2", "remove 6"]);
  assert.equal(c.view!.get(c.view!.entity(5)!, "x"), 107 * 0.1); // as Go: float64(v) * quantum
  // The next state, with no input in between, is acknowledged.
  ws.recv(diff(12, 11, [5, 1, 1]));
  assert.equal(ws.frames().at(-1), hex([4, 12]));
  // A state older than the newest is ignored, and not acknowledged.
  const n = ws.frames().length;
  ws.recv(diff(12, 10, [5, 1, 1]));
  assert.equal(ws.frames().length, n);
  assert.ok(c.stateAt(11) && c.stateAt(10));
});

test("a diff whose baseline is gone asks for a snapshot with ack 0", async () => {
  const { c, ws, log } = await seated({ history: 2 });
  ws.recv(snapshot(10));
  ws.recv(diff(11, 10, []));
  ws.recv(diff(12, 11, []));
  ws.recv(diff(13, 10, [5, 1, 1])); // 10 is no longer kept
  assert.equal(ws.frames().at(-1), hex([4, 0]));
  assert.equal(c.stats.lostBaselines, 1);
  assert.equal(c.view!.tick, 12);
  // A bad state (an int for a string field) too, reported.
  ws.recv(diff(14, 12, [5, 4, 1]));
  assert.equal(ws.frames().at(-1), hex([4, 0]));
  assert.deepEqual(log, ["error bad_delta"]);
  ws.recv(snapshot(20));
  assert.equal(c.view!.tick, 20);
  assert.equal(ws.frames().at(-1), hex([4, 20]));
});

test("events come once each, in order; rates apply from their tick", async () => {
  const { c, ws, log } = await seated();
  ws.recv(snapshot(10));
  ws.recv(enc([14, 10, 3, "hit", enc({ by: 1 })]));
  ws.recv(enc([14, 10, 3, "hit", null])); // a repeat
  ws.recv(enc([14, 11, 7, "hit", null]));
  assert.deepEqual(log, ["event 3", "event 7"]);
  const rates: number[] = [];
  c.on("rates", (r) => rates.push(r.tickRate));
  ws.recv(enc([15, 12, 40, 20]));
  assert.equal(c.rates.tickRate, 20);
  ws.recv(diff(12, 10, []));
  assert.equal(c.rates.tickRate, 40);
  assert.deepEqual(rates, [40]);
  assert.equal(c.tickTime(12), 600);
  assert.equal(c.tickTime(16), 700);
});

test("pongs give the round trip and the clock offset", async () => {
  const { c, ws } = await seated();
  c.ping();
  const sent = ws.frames().at(-1)!;
  assert.equal(sent, hex([7, 1000000]));
  await clock.advance(30);
  ws.recv(enc([8, 1000000, 50000]));
  assert.equal(c.rtt, 30);
  assert.equal(c.offset, 50000 + 15 - 1030);
  assert.equal(c.serverNow(), 50015);
});

test("kicked and room_closed put the client back in the lobby", async () => {
  const { c, ws, log } = await seated();
  ws.recv(snapshot(10));
  ws.recv(enc([9, 4019, "cheating"]));
  assert.equal(c.welcome, null);
  assert.equal(c.view, null);
  assert.deepEqual(log, ["error kicked", "left kicked"]);
  assert.equal(c.input({}), 0);
});

test("a malformed frame closes with bad_frame; an unknown kind is ignored", async () => {
  const { c, ws, log } = await seated();
  ws.recv(enc([99, 1, 2]));
  ws.recv(enc([3, 1, 1, 1])); // a client kind from the server
  assert.equal(c.status, "open");
  ws.recv(Uint8Array.from([0x93, 5, 1]));
  assert.equal(ws.closed?.code, 4000);
  assert.equal(c.status, "closed");
  assert.deepEqual(log, ["error unknown_kind", "error unknown_kind", "error bad_frame", "close 4000"]);
  // A welcome of another version closes too.
  const d = await seated();
  d.ws.recv(enc([2, 3, "x"]));
  assert.equal(d.ws.closed?.code, 4006);
});

test("a lost connection resumes the seat: backoff, resume frame, buffered messages", async () => {
  const { c, ws, log } = await seated();
  ws.recv(snapshot(10));
  ws.recv(enc([14, 10, 4, "hit", null]));
  FakeWS.accept = () => "refuse";
  ws.drop(1006);
  assert.equal(c.status, "away");
  assert.ok(c.send("chat", { text: "hi" }));
  // Full jitter: attempt i waits random()·min(5000, 100·2^i), random() = 0.5.
  const attempts: number[] = [];
  FakeWS.accept = (w) => (attempts.push(clock.t), "refuse");
  await clock.advance(400);
  assert.deepEqual(attempts, [1050, 1150, 1350]);
  await clock.advance(600);
  assert.deepEqual(attempts, [1050, 1150, 1350, 1750]);
  FakeWS.accept = () => "open";
  await clock.advance(1000);
  const ws2 = FakeWS.all.at(-1)!;
  assert.deepEqual(ws2.frames(), [hex([16, 2, "tok", 10, 4])]);
  ws2.recv(welcome("tok2"));
  await settle();
  assert.equal(c.status, "open");
  assert.deepEqual(ws2.frames().slice(1), [hex([11, "chat", enc({ text: "hi" })])]);
  ws2.recv(enc([14, 10, 4, "hit", null])); // already seen
  ws2.recv(enc([14, 11, 5, "hit", null]));
  ws2.recv(diff(12, 10, [5, 1, 1]));
  assert.equal(c.view!.tick, 12);
  assert.deepEqual(log, ["event 4", "dropped network", "resumed false", "event 5"]);
  assert.equal(c.welcome!.resumeToken, "tok2");
});

test("while reconnecting, the newest inputs wait, in place among the messages, and go out after the resume", async () => {
  const { c, ws } = await seated();
  ws.recv(snapshot(10));
  ws.drop(1006);
  assert.equal(c.status, "away");
  const seqs = [c.input({ buttons: 1 }), c.input({ buttons: 2 })];
  assert.ok(c.send("chat", { text: "hi" }));
  for (let b = 3; b <= 6; b++) seqs.push(c.input({ buttons: b, axes: [b] }));
  assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6]); // every input is numbered, as the Go client does
  assert.equal(c.stats.inputsDropped, 2); // the two oldest made room
  await clock.advance(100);
  const ws2 = FakeWS.all.at(-1)!;
  assert.deepEqual(ws2.frames(), [hex([16, 2, "tok", 10, 0])]); // nothing before the resume
  ws2.recv(welcome("tok2"));
  await settle();
  assert.deepEqual(ws2.frames().slice(1), [
    hex([11, "chat", enc({ text: "hi" })]),
    ...[3, 4, 5, 6].map((b) => hex([3, b, 10, b, b])),
  ]);
  // The inputs kept carried the ack of the state before the drop: the
  // first state after the resume is acknowledged on its own.
  ws2.recv(diff(11, 10, []));
  assert.equal(ws2.frames().at(-1), hex([4, 11]));
  assert.equal(c.input({}), 7);
  assert.equal(ws2.frames().at(-1), hex([3, 7, 11, 0]));
});

test("a send that fails because the WebSocket is closing waits for the resume too", async () => {
  const { c, ws } = await seated();
  ws.recv(snapshot(10));
  ws.readyState = 2; // closing: its close event is on its way
  assert.equal(c.input({ buttons: 1 }), 1);
  assert.ok(c.send("chat", null));
  assert.equal(c.status, "open");
  ws.drop(1006);
  await clock.advance(100);
  const ws2 = FakeWS.all.at(-1)!;
  ws2.recv(welcome("tok2"));
  await settle();
  assert.deepEqual(ws2.frames().slice(1), [hex([3, 1, 10, 1]), hex([11, "chat", null])]);
  // Without reconnecting, or after close(), such a send fails.
  const d = await seated({ reconnect: false });
  d.ws.readyState = 2;
  assert.equal(d.c.input({}), 0);
  assert.equal(d.c.send("chat", null), false);
});

test("inputBuffer 0 keeps no inputs while reconnecting; a fresh join drops what waited", async () => {
  const { c, ws } = await seated({ inputBuffer: 0 });
  ws.recv(snapshot(10));
  ws.drop(1006);
  assert.equal(c.input({ buttons: 1 }), 0);
  assert.equal(c.stats.inputsDropped, 0);
  const d = await seated();
  d.ws.recv(snapshot(10));
  d.ws.drop(1006);
  assert.equal(d.c.input({ buttons: 1 }), 1);
  assert.ok(d.c.send("chat", null));
  await clock.advance(100);
  const ws2 = FakeWS.all.at(-1)!;
  ws2.recv(enc([9, 4020, "no seat"]));
  await settle();
  ws2.recv(welcome("tok3"));
  await settle();
  // The join, and nothing of the old seat: its inputs' numbers and its
  // messages were for a room the player has to join again.
  assert.deepEqual(ws2.frames().slice(1), [hex([1, 2, "arena", "ada", 4, "rid", null])]);
  assert.equal(d.c.input({}), 1);
});

test("a state that comes after a leave is ignored", async () => {
  const { c, ws, log } = await seated();
  ws.recv(snapshot(10));
  c.leave();
  const n = ws.frames().length;
  ws.recv(diff(11, 10, []));
  assert.equal(ws.frames().length, n);
  assert.equal(c.view, null);
  assert.deepEqual(log, ["left "]);
});

test("resume_expired joins the room afresh by id", async () => {
  const { c, ws, log } = await seated();
  ws.recv(snapshot(10));
  ws.drop(1001, "bye");
  await clock.advance(200);
  const ws2 = FakeWS.all.at(-1)!;
  ws2.recv(enc([9, 4020, "no seat"]));
  await settle();
  assert.deepEqual(ws2.frames().slice(1), [hex([1, 2, "arena", "ada", 4, "rid", null])]);
  ws2.recv(welcome("tok3"));
  await settle();
  assert.deepEqual(log, ["dropped going_away", "error resume_expired", "resumed true"]);
  assert.equal(c.view, null);
});

test("a reconnect that resumes marks its dial; one refused for load waits out its Retry-After", async () => {
  const { ws, log } = await seated();
  ws.recv(snapshot(10));
  const dials: [number, string][] = [];
  FakeWS.accept = (w) => (dials.push([clock.t, w.url]), "open");
  ws.drop(1006);
  await clock.advance(50);
  assert.deepEqual(dials, [[1050, "ws://game.test/ws?resume=1"]]);
  FakeWS.all.at(-1)!.recv(welcome("tok2"));
  await settle();
  assert.deepEqual(log, ["dropped network", "resumed false"]);

  // Over long-polling, a busy server refuses the first dial: the next
  // comes no sooner than its Retry-After.
  const srv = new FakeHTTP();
  const c = await connect("http://game.test", { transport: "longpoll", noUpgrade: true, pingInterval: 0, env: env(clock, srv.fetch) });
  const joined = c.join({});
  await settle();
  srv.push(welcome());
  await joined;
  srv.busy = 1;
  srv.close(1001, "bye");
  await clock.advance(3000);
  assert.deepEqual(srv.queries.slice(1), ["?transport=longpoll&resume=1"]);
  await clock.advance(100);
  assert.deepEqual(srv.queries.slice(1), ["?transport=longpoll&resume=1", "?transport=longpoll&resume=1"]);

  // A fresh connection refused for load says why and when to come back.
  srv.busy = 1;
  const e = await connect("http://game.test", { transport: "longpoll", env: env(clock, srv.fetch) }).catch((e) => e);
  assert.ok(e instanceof TickroomError);
  assert.deepEqual([e.codeName, e.status, e.retryAfter], ["server_busy", 503, 3000]);
  assert.deepEqual([codeName(4024), codeName(4025)], ["server_busy", "join_timeout"]);
  assert.equal(srv.queries.at(-1), "?transport=longpoll");
});

test("reconnecting gives up within its bounds", async () => {
  const { c, ws, log } = await seated({ reconnect: { attempts: 3 } });
  FakeWS.accept = () => "refuse";
  ws.drop(1006);
  await clock.advance(10000);
  assert.equal(c.status, "closed");
  assert.deepEqual(log, ["dropped network", "gave up", "close 0"]);
  // Some closes are final: replaced, unauthorized, bad_frame, …
  FakeWS.accept = () => "open";
  const d = await seated();
  d.ws.drop(4022, "replaced");
  assert.equal(d.c.status, "closed");
  // reconnect: false ends the client at the drop.
  const e = await seated({ reconnect: false });
  e.ws.drop(1006);
  assert.equal(e.c.status, "closed");
});

test("close ends the client and any reconnecting", async () => {
  const { c, ws, log } = await seated();
  c.close();
  assert.equal(ws.closed?.code, 1000);
  assert.equal(c.status, "closed");
  assert.deepEqual(log, ["close "]);
  const d = await seated();
  FakeWS.accept = () => "refuse";
  d.ws.drop(1006);
  d.c.close();
  await clock.advance(10000);
  assert.equal(FakeWS.all.length, 2);
  assert.deepEqual(d.log, ["dropped network", "close "]);
});

test("list sends a request and resolves with its answer", async () => {
  const { c, ws } = await seated();
  const p = c.list({ mode: "arena", filter: { map: "dust" }, limit: 500 });
  assert.equal(ws.frames().at(-1), hex([12, 1, "arena", 0, 100, { map: "dust" }]));
  ws.recv(enc([13, 1, 1, [["r1", "lobby", "arena", 3, 16, false, enc({ map: "dust" })]]]));
  const r = await p;
  assert.equal(r.total, 1);
  assert.equal(r.rooms[0].metadata!.value<{ map: string }>().map, "dust");
});

test("a server that holds no seats: the client joins its room again", async () => {
  const { c, ws, log } = await seated();
  ws.recv(welcome(""));
  ws.recv(snapshot(10));
  ws.drop(1006);
  await clock.advance(100);
  const ws2 = FakeWS.all.at(-1)!;
  assert.deepEqual(ws2.frames(), [hex([1, 2, "arena", "ada", 4, "rid", null])]);
  ws2.recv(welcome(""));
  await settle();
  assert.deepEqual(log, ["dropped network", "resumed true"]);
  assert.equal(c.status, "open");
});

test("a resume that gets no answer is another attempt", async () => {
  const { c, ws, log } = await seated();
  ws.drop(1006);
  await clock.advance(100);
  assert.equal(FakeWS.all.length, 2);
  await clock.advance(10200); // 2 × handshakeTimeout, then the next attempt
  assert.ok(FakeWS.all.length >= 3);
  assert.ok(FakeWS.all[1].closed);
  FakeWS.all.at(-1)!.recv(welcome("tok2"));
  await settle();
  assert.equal(c.status, "open");
  assert.deepEqual(log, ["dropped network", "resumed false"]);
});

test("a fresh join after resume_expired refused with server_busy is another attempt, not a leave", async () => {
  const { c, ws, log } = await seated();
  ws.recv(snapshot(10));
  ws.drop(1006);
  await clock.advance(50);
  const ws2 = FakeWS.all.at(-1)!;
  assert.equal(ws2.url, "ws://game.test/ws?resume=1");
  ws2.recv(enc([9, 4020, "no seat"]));
  await settle();
  const join = hex([1, 2, "arena", "ada", 4, "rid", null]);
  assert.deepEqual(ws2.frames().slice(1), [join]);
  // The server takes no newcomers: the join gets server_busy and the
  // connection stays open; the client gives it up and tries again after
  // its backoff (attempt 1: 0.5 · 200 ms), joining afresh on a dial that is
  // not marked as a resume (the seat is gone).
  ws2.recv(enc([9, 4024, "server busy"]));
  await settle();
  assert.ok(ws2.closed);
  assert.equal(c.status, "away");
  assert.deepEqual(log, ["dropped network", "error resume_expired", "error server_busy"]);
  await clock.advance(100);
  const ws3 = FakeWS.all.at(-1)!;
  assert.equal(ws3.url, "ws://game.test/ws");
  assert.deepEqual(ws3.frames(), [join]);
  ws3.recv(welcome("tok3"));
  await settle();
  assert.equal(c.status, "open");
  assert.equal(c.welcome!.resumeToken, "tok3");
  assert.deepEqual(log, ["dropped network", "error resume_expired", "error server_busy", "resumed true"]);
});

test("a fresh join whose connection is closed server_busy, then refused 503 with Retry-After, waits and tries again", async () => {
  const srv = new FakeHTTP();
  const log: string[] = [];
  const c = await connect("http://game.test", {
    name: "ada",
    pingInterval: 0,
    env: env(clock, srv.fetch),
    onLeft: (e) => log.push("left " + (e?.codeName ?? "")),
    onDropped: (e) => log.push("dropped " + e.codeName),
    onResumed: (_w, fresh) => log.push("resumed " + fresh),
    onGaveUp: (e) => log.push("gave up " + e.codeName),
  });
  const joined = c.join({ mode: "arena" });
  await settle();
  FakeWS.all[0].recv(welcome());
  await joined;
  FakeWS.all[0].drop(1006);
  await clock.advance(50);
  const ws2 = FakeWS.all.at(-1)!;
  ws2.recv(enc([9, 4020, "no seat"]));
  await settle();
  // Past the admission check: the connection is closed with server_busy.
  ws2.drop(4024, "server busy");
  await settle();
  assert.equal(c.status, "away");
  assert.deepEqual(log, ["dropped network"]);
  // The next dial: WebSocket refused (a browser cannot read why), the
  // long-polling handshake 503 server_busy, Retry-After: 3.
  FakeWS.accept = () => "refuse";
  srv.busy = 1;
  await clock.advance(100);
  assert.deepEqual(srv.queries, ["?transport=longpoll"]);
  FakeWS.accept = () => "open";
  await clock.advance(2990);
  assert.equal(FakeWS.all.length, 3);
  await clock.advance(10);
  assert.equal(FakeWS.all.length, 4);
  const ws4 = FakeWS.all.at(-1)!;
  assert.equal(ws4.url, "ws://game.test/ws");
  assert.deepEqual(ws4.frames(), [hex([1, 2, "arena", "ada", 4, "rid", null])]);
  ws4.recv(welcome("tok4"));
  await settle();
  assert.equal(c.status, "open");
  assert.deepEqual(log, ["dropped network", "resumed true"]);
});

test("a fresh join the server keeps refusing for load gives up within the bounds", async () => {
  const { c, ws, log } = await seated({ reconnect: { attempts: 3 } });
  ws.drop(1006);
  await clock.advance(50);
  FakeWS.all.at(-1)!.recv(enc([9, 4020, "no seat"]));
  for (const wait of [100, 200, 0]) {
    await settle();
    FakeWS.all.at(-1)!.recv(enc([9, 4024, "server busy"]));
    await clock.advance(wait);
  }
  await clock.advance(10000);
  assert.equal(c.status, "closed");
  assert.equal(FakeWS.all.length, 4);
  assert.ok(FakeWS.all.slice(1).every((w) => w.closed));
  assert.deepEqual(log.filter((l) => !l.startsWith("error")), ["dropped network", "gave up", "close 4024"]);
});
