import { accessProblems, appRoutes, routeAccess } from '@danmaku/platform';
import { AppModule } from './app.module';
import { loadAuthConfig } from './config/auth.config';

const routes = appRoutes(AppModule.forRoot(loadAuthConfig({}), 'access-test'));

describe('auth routes', () => {
  it('each declare their access with @Access, and non-public ones apply its guards', () => {
    expect(routes.length).toBeGreaterThan(0);
    expect(accessProblems(routes)).toEqual([]);
  });

  it('are public only where no token can exist yet', () => {
    const open = routes.filter((r) => routeAccess(r) === 'public').map((r) => `${r.method} ${r.path}`);
    expect(open.sort()).toEqual(
      [
        'GET /.well-known/jwks.json',
        'POST /v1/auth/guest',
        'POST /v1/auth/login',
        'POST /v1/auth/refresh',
        'POST /v1/auth/register',
      ].sort(),
    );
  });
});
