import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { eventCatalog } from '@kundval/contracts';
import { findRepoRoot, type LocalPlatform } from '@kundval/infra';
import { Actor, eventually, homeCareSteps, journeyState, nextIdentityNumber } from '../driver/index.js';
import { startTestPlatform } from '../support/platform.js';
import { eventTap } from '../support/events.js';

/**
 * The operators' console in a real browser (the system's Chromium, driven by playwright-core)
 * against the whole running platform: an operator signs in, finds a journey by the customer's
 * identity number, opens it and follows it to Temporal, sees it among what is stuck and retries its
 * failed command once the cause is fixed, and re-drives a parked event. Every page passes axe's
 * WCAG checks; a screenshot of each is kept in .data/console-screenshots (ignored by git).
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SHOTS = join(findRepoRoot(), '.data', 'console-screenshots');
const COMMAND_RETRY_MS = 5_000;
const DEFAULT_PROVIDER = 'nacka-hemtjanst';

describe("the operators' console in Chromium", () => {
  let platform: LocalPlatform;
  let browser: Browser;
  let page: Page;
  let tap: Awaited<ReturnType<typeof eventTap>>;
  let identityNumber: string;
  let applicationId: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/ensure-chromium.sh installs Debian's chromium package (npm test runs it).`);
    mkdirSync(SHOTS, { recursive: true });
    // The bridge parks an event whose journey has not started after three deliveries (a second or two), not ten.
    platform = await startTestPlatform('console', { env: { COMMAND_RETRY_MS: String(COMMAND_RETRY_MS), BRIDGE_MAX_DELIVERIES: '3' } });
    tap = await eventTap(platform.nats.url);
    // A journey that gets stuck: the area's default provider is suspended, so assigning it is refused.
    await defaultProvider('suspend');
    identityNumber = nextIdentityNumber(1944);
    const steps = homeCareSteps(platform);
    ({ applicationId } = await steps.apply(identityNumber));
    await steps.assess(applicationId);
    await steps.decide(applicationId, { careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-03-01', validTo: '2026-03-31' });
    await eventually(async () => ((await journeyState(platform, applicationId))?.attention ? true : undefined), 'the journey to wait on an attention', 90_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    // A laptop's screen.
    page = await (await browser.newContext({ viewport: { width: 1366, height: 850 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await tap?.close();
    await platform?.stop();
  });

  function defaultProvider(decision: 'suspend' | 'reinstate') {
    return new Actor(platform.auth, { sub: 'admin-1', role: 'administrator' }).ok('POST', `${platform.urls.orders}/providers/${DEFAULT_PROVIDER}/authorizations/home-care/decision`, {
      decision,
      reason: decision === 'suspend' ? 'The liability insurance certificate has lapsed.' : 'A new certificate was received.',
    });
  }

  /** No WCAG 2.1 A/AA violation on the page as it stands; a screenshot of it kept under `name`. */
  async function checked(name: string) {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  it('signs an operator in with the development sign-in', async () => {
    await page.goto(platform.consoleUrl);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await checked('signin');
    await page.selectOption('#role', 'operator');
    await page.click('#dev-sign-in');
    await page.waitForURL('**/find');
    expect(await page.textContent('header')).toContain('dev-operator');
  });

  it('finds the journey by identity number, with the keyboard, and opens it', async () => {
    await page.keyboard.press('/');
    expect(await page.locator('#identityNumber').evaluate((el) => el.ownerDocument.activeElement === el)).toBe(true);
    await page.keyboard.type(identityNumber);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/find\?customer=/);
    // The number never reaches a URL: the page after the look-up carries the pseudonymous customer id.
    expect(page.url()).not.toContain(identityNumber.slice(0, 8));
    const link = page.locator(`a[href="/journeys/${applicationId}"]`);
    await expect.poll(() => link.count()).toBe(1);
    await checked('find');
    await link.click();
    await page.waitForURL(`**/journeys/${applicationId}`);
    expect(await page.textContent('#stage')).toBe('awaiting-choice');
    expect(await page.textContent('.attention')).toContain('ORDERS.NO_DEFAULT_PROVIDER');
    await checked('journey');
  });

  it('follows the journey to the Temporal Web UI', async () => {
    const href = await page.getAttribute('#temporal-link', 'href');
    expect(href).toBe(`${platform.temporal.uiUrl}/namespaces/${platform.temporal.namespace}/workflows/journey-${applicationId}`);
    const temporal = await page.context().newPage();
    const answer = await temporal.goto(href!);
    expect(answer?.status()).toBe(200);
    await expect.poll(async () => (await temporal.content()).includes(`journey-${applicationId}`), { timeout: 30_000 }).toBe(true);
    await temporal.close();
  });

  it('shows the journey among what is stuck, with its reason, age and task, and retries it once the cause is fixed', async () => {
    await page.click('a[href="/stuck"]');
    await page.waitForURL('**/stuck');
    const row = page.locator('tr', { has: page.locator(`a[href="/journeys/${applicationId}"]`) });
    expect(await row.textContent()).toMatch(/command-failed[\s\S]*assignDefaultProvider: ORDERS\.NO_DEFAULT_PROVIDER[\s\S]*command-failed ·/);
    await checked('stuck');

    await defaultProvider('reinstate');
    await row.locator('a').click();
    await page.waitForURL(`**/journeys/${applicationId}`);
    const retry = page.locator('form[action$="/attention/retry"]');
    await retry.locator('input[name="confirm"]').check();
    await retry.locator('button').click();
    await page.waitForURL(`**/journeys/${applicationId}?notice=done`);
    expect(await page.textContent('.notice')).toBe('Åtgärden är gjord och loggad.');
    const state = await eventually(async () => {
      const s = await journeyState(platform, applicationId);
      return s && s.stage === 'awaiting-acceptance' ? s : undefined;
    }, 'the journey to go on after the retry', 60_000);
    expect(state.attentions?.[0]?.resolution).toMatchObject({ action: 'retry', by: { subject: 'dev-operator', role: 'operator' } });
  });

  it('re-drives a parked event once the journey it was for exists', async () => {
    // An assessment whose application the bridge has not seen: retried while the journey may still start, then parked.
    const lost = randomUUID();
    const customerId = randomUUID();
    const envelope = (name: 'assessmentRecorded' | 'applicationReceived', payload: Record<string, unknown>) => ({
      eventId: randomUUID(),
      subject: eventCatalog[name].subject,
      occurredAt: new Date().toISOString(),
      correlationId: null,
      payload,
    });
    await tap.republish(envelope('assessmentRecorded', { applicationId: lost, customerId, assessmentId: randomUUID(), lifeAreas: ['self-care'] }));
    await page.goto(`${platform.consoleUrl}/parked?lang=en`);
    const card = page.locator('section.parked', { hasText: `the journey journey-${lost} for assessmentRecorded has not started yet` });
    await expect.poll(async () => (await page.reload(), await card.count()), { timeout: 30_000 }).toBe(1);
    expect(await card.textContent()).toContain('workflows-journeys');
    await checked('parked');

    // Re-driven too early, it fails again and stays, with the reason shown.
    await card.locator('form[action$="/redrive"] input[name="confirm"]').check();
    await card.locator('form[action$="/redrive"] button').click();
    expect(await page.textContent('.card.error')).toContain('PARKED.REDRIVE_FAILED');

    // The application arrives; the re-drive now reaches its journey and the event leaves the parked list.
    await tap.republish(envelope('applicationReceived', { applicationId: lost, customerId, areaId: 'home-care', municipality: 'nacka', channel: 'citizen', receivedAt: new Date().toISOString() }));
    await eventually(async () => ((await journeyState(platform, lost)) ? true : undefined), 'the late journey to start');
    await page.goto(`${platform.consoleUrl}/parked`);
    await card.locator('form[action$="/redrive"] input[name="confirm"]').check();
    await card.locator('form[action$="/redrive"] button').click();
    await page.waitForURL('**/parked?notice=done');
    expect(await card.count()).toBe(0);
    const late = await eventually(async () => {
      const s = await journeyState(platform, lost);
      return s && s.stage === 'assessed' ? s : undefined;
    }, 'the re-driven assessment to reach the journey');
    expect(late.stage).toBe('assessed');
  });

  it('has every process ready, and its metrics show the stuck journey and its failed command', async () => {
    for (const url of [...Object.values(platform.urls), platform.workerUrl]) {
      const ready = await fetch(`${url}/ready`);
      expect(ready.status, url).toBe(200);
    }
    const decisions = (await (await fetch(`${platform.urls.decisions}/ready`)).json()) as { checks: Array<{ name: string; ok: boolean }> };
    expect(decisions.checks.map((c) => [c.name, c.ok])).toEqual([['database', true], ['migrations', true], ['nats', true]]);

    const worker = await scrape(platform.workerUrl);
    expect(sum(worker, 'kundval_activity_failures_total', { service: 'worker', command: 'assignDefaultProvider' })).toBeGreaterThan(0);
    // The Temporal SDK's own runtime metrics, served by the worker's /metrics too.
    expect(worker.some((m) => m.name.startsWith('temporal_'))).toBe(true);
    const workflows = await scrape(platform.urls.workflows);
    expect(sum(workflows, 'kundval_journeys', { service: 'workflows' })).toBeGreaterThanOrEqual(2);
    expect(workflows.some((m) => m.name === 'kundval_consumer_pending' && m.labels['consumer'] === 'workflows-journeys')).toBe(true);
    const orders = await scrape(platform.urls.orders);
    expect(sum(orders, 'kundval_http_requests_total', { method: 'POST', route: '/providers/:providerId/authorizations/:areaId/decision' })).toBe(2);
    expect(orders.some((m) => m.name === 'kundval_outbox_backlog')).toBe(true);
    const root = await (await fetch(`${platform.urls.billing}/`)).json();
    expect(root).toMatchObject({ service: 'billing', docs: '/docs', console: platform.consoleUrl });
  });

  it('answers in English when asked, and the billing page passes the same checks', async () => {
    await page.goto(`${platform.consoleUrl}/billing?lang=en`);
    expect(await page.textContent('h1')).toBe('Start a billing run');
    await checked('billing');
  });
});

type Sample = { name: string; labels: Record<string, string>; value: number };

/** A process's /metrics as samples (the Prometheus text format: `name{label="value",…} number`). */
async function scrape(url: string): Promise<Sample[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
      const labels = Object.fromEntries([...(m?.[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
      return { name: m?.[1] ?? '', labels, value: Number(m?.[3]) };
    });
}

/** The sum of a metric's samples whose labels include `where`. */
function sum(samples: Sample[], name: string, where: Record<string, string>): number {
  return samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}
