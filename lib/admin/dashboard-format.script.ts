/**
 * The dashboard's figures as text, in the browser: counts, shares, durations and times. Part of
 * the page script's scope.
 */
export const DASHBOARD_FORMAT_SCRIPT = `
  const numbers = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
  const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

  /** A duration as [number, unit], readable at a glance: 0.42 ms, 4.2 ms, 12 ms, 1.2 s, 3.5 min. */
  function duration(ms) {
    if (ms < 0.995) return [ms.toFixed(2), 'ms'];
    if (ms < 9.95) return [ms.toFixed(1), 'ms'];
    if (ms < 999.5) return [String(Math.round(ms)), 'ms'];
    if (ms < 9950) return [(ms / 1000).toFixed(1), 's'];
    if (ms < 59500) return [String(Math.round(ms / 1000)), 's'];
    return [(ms / 60000).toFixed(1), 'min'];
  }
  function ms(value) {
    return duration(value).join(' ');
  }

  /** A share (0 to 1) in percent: one decimal below 10 %, none above. */
  function percent(share) {
    return (share * 100).toFixed(share > 0 && share < 0.1 ? 1 : 0);
  }

  function ago(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 5) return 'just now';
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' d ago';
  }

  /** A time of day, with the date when it is not today's. */
  function timeOfDay(date) {
    const today = new Date().toDateString() === date.toDateString();
    return (today ? '' : day.format(date) + ', ') + clock.format(date);
  }
`;
