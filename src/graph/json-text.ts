/**
 * JSON from files, with errors that say where the text is broken but never quote it: V8's
 * messages embed the first characters of the text (`Unexpected token 'r', "root:x:0:0"... is not
 * valid JSON`), which would put the contents of whatever file an asset URI reached into terminal
 * output and run logs.
 */

/** V8's JSON.parse message without the quoted text or the offending character. */
export function jsonSyntaxMessage(e: unknown, text: string): string {
  const raw = e instanceof Error ? e.message : String(e);
  const m = /position (\d+)/.exec(raw);
  const pos = m ? Number(m[1]) : /end of JSON/.test(raw) ? text.length : undefined;
  let what = raw
    .replace(/Unexpected token .*? is not valid JSON$/s, 'unexpected character')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/ at position \d+.*$/s, '');
  if (what === raw && /"/.test(what)) what = 'not valid JSON';
  if (pos === undefined) return what;
  const before = text.slice(0, pos).split('\n');
  return `${what} (line ${before.length}, column ${before[before.length - 1]!.length + 1})`;
}

/** `JSON.parse(text)`, throwing `${what}: not valid JSON (…)` with a message from `jsonSyntaxMessage`. */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON: ${jsonSyntaxMessage(e, text)}`);
  }
}
