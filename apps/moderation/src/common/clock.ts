import { Injectable } from '@nestjs/common';

/** Wall-clock time in epoch ms; a class so unit tests can pin it. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
