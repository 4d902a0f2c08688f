/**
 * Building the dashboard's elements, in the browser: `h()` and `svg()` (text goes in through
 * `textContent` only), and sparklines, drawn as SVG paths. Part of the page script's scope.
 */
export const DASHBOARD_ELEMENTS_SCRIPT = `
  const SVG = 'http://www.w3.org/2000/svg';
  const SPARK_POINTS = 60;

  function h(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, className) {
    const node = document.createElementNS(SVG, tag);
    if (className) node.setAttribute('class', className);
    return node;
  }

  /** An empty sparkline: a dashed baseline, the area under the line, and the line. */
  function createSpark(className) {
    const node = svg('svg', 'spark' + (className ? ' ' + className : ''));
    node.setAttribute('viewBox', '0 0 100 40');
    node.setAttribute('preserveAspectRatio', 'none');
    node.setAttribute('aria-hidden', 'true');
    const baseline = svg('path', 'base');
    baseline.setAttribute('d', 'M0 38L100 38');
    const area = svg('path', 'area');
    const line = svg('path', 'line');
    node.append(baseline, area, line);
    return { node, area, line };
  }

  /**
   * Draws \`points\` (the newest last, at most SPARK_POINTS) from 0 to \`top\`; a null point is a
   * gap. Each unbroken run is its own line, with the area under it.
   */
  function drawSpark(spark, points, top) {
    const step = 100 / (SPARK_POINTS - 1);
    const start = (SPARK_POINTS - points.length) * step;
    let line = '';
    let area = '';
    let run = [];
    const close = () => {
      if (run.length > 1) {
        const path = run.map(([x, y], i) => (i ? 'L' : 'M') + x + ' ' + y).join('');
        line += path;
        area += path + 'L' + run[run.length - 1][0] + ' 38L' + run[0][0] + ' 38Z';
      }
      run = [];
    };
    points.forEach((value, i) => {
      if (value === null) return close();
      const y = 38 - Math.max(0, Math.min(1, top > 0 ? value / top : 0)) * 35;
      run.push([(start + i * step).toFixed(2), y.toFixed(2)]);
    });
    close();
    setPath(spark.line, line);
    setPath(spark.area, area);
  }
  function setPath(node, d) {
    if (d) node.setAttribute('d', d);
    else node.removeAttribute('d');
  }
`;
