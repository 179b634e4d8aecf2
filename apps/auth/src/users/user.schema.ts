import { z } from 'zod';
import type { UserAccount } from '@danmaku/contracts';

/** Account roles (a guest has no account). */
export const accountRoleSchema = z.enum(['user', 'admin']);
export type AccountRole = z.infer<typeof accountRoleSchema>;

/** An account as stored (Redis HASH `auth:user:<userId>`, private to auth). */
export const storedUserSchema = z.object({
  userId: z.string().min(1),
  username: z.string().min(1),
  nickname: z.string().min(1),
  role: accountRoleSchema,
  passwordHash: z.string().min(1),
  createdAt: z.coerce.number().int(),
});
export type StoredUser = z.infer<typeof storedUserSchema>;

/** What the API shows of an account. */
export function toUserAccount(u: StoredUser): UserAccount {
  return { userId: u.userId, username: u.username, nickname: u.nickname, role: u.role };
}
