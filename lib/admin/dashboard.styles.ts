import { DASHBOARD_TIMELINE_STYLES } from './dashboard-timeline.styles.js';

/**
 * The dashboard's stylesheet: dark, system fonts, a responsive grid of cards, one colour per
 * state; the timeline panel's rules come from `DASHBOARD_TIMELINE_STYLES`.
 */
export const DASHBOARD_STYLES = `
:root {
  color-scheme: dark;
  --bg: #0a0d12;
  --panel: #11161d;
  --panel-2: #161c25;
  --line: rgba(255, 255, 255, 0.07);
  --text: #e6ebf2;
  --muted: #8b96a8;
  --faint: #5b6577;
  --closed: #22c55e;
  --half_open: #f59e0b;
  --open: #ef4444;
  --forced_open: #a855f7;
  --disabled: #64748b;
  --mono: ui-monospace, 'SF Mono', 'Cascadia Mono', 'Roboto Mono', Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body {
  min-height: 100vh;
  background: radial-gradient(1200px 600px at 10% -10%, rgba(56, 189, 248, 0.07), transparent 60%),
    radial-gradient(900px 500px at 100% 0%, rgba(168, 85, 247, 0.06), transparent 60%), var(--bg);
  color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  -webkit-font-smoothing: antialiased;
}
.top {
  position: sticky; top: 0; z-index: 2;
  display: flex; flex-wrap: wrap; align-items: center; gap: 12px 20px;
  padding: 16px 28px;
  background: rgba(10, 13, 18, 0.82);
  backdrop-filter: blur(10px);
  border-bottom: 1px solid var(--line);
}
.brand { display: flex; align-items: center; gap: 10px; margin-right: auto; }
.brand h1 { margin: 0; font-size: 17px; font-weight: 650; letter-spacing: -0.01em; }
.logo { width: 22px; height: 22px; color: var(--closed); }
.live { display: inline-flex; align-items: center; gap: 6px; color: var(--muted); font-size: 12px; }
.live i { width: 7px; height: 7px; border-radius: 50%; background: var(--faint); }
.live[data-live='live'] i { background: var(--closed); box-shadow: 0 0 0 3px rgba(34, 197, 94, 0.18); }
.live[data-live='retrying'] i { background: var(--half_open); }
.counts { display: flex; flex-wrap: wrap; gap: 8px; }
.count {
  display: inline-flex; align-items: center; gap: 7px;
  padding: 5px 11px; border-radius: 999px;
  background: var(--panel); border: 1px solid var(--line);
  color: var(--muted); font-size: 12.5px;
}
.count b { color: var(--text); font-weight: 600; font-variant-numeric: tabular-nums; }
.count i { width: 8px; height: 8px; border-radius: 50%; background: var(--c); }
.count[data-state='closed'] { --c: var(--closed); }
.count[data-state='half_open'] { --c: var(--half_open); }
.count[data-state='open'] { --c: var(--open); }
.count[data-state='forced_open'] { --c: var(--forced_open); }
.count[data-state='disabled'] { --c: var(--disabled); }
.count[data-zero='true'] { opacity: 0.45; }
.filter {
  width: 200px; padding: 7px 11px; border-radius: 9px;
  background: var(--panel); border: 1px solid var(--line); color: var(--text); font: inherit;
}
.filter:focus { outline: none; border-color: rgba(56, 189, 248, 0.5); }
main { padding: 24px 28px 40px; }
.grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fill, minmax(290px, 1fr)); }
.empty { padding: 80px 20px; text-align: center; color: var(--muted); }
.empty b { display: block; margin-bottom: 6px; color: var(--text); font-size: 16px; font-weight: 600; }
.card {
  --c: var(--closed);
  position: relative; display: flex; flex-direction: column; gap: 14px;
  padding: 16px 16px 14px 19px; border-radius: 14px;
  background: linear-gradient(180deg, var(--panel-2), var(--panel));
  border: 1px solid var(--line);
  box-shadow: 0 1px 0 rgba(255, 255, 255, 0.03) inset, 0 10px 30px -18px rgba(0, 0, 0, 0.8);
  transition: border-color 0.3s, box-shadow 0.3s;
  overflow: hidden; cursor: pointer;
}
.card[data-selected='true'] { outline: 1px solid rgba(56, 189, 248, 0.6); outline-offset: 2px; }
.card:focus-visible { outline: 2px solid rgba(56, 189, 248, 0.7); outline-offset: 2px; }
.card::before {
  content: ''; position: absolute; left: 0; top: 0; bottom: 0; width: 3px; background: var(--c);
  transition: background 0.3s;
}
.card[data-state='half_open'] { --c: var(--half_open); }
.card[data-state='open'] { --c: var(--open); }
.card[data-state='forced_open'] { --c: var(--forced_open); }
.card[data-state='disabled'] { --c: var(--disabled); }
.card[data-state='open'], .card[data-state='forced_open'], .card[data-state='half_open'] {
  border-color: color-mix(in srgb, var(--c) 35%, transparent);
  box-shadow: 0 12px 36px -20px var(--c);
}
.card[hidden] { display: none; }
.card[data-flash='true'] { animation: flash 1.2s ease-out; }
@keyframes flash { from { box-shadow: 0 0 0 2px var(--c), 0 12px 36px -12px var(--c); } }
.head { display: flex; align-items: center; justify-content: space-between; gap: 10px; }
.name {
  margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  font: 600 14.5px/1.3 var(--mono); letter-spacing: -0.01em;
}
.badge {
  flex: none; display: inline-flex; align-items: center; gap: 6px;
  padding: 3px 10px 3px 8px; border-radius: 999px;
  color: var(--c); background: color-mix(in srgb, var(--c) 14%, transparent);
  border: 1px solid color-mix(in srgb, var(--c) 30%, transparent);
  font-size: 11.5px; font-weight: 650; letter-spacing: 0.04em; text-transform: uppercase;
}
.badge i { width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.card[data-state='open'] .badge i, .card[data-state='half_open'] .badge i { animation: pulse 1.4s ease-in-out infinite; }
@keyframes pulse { 50% { opacity: 0.35; transform: scale(0.8); } }
.figures { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); grid-template-rows: auto auto 1fr; gap: 0 16px; }
.figure { min-width: 0; display: grid; grid-row: span 3; grid-template-rows: subgrid; }
.figure-value { font-size: 28px; font-weight: 650; line-height: 1; letter-spacing: -0.02em; font-variant-numeric: tabular-nums; white-space: nowrap; }
.figure-value small { margin-left: 1px; font-size: 14px; color: var(--muted); font-weight: 500; letter-spacing: 0; }
.figure-label { margin-top: 6px; color: var(--muted); font-size: 11.5px; line-height: 1.3; }
.latency { --spark: #38bdf8; }
.latency[data-timed='false'] .figure-value, .latency[data-timed='false'] .figure-label { color: var(--faint); }
.spark { align-self: end; width: 100%; height: 30px; margin-top: 8px; color: var(--spark, var(--c)); overflow: visible; }
.spark .area { fill: currentColor; opacity: 0.14; }
.spark .base { fill: none; stroke: var(--line); stroke-width: 1; stroke-dasharray: 3 3; vector-effect: non-scaling-stroke; }
.spark .line { fill: none; stroke: currentColor; stroke-width: 1.6; stroke-linejoin: round; stroke-linecap: round; vector-effect: non-scaling-stroke; }
.retry {
  display: none; gap: 6px; flex-direction: column;
  padding: 9px 11px; border-radius: 10px; background: color-mix(in srgb, var(--open) 9%, transparent);
  color: #fca5a5; font-size: 12.5px;
}
.card[data-state='open'] .retry { display: flex; }
.retry b { color: var(--text); font-weight: 600; font-variant-numeric: tabular-nums; }
.bar { height: 3px; border-radius: 3px; background: rgba(255, 255, 255, 0.08); overflow: hidden; }
.bar i { display: block; height: 100%; background: var(--open); transform-origin: left; }
.metrics {
  display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); margin: 0;
  border-radius: 10px; background: rgba(255, 255, 255, 0.025); border: 1px solid var(--line);
}
.metrics div { min-width: 0; padding: 8px 10px; }
.metrics div + div { border-left: 1px solid var(--line); }
.metrics dt { color: var(--muted); font-size: 10px; text-transform: uppercase; letter-spacing: 0.05em; overflow: hidden; text-overflow: ellipsis; }
.metrics dd { margin: 2px 0 0; font-size: 15px; font-weight: 600; font-variant-numeric: tabular-nums; }
.metrics dd.bad { color: #fca5a5; }
.title { min-width: 0; }
.meta { display: flex; align-items: center; gap: 8px; margin-top: 2px; min-width: 0; }
.since { color: var(--faint); font-size: 11.5px; white-space: nowrap; }
.flap {
  padding: 0 7px; border-radius: 999px; cursor: help;
  color: #fdba74; background: rgba(251, 146, 60, 0.12); border: 1px solid rgba(251, 146, 60, 0.35);
  font-size: 10.5px; font-weight: 650; line-height: 16px; letter-spacing: 0.04em; text-transform: uppercase;
}
.flap[hidden] { display: none; }
.actions { display: flex; gap: 6px; margin-top: auto; }
.actions button[hidden] { display: none; }
.actions button {
  flex: 1 1 auto; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  padding: 6px 8px; border-radius: 8px; cursor: pointer;
  background: rgba(255, 255, 255, 0.04); color: var(--text);
  border: 1px solid rgba(255, 255, 255, 0.1);
  font-family: inherit; font-size: 12px; font-weight: 500; line-height: 1.2;
  transition: background 0.15s, border-color 0.15s;
}
.actions button:hover:not(:disabled) { background: rgba(255, 255, 255, 0.09); border-color: rgba(255, 255, 255, 0.2); }
.actions button[data-action='force-open']:hover:not(:disabled) { border-color: var(--forced_open); }
.actions button[data-action='reset']:hover:not(:disabled) { border-color: var(--closed); }
.actions button:disabled { opacity: 0.35; cursor: default; }
.actions button:focus-visible, .filter:focus-visible { outline: 2px solid rgba(56, 189, 248, 0.7); outline-offset: 1px; }
.signin {
  max-width: 440px; margin: 48px auto 0; padding: 22px 24px;
  background: var(--panel); border: 1px solid var(--line); border-radius: 14px;
}
.signin[hidden] { display: none; }
.signin p { margin: 0 0 14px; }
.signin label { display: block; margin-bottom: 6px; color: var(--muted); font-size: 12.5px; }
.signin-row { display: flex; gap: 8px; }
.signin input {
  flex: 1; padding: 8px 11px; border-radius: 8px;
  background: var(--bg); border: 1px solid var(--line); color: var(--text); font: inherit;
}
.signin button {
  padding: 8px 14px; border-radius: 8px; cursor: pointer;
  background: rgba(255, 255, 255, 0.06); border: 1px solid rgba(255, 255, 255, 0.14); color: var(--text); font: inherit;
}
.signin input:focus-visible, .signin button:focus-visible { outline: 2px solid rgba(56, 189, 248, 0.7); outline-offset: 1px; }
.signin .signin-hint { margin: 12px 0 0; color: var(--faint); font-size: 12px; }
.toast {
  position: fixed; right: 20px; bottom: 20px; max-width: 360px;
  padding: 10px 14px; border-radius: 10px; background: #2a1215; border: 1px solid rgba(239, 68, 68, 0.4);
  color: #fecaca; font-size: 13px; opacity: 0; transform: translateY(8px); transition: 0.2s; pointer-events: none;
}
.toast[data-show='true'] { opacity: 1; transform: none; }
${DASHBOARD_TIMELINE_STYLES}
@media (max-width: 640px) {
  .top, main { padding-left: 16px; padding-right: 16px; }
  .filter { width: 100%; }
}
@media (prefers-reduced-motion: reduce) {
  * { animation: none !important; transition: none !important; }
}
`;
