import * as Comlink from 'comlink';
import { ComputeService } from './compute-service.ts';

Comlink.expose(new ComputeService());
