// Launches Debian's Chromium through playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launch() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'wig-chromium-'));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** Opens the dashboard at `url` in a new page and waits until it is ready; page errors are collected. */
export async function openDashboard(context, url, { timeout = 60_000 } = {}) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(url);
  await page.waitForSelector('[data-testid=status][data-state=ready]', { timeout });
  return { page, errors };
}

/** The record counts the dashboard's header shows. */
export const dashboardCounts = (page) => page.evaluate(() => Object.fromEntries(['people', 'organizations', 'edges', 'interactions'].map((k) => [k, Number(document.querySelector(`[data-testid=count-${k}]`).textContent)])));
