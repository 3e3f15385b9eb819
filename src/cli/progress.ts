import { escapeControlChars, terminalText } from '../graph/safe-text.ts';
import type { EngineEvent } from '../graph/runtime-types.ts';

/**
 * Terminal progress for a headless run: one live bar on a TTY, one line per state change when
 * the output is a log (CI, pipes).
 */
export function terminalProgress(total: number, stream: NodeJS.WriteStream = process.stderr): (e: EngineEvent) => void {
  const tty = stream.isTTY === true;
  const finished = new Set<string>();
  let lastLine = '';
  const draw = (nodeId: string, label: string, fraction: number) => {
    const overall = (finished.size + fraction) / Math.max(1, total);
    const width = 24;
    const filled = Math.round(overall * width);
    // Labels carry node messages, which may quote text from files.
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(overall * 100).toFixed(0).padStart(3)}% ${nodeId}: ${escapeControlChars(label)}`;
    if (tty) stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 100) - 1)}`);
    else if (line !== lastLine) stream.write(`${line}\n`);
    lastLine = line;
  };
  return (e) => {
    if (e.type === 'state') {
      const s = e.state;
      if (['done', 'error', 'blocked', 'cancelled'].includes(s.status)) finished.add(e.nodeId);
      if (s.status === 'running') {
        // Only whole-percent changes are logged when not on a TTY, to keep CI logs short.
        const p = s.progress ?? 0;
        if (tty || Math.round(p * 100) % 10 === 0) draw(e.nodeId, `${(p * 100).toFixed(0)}%${s.message ? ` ${s.message}` : ''}`, p);
      } else if (s.status !== 'queued') draw(e.nodeId, s.status + (s.cached ? ' (cached)' : '') + (s.error ? `: ${s.error.message}` : ''), 0);
    } else if (e.type === 'log') {
      stream.write(`${tty ? '\r\x1b[2K' : ''}${e.nodeId}: ${terminalText(e.message)}\n`);
    } else if (e.type === 'run-end' && tty) stream.write('\n');
  };
}
