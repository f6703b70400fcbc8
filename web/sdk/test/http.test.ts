// The HTTP transports against a fake server: long-polling, polling,
// streaming and its fallback behind a buffering proxy, the uplink, close
// records, tickets, and the loss-free upgrade to WebSocket.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { connect } from "../src/client";
import { Clock, F, FakeWS, enc, env, settle } from "./fake";
import { FakeHTTP } from "./fakehttp";

const hex = (x: unknown) => Buffer.from(enc(x)).toString("hex");
const hexs = (bs: Uint8Array[]) => bs.map((b) => Buffer.from(b).toString("hex"));
const schemas = [["player", [["x", 2, new F(0.1), 0, 0]]]];
const welcome = enc([2, 2, "sess", 1, 5, "room", "arena", 20, 20, 1000, schemas, "rid", "", "tok"]);
const snapshot = (tick: number) => enc([5, tick, 1000 + tick * 50, 0, [[5, 0, tick]]]);

let clock: Clock, srv: FakeHTTP;
beforeEach(() => {
  clock = new Clock();
  srv = new FakeHTTP();
  FakeWS.all = [];
  FakeWS.accept = () => "refuse";
});

test("long-polling: handshake, uplink, downlink records and acks, close record", async () => {
  const closed: number[] = [];
  const c = await connect("http://game.test", { transport: "longpoll", noUpgrade: true, pingInterval: 0, env: env(clock, srv.fetch), onClose: (e) => closed.push(e!.code) });
  assert.equal(c.transport, "longpoll");
  assert.deepEqual(srv.handshakes, [{ transport: "longpoll", body: null }]);
  const joined = c.join({});
  await settle();
  assert.deepEqual(hexs(srv.got), [hex([1, 2, "", "", 0, "", null])]);
  srv.push(welcome);
  srv.push(snapshot(3));
  await joined;
  await settle();
  assert.equal(c.view!.tick, 3);
  // In the room, the ack rides on the next long-poll: an exchange.
  assert.deepEqual(srv.gets, ["?ack=0", "/exchange?ack=2&seq=2"]);
  assert.equal(hexs(srv.got).at(-1), hex([4, 3]));
  assert.deepEqual(srv.posts, ["?seq=1&ack=0"]);
  srv.close(4023, "unauthorized");
  await settle();
  assert.deepEqual(closed, [4023]);
  assert.equal(c.status, "closed");
});

test("long-polling in a room: frames ride on the polls, and those a held poll keeps too long are posted, each batch once", async () => {
  const c = await connect("http://game.test", { transport: "longpoll", noUpgrade: true, pingInterval: 0, env: env(clock, srv.fetch) });
  const joined = c.join({});
  await settle();
  srv.push(welcome);
  srv.push(snapshot(3));
  await joined;
  await settle();
  assert.equal(srv.gets.at(-1), "/exchange?ack=2&seq=2"); // the ack of 3
  // An input while that exchange is held waits for its return, then rides on the next.
  c.input({ buttons: 1 });
  await clock.advance(60);
  srv.push(snapshot(4));
  await settle();
  assert.equal(srv.gets.at(-1), "/exchange?ack=3&seq=3");
  assert.deepEqual(srv.posts, ["?seq=1&ack=0"]); // the join, out of a room
  // Held longer than two send intervals: that batch again by POST, then the new one.
  c.input({ buttons: 2 });
  await clock.advance(101);
  assert.deepEqual(srv.posts.slice(1), ["?seq=3&ack=3", "?seq=4&ack=3"]);
  assert.deepEqual(hexs(srv.got), [hex([1, 2, "", "", 0, "", null]), hex([4, 3]), hex([3, 1, 3, 1]), hex([3, 2, 4, 2])]);
  // An exchange whose answer is lost is sent again as it was: its batch is
  // taken once.
  c.input({ buttons: 3 });
  srv.failNext = 1;
  srv.push(snapshot(5));
  await clock.advance(60);
  assert.deepEqual(srv.gets.slice(-2), ["/exchange?ack=4&seq=5", "/exchange?ack=4&seq=5"]);
  srv.push(snapshot(6));
  await settle();
  assert.equal(c.view!.tick, 6);
  assert.deepEqual(hexs(srv.got).slice(4), [hex([3, 3, 4, 3]), hex([4, 6])]);
});

test("uplink batches hold at most maxBody bytes, frames of any length", async () => {
  srv.hello.maxBody = 300;
  const c = await connect("http://game.test", { transport: "longpoll", noUpgrade: true, pingInterval: 0, env: env(clock, srv.fetch) });
  const big = "x".repeat(200);
  for (let i = 0; i < 3; i++) c.send("chat", big + i);
  await settle();
  assert.deepEqual(srv.posts, ["?seq=1&ack=0", "?seq=2&ack=0", "?seq=3&ack=0"]);
  assert.deepEqual(hexs(srv.got), [0, 1, 2].map((i) => hex([11, "chat", enc(big + i)])));
});

