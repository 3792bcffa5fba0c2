import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * No Docker engine runs on the project's machines, so the deployment files are checked by
 * structure: what `docker compose up` would do with them, as far as the file says it.
 */
const read = (rel: string) => readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  restart?: string;
  env_file?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  container_name?: string;
}
const compose = parse(read('../docker/compose.yaml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const { services } = compose;
const driftwatch = Object.entries(services).filter(([, s]) => s.command?.[0] === 'run');
const roles = (s: Service) => (s.command ?? []).flatMap((a, i, all) => (all[i - 1] === '--role' ? [a] : []));

describe('docker/compose.yaml', () => {
  it('keeps Kafka and ClickHouse data in named volumes', () => {
    expect(Object.keys(compose.volumes).sort()).toEqual(['clickhouse-data', 'kafka-data']);
    expect(services['kafka']?.volumes).toContain('kafka-data:/var/lib/kafka/data');
    expect(services['clickhouse']?.volumes).toContain('clickhouse-data:/var/lib/clickhouse');
  });

  it('has healthchecks, and driftwatch starts only once Kafka and ClickHouse are healthy', () => {
    for (const name of ['kafka', 'clickhouse', 'api']) expect(services[name]?.healthcheck?.test.length, name).toBeGreaterThan(0);
    expect(driftwatch.length).toBeGreaterThan(0);
    for (const [name, s] of driftwatch) {
      expect(s.depends_on, name).toEqual({ kafka: { condition: 'service_healthy' }, clickhouse: { condition: 'service_healthy' } });
    }
  });

  it('restarts every service', () => {
    for (const [name, s] of Object.entries(services)) expect(s.restart, name).toMatch(/^(always|unless-stopped|on-failure)/);
  });

  it('lets producers outside the network reach Kafka', () => {
    const kafka = services['kafka'] as Service;
    expect(String(kafka.environment?.['KAFKA_ADVERTISED_LISTENERS'])).toMatch(/EXTERNAL:\/\/[^,]+:9094/);
    expect(String(kafka.environment?.['KAFKA_LISTENERS'])).toContain('EXTERNAL://:9094');
    expect(kafka.ports).toContain('9094:9094');
  });

  it("runs run's roles as services: ingest scalable, one detect + deliver, the api", () => {
    const byRole = Object.fromEntries(driftwatch.map(([name, s]) => [name, roles(s)]));
    expect(byRole).toEqual({ ingest: ['ingest'], detect: ['detect', 'deliver'], api: ['api'] });
    expect(services['ingest']?.container_name).toBeUndefined(); // a fixed name cannot be scaled
    expect(services['ingest']?.deploy?.replicas).toBeGreaterThan(1);
    expect(services['detect']?.deploy?.replicas).toBe(1);
    expect(services['api']?.ports).toContain('7070:7070');
  });

  it('mounts the policy and the config, and takes secrets from an env file only', () => {
    for (const [name, s] of driftwatch) {
      expect(s.volumes?.some((v) => v.endsWith(':/etc/driftwatch/config.yaml:ro')), name).toBe(true);
      expect(s.volumes?.some((v) => v.endsWith(':/etc/driftwatch/policy.yaml:ro')), name).toBe(true);
      expect(s.environment?.['DRIFTWATCH_CONFIG']).toBe('/etc/driftwatch/config.yaml');
      expect(s.environment?.['DRIFTWATCH_POLICY']).toBe('/etc/driftwatch/policy.yaml');
      expect(s.env_file, name).toEqual(['driftwatch.env']);
      for (const key of Object.keys(s.environment ?? {})) expect(key, name).not.toMatch(/PASSWORD|TOKEN|SECRET/);
    }
    expect(read('../docker/driftwatch.env.example')).toMatch(/^CLICKHOUSE_PASSWORD=/m);
    expect(read('../.gitignore')).toMatch(/^docker\/driftwatch\.env$/m);
  });

  it('the mounted config is valid', async () => {
    const { loadConfig } = await import('../src/config/load.ts');
    const config = loadConfig({ file: fileURLToPath(new URL('../docker/config.yaml', import.meta.url)), env: { KAFKA_BROKERS: 'kafka:9092', CLICKHOUSE_URL: 'http://clickhouse:8123' } });
    expect(config.service.port).toBe(7070);
  });
});

describe('docker/Dockerfile', () => {
  const lines = read('../docker/Dockerfile').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages = lines.reduce<string[][]>((acc, l) => (l.startsWith('FROM ') ? [...acc, [l]] : (acc[acc.length - 1]?.push(l), acc)), []);
  const final = stages[stages.length - 1] ?? [];

  it('is multi-stage and installs with npm ci from the lock file', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const installs = lines.filter((l) => l.startsWith('RUN') && /\bnpm (ci|install|i)\b/.test(l));
    expect(installs.length).toBeGreaterThan(0);
    for (const l of installs) expect(l).toMatch(/npm ci\b/);
    expect(lines.some((l) => /^COPY package\.json package-lock\.json/.test(l))).toBe(true);
    expect(lines).toContain('RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund');
    // The console is built in the type-check stage and copied into the runtime.
    expect(lines).toContain('RUN npm run typecheck && npm run build:web');
    expect(final).toContain('COPY --from=build /app/web/dist ./web/dist');
  });

  it('runs as a non-root user in a runtime stage that installs nothing', () => {
    const user = final.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/USER (root|0)\b/);
    expect(final.some((l) => /\bnpm\b/.test(l))).toBe(false);
    expect(final.some((l) => /^COPY --from=deps \/app\/node_modules/.test(l))).toBe(true);
  });

  it('starts driftwatch run', () => {
    expect(final).toContain('ENTRYPOINT ["node", "bin/driftwatch.js"]');
    expect(final).toContain('CMD ["run"]');
  });
});
