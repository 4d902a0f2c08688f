/**
 * The timeline panel's styles: a drawer on the right (the whole width on a phone), one row per
 * state change with a dot in the colour of the state it went to. Part of the page stylesheet.
 */
export const DASHBOARD_TIMELINE_STYLES = `
.timeline {
  position: fixed; top: 0; right: 0; bottom: 0; z-index: 3;
  display: flex; flex-direction: column; width: 380px; max-width: 100%;
  background: var(--panel); border-left: 1px solid var(--line);
  box-shadow: -20px 0 50px -30px rgba(0, 0, 0, 0.9);
}
.timeline[hidden] { display: none; }
.timeline:focus { outline: none; }
body[data-timeline='open'] { padding-right: 380px; }
.timeline-head {
  display: flex; align-items: flex-start; justify-content: space-between; gap: 12px;
  padding: 18px 18px 12px 20px; border-bottom: 1px solid var(--line);
}
.timeline-title { min-width: 0; }
.timeline-title span { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: 0.06em; }
.timeline-title h2 {
  margin: 2px 0 0; overflow-wrap: anywhere;
  font: 600 15px/1.3 var(--mono); letter-spacing: -0.01em;
}
.close {
  flex: none; display: grid; place-items: center; width: 30px; height: 30px; padding: 0;
  border-radius: 8px; cursor: pointer; color: var(--muted);
  background: rgba(255, 255, 255, 0.04); border: 1px solid rgba(255, 255, 255, 0.1);
}
.close svg { width: 16px; height: 16px; }
.close:hover { color: var(--text); background: rgba(255, 255, 255, 0.09); }
.close:focus-visible { outline: 2px solid rgba(56, 189, 248, 0.7); outline-offset: 1px; }
.timeline-note { margin: 0; padding: 10px 20px; color: var(--muted); font-size: 12px; }
.changes { flex: 1; margin: 0; padding: 4px 18px 24px 20px; overflow-y: auto; list-style: none; }
.change {
  --c: var(--closed);
  position: relative; padding: 0 0 16px 20px;
}
.change::before {
  content: ''; position: absolute; left: 0; top: 5px; width: 9px; height: 9px; border-radius: 50%;
  background: var(--c); box-shadow: 0 0 0 3px color-mix(in srgb, var(--c) 20%, transparent);
}
.change:not(:last-child)::after {
  content: ''; position: absolute; left: 4px; top: 19px; bottom: 2px; width: 1px; background: var(--line);
}
.change[data-to='half_open'] { --c: var(--half_open); }
.change[data-to='open'] { --c: var(--open); }
.change[data-to='forced_open'] { --c: var(--forced_open); }
.change[data-to='disabled'] { --c: var(--disabled); }
.change-head { display: flex; align-items: baseline; justify-content: space-between; gap: 10px; }
.states { font-size: 13px; font-weight: 600; white-space: nowrap; }
.states .arrow { margin: 0 6px; color: var(--faint); font-weight: 400; }
.state[data-state='closed'] { color: var(--closed); }
.state[data-state='half_open'] { color: var(--half_open); }
.state[data-state='open'] { color: var(--open); }
.state[data-state='forced_open'] { color: var(--forced_open); }
.state[data-state='disabled'] { color: #94a3b8; }
.when { color: var(--faint); font-size: 11.5px; text-align: right; font-variant-numeric: tabular-nums; }
.when time { color: var(--muted); }
.when .ago::before { content: ' · '; }
.reason { margin-top: 3px; font-size: 13px; }
.figures-then { display: flex; flex-wrap: wrap; gap: 6px; margin: 7px 0 0; }
.figures-then div {
  display: flex; gap: 5px; padding: 2px 8px; border-radius: 6px;
  background: rgba(255, 255, 255, 0.035); border: 1px solid var(--line); font-size: 11.5px;
}
.figures-then div.key { border-color: color-mix(in srgb, var(--c) 45%, transparent); }
.figures-then dt { color: var(--muted); }
.figures-then dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
@media (max-width: 900px) {
  body[data-timeline='open'] { padding-right: 0; }
}
`;
