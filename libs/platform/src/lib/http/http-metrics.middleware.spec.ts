import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpException,
  Module,
  Post,
  UseGuards,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { MetricsService } from '../health/metrics.service';
import { httpMetricsMiddleware } from './http-metrics.middleware';

@Controller('v1/rooms/:roomId/bans')
class BansController {
  @Get()
  list(): { items: [] } {
    return { items: [] };
  }

  @Post()
  @UseGuards({ canActivate: () => false })
  create(): void {
    throw new HttpException('unreachable', 500);
  }
}

// nestjs-pino's request logging, as PlatformModule has it: Nest mounts it as a catch-all route.
@Module({
  imports: [LoggerModule.forRoot({ pinoHttp: { level: 'silent' } })],
  controllers: [BansController],
})
class TestModule {}

describe('httpMetricsMiddleware (on a real Nest app)', () => {
  const metrics = new MetricsService();
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create(TestModule, { logger: false });
    app.use(httpMetricsMiddleware(metrics));
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(() => app.close());

  const count = async (labels: string) => {
    const text = await metrics.registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`http_request_duration_seconds_count{${labels}}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  /** The histogram is observed when the response closes, a moment after the client has it. */
  async function eventually(check: () => Promise<void>): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        return await check();
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  it('labels every request with its route template (never the raw URL) and its status', async () => {
    await fetch(`${url}/v1/rooms/a/bans`);
    await fetch(`${url}/v1/rooms/b/bans?x=1`);
    await fetch(`${url}/v1/rooms/c/bans`, { method: 'POST' });
    await fetch(`${url}/nope/123`);
    await eventually(async () => {
      expect(await count('method="GET",route="/v1/rooms/:roomId/bans",status="200"')).toBe(2);
      // A guard's refusal is counted on the route it refused.
      expect(await count('method="POST",route="/v1/rooms/:roomId/bans",status="403"')).toBe(1);
      expect(await count('method="GET",route="unmatched",status="404"')).toBe(1);
    });
    const text = await metrics.registry.metrics();
    expect(text).not.toContain('/v1/rooms/a/bans');
    expect(text).not.toContain('/nope/123');
  });
});
