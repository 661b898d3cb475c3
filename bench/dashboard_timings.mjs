// Driven by bench/bench_dashboard.py (which starts the API and the cluster and reads the BENCH_RESULT line):
// Playwright, from web/node_modules, drives Debian's Chromium headless against the dashboard and times
// first loads, navigation and how soon a member's state change shows on the topology page.
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.cwd(), "package.json")); // run with cwd=web
const { chromium, request } = require("@playwright/test");

const BASE = process.env.BENCH_BASE_URL;
const CLUSTER = process.env.BENCH_CLUSTER;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 4);
const READING_MS = 1000;
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

// When each page counts as rendered: its own content is there, not just the frame.
const READY = {
  clusters: `document.querySelector('[data-testid="cluster-${CLUSTER}"] [data-testid="server-kind"]')`,
  topology:
    `document.querySelectorAll('tr[data-testid^="member-"]').length === 11 && ` +
    `document.querySelectorAll('[data-testid="graph-node"]').length === 14`,
  metrics: `document.querySelector('.metric-chart canvas') && document.querySelector('[data-testid="metrics-taken-at"]')`,
  backups: `document.querySelector('table.catalog tbody tr')`,
  restore: `document.querySelector('fieldset.kind-choices')`,
  jobs: `document.querySelector('table.jobs-table tbody tr')`,
  schedules: `document.querySelector('table.schedules-table tbody tr')`,
};

// Installed before the page's own scripts (so the page's Content-Security-Policy, which forbids eval, does not
// apply): a check per page, and window.__ready, the performance.now() at which the topology first shows.
const CHECKS = `(() => {
  const checks = {${Object.entries(READY).map(([name, code]) => `${name}: () => Boolean(${code})`).join(", ")}};
  window.__checks = checks;
  // Resolve with the performance.now() at which checks[name] first holds, watching every DOM change.
  window.__when = (name, since = 0) => new Promise((resolve) => {
    if (checks[name]()) { resolve(performance.now() - since); return; }
    const observer = new MutationObserver(() => {
      if (checks[name]()) { observer.disconnect(); resolve(performance.now() - since); }
    });
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  const start = () => { window.__ready = window.__when("topology"); };
  if (document.documentElement) start(); else document.addEventListener("readystatechange", start, { once: true });
})();`;

async function newLoggedInContext(browser) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1440, height: 900 }, locale: "en-US" });
  const login = await context.request.post("/api/v1/auth/session", {
    data: { username: process.env.BENCH_USER, password: process.env.BENCH_PASSWORD },
  });
  if (login.status() !== 201) throw new Error(`login: ${login.status()} ${await login.text()}`);
  return context;
}

async function timedLoad(page, path) {
  await page.goto(path);
  const render = await page.evaluate(() => window.__ready);
  const fcp = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null);
  return { render_ms: render, fcp_ms: fcp };
}

async function loads(browser) {
  const result = { cold: [], warm: [] };
  const topology = `/clusters/${CLUSTER}/topology`;
  for (let round = 0; round < ROUNDS; round += 1) {
    const context = await newLoggedInContext(browser);
    const page = await context.newPage();
    await page.addInitScript(CHECKS);
    result.cold.push(await timedLoad(page, topology));
    result.warm.push(await timedLoad(page, topology));
    await context.close();
  }
  return result;
}

// Click `name` (a link) and time it to the next page's content, both read inside the page.
async function clickTo(page, name, target) {
  await page.evaluate((check) => {
    window.__clicked = new Promise((resolve) => {
      document.addEventListener("click", () => resolve(window.__when(check, performance.now())), { capture: true, once: true });
    });
  }, target);
  await page.getByRole("link", { name, exact: true }).first().click();
  return page.evaluate(() => window.__clicked);
}

async function navigation(browser) {
  const steps = [
    ["clusters → topology", CLUSTER, "topology"],
    ["topology → metrics", "Metrics", "metrics"],
    ["metrics → backups", "Backups", "backups"],
    ["backups → restore", "Restore", "restore"],
    ["restore → jobs", "Jobs", "jobs"],
    ["jobs → schedules", "Schedules", "schedules"],
    ["schedules → clusters", "Clusters", "clusters"],
  ];
  const result = Object.fromEntries(steps.map(([label]) => [label, []]));
  const context = await newLoggedInContext(browser);
  const page = await context.newPage();
  await page.addInitScript(CHECKS);
  await page.goto("/clusters");
  await page.evaluate(() => window.__when("clusters"));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [label, link, target] of steps) {
      // An operator looks at a page before the next click (and the browser fetches the other pages' code meanwhile).
      await page.waitForTimeout(READING_MS);
      result[label].push(await clickTo(page, link, target));
    }
  }
  await context.close();
  return result;
}

async function waitForJob(api, id) {
  for (;;) {
    const job = await (await api.get(`/api/v1/jobs/${id}`)).json();
    if (job.state === "succeeded") return job;
    if (job.state === "failed" || job.state === "cancelled") throw new Error(`job ${id}: ${JSON.stringify(job.error)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function updates(browser) {
  const api = await request.newContext({ baseURL: BASE, extraHTTPHeaders: { Authorization: `Bearer ${process.env.BENCH_TOKEN}` } });
  const detail = await (await api.get(`/api/v1/clusters/${CLUSTER}?refresh=true`)).json();
  const secondary = detail.topology.members.find((member) => member.state === "SECONDARY" && member.replica_set.startsWith("shard"));
  const context = await newLoggedInContext(browser);
  const page = await context.newPage();
  await page.addInitScript(CHECKS);
  await page.goto(`/clusters/${CLUSTER}/topology`);
  await page.evaluate(() => window.__ready);
  const rows = [];
  for (let round = 0; round < UPDATES; round += 1) {
    for (const [change, action, shown] of [["down", "stop", "DOWN"], ["up", "start", "SECONDARY"]]) {
      // Date.now() in the page when the member's row first shows the new state.
      await page.evaluate(([node, text]) => {
        window.__seen = new Promise((resolve) => {
          const row = () => document.querySelector(`tr[data-testid="member-${node}"]`);
          const observer = new MutationObserver(() => {
            if (row()?.textContent?.includes(text)) { observer.disconnect(); resolve(Date.now()); }
          });
          observer.observe(document, { subtree: true, childList: true, characterData: true });
        });
      }, [secondary.node, shown]);
      const requested = Date.now();
      const response = await api.post(`/api/v1/deployments/${CLUSTER}/nodes/${secondary.node}/${action}`);
      if (response.status() !== 202) throw new Error(`${action}: ${response.status()} ${await response.text()}`);
      const job = await waitForJob(api, (await response.json()).id);
      const seen = await page.evaluate(() => window.__seen);
      rows.push({
        change,
        from_request_s: (seen - requested) / 1000,
        from_job_end_s: (seen - Date.parse(job.finished_at)) / 1000,
      });
    }
  }
  await context.close();
  await api.dispose();
  return rows;
}

const browser = await chromium.launch({ executablePath: process.env.BENCH_CHROMIUM, args: FLAGS });
try {
  const result = { loads: await loads(browser), navigation: await navigation(browser), updates: await updates(browser) };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
} finally {
  await browser.close();
}
