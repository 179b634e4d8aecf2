import { Injectable, type PipeTransform, type ArgumentMetadata } from '@nestjs/common';
import type { z } from 'zod';
import { parseInput } from '../errors/validation';

/** `@Body(new ZodPipe(schema))`: the controller gets the parsed, typed value. */
@Injectable()
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.infer<S> {
    return parseInput(this.schema, value, metadata.type === 'custom' ? 'input' : metadata.type);
  }
}
