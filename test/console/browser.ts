import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { MANIFEST } from '../../console/scripts/build.ts';
import { ROOT, exited, freePort, startMaru } from '../helpers/process.ts';

/**
 * What the console's browser tests share: Debian's Chromium driven by playwright-core (browser downloads from the
 * registry do not work here, so the system one is used), a real `maru start` serving the built console, axe-core
 * injected into the page, and screenshots for docs/console.md.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const ADMIN_TOKEN = 'maru_adm_console-browser-tests-admin-token';
export const SHOTS = join(ROOT, 'docs/console');

/** Why the browser tests cannot run here, or undefined when they can. */
export function skipReason(): string | undefined {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (install it: apt-get install -y chromium; .ci/run does)`;
  if (!existsSync(MANIFEST)) return 'console/dist is not built (npm test builds it first; or run npm run console:build)';
  return undefined;
}

export function announceSkip(file: string) {
  const reason = skipReason();
  if (reason) console.warn(`${file}: SKIPPED the console browser tests — ${reason}`);
  return reason !== undefined;
}

export interface ConsoleServer {
  url: string;
  dataDir: string;
  /** The setup token the server printed in its log (no console user existed at start). */
  setupToken: Promise<string>;
  stop(): Promise<void>;
  /** The SQLite database file of the server (to age a session the way time would). */
  databaseFile(): string;
}

export async function startConsoleServer(): Promise<ConsoleServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'maru-console-'));
  let gotToken: (token: string) => void = () => undefined;
  let noToken: (error: Error) => void = () => undefined;
  const setupToken = new Promise<string>((resolve, reject) => {
    gotToken = resolve;
    noToken = reject;
  });
  const child = await startMaru({
    port,
    dataDir,
    onLog: (line) => {
      try {
        const entry = JSON.parse(line) as { setupToken?: string };
        if (entry.setupToken) gotToken(entry.setupToken);
      } catch {
        // not a JSON log line
      }
    },
    env: { MARU_ADMIN_TOKEN: ADMIN_TOKEN, MARU_PUBLIC_URL: `http://127.0.0.1:${port}`, MARU_SECRET_KEY: 'console-browser-tests-secret-key-0123456789' },
    timeoutMs: 30_000,
  });
  child.once('exit', () => noToken(new Error('the server exited without logging a setup token')));
  setupToken.catch(() => undefined);
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    setupToken,
    databaseFile() {
      const f = readdirSync(dataDir).find((n) => n.endsWith('.db') || n.endsWith('.sqlite'));
      if (!f) throw new Error(`no database file in ${dataDir}: ${readdirSync(dataDir).join(', ')}`);
      return join(dataDir, f);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A fresh Chromium profile (its own user-data dir), headless, nothing phoning home. */
export async function launchBrowser(options: { locale?: string } = {}): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'maru-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    locale: options.locale ?? 'en-US',
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
    timezoneId: 'UTC',
    // The console turns transitions off for reduced motion: no screenshot catches a dialog half-closed.
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page; returns the serious and critical violations, described for a failure message. */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate("'axe' in window"))) await page.addScriptTag({ content: AXE });
  // A string expression: it runs in the page, where axe-core, window and document exist.
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`)) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join('; ')}`,
    );
}

/**
 * A full-page screenshot for docs/console.md. Notifications left over from earlier steps are not photographed
 * (they would cover the header of the page the picture is about).
 */
export async function screenshot(page: Page, name: string, options: { notifications?: boolean } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  // From the top: a full-page picture of a scrolled page draws the fixed header in the middle.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({
    path: join(SHOTS, `${name}.png`),
    fullPage: true,
    style: options.notifications ? undefined : '.mantine-Notifications-root { display: none !important; }',
  });
}

/** Waits until no query is loading (no loader in the page). */
export async function settled(page: Page) {
  await page.waitForFunction(`document.querySelectorAll('[aria-busy="true"]').length === 0`);
}

/**
 * The check every page of the browser tests gets: wait until it has loaded, photograph it into docs/console/ (when
 * named), and no serious or critical axe-core violations.
 */
export async function checkPage(page: Page, name: string | undefined, what = name ?? 'the page') {
  await settled(page);
  if (name) await screenshot(page, name);
  expect(await seriousViolations(page), `axe on ${what}`).toEqual([]);
}

/** Errors the page throws are printed, for the person reading a failure. */
export function reportPageErrors(page: Page) {
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
}

/** What the page showed when a test failed (not part of the docs): `<tmp>/maru-console-failed-<file>-<test>.png`. */
export async function screenshotOnFailure(page: Page | undefined, file: string, task: { name: string; result?: { state?: string } }) {
  if (task.result?.state !== 'fail' || !page) return;
  const name = `${file}-${task.name.split(':')[0]}`.replace(/[^\w.-]+/g, '-').slice(0, 120);
  await page.screenshot({ path: join(tmpdir(), `maru-console-failed-${name}.png`), fullPage: true }).catch(() => undefined);
}
