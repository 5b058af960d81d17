// Starts `./credits serve` from the repository root on a free port and a fresh data directory,
// as a user would, for the tests of this client; stops it and runs `./credits verify` after.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPOSITORY = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
/** A first start may build the project; later ones take a few seconds. */
const START_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 30_000;

const CONFIG = `
credit_types:
  - {id: credits, name: Credits, scale: 2}
products:
  - id: pack_small
    name: 500 credits
    price: {amount: "9.00", currency: usd}
    provides:
      - {credit_type: credits, amount: "500.00"}
webhooks:
  allow_private_networks: true
`;

export interface RunningServer {
  baseUrl: string;
  apiKey: string;
  stop(): Promise<{ verify: string }>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export async function startServer(): Promise<RunningServer> {
  const directory = mkdtempSync(join(tmpdir(), "credits-ts-"));
  const data = join(directory, "data");
  const config = join(directory, "credits.yml");
  writeFileSync(config, CONFIG);
  const port = await freePort();
  const apiKey = "sk_ts_" + Math.random().toString(36).slice(2);
  const log = openSync(join(directory, "server.log"), "w");
  const child: ChildProcess = spawn("./credits",
    ["serve", "--port", String(port), "--data", data, "--config", config],
    { cwd: REPOSITORY, env: { ...process.env, CREDITS_API_KEY: apiKey }, stdio: ["ignore", log, log] });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`./credits serve exited with ${child.exitCode}; see ${directory}/server.log`);
    try {
      const health = await fetch(`${baseUrl}/health`);
      if (health.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`./credits serve did not become healthy; see ${directory}/server.log`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    baseUrl,
    apiKey,
    async stop() {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      const verify = spawnSync("./credits", ["verify", "--data", data], { cwd: REPOSITORY, encoding: "utf8" });
      if (verify.status !== 0) throw new Error(`./credits verify failed: ${verify.stdout}${verify.stderr}`);
      rmSync(directory, { recursive: true, force: true });
      return { verify: verify.stdout };
    },
  };
}
