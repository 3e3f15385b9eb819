/**
 * Text from files (node types, params, preset names, checkpoint keys, asset URIs) ends up in
 * terminal output, logs and the studio's messages. Control characters in it could retitle a
 * terminal, erase lines or fake output, and bidirectional overrides could reorder what is shown;
 * every such character is shown as a visible escape instead.
 */
// C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings/overrides/isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escapeOne = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** `text` with every control character replaced by a visible `\xNN` / `\uNNNN` escape. */
export function escapeControlChars(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * A name or value from a file for a message: escaped, cut to `max` characters, in single quotes.
 * Multi-line text keeps its newlines only where the caller builds them, never from the file.
 */
export function quoteForMessage(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return `'${escapeControlChars(cut)}'`;
}

/**
 * Text for a terminal or a log that is ours to break into lines (multi-line messages): newlines
 * stay, every other control character is escaped.
 */
export function terminalText(text: string): string {
  return text.split('\n').map(escapeControlChars).join('\n');
}

// What JSON.stringify leaves raw (it escapes C0 controls itself): DEL, C1, separators, bidi.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** For strings written into JSON files that people `cat`: the characters JSON itself leaves raw, escaped. */
export function jsonSafeText(text: string): string {
  return text.replace(UNSAFE_IN_JSON, escapeOne);
}
