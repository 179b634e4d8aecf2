import { api, describeError } from './api';
import { $, h, say } from './dom';

export interface Session {
  accessToken: string;
  refreshToken?: string;
  /** ms epoch */
  expiresAt: number;
  userId: string;
  nickname: string;
  role: 'guest' | 'user' | 'admin';
  username?: string;
}

const KEY = 'danmaku.session';

/**
 * Who is using the page. Kept in sessionStorage: per tab, gone with it, never in a cookie
 * (the APIs take Bearer tokens, see the CORS notes in docs/protocol/README.md).
 */
export class Auth {
  private session: Session | null = null;
  private readonly listeners = new Set<(s: Session | null) => void>();

  constructor(private readonly authUrl: string) {
    try {
      this.session = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    } catch {
      this.session = null;
    }
  }

  get current(): Session | null {
    return this.session;
  }

  onChange(fn: (s: Session | null) => void): void {
    this.listeners.add(fn);
  }

  async login(username: string, password: string): Promise<Session> {
    const t = await api<{ accessToken: string; refreshToken: string; expiresIn: number }>(
      this.authUrl,
      'POST',
      '/v1/auth/login',
      { body: { username, password } },
    );
    return this.adopt(t.accessToken, t.refreshToken, t.expiresIn, username);
  }

  async register(username: string, password: string): Promise<Session> {
    await api(this.authUrl, 'POST', '/v1/auth/register', { body: { username, password } });
    return this.login(username, password);
  }

  async guest(nickname?: string): Promise<Session> {
    const t = await api<{ accessToken: string; expiresIn: number }>(this.authUrl, 'POST', '/v1/auth/guest', {
      body: nickname ? { nickname } : {},
    });
    return this.adopt(t.accessToken, undefined, t.expiresIn);
  }

  async logout(): Promise<void> {
    const s = this.session;
    this.set(null);
    if (s && s.role !== 'guest')
      await api(this.authUrl, 'POST', '/v1/auth/logout', { token: s.accessToken }).catch(() => undefined);
  }

  /** A valid access token, refreshed shortly before it expires (the SDK calls this on reconnect). */
  async token(): Promise<string> {
    const s = this.session;
    if (!s) throw new Error('not signed in');
    if (s.refreshToken && s.expiresAt - Date.now() < 60_000) {
      try {
        const t = await api<{ accessToken: string; refreshToken: string; expiresIn: number }>(
          this.authUrl,
          'POST',
          '/v1/auth/refresh',
          { body: { refreshToken: s.refreshToken } },
        );
        await this.adopt(t.accessToken, t.refreshToken, t.expiresIn, s.username);
      } catch {
        // Spent or revoked: the old token fails with UNAUTHORIZED and the page asks to sign in.
      }
    }
    return this.session?.accessToken ?? s.accessToken;
  }

  private async adopt(
    accessToken: string,
    refreshToken: string | undefined,
    expiresIn: number,
    username?: string,
  ) {
    const me = await api<{ userId: string; nickname: string; role: Session['role'] }>(
      this.authUrl,
      'GET',
      '/v1/auth/me',
      {
        token: accessToken,
      },
    );
    const session: Session = {
      accessToken,
      refreshToken,
      // expiresIn is in seconds (OAuth style)
      expiresAt: Date.now() + expiresIn * 1000,
      userId: me.userId,
      nickname: me.nickname,
      role: me.role,
      username,
    };
    this.set(session);
    return session;
  }

  private set(s: Session | null): void {
    this.session = s;
    if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
    else sessionStorage.removeItem(KEY);
    for (const fn of this.listeners) fn(s);
  }
}

/**
 * The sign-in box: username/password (log in or register) or "watch as guest"; once signed in,
 * who you are and a sign-out button.
 */
export function mountAuthBox(root: HTMLElement, auth: Auth, opts: { allowGuest: boolean }): void {
  const render = () => {
    root.replaceChildren();
    const s = auth.current;
    if (s) {
      root.append(
        h(
          'p',
          { className: 'whoami' },
          'Signed in as ',
          h('strong', { id: 'whoami-name' }, s.nickname),
          ` (${s.role})`,
        ),
        h('button', { type: 'button', id: 'logout', onclick: () => void auth.logout() }, 'Sign out'),
      );
      return;
    }
    const status = h('p', { id: 'auth-status', role: 'alert', className: 'status' });
    const user = h('input', {
      id: 'auth-username',
      name: 'username',
      autocomplete: 'username',
      required: true,
      minLength: 3,
      maxLength: 32,
    });
    const pass = h('input', {
      id: 'auth-password',
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
      minLength: 8,
    });
    const act = (fn: () => Promise<unknown>) => async () => {
      say(status, 'Working…');
      try {
        await fn();
      } catch (e) {
        say(status, describeError(e), 'error');
      }
    };
    const form = h(
      'form',
      { className: 'auth-form', 'aria-label': 'Sign in' },
      h('label', { htmlFor: 'auth-username' }, 'Username'),
      user,
      h('label', { htmlFor: 'auth-password' }, 'Password'),
      pass,
      h('button', { type: 'submit', id: 'login' }, 'Log in'),
      h(
        'button',
        { type: 'button', id: 'register', onclick: act(() => auth.register(user.value, pass.value)) },
        'Register',
      ),
      opts.allowGuest
        ? h('button', { type: 'button', id: 'guest', onclick: act(() => auth.guest()) }, 'Watch as guest')
        : null,
      status,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void act(() => auth.login(user.value, pass.value))();
    });
    root.append(form);
  };
  auth.onChange(render);
  render();
}

export { $ };
