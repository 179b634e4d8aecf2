import 'reflect-metadata';
import { Controller, Delete, Get, Module, Put, type DynamicModule } from '@nestjs/common';
import { controllerRoutes, moduleControllers } from './http-routes';

@Controller('v1/rooms/:roomId')
class RoomsController {
  @Get()
  view(): string {
    return '';
  }
  @Put('moderators/:userId')
  addModerator(): string {
    return '';
  }
  @Delete('moderators/:userId')
  removeModerator(): string {
    return '';
  }
  helper(): string {
    return '';
  }
}

@Controller()
class RootController {
  @Get('.well-known/jwks.json')
  jwks(): string {
    return '';
  }
}

@Module({ controllers: [RootController] })
class InnerModule {}

@Module({})
class AppModule {
  static forRoot(): DynamicModule {
    return { module: AppModule, imports: [InnerModule], controllers: [RoomsController] };
  }
}

describe('controllerRoutes', () => {
  it('names every handler route as OpenAPI does, sorted by path then method', () => {
    const routes = controllerRoutes([RootController, RoomsController]);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /.well-known/jwks.json',
      'GET /v1/rooms/{roomId}',
      'DELETE /v1/rooms/{roomId}/moderators/{userId}',
      'PUT /v1/rooms/{roomId}/moderators/{userId}',
    ]);
    expect(routes[1]).toMatchObject({ controller: RoomsController, handler: RoomsController.prototype.view });
  });
});

describe('moduleControllers', () => {
  it('collects controllers from a dynamic module and what it imports', () => {
    expect(moduleControllers(AppModule.forRoot())).toEqual(
      expect.arrayContaining([RoomsController, RootController]),
    );
    expect(moduleControllers(AppModule.forRoot())).toHaveLength(2);
  });
});
