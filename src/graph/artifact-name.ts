/**
 * Names of artifacts (files a node saves, e.g. saveJson's `filename`). They come from params, i.e.
 * from the graph file, and become file names in the CLI's output folder and in the studio's
 * downloads: one plain name, never a path, never `.`/`..`, never the run log's name.
 */

/** The run log `nphm graph run` writes next to the outputs. */
export const RUN_LOG_FILE = 'run-log.json';

/** Why `name` may not be an artifact's file name, or undefined when it may. */
export function artifactNameProblem(name: string): string | undefined {
  if (!/^[\w.-]{1,200}$/.test(name)) return 'a file name may only contain letters, digits, \'.\', \'_\' and \'-\' (1 to 200 of them)';
  if (/^\.+$/.test(name)) return 'a file name cannot be only dots';
  if (name.toLowerCase() === RUN_LOG_FILE) return `'${RUN_LOG_FILE}' is the name of the run log`;
  return undefined;
}