test("a ticket goes in the handshake's JSON body", async () => {
  await connect("http://game.test", { transport: "poll", ticket: "t.k", pingInterval: 0, env: env(clock, srv.fetch) });
  assert.deepEqual(srv.handshakes, [{ transport: "poll", body: '{"ticket":"t.k"}' }]);
});

test("polling asks with wait=0 and backs off when empty", async () => {
  const c = await connect("http://game.test", { transport: "poll", pingInterval: 0, pollInterval: 50, env: env(clock, srv.fetch) });
  await clock.advance(200);
  assert.ok(srv.gets.length >= 4 && srv.gets.every((g) => g.endsWith("&wait=0")), String(srv.gets));
  srv.push(welcome);
  await clock.advance(60);
  assert.equal(c.welcome?.room, "room");
  c.close();
  await settle();
  assert.ok(srv.deleted);
});

test("streaming delivers records as they come and acknowledges by POST", async () => {
  const c = await connect("http://game.test", { transport: "stream", noUpgrade: true, pingInterval: 0, env: env(clock, srv.fetch) });
  srv.push(welcome);
  for (let t = 1; t <= 20; t++) srv.push(snapshot(t));
  await settle();
  assert.equal(c.view!.tick, 20);
  assert.deepEqual(srv.gets, ["/stream?ack=0"]);
  // At least one POST carried an ack of 16 records or more.
  assert.ok(srv.posts.some((p) => Number(new URLSearchParams(p).get("ack")) >= 16), String(srv.posts));
  assert.equal(c.stats.streamFallbacks, 0);
  await clock.advance(5000); // keepalives came: the stream stays
  assert.equal(c.transport, "stream");
});

test("a stream behind a buffering proxy falls back to long-polling without loss", async () => {
  srv.buffering = true;
  srv.hello.pingTimeout = 1000; // the wait is min(3 s, pingTimeout)
  const c = await connect("http://game.test", { transport: "stream", noUpgrade: true, pingInterval: 0, env: env(clock, srv.fetch) });
  srv.push(welcome);
  await clock.advance(999);
  assert.equal(c.transport, "stream");
  await clock.advance(2);
  await settle();
  assert.equal(c.transport, "longpoll");
  assert.equal(c.stats.streamFallbacks, 1);
  assert.deepEqual(srv.gets.slice(0, 2), ["/stream?ack=0", "?ack=0"]);
  assert.equal(c.welcome?.room, "room");
});

test("automatic: WebSocket refused, long-polling, then the loss-free upgrade", async () => {
  // The first WebSocket (the dial) is refused; the probe opens.
  FakeWS.accept = (w) => (w.url.includes("sid=") ? "open" : "refuse");
  const c = await connect("http://game.test", { pingInterval: 0, env: env(clock, srv.fetch) });
  assert.equal(c.transport, "longpoll");
  srv.push(welcome);
  srv.push(snapshot(1));
  await settle();
  const probe = FakeWS.all[1];
  assert.equal(probe.url, "ws://game.test/ws?sid=" + srv.sid);
  assert.equal(probe.protocols, undefined);
  assert.deepEqual(probe.sent, ["probe"]);
  // A frame the client sends now goes by POST; the server holds more.
  c.input({ buttons: 1 });
  srv.push(snapshot(2));
  await settle();
  probe.recv("probe");
  srv.release();
  await settle();
  // "upgrade N": N the highest seq received over HTTP.
  assert.equal(probe.sent[1], "upgrade 3");
  srv.upgraded = true;
  assert.equal(c.transport, "websocket");
  // Binary messages on the WebSocket are frames now, and sends go there.
  probe.recv(snapshot(3));
  assert.equal(c.view!.tick, 3);
  c.ping();
  assert.equal(probe.frames().length, 2); // the ack of 3, the ping
  assert.equal(c.stats.upgrades, 1);
  // Every frame sent before the switch went by POST, in order.
  assert.deepEqual(hexs(srv.got), [hex([4, 1]), hex([3, 1, 1, 1])]);
  assert.deepEqual(probe.frames(), [hex([4, 3]), hex([7, Math.round(clock.t * 1000)])]);
});

test("an upgrade whose probe gets no answer leaves the session on HTTP", async () => {
  FakeWS.accept = (w) => (w.url.includes("sid=") ? "open" : "refuse");
  const c = await connect("http://game.test", { pingInterval: 0, env: env(clock, srv.fetch) });
  await settle();
  await clock.advance(5001);
  assert.equal(c.stats.upgradeFailures, 1);
  assert.equal(FakeWS.all[1].closed !== undefined, true);
  srv.push(welcome);
  await settle();
  assert.equal(c.welcome?.room, "room");
  assert.equal(c.transport, "longpoll");
});
