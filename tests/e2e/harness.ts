/**
 * E2E harness: builds the studio (when its sources changed), serves `dist/` with `vite preview` on a free
 * 127.0.0.1 port in its own process group (killed as a group: killing npx alone leaves vite
 * running), and drives Debian's chromium through playwright-core. No browser is downloaded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SHOTS = join(ROOT, 'docs/screenshots');

/** What the built site is made of: a build newer than all of it is current. */
const BUILD_INPUTS = ['src', 'graphs', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'];
const STAMP = join(ROOT, 'dist/.e2e-built');

function newestMtime(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const e of readdirSync(path)) t = Math.max(t, newestMtime(join(path, e)));
  return t;
}

/** Builds the studio unless the last build (by this harness, in any test file) is newer than its sources. */
export function build(): void {
  if (process.env.E2E_SKIP_BUILD === '1') return;
  const built = statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built > Math.max(...BUILD_INPUTS.map((p) => newestMtime(join(ROOT, p))))) return;
  const r = spawnSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`vite build failed (${r.status})`);
  writeFileSync(STAMP, new Date().toISOString());
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export interface Served {
  url: string;
  stop(): void;
}

export async function serve(): Promise<Served> {
  const port = await freePort();
  const child: ChildProcess = spawn(join(ROOT, 'node_modules/.bin/vite'), ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/`;
  const stop = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  // Also when the test process is torn down without running afterAll (timeouts, ^C).
  process.once('exit', stop);
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(url);
      if (r.ok) return { url, stop };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error(`vite preview did not answer on ${url}`);
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Contexts opened by `openStudio`, closed by `closeAll` (after each test, also a failed one). */
const open = new Set<BrowserContext>();

export async function closeAll(): Promise<void> {
  await Promise.all([...open].map((c) => c.close().catch(() => undefined)));
  open.clear();
}

/**
 * One test file's studio: built, served and a browser launched before its tests; every page a test
 * opened closed after it (a failed test must not leave a page computing in the background and slow
 * the next ones down); browser and server gone after the file.
 */
export function studioSession(): { readonly url: string; readonly browser: Browser } {
  let served: Served | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    build();
    served = await serve();
    browser = await launch();
  });
  afterEach(closeAll);
  afterAll(async () => {
    await browser?.close();
    served?.stop();
  });
  return {
    get url() {
      return served!.url;
    },
    get browser() {
      return browser!;
    },
  };
}

/** Opens the studio on the tensor smoke graph (or `opts.query`/`opts.hash`), whatever the default graph is. */
export async function openStudio(browser: Browser, url: string, opts: { context?: BrowserContext; hash?: string; query?: string } = {}): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const context = opts.context ?? (await browser.newContext({ viewport: { width: 1440, height: 860 }, acceptDownloads: true }));
  open.add(context);
  context.on('close', () => open.delete(context));
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url + (opts.query ?? (opts.hash ? '' : '?example=test/tensor-smoke')) + (opts.hash ?? ''));
  // Fail fast (with the reason) when the studio cannot start, e.g. a worker that does not load.
  await page.waitForFunction(() => document.body.dataset.ready === 'true' || /could not start/.test(document.body.innerText), undefined, { timeout: 45_000 });
  const failed = await page.evaluate(() => (document.body.dataset.ready === 'true' ? null : document.body.innerText.slice(0, 500)));
  if (failed) throw new Error(`the studio did not start: ${failed}\n${errors.join('\n')}`);
  return { page, context, errors };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), scale: 'css' });
}

export const node = (page: Page, id: string) => page.locator(`[data-testid="node"][data-node-id="${id}"]`);
export const socket = (page: Page, id: string, side: 'input' | 'output', port: string) =>
  node(page, id).locator(`[data-testid="${side}-${port}"] [data-testid="${side}-socket"]`);
