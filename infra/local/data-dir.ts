import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The local stack's data directory (.data/ by default): the embedded database, the generated
 * BETTER_AUTH_SECRET and a lock file that keeps a second `npm start` away from both.
 */
export class DataDirInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `${dataDir} is in use by another local stack (pid ${pid}); stop it first or set DATA_DIR`,
    );
    this.name = "DataDirInUse";
  }
}

const LOCK_FILE = "stack.lock";
const SECRET_FILE = "better-auth-secret";

/** The embedded database a local stack keeps in its data directory (unless DATABASE_URL is set). */
export function embeddedDatabaseUrl(dataDir: string): string {
  return `pglite:${join(dataDir, "pglite")}`;
}

/** The pid a lock file records (0 when there is no lock file). */
async function readLockOwner(lockPath: string): Promise<number> {
  return Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
}

async function isRunningStack(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // After a reboot the pid may belong to an unrelated program: where /proc tells, require node.
  const commandLine = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  return commandLine === undefined || commandLine.includes("node");
}

/**
 * Takes the directory's exclusive lock (O_EXCL create, holding our pid). A lock left behind by a
 * process that no longer runs is stale and replaced. Returns the release function.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const lockPath = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(lockPath, "wx", 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        if ((await readLockOwner(lockPath)) === process.pid) await rm(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = await readLockOwner(lockPath);
    if (owner === process.pid || (await isRunningStack(owner)))
      throw new DataDirInUse(dataDir, owner);
    // Stale: its process is gone (killed, crashed). Remove and try again; O_EXCL settles races.
    await rm(lockPath, { force: true });
  }
  throw new Error(`could not take the lock ${lockPath}`);
}

/** Fails at once when a running stack holds the directory (checked before slow start-up work). */
export async function assertDataDirFree(dataDir: string): Promise<void> {
  const owner = await readLockOwner(join(dataDir, LOCK_FILE));
  if (owner && (owner === process.pid || (await isRunningStack(owner)))) {
    throw new DataDirInUse(dataDir, owner);
  }
}

/**
 * The BETTER_AUTH_SECRET for a local stack: generated once (32 random bytes) into the data
 * directory with mode 0600, then reused so sessions and stored keys survive restarts.
 */
export async function readOrCreateLocalSecret(dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, SECRET_FILE);
  try {
    const existing = (await readFile(path, "utf8")).trim();
    if (existing.length < 32) {
      throw new Error(`${path} holds fewer than 32 characters; delete it to generate a new secret`);
    }
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
    return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secret = randomBytes(32).toString("base64url");
  await writeFile(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
  return secret;
}

/** The local stack's current secret, or undefined before its first start. */
export async function readLocalSecret(dataDir: string): Promise<string | undefined> {
  const text = await readFile(join(dataDir, SECRET_FILE), "utf8").catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  });
  return text?.trim();
}

/** Replaces the local stack's secret (`npm run secret:rotate -- --local`), mode 0600, atomically. */
export async function replaceLocalSecret(dataDir: string, secret: string): Promise<void> {
  const path = join(dataDir, SECRET_FILE);
  const staged = `${path}.next`;
  await writeFile(staged, `${secret}\n`, { mode: 0o600 });
  await rename(staged, path);
}
