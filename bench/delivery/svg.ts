/** A small hand-written SVG line chart (no dependency): log or linear axes, several series. */
export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  series: Series[];
  /** Horizontal reference lines (e.g. the 250 ms capacity limit). */
  hLines?: Array<{ y: number; label: string }>;
  yFormat?: (v: number) => string;
}

const W = 720;
const H = 420;
const M = { left: 80, right: 190, top: 40, bottom: 56 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
      }
    }
    return out;
  }
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const unit = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(min / unit) * unit; v <= max + 1e-9; v += unit) out.push(Number(v.toPrecision(12)));
  return out;
}

export function fmtNumber(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toPrecision(3)}`;
}

export function lineChart(spec: ChartSpec): string {
  const pts = spec.series
    .flatMap((s) => s.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const ys = [...pts.map(([, y]) => y), ...(spec.hLines ?? []).map((h) => h.y)];
  const xs = pts.map(([x]) => x);
  let [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  let [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  if (!pts.length) [xMin, xMax, yMin, yMax] = [1, 10, 1, 10];
  if (spec.xLog) [xMin, xMax] = [xMin / 1.3, xMax * 1.3];
  if (spec.yLog) {
    yMin = Math.max(Math.min(yMin, 1), 0.1) / 1.5;
    yMax = yMax * 1.5;
  } else {
    yMin = 0;
    yMax = yMax * 1.1 || 1;
  }
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) =>
    M.left + (spec.xLog ? Math.log(x / xMin) / Math.log(xMax / xMin) : (x - xMin) / (xMax - xMin || 1)) * pw;
  const sy = (y: number) =>
    M.top +
    ph -
    (spec.yLog ? Math.log(Math.max(y, yMin) / yMin) / Math.log(yMax / yMin) : (y - yMin) / (yMax - yMin)) *
      ph;
  const yFmt = spec.yFormat ?? fmtNumber;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="bold">${esc(spec.title)}</text>`,
  ];
  for (const t of niceTicks(yMin, yMax, !!spec.yLog)) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#555">${esc(yFmt(t))}</text>`,
    );
  }
  const xTicks = spec.xLog ? [...new Set(xs)].sort((a, b) => a - b) : niceTicks(xMin, xMax, false);
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + ph}" stroke="#f0f0f0"/>`);
    out.push(
      `<text x="${x}" y="${M.top + ph + 16}" text-anchor="middle" fill="#555">${esc(fmtNumber(t))}</text>`,
    );
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  for (const h of spec.hLines ?? []) {
    const y = sy(h.y).toFixed(1);
    out.push(
      `<line x1="${M.left}" x2="${M.left + pw}" y1="${y}" y2="${y}" stroke="#d33" stroke-dasharray="6 4"/>`,
    );
    out.push(
      `<text x="${M.left + pw - 4}" y="${+y - 5}" text-anchor="end" fill="#d33">${esc(h.label)}</text>`,
    );
  }
  spec.series.forEach((s, i) => {
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (p.length) {
      const d = p.map(([x, y], k) => `${k ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
      for (const [x, y] of p)
        out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="4" fill="${s.color}"/>`);
    }
    const ly = M.top + 14 + i * 20;
    out.push(
      `<line x1="${M.left + pw + 14}" x2="${M.left + pw + 38}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`,
    );
    out.push(`<text x="${M.left + pw + 44}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push(`<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(
    `<text x="18" y="${M.top + ph / 2}" text-anchor="middle" transform="rotate(-90 18 ${M.top + ph / 2})">${esc(spec.yLabel)}</text>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}
