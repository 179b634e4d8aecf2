/**
 * Retries an assertion until it passes or the time runs out; use it instead of sleeps.
 * @example await expectEventually(async () => expect(await count()).toBe(3));
 */
export async function expectEventually<T>(
  assertion: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await assertion();
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw lastError;
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
