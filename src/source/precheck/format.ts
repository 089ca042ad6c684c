import type { Finding } from '../../core/finding.js';

const MARK: Record<Finding['result'], string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL' };

/**
 * The findings as a readable table: one line per item with its result and what was found, the
 * remedy indented under it, then a count. Long text wraps at `width` columns.
 */
export function formatFindings(findings: Finding[], width = 110): string {
  const itemWidth = Math.min(48, Math.max(4, ...findings.map((f) => f.item.length)));
  const indent = itemWidth + 10;
  const wrap = (text: string, first: string, rest: string): string[] => {
    const lines: string[] = [];
    let line = first;
    let empty = true;
    for (const word of text.split(/\s+/).filter(Boolean)) {
      if (!empty && line.length + 1 + word.length > width) {
        lines.push(line);
        line = rest + word;
      } else {
        line += (empty ? '' : ' ') + word;
      }
      empty = false;
    }
    lines.push(line);
    return lines;
  };
  const out: string[] = [`${'ITEM'.padEnd(itemWidth)}  RESULT  FOUND / REMEDY`];
  for (const f of findings) {
    const head = `${f.item.padEnd(itemWidth)}  ${(f.notChecked ? 'SKIP' : MARK[f.result]).padEnd(6)}  `;
    const pad = ' '.repeat(indent);
    out.push(...wrap(f.found, head, pad));
    if (f.remedy) out.push(...wrap(f.remedy, `${pad}→ `, `${pad}  `));
  }
  const count = (r: Finding['result']) => findings.filter((f) => f.result === r && !f.notChecked).length;
  const skipped = findings.filter((f) => f.notChecked).length;
  out.push(
    '',
    `${count('pass')} passed, ${count('warn')} warning(s), ${count('fail')} failed` +
      (skipped ? `, ${skipped} not checked (they need the failed items fixed first)` : ''),
  );
  return `${out.join('\n')}\n`;
}
