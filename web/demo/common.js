// What both demo pages share: connecting as the page's URL asks, the panel
// (transport, round trip, tick, bytes a second), keyboard and touch input,
// the canvas, and the event log. Plain ES modules: no build step.

const AXIS = 1000; // full deflection of an input axis

/** boot loads the server's demo config and the SDK, connects and joins a
 * room of mode. The page's query may say:
 *   transport=websocket|longpoll|stream|poll  start on it and stay there
 *   room=NAME   join (or make) that public room; default: matchmaking
 *   name=NAME   the player's name (else the one saved, else random)
 *   delay=MS    the interpolation delay */
export async function boot(mode) {
  const cfg = await (await fetch("config.json", { cache: "no-cache" })).json();
  const sdk = await import(cfg.sdk);
  const q = new URLSearchParams(location.search);
  const ui = panel();
  if (!cfg.modes.includes(mode)) {
    ui.status(`This server has no "${mode}" mode.`);
    throw new Error(`no mode ${mode}`);
  }
  const name = ui.name(q.get("name"));
  let transport = q.get("transport") || "";
  if (!cfg.wsPath && !transport) transport = "longpoll";
  const client = new sdk.Client(location.origin, {
    name,
    transport,
    noUpgrade: transport !== "" && transport !== "websocket",
    wsPath: cfg.wsPath || undefined,
    httpPath: cfg.httpPath || undefined,
  });
  client.on("transport", (t) => ui.log(`transport: ${t}`));
  client.on("dropped", (e) => {
    ui.status("connection lost: reconnecting…");
    ui.log(`dropped (${e.codeName})`, true);
  });
  client.on("resumed", (w, fresh) => {
    ui.status("");
    ui.log(fresh ? `seat lost: joined ${w.room} again as player ${w.player}` : `resumed as player ${w.player}`);
  });
  client.on("gaveUp", (e) => ui.status(`disconnected: ${e.message}`));
  client.on("left", (why) => why && ui.status(`left the room: ${why.codeName} ${why.message}`));
  client.on("error", (e) => ui.log(`${e.codeName}: ${e.message}`, true));
  client.on("close", (why) => why && ui.status(`closed: ${why.codeName} ${why.message}`));
  ui.status("connecting…");
  await client.open();
  const welcome = await client.join({ how: "match", room: q.get("room") || "", mode });
  ui.status("");
  ui.log(`joined ${welcome.room} as player ${welcome.player} (${client.transport})`);
  ui.onRename((n) => {
    localStorage.setItem("tickroom.name", n);
    location.search = new URLSearchParams({ ...Object.fromEntries(q), name: n }).toString();
  });
  const delay = Number(q.get("delay")) || Math.max(100, (2 * 1000) / welcome.sendRate);
  return { sdk, cfg, client, welcome, ui, delay };
}

/** panel wires the side panel's elements. */
function panel() {
  const $ = (id) => document.getElementById(id);
  const log = $("log");
  return {
    name(fromQuery) {
      const n = (fromQuery || localStorage.getItem("tickroom.name") || `guest${Math.floor(Math.random() * 900 + 100)}`).slice(0, 16);
      $("name").value = n;
      return n;
    },
    onRename(f) {
      $("rename").addEventListener("submit", (e) => {
        e.preventDefault();
        const n = $("name").value.trim().slice(0, 16);
        if (n) f(n);
      });
    },
    status(text) {
      const s = $("status");
      s.textContent = text;
      s.classList.toggle("on", !!text);
    },
    log(text, err = false) {
      const line = document.createElement("div");
      line.textContent = text;
      if (err) line.className = "err";
      log.append(line);
      while (log.childElementCount > 50) log.firstElementChild.remove();
      log.scrollTop = log.scrollHeight;
    },
    set(id, text) {
      const el = $(id);
      if (el && el.textContent !== text) el.textContent = text;
    },
  };
}

/** meter counts what the panel shows once a second: frames drawn, bytes
 * received. */
export function meter(client, ui) {
  let frames = 0, bytes = client.stats.bytes, at = performance.now();
  const m = { fps: 0, bytesPerSecond: 0, frame() { frames++; } };
  setInterval(() => {
    const now = performance.now(), dt = (now - at) / 1000;
    m.fps = frames / dt;
    m.bytesPerSecond = (client.stats.bytes - bytes) / dt;
    frames = 0, bytes = client.stats.bytes, at = now;
    ui.set("transport", client.transport || "–");
    ui.set("rtt", client.rtt ? `${client.rtt.toFixed(0)} ms` : "–");
    ui.set("tick", String(client.view?.tick ?? "–"));
    ui.set("rate", `${client.rates.tickRate} / ${client.rates.sendRate} Hz`);
    ui.set("bytes", `${(m.bytesPerSecond / 1024).toFixed(2)} KiB/s`);
    ui.set("fps", m.fps.toFixed(0));
  }, 1000);
  return m;
}

