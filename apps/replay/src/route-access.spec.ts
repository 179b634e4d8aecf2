import {
  accessProblems,
  controllerRoutes,
  HealthController,
  moduleControllers,
  routeAccess,
} from '@danmaku/platform';
import { AppModule } from './app.module';
import { loadReplayConfig } from './config/replay.config';

// The operator endpoints (/healthz, /readyz, /metrics) come from the platform and are public by design.
const operatorPaths = new Set(controllerRoutes([HealthController]).map((r) => r.path));
const routes = controllerRoutes(
  moduleControllers(AppModule.forRoot(loadReplayConfig({}), 'access-test')),
).filter((r) => !operatorPaths.has(r.path));

describe('replay routes', () => {
  it('each declare their access with @Access, and non-public ones apply its guards', () => {
    expect(routes.length).toBeGreaterThan(0);
    expect(accessProblems(routes)).toEqual([]);
  });

  it('are all public reads (CONTRACT.md: "HTTP, public read")', () => {
    expect(routes.map((r) => [r.method, routeAccess(r)])).toEqual(routes.map(() => ['GET', 'public']));
  });
});
