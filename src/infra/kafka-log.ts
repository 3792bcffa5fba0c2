import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../telemetry/logger.ts';

/** Routes kafkajs's own logs into our structured logger instead of its console output. */
export function kafkaLogCreator(log: Logger): logCreator {
  return () => ({ namespace, level, log: entry }) => {
    const { message, ...fields } = entry;
    const child = { component: `kafkajs.${namespace}`, ...fields };
    if (level === logLevel.ERROR) log.error(child, message);
    else if (level === logLevel.WARN) log.warn(child, message);
    else if (level === logLevel.INFO) log.info(child, message);
    else log.debug(child, message);
  };
}
