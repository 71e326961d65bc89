// The console's size budget: everything a first visit downloads (dist/, gzipped) stays under
// 200 KB. Run after every build (npm run build); prints the figure either way.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET = 200 * 1024;
const dist = path.resolve(import.meta.dirname, "../dist");

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

const shipped = files(dist).filter((f) => /\.(js|css|html|svg)$/.test(f));
const sizes = shipped.map((f) => [path.relative(dist, f), gzipSync(readFileSync(f), { level: 9 }).length]);
const total = sizes.reduce((a, [, n]) => a + n, 0);
for (const [name, n] of sizes) console.log(`  ${name}: ${(n / 1024).toFixed(1)} KB gzipped`);
console.log(`console bundle: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET / 1024} KB)`);
if (total > BUDGET) {
  console.error("The console is over its size budget.");
  process.exit(1);
}
