import { describe, expect, it } from 'bun:test';
import { httpLink } from '../src/lib/links.ts';
import { isConversationId } from '../src/lib/server/conversation-id.ts';

describe('links to visitor-chosen URLs', () => {
  it('links http and https URLs', () => {
    expect(httpLink('https://shop.example/products/lamp')).toBe('https://shop.example/products/lamp');
    expect(httpLink('http://localhost:8080/')).toBe('http://localhost:8080/');
  });

  it('refuses every other scheme, however it is written', () => {
    for (const value of ['javascript:alert(1)', ' JavaScript:alert(1)', '\tjava\nscript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'file:///etc/passwd', '//evil.example', '/relative', 'not a url', '', null, undefined]) {
      expect(httpLink(value)).toBeNull();
    }
  });
});

describe('conversation ids', () => {
  it('accepts the ids the server makes: UUIDs (SQLite) and Convex document ids', () => {
    expect(isConversationId('a545419e-2981-4863-93ca-406d5184824a')).toBe(true);
    expect(isConversationId('jd7f2k9q8x1m4n6p3r5t7v9w2y4z6a8c')).toBe(true);
  });

  it('refuses anything that could change an admin API path', () => {
    for (const id of ['../export?format=csv', '..', 'a/b', 'a?b', 'a#b', 'a%2Fb', 'a b', '', 'x'.repeat(129)]) expect(isConversationId(id)).toBe(false);
  });
});
