import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { workspaceRoot } from '@danmaku/testing';

/**
 * docker-compose.yml cannot run here (no Docker engine): this reads it as compose would and
 * checks what must hold — every service has a healthcheck, every dependency waits for
 * health, Kafka is the version local runs use, Prometheus scrapes every app's metrics port,
 * production has no default admin password, and each app reaches Redis as its own ACL user.
 */
const ROOT = workspaceRoot();

type Mapping = Record<string, unknown>;
interface Service {
  image?: string;
  entrypoint?: string[];
  command?: string[];
  build?: unknown;
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean; interval?: string };
  volumes?: string[];
}

/** YAML merge keys (`<<: *anchor`), resolved as compose resolves them: the local keys win. */
function resolveMerges(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(resolveMerges);
  if (node === null || typeof node !== 'object') return node;
  const own = node as Mapping;
  const merged: Mapping = {};
  const sources = own['<<'] === undefined ? [] : Array.isArray(own['<<']) ? own['<<'] : [own['<<']];
  for (const source of sources) Object.assign(merged, resolveMerges(source) as Mapping);
  for (const [k, v] of Object.entries(own)) if (k !== '<<') merged[k] = resolveMerges(v);
  return merged;
}

const compose = resolveMerges(load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'))) as {
  services: Record<string, Service>;
};
const services = Object.entries(compose.services);
const APP_PORT_VARS = ['GATEWAY_PORT', 'AUTH_PORT', 'MODERATION_PORT', 'REPLAY_PORT'];

describe('docker-compose.yml', () => {
  it('resolves merge keys as compose does (own keys win over the anchor)', () => {
    expect(resolveMerges({ '<<': { a: 1, b: { c: 2 } }, b: { d: 3 } })).toEqual({ a: 1, b: { d: 3 } });
    expect(services.length).toBeGreaterThanOrEqual(10);
  });

  it.each(services)('%s has a healthcheck', (_name, service) => {
    expect(service.healthcheck?.disable).not.toBe(true);
    const test = service.healthcheck?.test;
    expect(Array.isArray(test) ? test.length : (test ?? '').length).toBeGreaterThan(1);
  });

  it.each(services)('%s starts only after what it depends on is healthy', (_name, service) => {
    const deps = service.depends_on ?? {};
    // The short form (a list) means "started", not "healthy".
    expect(Array.isArray(deps)).toBe(false);
    for (const [dep, { condition }] of Object.entries(deps)) {
      expect(compose.services[dep]).toBeDefined();
      expect({ dep, condition }).toEqual({ dep, condition: 'service_healthy' });
    }
  });

  it('runs the Kafka version of tools/infra/kafka/pom.xml, the one source of it', () => {
    const pom = readFileSync(join(ROOT, 'tools/infra/kafka/pom.xml'), 'utf8');
    const version = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pom)?.[1];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const kafkaImages = services.map(([, s]) => s.image ?? '').filter((i) => /(^|\/)kafka:/.test(i));
    expect(kafkaImages).toEqual([`apache/kafka:${version}`]);
  });

  it('checks each app at its own port’s /readyz and lets Prometheus scrape its metrics port', () => {
    const prometheus = load(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = prometheus.scrape_configs
      .flatMap((c) => c.static_configs.flatMap((s) => s.targets))
      .sort();
    const expected: string[] = [];
    for (const [name, service] of services) {
      const env = service.environment ?? {};
      const portVar = APP_PORT_VARS.find((v) => env[v] !== undefined);
      if (!portVar) continue;
      const port = Number(env[portVar]);
      expect(JSON.stringify(service.healthcheck?.test)).toContain(`http://127.0.0.1:${port}/readyz`);
      // Reachable on the compose network, never published.
      expect(env['METRICS_HOST']).toBe('0.0.0.0');
      const metricsPort = env['METRICS_PORT'] === undefined ? port + 6000 : Number(env['METRICS_PORT']);
      expect(JSON.stringify((service as { ports?: string[] }).ports ?? [])).not.toContain(`:${metricsPort}`);
      expected.push(`${name}:${metricsPort}`);
    }
    expect(expected).toHaveLength(6);
    expect(targets).toEqual(expected.sort());
  });

  it('has no default admin password: compose refuses to start without ADMIN_PASSWORD', () => {
    const env = compose.services['auth'].environment ?? {};
    expect(String(env['ADMIN_PASSWORD'])).toMatch(/^\$\{ADMIN_PASSWORD:\?[^}]+\}$/);
    const grafana = compose.services['grafana'].environment ?? {};
    expect(String(grafana['GF_SECURITY_ADMIN_PASSWORD'])).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/);
    // The image runs in production mode, where auth itself refuses a missing password too.
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^ENV NODE_ENV=production$/m);
  });

  it('mounts files that exist: the Prometheus config and rules, the Grafana provisioning and dashboard', () => {
    const mounts = services.flatMap(([, s]) => s.volumes ?? []).filter((v) => v.startsWith('./'));
    expect(mounts.length).toBeGreaterThanOrEqual(4);
    for (const mount of mounts) expect(existsSync(join(ROOT, mount.split(':')[0]))).toBe(true);
  });

  it('starts Redis with the ACL users of deploy/redis/users.acl, each app on its own, the default user off', () => {
    const acl = readFileSync(join(ROOT, 'deploy/redis/users.acl'), 'utf8').trim().split('\n');
    const users = acl.map((line) => line.split(' ')[1]);
    expect(acl.find((line) => line.startsWith('user default '))).toMatch(/^user default off resetpass /);
    const loginUsers = users.filter((u) => u !== 'default');
    expect(loginUsers.sort()).toEqual(['auth', 'gateway', 'moderation', 'replay']);

    const redis = compose.services['redis'];
    expect(redis.entrypoint).toEqual(['sh', '/etc/redis/redis-acl.sh']);
    expect(redis.volumes).toContain('./deploy/redis:/etc/redis:ro');
    const passwordVar = (user: string) => `REDIS_${user.toUpperCase()}_PASSWORD`;
    for (const user of loginUsers)
      expect(String(redis.environment?.[passwordVar(user)])).toMatch(
        new RegExp(`^\\$\\{${passwordVar(user)}:\\?[^}]+\\}$`),
      );
    expect(JSON.stringify(redis.healthcheck?.test)).toMatch(/--user \w+ --pass/);

    const appServices = services.filter(([, s]) => s.environment?.['APP'] !== undefined);
    expect(appServices).toHaveLength(6);
    for (const [name, service] of appServices) {
      const user = String(service.environment?.['APP']);
      expect({ name, url: service.environment?.['REDIS_URL'] }).toEqual({
        name,
        url: expect.stringMatching(
          new RegExp(`^redis://${user}:\\$\\{${passwordVar(user)}:\\?[^}]+\\}@redis:6379$`),
        ),
      });
    }
  });
});