/** controls reads the keyboard (arrows, WASD) and a held pointer (mouse or
 * touch: toward the pointer from the player) as a stick. target() gives
 * the player's position on the canvas, in CSS pixels. */
export function controls(canvas, target) {
  const keys = new Set();
  let pointer = null; // {x, y} in CSS pixels while held
  addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement) return;
    keys.add(e.code);
    if (e.code.startsWith("Arrow")) e.preventDefault();
  });
  addEventListener("keyup", (e) => keys.delete(e.code));
  addEventListener("blur", () => keys.clear());
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    pointer = { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    at(e);
  });
  canvas.addEventListener("pointermove", (e) => pointer && at(e));
  for (const end of ["pointerup", "pointercancel"]) canvas.addEventListener(end, () => (pointer = null));
  return {
    /** stick returns the direction as input axes, [x, y] in ±AXIS. */
    stick() {
      let x = 0, y = 0;
      if (keys.has("ArrowLeft") || keys.has("KeyA")) x--;
      if (keys.has("ArrowRight") || keys.has("KeyD")) x++;
      if (keys.has("ArrowUp") || keys.has("KeyW")) y--;
      if (keys.has("ArrowDown") || keys.has("KeyS")) y++;
      if (pointer) {
        const t = target();
        if (t) {
          const dx = pointer.x - t.x, dy = pointer.y - t.y, d = Math.hypot(dx, dy);
          // Full speed beyond 60 px; slower closer in, so a finger can stop.
          if (d > 4) (x = (dx / d) * Math.min(1, d / 60)), (y = (dy / d) * Math.min(1, d / 60));
        }
      }
      const m = Math.hypot(x, y);
      if (m > 1) (x /= m), (y /= m);
      return [Math.round(x * AXIS), Math.round(y * AXIS)];
    },
  };
}

/** stickOf reads an input's axes as the server's world.Stick does: each
 * clamped to [-1, 1], the pair cut to length 1. */
export function stickOf(input) {
  const c = (v) => Math.max(-1, Math.min(1, (v ?? 0) / AXIS));
  let x = c(input.axes?.[0]), y = c(input.axes?.[1]);
  const m = Math.hypot(x, y);
  if (m > 1) (x /= m), (y /= m);
  return [x, y];
}

/** field sizes the canvas to its box (sharp on high-density screens) and
 * maps a square field of side size onto it, centred. */
export function field(canvas, size) {
  const g = canvas.getContext("2d");
  const f = { g, scale: 1, ox: 0, oy: 0, w: 0, h: 0 };
  const fit = () => {
    const r = canvas.getBoundingClientRect(), dpr = devicePixelRatio || 1;
    canvas.width = Math.round(r.width * dpr);
    canvas.height = Math.round(r.height * dpr);
    f.w = r.width, f.h = r.height;
    f.scale = (Math.min(r.width, r.height) - 24) / size;
    f.ox = (r.width - size * f.scale) / 2, f.oy = (r.height - size * f.scale) / 2;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
  };
  addEventListener("resize", fit);
  fit();
  f.x = (x) => f.ox + x * f.scale;
  f.y = (y) => f.oy + y * f.scale;
  f.clear = () => {
    g.fillStyle = "#0f1420";
    g.fillRect(0, 0, f.w, f.h);
    g.strokeStyle = "#2a3550";
    g.lineWidth = 1;
    g.strokeRect(f.ox, f.oy, size * f.scale, size * f.scale);
    g.beginPath();
    for (let i = 1; i < 10; i++) {
      const p = (size * i) / 10;
      g.moveTo(f.x(p), f.oy), g.lineTo(f.x(p), f.y(size));
      g.moveTo(f.ox, f.y(p)), g.lineTo(f.x(size), f.y(p));
    }
    g.strokeStyle = "#1a2238";
    g.stroke();
  };
  f.dot = (x, y, r, fill, label, ring) => {
    g.beginPath();
    g.arc(f.x(x), f.y(y), r, 0, Math.PI * 2);
    g.fillStyle = fill;
    g.fill();
    if (ring) (g.lineWidth = 3), (g.strokeStyle = ring), g.stroke();
    if (label) {
      g.fillStyle = "#d8e0f0";
      g.font = "12px system-ui, sans-serif";
      g.textAlign = "center";
      g.fillText(label, f.x(x), f.y(y) - r - 5);
    }
  };
  return f;
}

/** predicted moves the local player as the room will: a Predictor whose
 * step applies one input for one tick at the rules' speed, within the
 * field. rules() gives the latest {size, speed}. */
export function predicted(sdk, client, rules) {
  const clamp = (v) => Math.max(0, Math.min(rules().size, v));
  return new sdk.Predictor((s, input) => {
    const [dx, dy] = stickOf(input);
    const move = rules().speed / (client.rates.tickRate || 20);
    return { x: clamp(s.x + dx * move), y: clamp(s.y + dy * move) };
  }, { x: 0, y: 0 });
}
