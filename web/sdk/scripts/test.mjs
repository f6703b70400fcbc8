// Builds the tests (test/*.test.ts, with the sources they import) for Node
// with esbuild, then runs them with Node's test runner.
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
rmSync(".test", { recursive: true, force: true });
const tests = readdirSync("test").filter((f) => f.endsWith(".test.ts")).sort();
await esbuild.build({
  entryPoints: tests.map((f) => "test/" + f),
  outdir: ".test",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["@msgpack/msgpack"],
  tsconfig: "tsconfig.json",
  logLevel: "warning",
});
const r = spawnSync(process.execPath, ["--test", ...tests.map((f) => ".test/" + f.replace(/\.ts$/, ".mjs"))], { stdio: "inherit" });
process.exit(r.status ?? 1);
