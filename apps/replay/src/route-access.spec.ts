import { accessProblems, appRoutes, routeAccess } from '@danmaku/platform';
import { AppModule } from './app.module';
import { loadReplayConfig } from './config/replay.config';

const routes = appRoutes(AppModule.forRoot(loadReplayConfig({}), 'access-test'));

describe('replay routes', () => {
  it('each declare their access with @Access, and non-public ones apply its guards', () => {
    expect(routes.length).toBeGreaterThan(0);
    expect(accessProblems(routes)).toEqual([]);
  });

  it('are all public reads (CONTRACT.md: "HTTP, public read")', () => {
    expect(routes.map((r) => [r.method, routeAccess(r)])).toEqual(routes.map(() => ['GET', 'public']));
  });
});
