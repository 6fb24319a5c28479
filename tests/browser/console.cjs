// The console in a real browser (Debian's chromium driven by playwright-core), against a
// running server that tests/integration/browser_test.cpp set up: three people, subscribers,
// a patient to call, a fake aggregator behind the channel. Each step checks what a person
// would see; each page is kept as a screenshot under PAYGHAM_SHOTS.
//   PAYGHAM_URL=http://127.0.0.1:PORT PAYGHAM_NODE_DIR=build/node PAYGHAM_SHOTS=dir node console.cjs
const path = require('path');
const { chromium } = require(path.join(process.env.PAYGHAM_NODE_DIR, 'node_modules', 'playwright-core'));

const base = process.env.PAYGHAM_URL;
const shots = process.env.PAYGHAM_SHOTS;
const password = 'river-lamp-seven';

function check(ok, what) {
  if (!ok) throw new Error('failed: ' + what);
  console.log('ok - ' + what);
}

let current = null;  // the page a failure is photographed on
// Refusals a step expects (`${status} ${path end}`), each taken once by the response it names.
const expectedRefusals = [];

async function logIn(browser, login, language) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  current = page;
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // Failed calls are counted by their response (below), not by the console's note of them.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push('console: ' + m.text());
  });
  // Any refused call is a problem, except asking for a session before logging in and the
  // refusals a step expects.
  page.on('response', (r) => {
    const before = r.url().endsWith('/api/v1/session') && r.request().method() === 'GET' && r.status() === 401;
    const expected = expectedRefusals.findIndex((e) => e === `${r.status()} ${r.url().split('/').pop()}`);
    if (expected >= 0) expectedRefusals.splice(expected, 1);
    else if (r.status() >= 400 && !before) problems.push(`${r.request().method()} ${r.url()}: ${r.status()}`);
  });
  page.on('dialog', (d) => { problems.push('a dialog opened: ' + d.message()); d.dismiss(); });
  await page.goto(base + '/console/');
  if (language) await page.selectOption('#language', language);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#logout');
  return { page, context, problems };
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, name + '.png'), fullPage: true });
}

