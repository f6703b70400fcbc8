// Tag in a browser: the arena's prediction and interpolation, plus the
// game's messages (ready, chat, wave) and events (rounds, tags, chat).

import { boot, controls, field, meter, predicted } from "./common.js";

const { sdk, client, welcome, ui, delay } = await boot("tag");

let rules = { size: 500, speed: 150, reach: 20 };
const names = new Map(); // player id -> name, from the events
const nameOf = (p) => names.get(p) ?? `player ${p}`;
client.on("event", (e) => {
  const v = e.payload?.value();
  switch (e.type) {
    case "rules":
      rules = v;
      break;
    case "round_start":
      ui.log(`round starts: ${nameOf(v.it)} is it, ${v.seconds} s`);
      break;
    case "tagged":
      ui.log(`${nameOf(v.by)} tagged ${nameOf(v.it)}`);
      break;
    case "round_over":
      ui.log(v.winner ? `${nameOf(v.winner)} wins` : "round over");
      break;
    case "chat":
      names.set(v.from, v.name);
      ui.log(`${v.name}: ${v.text}`);
      break;
    case "wave":
      names.set(v.from, v.name);
      ui.log(`${v.name} waves`);
      break;
  }
});

const others = new sdk.Interpolator(client, { delay });
const me = predicted(sdk, client, () => rules);
let myEntity = welcome.entity;
client.on("welcome", (w) => (myEntity = w.entity));
client.on("resumed", (w) => (myEntity = w.entity));
client.on("state", (view) => {
  const e = view.entity(myEntity);
  if (e) me.reconcile({ x: view.get(e, "x"), y: view.get(e, "y") }, view.inputAck);
});

document.getElementById("ready").addEventListener("click", () => client.send("ready"));
document.getElementById("wave").addEventListener("click", () => client.send("wave"));
document.getElementById("chat").addEventListener("submit", (e) => {
  e.preventDefault();
  const say = document.getElementById("say");
  if (say.value.trim()) client.send("chat", { text: say.value.trim() });
  say.value = "";
});

const canvas = document.getElementById("field");
const f = field(canvas, 500);
let shown = null;
const pad = controls(canvas, () => shown && { x: f.x(shown.x), y: f.y(shown.y) });
const m = meter(client, ui);
let last = { x: 0, y: 0, at: 0 };
new sdk.InputSender(client, {
  sample: () => ({ axes: pad.stick() }),
  onSend: (seq, input) => {
    last = { ...me.state, at: performance.now() };
    me.input(seq, input);
  },
}).start();

function draw() {
  requestAnimationFrame(draw);
  m.frame();
  f.clear();
  const view = client.view;
  if (!view) return;
  const it = view.fieldByName("player", "it"), immune = view.fieldByName("player", "immune"), ready = view.fieldByName("player", "ready");
  for (const p of others.sample(undefined, "player")) {
    if (p.id === myEntity) continue;
    const [x, y, , name] = p.values;
    f.dot(x, y, 9, p.values[it] ? "#ef476f" : "#5fa8ff", name + (p.values[ready] ? " ✓" : ""), p.values[immune] ? "#fff8" : null);
  }
  const step = 1000 / (client.rates.tickRate || 20);
  const a = Math.min(1, (performance.now() - last.at) / step);
  shown = { x: last.x + (me.state.x - last.x) * a, y: last.y + (me.state.y - last.y) * a };
  const mine = view.entity(myEntity);
  if (mine) {
    const label = view.get(mine, "name") + (view.get(mine, "ready") ? " ✓" : "");
    f.dot(shown.x, shown.y, 10, view.get(mine, "it") ? "#ef476f" : "#ffd166", label, view.get(mine, "immune") ? "#fff8" : "#fff4");
  }
  panelOf(view);
}

let board = "";
function panelOf(view) {
  const round = view.all("round")[0];
  const playing = round && Number(view.get(round, "state")) === 1;
  ui.set("round", playing ? `Round: ${view.get(round, "seconds")} s left` : "Waiting for everyone to be ready");
  document.getElementById("ready").disabled = playing;
  const rows = view.all("player").map((e) => [view.get(e, "name"), Number(view.get(e, "score")), e.id, view.get(e, "ready")]);
  rows.sort((a, b) => b[1] - a[1] || a[2] - b[2]);
  const key = rows.map((r) => r.join()).join("|");
  if (key === board) return;
  board = key;
  document.getElementById("scores").replaceChildren(...rows.map(([name, score, id, isReady]) => {
    const li = document.createElement("li");
    li.textContent = `${name} — ${score}${!playing && isReady ? " (ready)" : ""}`;
    if (id === myEntity) li.className = "me";
    return li;
  }));
  ui.set("players", String(rows.length));
}

requestAnimationFrame(draw);
window.demo = { client, me, others, meter: m, get entity() { return myEntity; } };
