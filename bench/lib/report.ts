import fs from 'node:fs';
import path from 'node:path';
import { machineInfo, type MachineInfo } from './machine.ts';
import type { Summary } from './stats.ts';

/** A measured value: one number, or the median and min–max of several runs. */
export type Measured = number | Summary;

/** One line of docs/performance.md: a figure, the same-run baseline it is read against, and its goal. */
export interface Figure {
  /** Stable id, e.g. `dashboard.rps`. */
  id: string;
  /** What was measured, in words. */
  title: string;
  value: Measured;
  unit: string;
  /** The baseline measured in the same run, when the goal is a ratio. */
  baseline?: { name: string; value: Measured; unit: string };
  /** value / baseline (or the ratio the goal is stated in), per run where possible. */
  ratio?: Measured;
  /** The goal from issue 11, in words (e.g. `≥ 0.5× B_fed`). */
  goal?: string;
  /** Whether the goal holds on the median; undefined when the figure has no goal. */
  met?: boolean;
  /** Why a goal was missed, or how to read the figure. */
  note?: string;
}

export interface Report {
  benchmark: string;
  title: string;
  /** The command that produced this file. */
  command: string;
  date: string;
  machine: MachineInfo;
  figures: Figure[];
  /** Everything else worth keeping (raw runs, parameters). */
  details?: unknown;
}

export const RESULTS_DIR = path.resolve(import.meta.dirname, '../results');

export function createReport(benchmark: string, title: string, command: string): Report {
  return { benchmark, title, command, date: new Date().toISOString(), machine: machineInfo(), figures: [] };
}

export function writeReport(report: Report): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${report.benchmark}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  for (const figure of report.figures) console.log(formatFigure(figure));
  console.log(`→ ${path.relative(process.cwd(), file)}`);
  return file;
}

export function readReports(): Report[] {
  if (!fs.existsSync(RESULTS_DIR)) return [];
  return fs
    .readdirSync(RESULTS_DIR)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, name), 'utf8')) as Report)
    .filter((report) => Array.isArray(report.figures));
}

const fmtNumber = (x: number) =>
  Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : String(Number(x.toFixed(2)));

export function formatMeasured(value: Measured, unit = ''): string {
  const suffix = unit === '×' || unit === '%' ? unit : unit ? ` ${unit}` : '';
  if (typeof value === 'number') return `${fmtNumber(value)}${suffix}`;
  if (value.runs <= 1) return `${fmtNumber(value.median)}${suffix}`;
  return `${fmtNumber(value.median)}${suffix} (${fmtNumber(value.min)}–${fmtNumber(value.max)})`;
}

export function formatFigure(figure: Figure): string {
  const verdict = figure.met === undefined ? '' : figure.met ? ' ✔' : ' ✘ MISSED';
  const base = figure.baseline
    ? ` vs ${figure.baseline.name} ${formatMeasured(figure.baseline.value, figure.baseline.unit)}`
    : '';
  const r = figure.ratio !== undefined ? ` = ${formatMeasured(figure.ratio, '×')}` : '';
  const goal = figure.goal ? ` [goal ${figure.goal}]` : '';
  return `${figure.title}: ${formatMeasured(figure.value, figure.unit)}${base}${r}${goal}${verdict}`;
}
