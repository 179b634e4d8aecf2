/** The fan-out designs the benchmark compares (see gateway.ts for what each one does). */
export type Design = 'classic' | 'sharded' | 'kafka';
export const DESIGNS: Design[] = ['classic', 'sharded', 'kafka'];

export const DESIGN_LABELS: Record<Design, string> = {
  classic: '(a) classic Redis adapter',
  sharded: '(b) sharded Redis adapter (SPUBLISH)',
  kafka: '(c) every gateway reads every partition',
};

/** The shared infrastructure a design's messages pass through (its CPU is server CPU). */
export const DESIGN_INFRA: Record<Design, Array<'redis' | 'kafka'>> = {
  classic: ['redis'],
  sharded: ['redis'],
  kafka: ['kafka'],
};
