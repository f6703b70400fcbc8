// Builds the tests (test/*.test.ts, with the sources they import) for Node
// with esbuild, then runs them with Node's test runner. The tests are built
// with build.json's property mangling, as dist/tickroom.js is: they run the
// SDK with its internal members renamed, as browsers do.
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mangling } from "./mangling.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
rmSync(".test", { recursive: true, force: true });
const config = JSON.parse(readFileSync("build.json", "utf8"));
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
  ...mangling(config),
});
const r = spawnSync(process.execPath, ["--test", ...tests.map((f) => ".test/" + f.replace(/\.ts$/, ".mjs"))], { stdio: "inherit" });
process.exit(r.status ?? 1);
