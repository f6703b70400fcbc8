// The netcode golden frames (netcode/testdata/*.golden, pinned by
// netcode/golden_test.go): the SDK decodes every server frame to the values
// of netcode/helpers_test.go's samples, and encodes every client frame to
// the same bytes.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { decodeValue } from "../src/msgpack";
import { decodeServer, frame, payloadOf } from "../src/protocol";

const dir = new URL("../../../netcode/testdata/", import.meta.url);
const golden = (name: string) => new Uint8Array(readFileSync(new URL(name + ".golden", dir)));

const fld = (name: string, type: number, quantum = 0, maxLen = 0, priv = false) => ({ name, type, quantum, maxLen, private: priv });
const privSchemas = [
  { name: "player", fields: [fld("x", 2, 0.1), fld("y", 2, 0.1), fld("name", 4, 0, 16), fld("ammo", 1, 0, 0, true), fld("hand", 4, 0, 8, true)] },
  { name: "crate", fields: [fld("x", 2, 0.1), fld("open", 3), fld("loot", 1, 0, 0, true)] },
];
const ch = (id: number, mask: number | bigint, values: unknown[]) => {
  const m = BigInt(mask);
  return { id, lo: Number(m & 0xffffffffn), hi: Number(m >> 32n), values };
};

// The server frames, as the SDK decodes them (payloads as their values).
const server: Record<string, unknown> = {
  welcome: {
    kind: 2, version: 2, session: "s-4f2a9c", player: 3, entity: 17, room: "lobby-7", mode: "arena", tickRate: 20, sendRate: 20,
    serverTime: 123456, schemas: privSchemas, roomId: "r-9f3k2m", joinCode: "K7QP", resumeToken: "t-0123456789abcdef",
  },
  snapshot: {
    kind: 5, tick: 1200, base: 0, serverTime: 60000, inputAck: 42, changed: [], removed: [], private: [],
    added: [{ id: 1, type: 0, values: [5003, 250, 7, "ada"] }, { id: 4, type: 0, values: [10000, 0, 0, 0] }, { id: 9, type: 1, values: [120, 9000, 4] }],
  },
  diff: {
    kind: 6, tick: 1201, base: 1198, serverTime: 60050, inputAck: 43, private: [],
    added: [{ id: 12, type: 1, values: [3141, 5926, 5] }],
    changed: [ch(1, 0b11, [35, -35]), ch(4, 0b1100, [4, "bob"]), ch(300, 1, [-200]), ch(70000, 1n << 63n, [2 ** 40])],
    removed: [9, 10, 100000],
  },
  snapshot_private: {
    kind: 5, tick: 1200, base: 0, serverTime: 60000, inputAck: 42, changed: [], removed: [],
    private: [ch(1, 0b11000, [30, "AKQ"])],
    added: [{ id: 1, type: 0, values: [5003, 250, "ada", 0, 0] }, { id: 4, type: 0, values: [10000, 0, "bob", 0, 0] }, { id: 9, type: 1, values: [120, 1, 0] }],
  },
  diff_private: {
    kind: 6, tick: 1201, base: 1198, serverTime: 60050, inputAck: 43,
    added: [{ id: 12, type: 1, values: [3141, 0, 0] }],
    changed: [ch(1, 0b011, [35, -35]), ch(4, 0b100, ["bobby"])],
    removed: [9],
    private: [ch(1, 0b01000, [-1]), ch(12, 0b100, [250])],
  },
  pong: { kind: 8, clientTime: 1700000000123, serverTime: 123500 },
  error: { kind: 9, code: 4004, message: "room lobby-7 is full" },
  rooms: {
    kind: 13, request: 7, total: 22, rooms: [
      { id: "r-9f3k2m", name: "lobby-7", mode: "arena", players: 3, maxPlayers: 16, locked: false, metadata: { map: "dust", ranked: true } },
      { id: "r-a1", name: "duel", mode: "arena", players: 2, maxPlayers: 2, locked: true, metadata: null },
    ],
  },
  event: { kind: 14, tick: 1201, id: 77, type: "scored", payload: { by: 3, pts: [10, 300] } },
  rates: { kind: 15, tick: 1300, tickRate: 30, sendRate: 15 },
};

// The client frames, as the SDK encodes them.
const client: Record<string, () => Uint8Array> = {
  join: () => frame(1, 2, "arena", "ada", 4, "K7QP", payloadOf("options", { team: "red" }, 1024)),
  input: () => frame(3, 300, 1200, 5, 1000, -707),
  ack: () => frame(4, 1201),
  ping: () => frame(7, 1700000000123),
  leave: () => frame(10),
  message: () => frame(11, "chat", payloadOf("payload", { text: "gg" }, 1024)),
  list: () => frame(12, 7, "arena", 20, 10, { ranked: "true", map: "dust" }),
  resume: () => frame(16, 2, "k3x9q2abcdef.AbCdEfGhIjKlMnOpQrStUv", 4410, 77),
};

// plain replaces payloads by their values.
function plain(x: any): any {
  if (x && typeof x === "object" && x.bytes instanceof Uint8Array) return decodeValue(x.bytes);
  if (Array.isArray(x)) return x.map(plain);
  if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

test("every golden file is covered", () => {
  const names = readdirSync(dir).filter((f) => f.endsWith(".golden")).map((f) => f.replace(".golden", "")).sort();
  assert.deepEqual(names, [...Object.keys(server), ...Object.keys(client)].sort());
});

for (const [name, want] of Object.entries(server)) {
  test("decode " + name, () => {
    assert.deepEqual(plain(decodeServer(golden(name))), want);
  });
}

for (const [name, make] of Object.entries(client)) {
  test("encode " + name, () => {
    assert.deepEqual(Buffer.from(make()).toString("hex"), Buffer.from(golden(name)).toString("hex"));
  });
  test("refuse client frame " + name, () => {
    assert.throws(() => decodeServer(golden(name)), (e: any) => e.code === 4001);
  });
}
