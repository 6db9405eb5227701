/** The visitor's sessionId: one per API, kept in localStorage, or in memory where storage is refused. */

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface SessionStore {
  /** The current sessionId (created on first use). */
  get(): string;
  /** Starts a new conversation: a fresh sessionId replaces the stored one. */
  renew(): string;
}

const SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Namespaced by API URL so two widgets for two backends on one page keep separate conversations. */
export const sessionKey = (apiUrl: string): string => `open-chat-widget:session:${apiUrl}`;

/**
 * crypto.randomUUID exists only in secure contexts; on a plain-http host page the id is 128 random bits in hex,
 * which the API's sessionId pattern accepts just as well.
 */
export function newSessionId(crypto: Pick<Crypto, 'getRandomValues'> & { randomUUID?: () => string }): string {
  return crypto.randomUUID?.() ?? [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * `openStorage` may itself throw (Safari private mode, sandboxed iframes, blocked cookies): every access is
 * guarded and the id then lives in memory for the life of the page.
 */
export function createSessionStore(openStorage: () => KeyValueStorage, key: string, createId: () => string): SessionStore {
  let memory: string | null = null;

  const read = (): string | null => {
    try {
      return openStorage().getItem(key);
    } catch {
      return null;
    }
  };
  const write = (id: string) => {
    memory = id;
    try {
      openStorage().setItem(key, id);
    } catch {
      // memory keeps it
    }
  };

  return {
    get() {
      const stored = read();
      if (stored && SESSION_ID.test(stored)) return stored;
      if (memory) return memory;
      const id = createId();
      write(id);
      return id;
    },
    renew() {
      const id = createId();
      write(id);
      return id;
    },
  };
}
