// Entry of a ray worker thread: the task is TypeScript, loaded through tsx like the CLI.
import { register } from 'tsx/esm/api';

register();
const { default: rayTask } = await import('./ray-task.ts');
export default rayTask;
