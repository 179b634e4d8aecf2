import type { OutputStream } from './managed-process';

interface Writable {
  write(chunk: string): unknown;
}

/**
 * An `onLine` that writes each line after the child's name, padded to `width` so several
 * children line up (`gateway-2  | …`); stderr lines go to `err`.
 */
export function prefixedOutput(
  name: string,
  {
    width = name.length,
    paint = (s: string) => s,
    out = process.stdout,
    err = process.stderr,
  }: { width?: number; paint?: (prefix: string) => string; out?: Writable; err?: Writable } = {},
): (line: string, stream: OutputStream) => void {
  const prefix = paint(`${name.padEnd(width)} |`);
  return (line, stream) => {
    (stream === 'stderr' ? err : out).write(`${prefix} ${line}\n`);
  };
}
