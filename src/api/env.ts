import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { AnyDetector } from '../detect/define-detector.ts';
import type { Access } from './auth.ts';

/** Hono's per-request variables for this API. */
export interface ApiEnv {
  Variables: { access: Access; actor: string };
}

export type { Store, Logger, AnyDetector };
