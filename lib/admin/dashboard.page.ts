import { createHash } from 'node:crypto';
import { DASHBOARD_SCRIPT } from './dashboard.script.js';
import { DASHBOARD_STYLES } from './dashboard.styles.js';

const sha256 = (text: string): string =>
  `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * Response headers for the page. The policy lets run only the page's own script and
 * stylesheet, and lets it talk only to its own origin: a circuit name that slipped into
 * markup still could not run.
 */
export const DASHBOARD_HEADERS = {
  contentSecurityPolicy: [
    "default-src 'none'",
    `script-src ${sha256(DASHBOARD_SCRIPT)}`,
    `style-src ${sha256(DASHBOARD_STYLES)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
} as const;

const FAVICON =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M13 2 4 14h7l-1 8 9-12h-7l1-8z" fill="#22c55e"/></svg>',
  );

/**
 * The dashboard: one self-contained HTML page, no CDN and no build step. `basePath` is where
 * the admin API answers as the browser sees it (e.g. `/api/circuit-breakers`); the page listens
 * to `basePath/events` and posts commands to `basePath/:name/...`. Its sign-in form shows only
 * when the API asks for a token. The sparklines take a point every `sampleMs`.
 */
export function renderDashboard(basePath: string, sampleMs: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>Circuit breakers</title>
<link rel="icon" href="${FAVICON}">
<style>${DASHBOARD_STYLES}</style>
</head>
<body data-base="${escapeHtml(basePath.replace(/\/+$/, ''))}" data-sample-ms="${sampleMs}">
<header class="top">
  <div class="brand">
    <svg class="logo" viewBox="0 0 24 24" aria-hidden="true"><path d="M13 2 4 14h7l-1 8 9-12h-7l1-8z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/></svg>
    <h1>Circuit breakers</h1>
    <span class="live" id="live" data-live="connecting"><i></i><span>connecting</span></span>
  </div>
  <div class="counts" id="counts" aria-label="Circuits per state"></div>
  <input class="filter" id="filter" type="search" placeholder="Filter circuits" aria-label="Filter circuits" autocomplete="off">
</header>
<form class="signin" id="signin" hidden>
  <p id="signin-note"></p>
  <label for="signin-token">Admin token</label>
  <div class="signin-row">
    <input id="signin-token" type="password" autocomplete="off" spellcheck="false" required>
    <button type="submit">Sign in</button>
  </div>
  <p class="signin-hint">Kept for this tab only, and sent as <code>Authorization: Bearer</code>.</p>
</form>
<main>
  <section class="grid" id="grid" aria-live="polite"></section>
  <div class="empty" id="empty" hidden><b>No circuits yet</b>Circuits appear here as soon as the application creates them.</div>
</main>
<aside class="timeline" id="timeline" role="dialog" aria-modal="false" aria-labelledby="timeline-name" tabindex="-1" hidden>
  <div class="timeline-head">
    <div class="timeline-title"><span>State history</span><h2 id="timeline-name"></h2></div>
    <button class="close" id="timeline-close" type="button" aria-label="Close the history" title="Close (Esc)"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg></button>
  </div>
  <p class="timeline-note" id="timeline-note" role="status"></p>
  <ol class="changes" id="timeline-events"></ol>
</aside>
<p id="card-hint" hidden>Enter shows this circuit’s history of state changes.</p>
<div class="toast" id="toast" role="status" aria-live="polite"></div>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}
