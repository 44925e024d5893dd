/* SPDX-License-Identifier: Apache-2.0 */
// The web installer (dcos-genconf web) as a person uses it, in Debian's
// headless chromium driven by playwright-core: the Configure form with an
// error at its field, save with a diff, Generate from the keyboard, the
// fleet operations against real sshd hosts with one host failing and
// retried, drift on the Cluster page, a narrow window, screenshots of each
// page.  Run by tests/t0910-web-browser.sh, which makes the hosts
// (127.0.1.1 master, .2 and .3 agents) and the site, and gives the paths
// in the environment.  The tests run in order and share one browser, one
// server and the hosts: each starts where the one before left the site.
import { test, before, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

function env(name) {
	const v = process.env[name];
	if (!v)
		throw new Error(`${name} is not set: run tests/t0910-web-browser.sh`);
	return v;
}
const GENCONF = env('GENCONF');
const SITE = env('SITE');
const SCRATCH = env('SCRATCH');
const SHOTS = env('SHOTS');
const CHROMIUM = env('CHROMIUM');
// playwright-core from npm ci of the lockfile, in the build directory.
const require = createRequire(path.join(env('NPM_DIR'), 'package.json'));
const { chromium } = require('playwright-core');

// Not 9000, the default: it is a master's port (sample/roles.json), and
// the hosts' preflight checks it on this loopback.
const PORT = 19000;
const ADDR = `127.0.0.1:${PORT}`;
const BASE = `http://${ADDR}/`;
const HOSTS = ['127.0.1.1', '127.0.1.2', '127.0.1.3'];
const ROUTES = ['configure', 'generate', 'preflight', 'deploy', 'postflight',
    'upgrade', 'cluster'];
// Without the networking flags chromium tries to reach Google's hosts
// at every start (this machine has no network; refused connections).
// playwright-core adds a fresh --user-data-dir under TMPDIR itself.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'];

let server;		// the dcos-genconf web child
let serverExit;		// a promise of its [code, signal]
let serverGone = null;	// how it ended, when it did
let browser;
let page;
const pageErrors = [];	// uncaught exceptions of the UI's scripts
const offsite = [];	// requests anywhere but the server
const children = [];	// sshd processes this file restarted

// until(WHAT, FN, MS, EVERY): FN() every EVERY ms until it returns a
// truthy value, which until returns; fails naming WHAT after MS ms.
async function until(what, fn, ms = 10000, every = 25) {
	const deadline = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > deadline)
			throw new Error(`gave up after ${ms} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, every));
	}
}

function listening(host, port) {
	return new Promise((resolve) => {
		const s = net.connect({ host, port });
		s.once('connect', () => { s.destroy(); resolve(true); });
		s.once('error', () => resolve(false));
	});
}

async function shot(name, p = page) {
	await p.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

// The config id of the store's current cluster manifest, as generate
// wrote it (genconf/serve/index.json names the manifest blob).
function storeConfigId() {
	const serve = path.join(SITE, 'genconf', 'serve');
	const index = JSON.parse(fs.readFileSync(path.join(serve, 'index.json')));
	const hex = index.current.replace(/^sha256:/, '');
	const cm = JSON.parse(fs.readFileSync(path.join(serve, 'blobs', 'sha256',
	    hex)));
	return cm.config_id;
}

async function go(route) {
	await page.goto(`${BASE}#${route}`);
	// The hash route is the page's own: a reload shows the same page.
	await page.waitForLoadState('domcontentloaded');
}

// rows(): what the table on the page shows, by host (the tables of the
// other pages, hidden, are not read).
function rows() {
	return page.evaluate(() => [...document.querySelectorAll('tr[data-host]')]
	    .filter((tr) => tr.checkVisibility()).map((tr) => {
		const col = (c) => {
			const e = tr.querySelector(`[data-col="${c}"]`);
			return e ? e.textContent.trim() : null;
		};
		return { host: tr.dataset.host, step: col('step'),
		    elapsed: col('elapsed'), result: col('result'),
		    output: col('output'), drift: col('drift') };
	    }));
}

// runOp(OP, BUTTON): opens OP's page (unless BUTTON is given: it is
// pressed on the page as it is), presses Run, and waits for the server to
// finish the operation it started and for the table to show each host's
// final result as the server has it (a table left from an earlier run of
// OP does not count).  Returns the rows by host.
async function runOp(op, button = null, ms = 120000) {
	if (!button) {
		await go(op);
		button = '[data-action="run"]';
	}
	const [resp] = await Promise.all([
	    page.waitForResponse((r) => r.request().method() === 'POST' &&
		new URL(r.url()).pathname === '/api/ops'),
	    page.locator(button).click()]);
	assert.equal(resp.status(), 202, `POST /api/ops: ${await resp.text()}`);
	const { id } = await resp.json();
	const api = await until(`${op} ${id} to finish`, async () => {
		const r = await page.request.get(`${BASE}api/ops/${id}`);
		const o = await r.json();
		return o.state !== 'running' && o;
	}, ms, 200);
	const want = Object.fromEntries(api.hosts.map((h) => [h.host, h.result]));
	const byHost = await until(`the rows to show ${JSON.stringify(want)}`,
	    async () => {
		const r = await rows();
		const shown = Object.fromEntries(r.map((x) => [x.host, x.result]));
		return JSON.stringify(shown) === JSON.stringify(want) && r;
	});
	return Object.fromEntries(byHost.map((r) => [r.host, r]));
}

function allOk(byHost) {
	const bad = HOSTS.filter((h) => byHost[h].result !== 'ok')
	    .map((h) => `${h} ${byHost[h].result} at ${byHost[h].step}: ` +
	    `${byHost[h].output}`);
	assert.deepEqual(bad, [], 'every row ok');
}

// newPage(WIDTH, HEIGHT): a page in a context of its own.  The UI is
// served by the binary alone (an air-gapped bootstrap node): any request
// elsewhere is recorded and refused.
async function newPage(width, height) {
	const ctx = await browser.newContext({ viewport: { width, height },
	    acceptDownloads: true });
	await ctx.route('**/*', (route) => {
		const u = new URL(route.request().url());
		if (u.hostname === '127.0.0.1')
			return route.continue();
		offsite.push(u.href);
		return route.abort();
	});
	const p = await ctx.newPage();
	p.setDefaultTimeout(20000);
	p.on('pageerror', (e) => pageErrors.push(String(e)));
	return p;
}

function webLog() {
	return fs.readFileSync(path.join(SCRATCH, 'web.log'), 'utf8')
	    .split('\n').slice(-30).join('\n');
}

before(async () => {
	const out = fs.openSync(path.join(SCRATCH, 'web.log'), 'w');
	server = spawn(GENCONF, ['web', '-l', ADDR, '--ssh-config',
	    path.join(SCRATCH, 'ssh_config')], { cwd: SITE,
	    stdio: ['ignore', out, out] });
	serverExit = new Promise((resolve) => server.once('exit',
	    (code, signal) => resolve([code, signal])));
	serverExit.then(([code, signal]) => {
		serverGone = `exit ${code}, signal ${signal}`;
	});
	await until(`dcos-genconf web on ${ADDR}`, async () => {
		if (serverGone)
			throw new Error(`dcos-genconf web ended (${serverGone}): ` +
			    webLog());
		return listening('127.0.0.1', PORT);
	});
	browser = await chromium.launch({ executablePath: CHROMIUM,
	    args: CHROMIUM_ARGS, timeout: 30000 });
	page = await newPage(1280, 800);
});

// A server that died fails each test after it with its last words.
beforeEach(() => {
	if (serverGone)
		throw new Error(`dcos-genconf web ended (${serverGone}): ` +
		    webLog());
});

// killAll(): the server and the sshd this file started, so none outlives
// it (their output goes to files: none holds the TAP pipe either).
function killAll() {
	for (const c of [server, ...children])
		if (c && c.exitCode === null && c.signalCode === null)
			c.kill('SIGKILL');
}

// timeout(1) ends a run that hangs with SIGTERM.
process.on('SIGTERM', () => {
	killAll();
	process.exit(1);
});

after(async () => {
	if (browser)
		await browser.close();
	killAll();
});

test('the UI loads from the binary alone, with a link to every page', async () => {
	await go('configure');
	await page.locator('input[name="cluster_name"]').waitFor();
	for (const r of ROUTES)
		assert.equal(await page.locator(`a[href="#${r}"]`).count(), 1,
		    `one nav link to #${r}`);
	assert.equal(await page.locator('input[name="cluster_name"]')
	    .inputValue(), 'fleet', 'the form shows genconf/config.yaml');
	// The schema's secrets are password fields (and typed ones only:
	// the server never sends a secret back).
	const schema = await (await page.request.get(`${BASE}api/schema`)).json();
	const secrets = schema.options.filter((o) => o.secret).map((o) => o.name);
	assert.ok(secrets.length > 0, 'the sample schema has secrets');
	for (const name of secrets)
		assert.equal(await page.locator(`input[name="${name}"]`)
		    .getAttribute('type'), 'password', `${name} is a password field`);
	await shot('configure');
	assert.deepEqual(offsite, [], 'nothing fetched but from the server');
	assert.deepEqual(pageErrors, [], 'no script errors');
});

test('with --token-file the API wants the token; the UI takes it from #token= in the URL', async () => {
	const tokfile = path.join(SCRATCH, 'token');
	const token = 'b5d0c1e2f3a4b5c6d7e8f9a0b1c2d3e4';
	fs.writeFileSync(tokfile, `${token}\n`, { mode: 0o600 });
	const addr = `127.0.0.1:${PORT + 1}`;
	const out = fs.openSync(path.join(SCRATCH, 'web-token.log'), 'w');
	const s = spawn(GENCONF, ['web', '-l', addr, '--token-file', tokfile],
	    { cwd: SITE, stdio: ['ignore', out, out] });
	children.push(s);
	await until(`dcos-genconf web on ${addr}`, () =>
	    listening('127.0.0.1', PORT + 1));
	const api = `http://${addr}/api/config`;
	const none = await page.request.get(api);
	assert.equal(none.status(), 401, 'no token: 401');
	const wrong = await page.request.get(api,
	    { headers: { Authorization: 'Bearer 0123' } });
	assert.equal(wrong.status(), 401, 'a wrong token: 401');
	const p = await newPage(1280, 800);
	await p.goto(`http://${addr}/#token=${token}`);
	await p.locator('input[name="cluster_name"]').waitFor();
	assert.equal(await p.locator('input[name="cluster_name"]').inputValue(),
	    'fleet', 'the form loads with the token');
	await p.context().close();
	s.kill('SIGTERM');
});

test('Configure: an out-of-range value shows its error at the field and writes nothing', async () => {
	const file = path.join(SITE, 'genconf', 'config.yaml');
	const before = fs.readFileSync(file, 'utf8');
	await go('configure');
	await page.locator('input[name="process_timeout"]').fill('0');
	await page.locator('[data-action="validate"]').click();
	const err = page.locator('[data-error-for="process_timeout"]');
	await until('the error at process_timeout', async () =>
	    (await err.textContent()).trim() !== '');
	assert.match(await err.textContent(), /1|86400|range/,
	    'the range check speaks');
	// No other field is blamed.
	const blamed = await page.evaluate(() =>
	    [...document.querySelectorAll('[data-error-for]')]
	    .filter((e) => e.textContent.trim() !== '')
	    .map((e) => e.dataset.errorFor));
	assert.deepEqual(blamed, ['process_timeout']);
	await err.scrollIntoViewIfNeeded();
	await shot('configure-error');
	// Saving a config with an error is refused: the file is unchanged.
	await page.locator('[data-action="save"]').click();
	await until('the error after save', async () =>
	    (await err.textContent()).trim() !== '');
	assert.equal(await page.locator('[data-action="confirm-save"]:visible')
	    .count(), 0, 'no diff to confirm');
	assert.equal(fs.readFileSync(file, 'utf8'), before);
});

test('Configure: the fixed value validates, save shows the diff, confirm writes genconf/config.yaml', async () => {
	const file = path.join(SITE, 'genconf', 'config.yaml');
	await go('configure');
	await page.locator('input[name="process_timeout"]').fill('45');
	await page.locator('[data-action="validate"]').click();
	const err = page.locator('[data-error-for="process_timeout"]');
	await until('the error to go', async () =>
	    (await err.textContent()).trim() === '');
	await page.locator('[data-action="save"]').click();
	const confirm = page.locator('[data-action="confirm-save"]');
	await confirm.waitFor({ state: 'visible' });
	assert.match(await page.locator('body').textContent(),
	    /process_timeout: 45/, 'the diff shows the new line');
	assert.doesNotMatch(fs.readFileSync(file, 'utf8'),
	    /process_timeout: 45/, 'nothing written before the confirm');
	await shot('configure-diff');
	await confirm.click();
	await until('config.yaml to have process_timeout: 45', () =>
	    /^process_timeout: "?45"?$/m.test(fs.readFileSync(file, 'utf8')));
	assert.match(fs.readFileSync(file, 'utf8'), /^cluster_name: "?fleet"?$/m,
	    'the other settings kept');
});

test('Generate from the keyboard: Tab to the button, Enter, the config id of the new store', async () => {
	const old = storeConfigId();
	await go('generate');
	const gen = page.locator('[data-action="generate"]');
	await gen.waitFor();
	let found = false;
	for (let i = 0; i < 60 && !found; i++) {
		await page.keyboard.press('Tab');
		found = await gen.evaluate((e) => e === document.activeElement);
	}
	assert.ok(found, 'Tab reaches the generate button');
	await page.keyboard.press('Enter');
	const res = page.locator('#generate-result');
	await until('a config id in #generate-result', async () =>
	    /[0-9a-f]{12}/.test(await res.textContent()), 60000)
	    .catch(async (e) => {
		throw new Error(`${e.message}; it says: ${await res.textContent()}`);
	    });
	const id = storeConfigId();
	assert.notEqual(id, old, 'the saved process_timeout made a new config');
	assert.ok((await res.textContent()).includes(id.slice(0, 12)),
	    `#generate-result names the config id ${id}`);
	await shot('generate');
});

test('Preflight and Deploy: a row per host, each turns ok, the hosts are installed', async () => {
	allOk(await runOp('preflight'));
	await shot('preflight');
	const byHost = await runOp('deploy');
	allOk(byHost);
	for (const h of HOSTS)
		assert.notEqual(byHost[h].elapsed, '', `${h} has an elapsed time`);
	await shot('deploy');
	for (const n of [1, 2, 3])
		assert.ok(fs.existsSync(path.join(SCRATCH, 'hosts', String(n),
		    'root', 'opt', 'mesosphere', 'packages')),
		    `host ${n} has the packages`);
});

test('Postflight: every row ok', async () => {
	allOk(await runOp('postflight'));
	await shot('postflight');
});

test('a host that is down fails alone with its output, its log downloads, retry turns it ok', async () => {
	const d = path.join(SCRATCH, 'hosts', '3');
	process.kill(Number(fs.readFileSync(path.join(d, 'sshd.pid'), 'utf8')),
	    'SIGTERM');
	await until('host 3 to stop listening', async () =>
	    !(await listening('127.0.1.3', 22)));
	try {
		await hostDown();
	} finally {
		// Host 3 comes back (the tests after this one need it).
		const log = fs.openSync(path.join(d, 'sshd-again.log'), 'w');
		children.push(spawn('/usr/sbin/sshd', ['-D', '-e', '-f',
		    path.join(d, 'sshd_config')], { stdio: ['ignore', log, log] }));
		await until('host 3 to listen again', () =>
		    listening('127.0.1.3', 22));
	}
	// Retry runs it alone.
	const again = await runOp('postflight', '[data-action="retry-failed"]');
	assert.deepEqual(Object.keys(again), ['127.0.1.3'],
	    'the retry runs the failed host alone');
	assert.equal(again['127.0.1.3'].result, 'ok');
});

// hostDown(): postflight with the sshd of host 3 stopped: its row alone
// fails, with what ssh said; the log of the run downloads.
async function hostDown() {
	const byHost = await runOp('postflight');
	assert.equal(byHost['127.0.1.1'].result, 'ok');
	assert.equal(byHost['127.0.1.2'].result, 'ok');
	assert.equal(byHost['127.0.1.3'].result, 'failed');
	const out = page.locator('tr[data-host="127.0.1.3"] [data-col="output"]');
	await out.waitFor({ state: 'visible' });
	assert.match(await out.textContent(), /refused|connect/i,
	    'the failed row shows what ssh said');
	await shot('postflight-failed');
	const [dl] = await Promise.all([page.waitForEvent('download'),
	    page.locator('a[data-action="download-log"]').first().click()]);
	const log = fs.readFileSync(await dl.path(), 'utf8');
	assert.match(log, /127\.0\.1\.3/, 'the log names the failed host');
}

test('Cluster: a file changed on one host shows as drift on its row alone, and goes when mended', async () => {
	const pkgs = path.join(SCRATCH, 'hosts', '2', 'root', 'opt',
	    'mesosphere', 'packages');
	const hello = fs.readdirSync(pkgs).find((n) => n.startsWith('dcos-hello--'));
	assert.ok(hello, 'host 2 has dcos-hello');
	const file = path.join(pkgs, hello, 'www', 'index.html');
	const orig = fs.readFileSync(file);
	fs.writeFileSync(file, Buffer.concat([orig, Buffer.from('changed\n')]));
	await go('cluster');
	const drift = (h) => page
	    .locator(`tr[data-host="${h}"]:visible [data-col="drift"]`)
	    .textContent().then((t) => t.trim());
	const clean = (t) => ['', '-', '\u2014', 'none'].includes(t);
	await until('drift on 127.0.1.2', async () =>
	    (await rows()).length === 3 && !clean(await drift('127.0.1.2')),
	    30000).catch(async (e) => {
		throw new Error(`${e.message}; the rows: ` +
		    JSON.stringify(await rows()));
	    });
	assert.match(await drift('127.0.1.2'), /changed|index\.html/i);
	assert.ok(clean(await drift('127.0.1.1')), 'no drift on 127.0.1.1');
	assert.ok(clean(await drift('127.0.1.3')), 'no drift on 127.0.1.3');
	await shot('cluster');
	// The filter shows the drifting host alone.
	await page.locator('input[name="filter"]').fill('127.0.1.2');
	await until('the filter to leave one row', async () =>
	    (await rows()).map((r) => r.host).join() === '127.0.1.2');
	await page.locator('input[name="filter"]').fill('');
	// The page refreshes by itself: the mended file clears the drift.
	fs.writeFileSync(file, orig);
	await until('the drift of 127.0.1.2 to clear by itself', async () =>
	    clean(await drift('127.0.1.2')), 60000);
});

test('Upgrade: the page shows the store and a run button', async () => {
	await go('upgrade');
	await page.locator('[data-action="run"]').waitFor();
	await shot('upgrade');
});

test('a narrow window (420x800): no page scrolls sideways', async () => {
	const p = await newPage(420, 800);
	const wide = [];
	for (const r of ROUTES) {
		await p.goto(`${BASE}#${r}`);
		// The page's own content, not only its frame: the form of
		// the schema, the hosts' rows.
		if (r === 'configure')
			await p.locator('input[name="cluster_name"]').waitFor();
		if (r === 'cluster')
			await p.locator('tr[data-host]:visible').first().waitFor();
		const [sw, cw] = await p.evaluate(() =>
		    [document.documentElement.scrollWidth,
		    document.documentElement.clientWidth]);
		if (sw > cw)
			wide.push(`#${r}: ${sw} px wide in ${cw}`);
		if (r === 'configure')
			await shot('narrow-configure', p);
	}
	await p.context().close();
	assert.deepEqual(wide, []);
});

test('no script errors, nothing fetched elsewhere, the server exits 0 on SIGTERM', async () => {
	assert.deepEqual(pageErrors, [], 'no script errors');
	assert.deepEqual(offsite, [], 'nothing fetched but from the server');
	server.kill('SIGTERM');
	const [code, signal] = await Promise.race([serverExit,
	    new Promise((r) => setTimeout(() => r(['timeout', null]), 10000))]);
	const log = webLog();
	assert.equal(code, 0, `exit ${code} ${signal}: ${log}`);
	assert.doesNotMatch(log, /Sanitizer|runtime error:/);
});
