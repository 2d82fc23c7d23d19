/** The figures of a run as a two-column table, one section per part. */
export function table(sections: Array<[string, Record<string, number | string>]>): string {
  const rows = sections.flatMap(([, figures]) => Object.entries(figures));
  const width = Math.max(...rows.map(([k]) => k.length), 10);
  const valueWidth = Math.min(Math.max(...rows.map(([, v]) => String(v).length), 8), 60);
  const rule = `${'─'.repeat(width + 2)}┼${'─'.repeat(valueWidth + 2)}`;
  const lines: string[] = [];
  for (const [title, figures] of sections) {
    lines.push(`${` ${title}`.padEnd(width + 2)}│`);
    lines.push(rule);
    for (const [k, v] of Object.entries(figures)) lines.push(` ${k.padEnd(width)} │ ${String(v)}`);
    lines.push('');
  }
  return lines.join('\n');
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
