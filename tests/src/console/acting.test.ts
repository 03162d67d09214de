import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { findRepoRoot, type LocalPlatform } from '@kundval/infra';
import { Actor, eventually, homeCareSteps, journeyState, nextIdentityNumber } from '../driver/index.js';
import { startTestPlatform } from '../support/platform.js';

/**
 * The console's other actions in a real browser (the system's Chromium) against the running
 * platform, each confirmed and then checked in the service that carried it out: a case handler
 * closes a journey's task with a note, skips the failed command of one journey and ends another;
 * finance starts a billing run. Every page passes axe's WCAG checks; screenshots go to
 * .data/console-screenshots (ignored by git). The harness is console.test.ts's.
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SHOTS = join(findRepoRoot(), '.data', 'console-screenshots');
const DEFAULT_PROVIDER = 'nacka-hemtjanst';
const BILLED_MONTH = '2025-01';

type Task = { taskId: string; kind: string; status: string; doneBy: string | null; note: string | null };

describe('acting from the console in Chromium: close a task, skip and end an attention, start a billing run', () => {
  let platform: LocalPlatform;
  let browser: Browser;
  let skipped: string;
  let ended: string;

  const admin = () => new Actor(platform.auth, { sub: 'admin-1', role: 'administrator' });
  const caseHandler = () => new Actor(platform.auth, { sub: 'handlaggare-1', role: 'case-handler' });
  const tasksOf = (applicationId: string) => caseHandler().ok<Task[]>('GET', `${platform.urls.decisions}/tasks?applicationId=${applicationId}`);

  /** A journey whose default provider is refused, so it waits on an attention with its case-handler task. */
  async function stuckJourney(born: number): Promise<string> {
    const steps = homeCareSteps(platform);
    const { applicationId } = await steps.apply(nextIdentityNumber(born));
    await steps.assess(applicationId);
    await steps.decide(applicationId, { careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-03-01', validTo: '2026-03-31' });
    return applicationId;
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/ensure-chromium.sh installs Debian's chromium package (npm test runs it).`);
    mkdirSync(SHOTS, { recursive: true });
    // A refused command becomes an attention after five seconds of retries, not the default's hours.
    // Find shows one journey a page, so two journeys make two pages.
    platform = await startTestPlatform('console-acting', { env: { COMMAND_RETRY_MS: '5000', FIND_PAGE_SIZE: '1' } });
    await admin().ok('POST', `${platform.urls.orders}/providers/${DEFAULT_PROVIDER}/authorizations/home-care/decision`, { decision: 'suspend', reason: 'The liability insurance certificate has lapsed.' });
    skipped = await stuckJourney(1946);
    ended = await stuckJourney(1947);
    for (const applicationId of [skipped, ended]) {
      await eventually(async () => ((await journeyState(platform, applicationId))?.attention ? true : undefined), 'the journey to wait on an attention', 90_000);
      await eventually(async () => ((await tasksOf(applicationId)).some((t) => t.kind === 'command-failed' && t.status === 'open') ? true : undefined), "the attention's task");
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  /** A fresh browser session signed in with the development sign-in as `role`, on a laptop's screen. */
  async function signedIn(role: 'case-handler' | 'finance'): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 850 } })).newPage();
    await page.goto(platform.consoleUrl);
    await page.selectOption('#role', role);
    await page.click('#dev-sign-in');
    await page.waitForURL('**/find');
    return page;
  }

  /** No WCAG 2.1 A/AA violation on the page as it stands; a screenshot of it kept under `name`. */
  async function checked(page: Page, name: string) {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  it("closes a journey's task with a note: decisions records it done by the signed-in case handler", async () => {
    const page = await signedIn('case-handler');
    const [task] = (await tasksOf(skipped)).filter((t) => t.status === 'open');
    expect(task?.kind).toBe('command-failed');
    await page.goto(`${platform.consoleUrl}/journeys/${skipped}?lang=en`);
    const form = page.locator(`form[action="/tasks/${task!.taskId}/done"]`);
    await form.locator('input[name="note"]').fill('Called the customer; she will choose a provider herself.');
    await checked(page, 'journey-task');
    await form.locator('input[name="confirm"]').check();
    await form.locator('button').click();
    await page.waitForURL(`**/journeys/${skipped}?notice=done`);
    expect(await page.textContent('.notice')).toBe('Done, and audited.');
    expect(await page.locator(`form[action="/tasks/${task!.taskId}/done"]`).count()).toBe(0);
    const [closed] = (await tasksOf(skipped)).filter((t) => t.taskId === task!.taskId);
    expect(closed).toMatchObject({ status: 'done', doneBy: 'dev-case-handler', note: 'Called the customer; she will choose a provider herself.' });
    await page.context().close();
  });

  it("skips a failed command with a reason: the journey gives up the default provider and waits for the customer's own choice", async () => {
    const page = await signedIn('case-handler');
    await page.goto(`${platform.consoleUrl}/journeys/${skipped}`);
    const form = page.locator('form[action$="/attention/skip"]');
    await form.locator('#reason-skip').fill('The customer chooses herself.');
    await form.locator('input[name="confirm"]').check();
    await form.locator('button').click();
    await page.waitForURL(`**/journeys/${skipped}?notice=done`);
    expect(await page.textContent('.notice')).toBe('Åtgärden är gjord och loggad.');
    const state = await eventually(async () => {
      const s = await journeyState(platform, skipped);
      return s && s.attention === null && s.nextDeadline === null ? s : undefined;
    }, 'the attention to close after the skip');
    expect([state.stage, state.providerId]).toEqual(['awaiting-choice', null]);
    expect(state.attentions?.[0]?.resolution).toMatchObject({ action: 'skip', by: { subject: 'dev-case-handler', role: 'case-handler' }, reason: 'The customer chooses herself.' });
    // The attention's forms are gone from the page once it is resolved.
    await page.goto(`${platform.consoleUrl}/journeys/${skipped}`);
    expect(await page.locator('form[action*="/attention/"]').count()).toBe(0);
    await page.context().close();
  });

  it('ends a journey at its attention with a reason: it completes, named as ended by the case handler, with no task left open', async () => {
    const page = await signedIn('case-handler');
    await page.goto(`${platform.consoleUrl}/journeys/${ended}?lang=en`);
    const form = page.locator('form[action$="/attention/end"]');
    await form.locator('#reason-end').fill('The customer has moved to another municipality.');
    await checked(page, 'journey-attention');
    await form.locator('input[name="confirm"]').check();
    await form.locator('button').click();
    await page.waitForURL(`**/journeys/${ended}?notice=done`);
    const state = await eventually(async () => {
      const s = await journeyState(platform, ended);
      return s && s.stage === 'completed' ? s : undefined;
    }, 'the journey to end');
    expect(state.ended?.reason).toBe('ended by case-handler dev-case-handler: The customer has moved to another municipality.');
    await eventually(async () => ((await tasksOf(ended)).every((t) => t.status === 'done') ? true : undefined), 'the journey to close its task');
    await page.reload();
    expect(await page.textContent('#stage')).toBe('completed');
    await page.context().close();
  });

  it("finds a municipality's journeys a page at a time, following visibility's page token, and none of another municipality", async () => {
    const page = await signedIn('case-handler');
    await page.goto(`${platform.consoleUrl}/find?lang=en`);
    await page.fill('#f-municipality', 'nacka');
    await page.locator('form[action="/find"] button').click();
    const seen: string[] = [];
    for (let n = 1; ; n++) {
      await page.waitForURL(/\/find\?/);
      const links = await page.locator('table a[href^="/journeys/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      const next = page.locator('nav.pager a[rel="next"]');
      // Visibility may answer a token after a full last page, whose next page is then empty and final.
      if (links.length === 0) {
        expect(await next.count()).toBe(0);
        break;
      }
      expect(links, `page ${n}`).toHaveLength(1);
      seen.push(links[0]!.replace('/journeys/', ''));
      expect(await page.locator('table tbody td').nth(6).textContent()).toBe('nacka');
      if (n === 1) await checked(page, 'find-municipality');
      if ((await next.count()) === 0) break;
      expect(n).toBeLessThan(10);
      await next.click();
      await page.waitForURL(new RegExp(`page=${n + 1}`));
    }
    // Each journey once, in visibility's order (running ones before closed ones, then newest first).
    expect(seen).toEqual([skipped, ended]);
    await page.goto(`${platform.consoleUrl}/find?municipality=varmdo`);
    expect(await page.locator('table a[href^="/journeys/"]').count()).toBe(0);
    await page.context().close();
  });

  it("starts a billing run as finance: billing completes the month's run once, and the same form again changes nothing", async () => {
    const page = await signedIn('finance');
    await page.goto(`${platform.consoleUrl}/billing?lang=en`);
    await page.fill('#month', BILLED_MONTH);
    await page.locator('form[action="/billing"] input[name="confirm"]').check();
    await checked(page, 'billing-confirmed');
    await page.locator('form[action="/billing"] button').click();
    await page.waitForURL('**/billing?notice=done');
    expect(await page.textContent('.notice')).toBe('Done, and audited.');
    const finance = new Actor(platform.auth, { sub: 'ekonomi-1', role: 'finance' });
    const run = await finance.ok<{ runId: string; month: string; status: string; result: { counts: { statements: number } } | null }>('GET', `${platform.urls.billing}/billing-runs/${BILLED_MONTH}`);
    expect(run).toMatchObject({ month: BILLED_MONTH, status: 'completed' });
    // Started again from the console: billing answers the completed run, and it is the same run.
    await page.goto(`${platform.consoleUrl}/billing`);
    await page.fill('#month', BILLED_MONTH);
    await page.locator('form[action="/billing"] input[name="confirm"]').check();
    await page.locator('form[action="/billing"] button').click();
    await page.waitForURL('**/billing?notice=done');
    expect(await finance.ok<{ runId: string }>('GET', `${platform.urls.billing}/billing-runs/${BILLED_MONTH}`)).toMatchObject({ runId: run.runId, status: 'completed' });
    await page.context().close();
  });
});
