/**
 * The variables no zod env schema parses: read by the launcher scripts, the local infra, the
 * web app's static server, or by platform code before the config is parsed. Hand-written
 * here because their readers are plain scripts; `--check` fails when a listed file no longer
 * mentions its variable, so a removed variable cannot stay documented.
 */
import { MODERATION_HTTP_LIMITS, REPLAY_HTTP_LIMITS, type HttpRateLimitDefaults } from '@danmaku/platform';
// The reference reads app sources by design (generate.ts imports every app's env schema): the
// default it documents is the one auth uses, not a copy.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { DEFAULT_KEK_FILE } from '../../apps/auth/src/keys/key-encryption';

/** A per-app default of the HTTP rate limits, from the constants the apps use. */
const httpLimit = (key: keyof HttpRateLimitDefaults) =>
  `moderation \`${MODERATION_HTTP_LIMITS[key]}\`, replay \`${REPLAY_HTTP_LIMITS[key]}\``;

export interface OtherVar {
  name: string;
  /** Repository paths of the files that read it. */
  readBy: string[];
  /** What it is when unset, as a person would write it. */
  default: string;
  description: string;
}

export interface OtherVarGroup {
  title: string;
  intro: string;
  vars: OtherVar[];
}

export const OTHER_VAR_GROUPS: OtherVarGroup[] = [
  {
    title: 'Every app, outside the schema',
    intro: 'Read by the shared bootstrap and HTTP setup of `@danmaku/platform`.',
    vars: [
      {
        name: 'INSTANCE_ID',
        readBy: ['libs/platform/src/lib/bootstrap.ts'],
        default: '`<hostname>-<pid>`',
        description:
          'Names this process in logs (`instance`), metrics and Kafka client ids; give each gateway of a deployment its own.',
      },
      {
        name: 'TRUSTED_PROXIES',
        readBy: ['libs/platform/src/lib/http/client-address.ts'],
        default: '`false`',
        description:
          'Which peers may name the client address in X-Forwarded-For (Express `trust proxy`), for the per-address limits and logs: `false` (the TCP peer is the client), a comma list of proxy addresses/subnets/names such as `loopback, 10.0.0.0/8`, a hop count, or `true` (the left-most entry; only where nothing but the proxy reaches the app).',
      },
      {
        name: 'CORS_ALLOWED_ORIGINS',
        readBy: ['libs/platform/src/lib/http/cors.ts'],
        default: '`http://127.0.0.1:$WEB_PORT,http://localhost:$WEB_PORT`',
        description:
          'auth, moderation and replay: comma-separated browser origins (`scheme://host[:port]`) allowed to call the API; `*` any; empty: none. No cookies: tokens travel in `Authorization`.',
      },
    ],
  },
  {
    title: 'HTTP rate limits (moderation, replay)',
    intro:
      'Per-app defaults from `MODERATION_HTTP_LIMITS` and `REPLAY_HTTP_LIMITS`; over a limit the answer is `429 RATE_LIMITED` with `retryAfterMs`. `/healthz`, `/readyz` and `/metrics` are never limited.',
    vars: [
      {
        name: 'HTTP_RATE_LIMIT_PER_ADDRESS',
        readBy: ['libs/platform/src/lib/http/rate-limit/http-rate-limit.ts'],
        default: httpLimit('perAddress'),
        description: 'Requests per window from one client address, before authentication (0: no limit).',
      },
      {
        name: 'HTTP_RATE_LIMIT_PER_USER',
        readBy: ['libs/platform/src/lib/http/rate-limit/http-rate-limit.ts'],
        default: httpLimit('perUser'),
        description: 'Requests per window by one authenticated user (0: no limit).',
      },
      {
        name: 'HTTP_RATE_LIMIT_WINDOW_SEC',
        readBy: ['libs/platform/src/lib/http/rate-limit/http-rate-limit.ts'],
        default: httpLimit('windowSec'),
        description: 'Window of both limits, in seconds (1..86400).',
      },
      {
        name: 'HTTP_RATE_LIMIT_BLOCK_SEC',
        readBy: ['libs/platform/src/lib/http/rate-limit/http-rate-limit.ts'],
        default: httpLimit('blockSec'),
        description: 'How long a client or user that went over is refused, in seconds (1..86400).',
      },
    ],
  },
  {
    title: 'auth, outside the schema',
    intro: 'The key that encrypts the signing keys in Redis (`apps/auth/src/keys/key-encryption.ts`).',
    vars: [
      {
        name: 'AUTH_KEK',
        readBy: ['apps/auth/src/keys/key-encryption.ts'],
        default: 'read from `AUTH_KEK_FILE`; required when `NODE_ENV=production`',
        description:
          '32 bytes, base64 or base64url (`openssl rand -base64 32`): encrypts the signing key set in Redis. A wrong one refuses the start.',
      },
      {
        name: 'AUTH_KEK_FILE',
        readBy: ['apps/auth/src/keys/key-encryption.ts'],
        default: `\`${DEFAULT_KEK_FILE}\``,
        description:
          'Outside production, where the key is kept when `AUTH_KEK` is unset: generated on the first start, reused after.',
      },
    ],
  },
  {
    title: 'web (the pages’ static server)',
    intro: '`apps/web/server/main.mjs`; "page host" is the host name the browser used to reach it.',
    vars: [
      {
        name: 'WEB_PORT',
        readBy: ['apps/web/server/main.mjs', 'libs/platform/src/lib/http/cors.ts'],
        default: '`3004`',
        description: 'Port of the web pages; also the default CORS origin of the APIs.',
      },
      {
        name: 'WEB_HOST',
        readBy: ['apps/web/server/main.mjs'],
        default: '`0.0.0.0`',
        description: 'Address the web server listens on.',
      },
      {
        name: 'WEB_GATEWAY_URLS',
        readBy: ['apps/web/server/main.mjs'],
        default: 'page host, each port of `WEB_GATEWAY_PORTS`, else `GATEWAY_PORT` or 3000',
        description: 'Comma-separated gateway URLs the pages connect to; a viewer picks one at random.',
      },
      {
        name: 'WEB_GATEWAY_PORTS',
        readBy: ['apps/web/server/main.mjs'],
        default: '(unset)',
        description: 'Comma-separated gateway ports on the page host, when `WEB_GATEWAY_URLS` is unset.',
      },
      {
        name: 'WEB_AUTH_URL',
        readBy: ['apps/web/server/main.mjs'],
        default: 'page host, `AUTH_PORT` or 3001',
        description: 'The auth API as the pages reach it.',
      },
      {
        name: 'WEB_MODERATION_URL',
        readBy: ['apps/web/server/main.mjs'],
        default: 'page host, `MODERATION_PORT` or 3002',
        description: 'The moderation API as the pages reach it.',
      },
      {
        name: 'WEB_REPLAY_URL',
        readBy: ['apps/web/server/main.mjs'],
        default: 'page host, `REPLAY_PORT` or 3003',
        description: 'The replay API as the pages reach it.',
      },
      {
        name: 'WEB_VIDEO_URL',
        readBy: ['apps/web/server/main.mjs'],
        default: '`/demo.webm`',
        description: "The live room page's video.",
      },
    ],
  },
  {
    title: '`npm start` and `npm test`',
    intro:
      '`tools/scripts/`. Everything else is passed through to the apps; `npm start` fills in the ports and broker/Redis defaults.',
    vars: [
      {
        name: 'MODERATION_2_PORT',
        readBy: ['tools/scripts/start.ts'],
        default: '`3012`',
        description:
          "HTTP port of `npm start`'s second moderation instance (its metrics port is this + 6000). " +
          "The two share the `moderation.decide` group's partitions: when one dies, the other takes its rooms over.",
      },
      {
        name: 'START_READY_TIMEOUT_MS',
        readBy: ['tools/scripts/start.ts'],
        default: '`120000`',
        description: '`npm start` gives up (and stops the apps) when an app is not ready within this long.',
      },
      {
        name: 'START_STOP_TIMEOUT_MS',
        readBy: ['tools/scripts/start.ts'],
        default: '`10000`',
        description: 'After Ctrl-C, how long an app may take to stop before it is killed.',
      },
      {
        name: 'ADMIN_USERNAME',
        readBy: ['tools/scripts/start.ts'],
        default: '`admin` under `npm start`',
        description: '`npm start` passes `admin` / `admin-password` to auth when neither is set.',
      },
      {
        name: 'NODE_OPTIONS',
        readBy: ['libs/process/src/lib/heap-policy.ts'],
        default: 'gateways: `--max-old-space-size=1024` added',
        description:
          "Node's own options, passed on to the apps. `npm start`, `start:<app>`, compose and the bench add " +
          "the gateways' 1 GB old-space limit (a connection server's heap policy, see docs/architecture.md) " +
          'unless it already sets `--max-old-space-size`.',
      },
      {
        name: 'NO_COLOR',
        readBy: ['tools/infra/cli.ts', 'tools/scripts/test.ts'],
        default: '(unset)',
        description: 'Set: the scripts and the pretty app logs print without colours.',
      },
      {
        name: 'DANMAKU_TEST_SCOPE',
        readBy: ['tools/scripts/test.ts'],
        default: '(unset)',
        description: '`npm test -- --unit` sets `unit`: tests that need Kafka and Redis are left out.',
      },
    ],
  },
  {
    title: 'Local Kafka and Redis (`npm run infra:up` / `infra:down`)',
    intro: '`tools/infra/`; `KAFKA_BROKERS`, `REDIS_URL` and `DANMAKU_NAMESPACE` as above.',
    vars: [
      {
        name: 'REDIS_ACL',
        readBy: ['tools/infra/redis.ts', 'tools/scripts/start.ts'],
        default: '(unset)',
        description:
          '`1`: the local Redis runs with the ACL users of `deploy/redis/users.acl` (default user off), as in compose, and `npm start` gives each app its own `REDIS_URL` user; dev passwords are made once into `.data/redis-acl-passwords.json`. Compose takes the passwords from `REDIS_AUTH_PASSWORD`, `REDIS_MODERATION_PASSWORD`, `REDIS_GATEWAY_PASSWORD`, `REDIS_REPLAY_PASSWORD` (docs/security.md).',
      },
      {
        name: 'KAFKA_CONTROLLER_PORT',
        readBy: ['tools/infra/kafka-config.ts'],
        default: '`9093`, or the broker port + 1 when it is not 9092',
        description: 'Port of the local KRaft controller.',
      },
      {
        name: 'KAFKA_HEAP_OPTS',
        readBy: ['tools/infra/kafka-config.ts'],
        default: '`-Xms512m -Xmx1g`',
        description: 'JVM heap of the local broker.',
      },
      {
        name: 'KAFKA_OPTS',
        readBy: ['tools/infra/kafka-config.ts'],
        default: '(unset)',
        description: 'Extra JVM flags of the local broker.',
      },
      {
        name: 'KAFKA_START_TIMEOUT_MS',
        readBy: ['tools/infra/kafka.ts'],
        default: '`90000`',
        description: 'How long `infra:up` waits for the local broker.',
      },
      {
        name: 'KAFKA_STOP_TIMEOUT_MS',
        readBy: ['tools/infra/down.ts'],
        default: '`30000`',
        description: 'How long `infra:down` waits for the broker to stop before killing it.',
      },
      {
        name: 'KAFKA_REPLICATION_FACTOR',
        readBy: ['tools/infra/create-topics.ts'],
        default: "the broker's `default.replication.factor`",
        description: 'Replication factor of the topics `infra:up` creates (for a bigger cluster).',
      },
    ],
  },
];