async function healthWorker(browser) {
  const { page, context, problems } = await logIn(browser, 'fatima', 'prs');
  check(await page.getAttribute('html', 'dir') === 'rtl', 'Dari is laid out right to left');
  const nav = await page.locator('#bar nav a').allTextContents();
  check(nav.join('|') === 'مریضان|نوبت‌ها|تماس با مریضان|چه کسانی پیام‌ها را می‌خوانند',
    'a health worker sees patients, visits, patients to call and who reads messages: ' + nav);
  // Enrol a patient in daily medicine reminders and see the next one scheduled.
  await page.fill('#phone', '0700 000 321');
  await page.click('#find');
  await page.waitForSelector('#enrol');
  await page.fill('#time', '08:00');
  await page.selectOption('#patient-language', 'prs');
  // Texts that name the care are offered only for a phone nobody else reads (R-S11).
  check(!(await page.isVisible('#explicit-texts')), 'texts that name the care are not offered before the phone is private');
  await page.selectOption('#shared-phone', 'no');
  await page.check('#explicit-texts');
  await page.selectOption('#shared-phone', 'yes');
  check(!(await page.isVisible('#explicit-texts')), 'a shared phone hides texts that name the care');
  await page.selectOption('#shared-phone', 'no');
  check(!(await page.isChecked('#explicit-texts')), 'and forgets they were asked for');
  await page.check('#explicit-texts');
  // She takes her medicine late and is awake until 23:00: her own quiet hours, typed in Persian digits.
  await page.fill('#quiet-hours', '۲۳:۰۰-۰۶:۳۰');
  await page.check('#consent');  // the form is not sent without the person's consent
  await page.click('#enrol-send');
  await page.waitForSelector('#patient-status p.ok');
  check((await page.textContent('#patient-status')).includes('ثبت شد'), 'the patient is enrolled');
  await page.waitForSelector('tr[data-enrolment] td.next');
  const next = await page.textContent('tr[data-enrolment] td.next');
  check(/[۰-۹]/.test(next) && /۸:۰۰|۰۸:۰۰/.test(next), 'the next reminder is shown at 08:00 in Solar Hijri: ' + next);
  check((await page.textContent('#patient-quiet')).includes('23:00-06:30'), 'her own quiet hours are shown with her reminders');
  await shot(page, 'health-worker-enrol-prs');
  // Paused for ten days (a stay in hospital): the row says until when; then resumed.
  const inTen = new Date(Date.now() + 10 * 86400000).toISOString().slice(0, 10);
  await page.fill('tr[data-enrolment] input[data-pause-until]', inTen);
  await page.click('tr[data-enrolment] button[data-pause]');
  await page.waitForSelector('tr[data-enrolment] .paused');
  check(/[۰-۹]/.test(await page.textContent('tr[data-enrolment] .paused')), 'the reminders show as paused until a day');
  await page.click('tr[data-enrolment] button[data-resume]');
  await page.waitForSelector('tr[data-enrolment] button[data-pause]');
  check(await page.locator('tr[data-enrolment] .paused').count() === 0, 'resumed, the pause is gone');
  // The same patient collects her medicine every two months: asked the day before each refill.
  await page.selectOption('#kind', 'refill');
  check(!(await page.isVisible('#time')) && await page.isVisible('#refill-date'), 'a refill asks its day, not a time');
  const refillDay = new Date(Date.now() + 20 * 86400000).toISOString().slice(0, 10);
  await page.fill('#refill-date', refillDay);
  await page.selectOption('#refill-every', '60');
  await page.check('#consent');
  await page.click('#enrol-send');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-enrolment]').length === 2);
  const rows = await page.locator('tr[data-enrolment]').allTextContents();
  const refill = rows.find((r) => r.includes('گرفتن دوا')) || '';
  check(refill.includes('هر ۶۰ روز'), 'the refill is listed with its cycle in Persian digits: ' + rows);
  // Its next reminder is the day before the refill day at 10:00 in Kabul, shown in Solar Hijri.
  const asked = await page.evaluate((day) => new Intl.DateTimeFormat('fa-AF-u-ca-persian',
    { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Kabul' }).format(Date.parse(day + 'T05:30:00Z') - 86400000), refillDay);
  const nextCell = await page.locator('tr[data-enrolment] td.next').allTextContents();
  check(nextCell.some((n) => n.includes(asked)), `the refill's reminder is asked ${asked}: ${nextCell}`);
  // The patient stops every message by SMS: her reminders say so, and promise no next one.
  const stop = await fetch(base + '/channels/at/sms', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'from=%2B93700000321&text=STOP%20ALL&id=stop321',
  });
  check(stop.status === 200, 'the patient\'s STOP is taken');
  await page.reload();
  await page.waitForSelector('tr[data-enrolment] .stopped');
  check((await page.locator('tr[data-enrolment] .stopped').count()) === 2 &&
    (await page.textContent('tr[data-enrolment] .stopped')).includes('۱۲'), 'both show the patient stopped them, and 12');
  await shot(page, 'health-worker-patient-stopped-prs');
  // Book a free place for a patient at her clinic, then mark the visit on that day's list.
  await page.click('#bar nav >> text=نوبت‌ها');
  await page.waitForSelector('#show-slots');
  await page.selectOption('#service', 'general');
  await page.click('#show-slots');
  await page.waitForSelector('tr[data-slot] button');
  await page.fill('#visit-phone', '0700 000 322');
  await page.selectOption('#for', 'child');  // for her child (R-B4): the relation only
  await page.click('tr[data-slot] button');
  await page.waitForSelector('#visit-status p.error');
  check(await page.locator('tr[data-visit]').count() === 0, 'nothing is booked before the person agrees');
  await page.check('#visit-consent');
  await page.click('tr[data-slot] button');
  await page.waitForSelector('#visit-status p.ok');
  check((await page.textContent('#visit-status')).includes('نوبت ثبت شد'), 'a free place is booked for the patient');
  await page.waitForSelector('tr[data-visit] td[data-status="booked"]');
  // Moved to another free place: the new visit is booked, the old one cancelled.
  const old = await page.getAttribute('tr[data-visit]', 'data-visit');
  // The free places are listed again for the move: choose among the new list, not the one
  // still on screen from the booking.
  const relisted = page.waitForResponse((r) => r.url().includes('/api/v1/slots'));
  await page.click('tr[data-visit] button[data-move]');
  await relisted;
  await page.waitForSelector('tr[data-slot] button');
  await page.locator('tr[data-slot] button').last().click();
  await page.waitForSelector('#visit-status p.ok, #visit-status p.error');
  const movedText = await page.textContent('#visit-status');
  check(movedText.includes('نوبت تغییر کرد'), `the visit is moved, and the person told by SMS (${movedText})`);
  // The new visit, once the list shows it (the list on screen before may still hold the old one).
  const moved = `tr[data-visit]:not([data-visit="${old}"])`;
  await page.waitForSelector(`${moved} td[data-status="booked"]`);
  await page.click(`${moved} button[data-mark="attended"]`);
  await page.waitForSelector('tr[data-visit] td[data-status="attended"]');
  check(true, 'the visit is marked attended on the day\'s list');
  await shot(page, 'health-worker-visits-prs');
  // The clinic cancels another patient's visit (R-B5): the page says an SMS tells them.
  await page.fill('#visit-phone', '0700 000 323');
  await page.selectOption('#for', 'self');
  await page.click('tr[data-slot] button');
  await page.waitForSelector('#visit-status p.ok >> text=نوبت ثبت شد');
  await page.waitForSelector('tr[data-visit] td[data-status="booked"]');
  await page.click('tr[data-visit] button[data-mark="cancelled"]');
  await page.waitForSelector('#cancel-told');
  check((await page.textContent('#cancel-told')).includes('پیامی با روزهای دیگر'),
    'cancelling a visit says the person is told by SMS, with other days');
  // The clinic closes that whole day (R-B5): asked again with how many visits it cancels, then
  // closed, and opened again.
  await page.click('#close-day');
  await page.waitForSelector('#close-day-yes');
  check((await page.textContent('#closing')).includes('لغو می‌شود'), 'closing a day first says what it cancels');
  await page.click('#close-day-yes');
  await page.waitForSelector('#closed-ok');
  await page.waitForSelector('#reopen-day');
  check((await page.textContent('#closing')).includes('کلینیک در این روز بسته است'), 'the day shows as closed');
  await page.click('#reopen-day');
  await page.waitForSelector('#close-day');
  check(true, 'the day is opened again');
  // The clinic's week (R-B1): as the clinics file has it, until reception changes it here. A
  // visit booked in the last window of a day stays booked when that window goes, once confirmed.
  check((await page.textContent('#hours-source')) === 'مطابق فایل کلینیک‌ها.', 'the hours are the clinics file\'s');
  await page.fill('#visit-phone', '0700 000 323');
  const lastSlot = await page.getAttribute('tr[data-slot]:last-child', 'data-slot');
  await page.click('tr[data-slot]:last-child button');
  await page.waitForSelector('#visit-status p.ok >> text=نوبت ثبت شد');
  const lastTime = lastSlot.split(' ')[1];
  const windowRows = page.locator('#hours tr.window');
  const before = await windowRows.count();
  for (let i = before - 1; i >= 0; --i) {
    if (await windowRows.nth(i).locator('.w-from').inputValue() === lastTime) await windowRows.nth(i).locator('button').click();
  }
  check(await windowRows.count() === before - 1, `the ${lastTime} window is taken out of the week`);
  await page.fill('#hours tr.window:first-child .w-places', '3');
  expectedRefusals.push('409 hours');  // confirm_needed: said, then asked
  await page.click('#save-hours');
  await page.waitForSelector('#hours-confirm');
  check((await page.textContent('#hours-status')).includes('۱ نوبت'), 'changing the hours first says one visit falls outside them');
  await page.click('#hours-confirm');
  await page.waitForSelector('#hours-ok');
  check((await page.textContent('#hours-outside')).includes(lastTime), 'the visit outside the new hours is listed');
  check((await page.textContent('#hours-source')).includes('تغییر داده شد'), 'the page says the hours were changed here');
  check(await page.inputValue('#hours tr.window:first-child .w-places') === '3', 'the first window takes 3 now');
  await shot(page, 'health-worker-hours-prs');
  await page.click('#hours-back');
  await page.waitForFunction(() => document.querySelector('#hours-source')?.textContent === 'مطابق فایل کلینیک‌ها.');
  check(true, 'back to the clinics file\'s hours');
  check(await windowRows.count() === before, 'with all its windows');
  // Each page is waited for by what only it shows: the one before may still be on screen.
  await page.click('#bar nav >> text=تماس با مریضان');
  await page.waitForSelector('#calls td .ltr');
  check(await page.locator('#calls td .ltr').first().textContent() === '+93700000555', 'the patient to call is listed');
  const since = await page.locator('#calls tbody td').nth(3).textContent();
  check(/۱۴۰[۰-۹]/.test(since), 'the date is in the Solar Hijri calendar with Persian digits: ' + since);
  check((await page.textContent('#calls tbody strong.soon')) === 'در جریان یک روز کاری زنگ بزنید',
    'a high-priority call says it is due within one working day');
  await shot(page, 'health-worker-calls-prs');
  await page.click('#calls tbody button');
  await page.waitForSelector('main p.muted');
  check((await page.textContent('main')).includes('کسی برای تماس نیست'), 'after the call the list is empty');
  // A patient asks who else reads their messages (R-D5): the organisations, and what is missing.
  await page.click('#bar nav >> text=چه کسانی پیام‌ها را می‌خوانند');
  await page.waitForSelector('#parties');
  const parties = await page.locator('#parties tbody tr').allTextContents();
  check(parties.length === 2 && parties[0].includes("Africa's Talking") && parties[0].includes('توافق‌نامهٔ کتبی ندارد'),
    'the aggregator is listed, without a written agreement: ' + parties);
  check(parties[1].includes('میزبان سرور') && parties[1].includes('۱۳۹۸'),
    'the host\'s agreement shows the day it ended, in the Solar Hijri calendar: ' + parties);
  check((await page.locator('#party-gaps li').count()) === 2, 'both gaps are named above the list');
  await shot(page, 'health-worker-parties-prs');
  await page.click('#logout');
  await page.waitForSelector('#password');
  check(problems.length === 0, 'no script errors: ' + problems.join('; '));
  await context.close();
}

async function operator(browser) {
  const { page, context, problems } = await logIn(browser, 'omid');
  check(await page.getAttribute('html', 'dir') === 'ltr', 'English is laid out left to right');
  // A broadcast: the cost per language, then its progress to 100 % against the fake aggregator.
  await page.click('text=Broadcasts');
  await page.waitForSelector('#send');
  await page.fill('#topic', 'mine_safety');
  await page.fill('#area', 'herat');
  await page.fill('#route', 'islam_qala');  // a hazard near the crossing: those who come by it (R-M1)
  check(await page.isHidden('#unknown-district'), 'without a district, nothing is asked of unknown districts');
  await page.fill('#district', 'kohsan');  // and in Kohsan, the crossing's district
  check(await page.isChecked('#unknown-district'),
    'those whose district is not known get a district alert unless the operator unticks it');
  await page.fill('#text', 'mine_safety.alert_floods');
  await page.press('#text', 'Escape');  // the list of known texts closes
  await page.dispatchEvent('#text', 'change');
  await page.waitForSelector('#preview td.parts');
  const langs = await page.locator('#preview tbody tr td:first-child').allTextContents();
  check(['en', 'fa', 'prs', 'ps'].every((l) => langs.includes(l)), 'the preview shows every language: ' + langs);
  // R-S1: what 1,000 recipients cost on the channel's tariff, in each language.
  const costs = await page.locator('#preview tbody tr td.cost').allTextContents();
  check(costs.length === langs.length && costs.every((c) => /AFN.*\d.*\(at\)/.test(c)), 'the preview shows what 1,000 cost: ' + costs);
  await page.selectOption('#priority', 'alert');
  await shot(page, 'operator-broadcast-compose');
  const posted = page.waitForResponse((r) => r.url().endsWith('/api/v1/broadcasts'), { timeout: 5000 });
  await page.click('#send');
  check((await posted).status() === 201, 'the broadcast is accepted');
  await page.waitForSelector('#progress-line', { timeout: 5000 }).catch(() => {
    throw new Error('no progress page: ' + problems.join('; '));
  });
  // An urgent alert waits for a second person: the count first, nothing sent yet.
  await page.waitForSelector('#cancel-broadcast');
  const waiting = await page.textContent('#approval');
  // Of the 20 who come by the crossing, 4 wrote Injil: not in Kohsan (the others' districts are not known).
  check(waiting.includes('to 16 people, only when a second person approves it'),
    'the alert waits for a second person, showing how many it reaches');
  check(waiting.includes('Another admin or operator must approve it') && await page.locator('#approve').count() === 0,
    'whoever asked for it cannot approve it');
  await shot(page, 'operator-broadcast-awaiting-approval');
  const id = (await page.textContent('h1')).match(/\d+/)[0];
  // The second person finds it among the broadcasts, marked as awaiting them.
  const second = await logIn(browser, 'admin');
  await second.page.click('text=Broadcasts');
  await second.page.click(`#recent tr[data-status="awaiting_approval"] a`);
  await second.page.waitForSelector('#approve');
  check((await second.page.textContent('#broadcast-what')).includes(
    'mine_safety · herat · kohsan · islam_qala (and those whose district is not known)'),
    'the second person sees to whom the alert goes, the district and crossing included, before approving');
  await second.page.click('#approve');
  await second.page.waitForSelector('#approve', { state: 'detached' });
  check(second.problems.length === 0, 'the admin approves it: ' + second.problems.join('; '));
  await second.context.close();
  current = page;
  await page.waitForSelector('#progress-line[data-percent="100"]', { timeout: 30000 });
  check(await page.locator('#cancel-broadcast').count() === 0, 'once approved, the choice is gone');
  check((await page.textContent('#progress-line')).includes('16 people'), 'the progress reaches 100 % of 16 people');
  await shot(page, 'operator-broadcast-progress');
  // Another, for tomorrow, found wrong while it waits for its time: stopped, none of it goes.
  await page.click('#bar nav >> text=Broadcasts');
  await page.waitForSelector('#send');
  await page.fill('#topic', 'mine_safety');
  await page.fill('#area', 'herat');
  await page.fill('#text', 'mine_safety.alert_floods');
  await page.press('#text', 'Escape');
  await page.dispatchEvent('#text', 'change');
  const tomorrow = new Date(Date.now() + 86400000);
  const local = (n) => String(n).padStart(2, '0');
  await page.fill('#send-at', `${tomorrow.getFullYear()}-${local(tomorrow.getMonth() + 1)}-${local(tomorrow.getDate())}T10:00`);
  await page.click('#send');
  await page.waitForSelector('.states [data-state="queued"]', { timeout: 10000 });  // queued now, held until then
  await page.click('#stop-broadcast');
  await page.waitForSelector('#approval p.error');
  check((await page.textContent('#approval')).includes('Stopped: nothing more goes'), 'a broadcast waiting for its time is stopped');
  await page.waitForFunction(() => !document.querySelector('.states [data-state="queued"]'));
  check(await page.locator('.states [data-state="cancelled"]').count() === 1, 'its messages show as cancelled');

  // The delivery dashboard: the broadcast's hour in the chart, the channel sending, no pause.
  await page.click('#bar nav >> text=Deliveries');
  await page.waitForSelector('#chart rect[data-group="delivered"]');
  check(await page.locator('#channels tr[data-channel="at"] td.ok').count() === 1, 'the dashboard shows the channel sending');
  await shot(page, 'operator-deliveries');

  // The inbox: a hazard report someone texted, taken, answered and closed.
  await page.click('#bar nav >> text=Inbox');
  await page.waitForSelector('#inbox tr[data-inbox]');
  check((await page.textContent('#inbox')).includes('Unexploded shell near the school'), 'the report is in the inbox');
  check((await page.textContent('#inbox tr[data-inbox] strong.urgent')).includes('urgent'), 'it is marked urgent');
  await page.click('#inbox tr[data-inbox] button.take');
  await page.waitForFunction(() => document.querySelector('#inbox td[data-status]')?.textContent.includes('yours'));
  await page.fill('#inbox tr[data-inbox] input.reply', 'Thank you. Keep away; the team is on its way.');
  await page.click('#inbox tr[data-inbox] button.send-reply');
  await page.waitForSelector('main p.muted');  // answered: no longer new
  await page.selectOption('#inbox-status', 'read');
  await page.waitForSelector('#inbox td[data-status="read"]');
  await shot(page, 'operator-inbox');
  await page.click('#inbox tr[data-inbox] button.close');
  await page.waitForSelector('main p.muted');
  check(true, 'the report is taken, answered and closed');

  // A hazard report made by SMS, nobody hurt: the inbox says the reporter may be called back.
  let n = 0;
  for (const text of ['MINE', '2', 'Canal road near Zaranj', '2', 'A metal object', '2', '1']) {
    const form = new URLSearchParams({ from: '+93700000558', to: '384', text, id: `at-hazard-${++n}`, date: '2026-11-30' });
    const r = await fetch(base + '/channels/at/sms', { method: 'POST', body: form });
    check(r.status === 200, `the aggregator's SMS "${text}" is taken`);
  }
  await page.selectOption('#inbox-status', 'new');
  await page.waitForSelector('#inbox tr[data-inbox] .may-call');
  check((await page.textContent('#inbox tr[data-inbox] .may-call')) === 'agreed to be called back',
    'the hazard report says the reporter agreed to be called back');
  check((await page.textContent('#inbox tr[data-inbox] .place')) === 'nimroz · zaranj',
    'the hazard report shows its province and the district its place names');

  // A person's card: what they agreed to, and who recorded what they said of their phone.
  await page.click('#bar nav >> text=Contacts');
  await page.fill('#contact-phone', '0700 000 321');
  await page.click('#contact-find');
  await page.waitForSelector('#contact-shared');
  const shared = await page.textContent('#contact-shared');
  check(shared.includes('No, only the patient') && shared.includes('recorded by console user no. 3'),
    'the contact says nobody else reads the phone, and which health worker recorded it: ' + shared);
  check((await page.textContent('#contact')).includes('health'), 'and the consent to reminders she recorded');
  check(await page.inputValue('#contact-quiet') === '23:00-06:30', 'and the quiet hours she gave');
  await page.fill('#contact-quiet', '22:00-07:00');
  await page.click('#contact-quiet-save');
  await page.waitForSelector('#contact .ok');
  check((await page.textContent('#contact')).includes('Quiet hours saved.'), 'an operator changes them');
  // R-L3: an Afghan long in Iran reads the Iranian month names: the operator picks them.
  await page.selectOption('#contact-months', 'iranian');
  await page.click('#contact-months-save');
  await page.waitForFunction(() => document.querySelector('#contact').textContent.includes('Month names saved.'));
  check(await page.inputValue('#contact-months') === 'iranian', 'the month names she reads are kept');
  // Her old number asks for the menu: its answer goes at once, also in her quiet hours (a reply
  // to her own SMS is not routine), so a message to the old number is on record at any hour.
  const asked = await fetch(base + '/channels/at/sms', { method: 'POST',
    body: new URLSearchParams({ from: '+93700000321', to: '384', text: 'INFO', id: 'at-old-sim', date: '2026-11-30' }) });
  check(asked.status === 200, 'her old number asks for the menu');
  // R-L6: back in Afghanistan she has a new SIM, which writes before anyone records it; what she
  // agreed to and her hours go with her, once the operator confirms the SIM is hers.
  const wrote = await fetch(base + '/channels/at/sms', { method: 'POST',
    body: new URLSearchParams({ from: '+93799000321', to: '384', text: 'salam', id: 'at-new-sim', date: '2026-11-30' }) });
  check(wrote.status === 200, 'her new SIM writes first');
  await page.fill('#contact-new-number', '0799 000 321');
  expectedRefusals.push('409 number');
  await page.click('#contact-new-number-save');
  await page.waitForSelector('#contact-new-number-confirm');
  check((await page.textContent('#contact')).includes('This number wrote to Paygham before.'),
    'the operator is asked whether the number that wrote is hers');
  await page.click('#contact-new-number-confirm');
  await page.waitForFunction(() => document.querySelector('#contact h2')?.textContent.includes('+93799000321'));
  const moved = await page.textContent('#contact');
  check(moved.includes('Number changed.') && moved.includes('What the new number sent before is now theirs.') &&
    moved.includes('health'), 'her new number keeps her consent: ' + moved);
  check(await page.inputValue('#contact-quiet') === '22:00-07:00', 'and her quiet hours');
  check((await page.textContent('#contact-shared')).includes('Not sure'),
    'but not that nobody else reads the new phone: texts are neutral until someone asks');
  // Her messages, those her old number got included.
  await page.click('text=Messages to this person');
  await page.waitForSelector('tbody tr');
  check((await page.textContent('main')).includes('+93700000321'), 'her messages include those to her old number');
  await page.goBack();
  await page.waitForSelector('#contact-quiet');
  check(await page.locator('#check-this').count() === 0, 'a mobile number is not flagged');
  // Her phone takes two SIMs: she keeps the old one in it, and then gives it away.
  check((await page.textContent('#contact-other-numbers')) === 'none', 'she writes from no other number yet');
  await page.fill('#contact-other-number', '0700 000 321');
  await page.click('#contact-other-number-save');
  await page.waitForFunction(() => document.querySelector('#contact')?.textContent.includes('Number added.'));
  check((await page.textContent('#contact-other-numbers')).includes('+93700000321'), 'her old SIM is listed as hers');
  check((await page.textContent('#contact h2')).includes('+93799000321'), 'and her main number stays the new one');
  await page.click('#contact-other-remove-0');
  await page.waitForFunction(() => document.querySelector('#contact')?.textContent.includes('Number removed'));
  check((await page.textContent('#contact-other-numbers')) === 'none', 'the old SIM is nobody\'s once removed');
  // R-S12: a person who forgot the PIN of their visits asks at the clinic; an operator clears it.
  await page.fill('#contact-phone', '0700 000 555');
  await page.click('#contact-find');
  await page.waitForSelector('#contact-visit-pin-clear');
  const pinSaid = await page.textContent('#contact-visit-pin');
  check(pinSaid.includes('My visits asks for a PIN the person chose.') && pinSaid.includes('Closed after 15 wrong PINs'),
    'the card says My visits asks for the person\'s own PIN, closed after too many wrong ones: ' + pinSaid);
  await page.click('#contact-visit-pin-clear');
  await page.waitForFunction(() => document.querySelector('#contact-visit-pin').textContent.includes('PIN cleared'));
  check(await page.locator('#contact-visit-pin-clear').count() === 0, 'the PIN is cleared, once');
  // R-L2: she reads Farsi, then English, after her own language.
  await page.selectOption('#contact-lang2', 'fa');
  await page.selectOption('#contact-lang3', 'en');
  await page.click('#contact-langs-save');
  await page.waitForFunction(() => document.querySelector('#contact').textContent.includes('Languages saved.'));
  check(await page.inputValue('#contact-lang2') === 'fa' && await page.inputValue('#contact-lang3') === 'en',
    'the languages she reads after her own are kept in order');
  // R-L6: a landline given as someone's number: saving anything for them says to check it.
  await page.fill('#contact-phone', '020 210 1234');
  await page.click('#contact-find');
  await page.waitForFunction(() => document.querySelector('#contact-quiet')?.value === '');
  await page.fill('#contact-quiet', '22:00-07:00');
  await page.click('#contact-quiet-save');
  await page.waitForSelector('#check-this');
  check((await page.textContent('#check-this')).includes('not a mobile'), 'a landline is flagged above the page');
  await shot(page, 'operator-contact');

  // A new flow file's simulator dials by the server's routes too (the file is not there yet).
  expectedRefusals.push('404 draft.yaml');
  await page.goto(base + '/console/#/flow/draft.yaml');
  await page.waitForSelector('#sim-route');
  check((await page.locator('#sim-route option').count()) === 2, 'a new file can be tried on every USSD route');

  // A flow: a lint error at its line, fixed, published, walked in the simulator.
  await page.goto(base + '/console/#/flow/welcome.yaml');
  // The draft's editor is on the page until this file's is drawn.
  await page.waitForSelector('#yaml[aria-label="welcome.yaml"]');
  const original = await page.inputValue('#yaml');
  const broken = original.replace('text: welcome.menu', 'text: welcome.nothing');
  const badLine = broken.split('\n').findIndex((l) => l.includes('welcome.nothing')) + 1;
  await page.fill('#yaml', broken);
  await page.click('#check');
  await page.waitForSelector('ul.problems a[data-line]');
  const line = Number(await page.getAttribute('ul.problems a[data-line]', 'data-line'));
  check(line === badLine, `the problem is shown at its line (${line})`);
  check(await page.locator('.gutter div.bad').count() === 1, 'the line is marked beside the text');
  await shot(page, 'operator-flow-lint-error');
  await page.fill('#yaml', original.replace('text: welcome.menu', 'text: welcome.clinic_which'));
  await page.click('#check');
  await page.waitForSelector('#report p.ok');
  await page.click('#publish');
  await page.waitForSelector('#diff');
  const diff = await page.locator('#diff div').allTextContents();
  check(diff.length === 2 && diff[0] === '-     text: welcome.menu' && diff[1] === '+     text: welcome.clinic_which',
    'publishing first shows what changes: ' + JSON.stringify(diff));
  await shot(page, 'operator-flow-diff');
  // A colleague has the same flow open, from before this change.
  const colleague = await context.newPage();
  await colleague.goto(base + '/console/#/flow/welcome.yaml');
  await colleague.waitForSelector('#yaml[aria-label="welcome.yaml"]');
  await page.click('#confirm-live');
  await page.waitForFunction(() => document.querySelector('#report p.ok')?.textContent.includes('Live'));
  check(true, 'the fixed flow is published');
  // Their publish would undo it unseen: refused, their text kept; compared with what is live
  // now, the diff shows the change they would undo.
  await colleague.fill('#yaml', original + '# a note\n');
  await colleague.click('#publish');
  await colleague.waitForSelector('#confirm-live');
  await colleague.click('#confirm-live');
  await colleague.waitForSelector('#changed-since');
  check((await colleague.textContent('#changed-since')).includes('Someone else made this flow live'),
    "a publish over a colleague's change is refused and says why");
  check((await colleague.inputValue('#yaml')).endsWith('# a note\n'), 'the refused text stays in the editor');
  await colleague.click('#load-live');
  await colleague.waitForFunction(() => !document.querySelector('#changed-since'));
  await colleague.click('#publish');
  await colleague.waitForSelector('#diff');
  const undoes = await colleague.locator('#diff div').allTextContents();
  check(undoes.includes('-     text: welcome.clinic_which') && undoes.includes('+ # a note'),
    "against the live version, the diff shows the colleague's change it would undo: " + JSON.stringify(undoes));
  await colleague.close();
  await page.fill('#sim-code', '*384*12#');
  await page.selectOption('#sim-lang', 'prs');
  await page.click('#sim-dial');
  await page.waitForFunction(() => document.querySelector('#sim-screen').textContent.length > 0);
  check((await page.textContent('#sim-info')).includes('UCS-2'), 'the simulator shows the Dari screen as UCS-2 with its length');
  // By a route that cannot carry Persian letters: Dari in Latin letters (R-U4).
  await page.selectOption('#sim-route', 'plain');
  await page.click('#sim-dial');
  await page.waitForFunction(() => document.querySelector('#sim-screen').textContent.includes('Kodam clinic?'));
  check((await page.textContent('#sim-info')).includes('GSM-7'), 'by a route without Persian letters, Dari in Latin letters as GSM-7');
  await page.selectOption('#sim-route', 'default');
  await page.selectOption('#sim-lang', 'en');
  await page.click('#sim-dial');
  await page.waitForFunction(() => document.querySelector('#sim-screen').textContent.includes('Which clinic?'));
  await page.fill('#sim-reply', '1');
  await page.click('#sim-send');
  await page.waitForFunction(() => document.querySelector('#sim-screen').textContent.includes('Golshahr'));
  check(true, 'the simulator walks the published flow screen by screen');
  await shot(page, 'operator-flow-simulator');

  // A new clinic, from the flows page's clinics file: a mistake shown at its line and nothing
  // changed, then fixed and made live; the visits page offers it at once (R-B1).
  await page.goto(base + '/console/#/flows');
  await page.click('#clinics-file');
  await page.waitForSelector('#yaml[aria-label="Clinics file"]');
  const clinicsFile = await page.inputValue('#yaml');
  const shahrak = (zone) => '\nclinics:\n  shahrak:\n' +
    '    name: {en: Shahrak clinic, fa: درمانگاه شهرک, prs: کلینیک شهرک, ps: د ښارګوټي کلینیک,\n' +
    '           prs-Latn: Clinic-e Shahrak, fa-Latn: Darmangah-e Shahrak}\n' +
    `    time_zone: ${zone}\n    services: [general]\n    open: [sat, sun, mon]\n` +
    '    windows:\n      - {from: "08:00", to: "10:00", capacity: 5}\n';
  const badClinic = clinicsFile.replace('\nclinics:\n', shahrak('Asia/Nowhere'));
  check(badClinic !== clinicsFile, 'the clinics file has its clinics under "clinics:"');
  await page.fill('#yaml', badClinic);
  await page.click('#publish');
  expectedRefusals.push('422 file');
  await page.click('#confirm-live');
  await page.waitForSelector('ul.problems a[data-line]');
  const zoneLine = badClinic.split('\n').findIndex((l) => l.includes('Asia/Nowhere')) + 1;
  check(Number(await page.getAttribute('ul.problems a[data-line]', 'data-line')) === zoneLine,
    `a wrong time zone is shown at its line (${zoneLine}): ` + await page.textContent('#report'));
  check(!(await page.textContent('#report')).includes('/clinics.yaml'), 'the problem names the file by its name alone');
  await page.fill('#yaml', clinicsFile.replace('\nclinics:\n', shahrak('Asia/Tehran')));
  await page.click('#publish');
  await page.waitForSelector('#diff');
  check((await page.locator('#diff div.added').count()) === 8 && (await page.locator('#diff div.removed').count()) === 0,
    'making it live first shows the new clinic\'s lines: ' + JSON.stringify(await page.locator('#diff div').allTextContents()));
  await page.click('#confirm-live');
  await page.waitForFunction(() => document.querySelector('#report p.ok')?.textContent.includes('Live'));
  await shot(page, 'operator-clinics-file');
  await page.goto(base + '/console/#/visits');
  await page.waitForSelector('#clinic');
  check((await page.locator('#clinic option').allTextContents()).includes('Shahrak clinic'),
    'the visits page offers the new clinic at once');
  check(problems.length === 0, 'no script errors: ' + problems.join('; '));
  await context.close();
}

async function admin(browser) {
  const { page, context, problems } = await logIn(browser, 'admin', 'fa');
  const nav = await page.locator('#bar nav a').allTextContents();
  check(nav.includes('گزارش فعالیت‌ها'), 'an admin has the audit log');
  await page.goto(base + '/console/#/audit');
  await page.waitForSelector('#audit tbody tr');
  check((await page.textContent('#audit tbody')).includes('flows.publish'), 'the audit log shows the publish');
  check((await page.textContent('#audit tbody')).includes('clinics.publish'), 'and the clinics file\'s');
  await shot(page, 'admin-audit-fa');
  // Pashto, right to left too (the words are drafts for native review).
  await page.selectOption('#language', 'ps');
  await page.waitForFunction(() => document.documentElement.lang === 'ps' && document.documentElement.dir === 'rtl');
  check((await page.locator('#bar nav a').allTextContents()).includes('کسان'), 'the console reads in Pashto');
  await shot(page, 'admin-audit-ps');
  await page.selectOption('#language', 'fa');
  await page.waitForFunction(() => document.documentElement.lang === 'fa');

  // A token for a machine, shown once, then revoked.
  await page.click('#bar nav >> text=افراد');
  await page.waitForSelector('#users tr[data-user]');
  await page.fill('#token-name', 'HIS');
  await page.selectOption('#token-role', 'operator');
  await page.click('#token-make');
  await page.waitForSelector('#token-secret');
  check((await page.textContent('#token-secret')).startsWith('pgm_'), 'a new token is shown once');
  await shot(page, 'admin-people-fa');
  await page.click('#bar nav >> text=گزارش فعالیت‌ها');
  await page.waitForSelector('#audit tbody tr');
  await page.click('#bar nav >> text=افراد');
  await page.waitForSelector('#tokens tr:has-text("HIS") button.revoke');
  await page.click('#tokens tr:has-text("HIS") button.revoke');
  await page.waitForSelector('#tokens tr:has-text("HIS") span.muted');
  check(await page.locator('#tokens tr:has-text("script") button.revoke').count() === 1, 'the token made is revoked, not another');
  // Fatima leaves: asked first, then told nobody else at Golshahr can take her patients.
  await page.click('#users tr[data-user="3"] button.disable');
  check((await page.textContent('#users tr[data-user="3"] .warning')).includes('golshahr'),
    'disabling a health worker says her patients go to a colleague at her clinic');
  check(await page.locator('#users tr[data-user="3"] button.disable-yes').count() === 1 &&
    await page.locator('#users tr[data-user="3"] span.muted').count() === 0, 'nothing is disabled before the second click');
  // "No" leaves her as she was; asked again, "Yes" disables her.
  await page.click('#users tr[data-user="3"] button.disable-no');
  await page.waitForSelector('#users tr[data-user="3"] button.disable');
  await page.click('#users tr[data-user="3"] button.disable');
  await page.click('#users tr[data-user="3"] button.disable-yes');
  await page.waitForSelector('#disabled-said');
  check((await page.textContent('#disabled-said')).includes('کارمند بهداشت دیگری نیست'),
    'the admin is told nobody else at the clinic can take her patients');
  await page.waitForSelector('#users tr[data-user="3"] span.muted');
  await shot(page, 'admin-people-disabled-fa');

  // A text with markup stays text: no element is made of it, no script runs.
  await page.goto(base + '/console/#/messages?to=%2B93700000556');
  await page.waitForSelector('#messages tbody tr');
  check((await page.textContent('#messages tbody')).includes('<img src=x onerror="window.pwned=1">'), 'markup in a message shows as text');
  check(await page.evaluate(() => window.pwned === undefined && document.querySelectorAll('tbody img').length === 0),
    'markup in a message does not run');
  await shot(page, 'admin-messages-fa');
  check(problems.length === 0, 'no script errors: ' + problems.join('; '));
  await context.close();
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.PAYGHAM_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    await healthWorker(browser);
    await operator(browser);
    await admin(browser);
  } catch (e) {
    if (current) await shot(current, 'failure').catch(() => {});
    throw e;
  } finally {
    await browser.close();
  }
})().catch(async (e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
