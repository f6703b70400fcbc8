// The arena in a browser: your player is predicted (it moves the moment
// you press), everyone else is interpolated a little in the past (smooth
// whatever the network does), pickups score for whoever reaches them.

import { boot, controls, field, meter, predicted } from "./common.js";

const { sdk, client, welcome, ui, delay } = await boot("arena");

let rules = { size: 1000, speed: 100, reach: 20 };
client.on("event", (e) => {
  if (e.type === "rules") rules = e.payload.value();
});

const others = new sdk.Interpolator(client, { delay });
const me = predicted(sdk, client, () => rules);
let myEntity = welcome.entity;
client.on("welcome", (w) => (myEntity = w.entity)); // a fresh join after a lost seat
client.on("resumed", (w) => (myEntity = w.entity));

// Each state is the truth for our player: replay what the room has not
// applied yet on top of it.
let shown = null; // {x, y, at}: where our player was drawn, to smooth corrections
client.on("state", (view) => {
  const e = view.entity(myEntity);
  if (e) me.reconcile({ x: view.get(e, "x"), y: view.get(e, "y") }, view.inputAck);
});

const canvas = document.getElementById("field");
const f = field(canvas, 1000);
const pad = controls(canvas, () => shown && { x: f.x(shown.x), y: f.y(shown.y) });
const m = meter(client, ui);

// One input per tick of the room, each applied to the prediction at once.
let last = { x: 0, y: 0, at: 0 }; // the prediction before the newest input
const sender = new sdk.InputSender(client, {
  sample: () => ({ axes: pad.stick() }),
  onSend: (seq, input) => {
    last = { ...me.state, at: performance.now() };
    me.input(seq, input);
  },
});
sender.start();

function draw() {
  requestAnimationFrame(draw);
  m.frame();
  f.clear();
  const view = client.view;
  if (!view) return;
  for (const p of others.sample(undefined, "pickup")) {
    const [x, y, value] = p.values;
    f.dot(x, y, 4 + Number(value), "#06d6a0");
  }
  for (const p of others.sample(undefined, "player")) {
    if (p.id === myEntity) continue;
    const [x, y, , name] = p.values;
    f.dot(x, y, 9, "#5fa8ff", name);
  }
  // Our player between the last two predictions, so it glides at the
  // frame rate rather than stepping at the tick rate.
  const step = 1000 / (client.rates.tickRate || 20);
  const a = Math.min(1, (performance.now() - last.at) / step);
  shown = { x: last.x + (me.state.x - last.x) * a, y: last.y + (me.state.y - last.y) * a };
  const mine = view.entity(myEntity);
  if (mine) f.dot(shown.x, shown.y, 10, "#ffd166", view.get(mine, "name"), "#fff6");
  scores(view);
}

let board = "";
function scores(view) {
  const rows = view.all("player").map((e) => [view.get(e, "name"), Number(view.get(e, "score")), e.id]);
  rows.sort((a, b) => b[1] - a[1] || a[2] - b[2]);
  const key = rows.map((r) => r.join()).join("|");
  if (key === board) return;
  board = key;
  const ol = document.getElementById("scores");
  ol.replaceChildren(...rows.slice(0, 10).map(([name, score, id]) => {
    const li = document.createElement("li");
    li.textContent = `${name} — ${score}`;
    if (id === myEntity) li.className = "me";
    return li;
  }));
  ui.set("players", String(rows.length));
}

requestAnimationFrame(draw);

// For tests and the curious: the page's client and what it drew.
window.demo = { client, me, others, meter: m, get entity() { return myEntity; }, get shown() { return shown; } };
