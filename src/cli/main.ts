import { COMMANDS } from './commands/index.ts';
import { UsageError } from './args.ts';
import { quoteForMessage, terminalText } from '../graph/safe-text.ts';

function help(): string {
  const rows = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`);
  return ['usage: nphm <command> [options]', '', 'commands:', ...rows, '', "'nphm <command> --help' for its options"].join('\n');
}

/** Entry point of the `nphm` bin. Never lets a stack trace reach the user for expected failures. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    console.error(`nphm: unknown command ${quoteForMessage(name)}\n\n${help()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // Messages quote names and values from files: shown with control characters escaped.
    if (e instanceof UsageError) {
      console.error(`nphm ${name}: ${terminalText(e.message)}\n\n${command.usage}`);
      return 2;
    }
    console.error(`nphm ${name}: ${terminalText(e instanceof Error ? e.message : String(e))}`);
    if (process.env.NPHM_DEBUG && e instanceof Error) console.error(e.stack);
    return 1;
  }
}
