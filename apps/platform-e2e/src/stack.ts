import {
  dropNamespace,
  freePort,
  httpJson,
  spawnApp,
  testInfra,
  uniqueId,
  type RunningApp,
} from '@danmaku/testing';

export interface Stack {
  namespace: string;
  auth: RunningApp;
  /** The first moderation instance; `moderations` holds all of them. */
  moderation: RunningApp;
  moderations: RunningApp[];
  replay: RunningApp;
  gateways: RunningApp[];
  admin: { username: string; password: string };
  /** Stops gateway `index` and starts it again on the same port with the same env. */
  restartGateway(index: number): Promise<RunningApp>;
  stop(): Promise<void>;
}

/**
 * The whole system from the built apps, on free ports, in a fresh namespace (its own
 * Kafka topics, consumer groups and Redis keys) on the real Kafka and Redis.
 */
export interface StackOptions {
  gateways?: number;
  /** Moderation instances sharing the decide group (default 1). */
  moderations?: number;
  /** Extra env per app (e.g. short token lifetimes, or each app's own REDIS_URL). */
  env?: Partial<Record<'auth' | 'moderation' | 'replay' | 'gateway', Record<string, string>>>;
  /** The namespace to run in, when something must know it before the stack starts (default: a fresh one). */
  namespace?: string;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const infra = testInfra();
  const namespace = opts.namespace ?? uniqueId('e2e').toLowerCase();
  const admin = { username: 'e2e_admin', password: 'e2e-admin-password' };
  const authPort = await freePort();
  const common = {
    DANMAKU_NAMESPACE: namespace,
    KAFKA_BROKERS: infra.kafkaBrokers,
    REDIS_URL: infra.redisUrl,
    AUTH_JWKS_URL: `http://127.0.0.1:${authPort}/.well-known/jwks.json`,
  };
  const started: RunningApp[] = [];
  const stop = async () => {
    await Promise.all(started.map((a) => a.stop()));
    await dropNamespace(namespace);
  };
  try {
    const auth = await spawnApp('auth', {
      port: authPort,
      env: { ...common, ADMIN_USERNAME: admin.username, ADMIN_PASSWORD: admin.password, ...opts.env?.auth },
    });
    started.push(auth);
    const gatewayEnv = (i: number) => ({
      ...common,
      INSTANCE_ID: `gw${i + 1}-${namespace}`,
      ...opts.env?.gateway,
    });
    const moderationCount = opts.moderations ?? 1;
    // Every start is waited for, so one app failing to start does not leave its siblings
    // running after `stop()`.
    const settled = await Promise.allSettled([
      spawnApp('replay', { port: await freePort(), env: { ...common, ...opts.env?.replay } }),
      ...Array.from({ length: moderationCount }, async (_, i) =>
        spawnApp('moderation', {
          port: await freePort(),
          env: { ...common, INSTANCE_ID: `mod${i + 1}-${namespace}`, ...opts.env?.moderation },
          name: i === 0 ? 'moderation' : `moderation-${i + 1}`,
        }),
      ),
      ...Array.from({ length: opts.gateways ?? 2 }, async (_, i) =>
        spawnApp('gateway', { port: await freePort(), env: gatewayEnv(i), name: `gateway-${i + 1}` }),
      ),
    ]);
    for (const r of settled) if (r.status === 'fulfilled') started.push(r.value);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [replay, ...rest] = settled.map((r) => (r as PromiseFulfilledResult<RunningApp>).value);
    const moderations = rest.slice(0, moderationCount);
    const gateways = rest.slice(moderationCount);
    const moderation = moderations[0];
    const restartGateway = async (i: number) => {
      const old = gateways[i];
      await old.stop();
      started.splice(started.indexOf(old), 1);
      gateways[i] = await spawnApp('gateway', {
        port: old.port,
        metricsPort: Number(new URL(old.metricsUrl).port),
        env: gatewayEnv(i),
        name: old.name,
      });
      started.push(gateways[i]);
      return gateways[i];
    };
    return { namespace, auth, moderation, moderations, replay, gateways, admin, restartGateway, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface TestUser {
  userId: string;
  username: string;
  token: string;
}

/** Registers and logs in a fresh user through the real auth app. */
export async function newUser(stack: Stack, label = 'u'): Promise<TestUser> {
  const username = `${label}_${Math.random().toString(36).slice(2, 10)}`;
  const password = 'correct-horse-battery';
  const reg = await httpJson('POST', `${stack.auth.url}/v1/auth/register`, { body: { username, password } });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  return { userId: reg.body.userId, username, token: await login(stack, username, password) };
}

/** Logs in and returns the whole answer (access and refresh tokens). */
export async function loginFull(stack: Stack, username: string, password: string) {
  const res = await httpJson('POST', `${stack.auth.url}/v1/auth/login`, { body: { username, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { accessToken: string; refreshToken: string; expiresIn: number };
}

export async function login(stack: Stack, username: string, password: string): Promise<string> {
  const res = await httpJson('POST', `${stack.auth.url}/v1/auth/login`, { body: { username, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

export async function adminToken(stack: Stack): Promise<string> {
  return login(stack, stack.admin.username, stack.admin.password);
}

export function roomName(): string {
  return uniqueId('room');
}
