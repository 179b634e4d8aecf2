import { accessProblems, appRoutes, routeAccess } from '@danmaku/platform';
import { AppModule } from './app.module';
import { loadModerationConfig } from './config/moderation.config';

const routes = appRoutes(AppModule.forRoot(loadModerationConfig({}), 'access-test'));

describe('moderation routes', () => {
  it('each declare their access with @Access, and non-public ones apply its guards', () => {
    expect(routes.length).toBeGreaterThan(0);
    expect(accessProblems(routes)).toEqual([]);
  });

  it('are admin-only exactly where the contract says, and for moderators of the room elsewhere', () => {
    const adminOnly = routes.filter((r) => routeAccess(r) === 'admin').map((r) => `${r.method} ${r.path}`);
    expect(adminOnly.sort()).toEqual(
      [
        'DELETE /v1/bans/{userId}',
        'DELETE /v1/blocked-terms/{termId}',
        'DELETE /v1/rooms/{roomId}/moderators/{userId}',
        'GET /v1/bans',
        'GET /v1/blocked-terms',
        'POST /v1/bans',
        'POST /v1/blocked-terms',
        'PUT /v1/rooms/{roomId}/moderators/{userId}',
      ].sort(),
    );
    for (const r of routes.filter((r) => routeAccess(r) !== 'admin')) {
      expect({ route: `${r.method} ${r.path}`, access: routeAccess(r) }).toEqual({
        route: `${r.method} ${r.path}`,
        access: 'moderator',
      });
      expect(r.path).toMatch(/^\/v1\/rooms\/\{roomId\}/);
    }
  });
});
