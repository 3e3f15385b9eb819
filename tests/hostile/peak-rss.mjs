// Preloaded into each CLI child of the hostile suite (`node --import`): writes the process's peak
// resident memory (getrusage maxRSS, in kB) to $NPHM_PEAK_RSS_FILE when it exits, so the suite
// can bound memory without /usr/bin/time.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.NPHM_PEAK_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
