// `npm start`: installs dependencies when they are missing, then serves the studio with Vite.
import { existsSync } from 'node:fs';
import { spawnSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'node_modules', '.bin', 'vite'))) {
  console.log('nphm-studio: installing dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const args = ['--host', process.env.HOST ?? '127.0.0.1', '--port', process.env.PORT ?? '5173'];
if (!process.env.NPHM_NO_OPEN) args.push('--open');
const vite = spawn(join(root, 'node_modules', '.bin', 'vite'), args, { cwd: root, stdio: 'inherit' });
vite.on('exit', (code) => process.exit(code ?? 0));
