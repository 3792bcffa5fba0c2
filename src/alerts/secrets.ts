import { readFileSync } from 'node:fs';
import { AppError } from '../errors.ts';

/**
 * Secrets named by the config (an environment variable or a file, e.g. a mounted Kubernetes or
 * Docker secret), read once at start-up. Errors name where the secret was expected, never its value.
 */
export interface SecretRef {
  fromEnv?: string | undefined;
  file?: string | undefined;
}

export function readSecret(ref: SecretRef, env: NodeJS.ProcessEnv, what: string): string | undefined {
  if (ref.fromEnv !== undefined) {
    const v = env[ref.fromEnv]?.trim();
    if (!v) throw new AppError('SECRET_MISSING', `${what}: environment variable ${ref.fromEnv} is not set`, { env: ref.fromEnv });
    return v;
  }
  if (ref.file !== undefined) {
    let v: string;
    try {
      v = readFileSync(ref.file, 'utf8').trim();
    } catch (err) {
      throw new AppError('SECRET_MISSING', `${what}: cannot read secret file ${ref.file}`, { file: ref.file }, false, { cause: err });
    }
    if (!v) throw new AppError('SECRET_MISSING', `${what}: secret file ${ref.file} is empty`, { file: ref.file });
    return v;
  }
  return undefined;
}
