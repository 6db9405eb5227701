/** The route table the pre-routing checks use: it must name the route Elysia will pick, and nothing else. */
import { describe, expect, it } from 'bun:test';
import { routeTable } from '../src/http/route-table.ts';

const routeOf = routeTable(() => [
  { method: 'POST', path: '/chat' },
  { method: 'POST', path: '/v1/chat' },
  { method: 'POST', path: '/v1/chat/history' },
  { method: 'GET', path: '/v1/admin/conversations' },
  { method: 'GET', path: '/v1/admin/conversations/:id' },
  { method: 'DELETE', path: '/v1/admin/conversations/:id' },
  { method: 'GET', path: '/widget/*' },
  { method: 'OPTIONS', path: '/*' },
]);

describe('routeTable', () => {
  it('finds static and parameter routes by method, with or without a trailing slash', () => {
    expect(routeOf('POST', '/chat')).toBe('/chat');
    expect(routeOf('POST', '/chat/')).toBe('/chat');
    expect(routeOf('POST', '/v1/chat/history')).toBe('/v1/chat/history');
    expect(routeOf('GET', '/v1/admin/conversations/abc-123')).toBe('/v1/admin/conversations/:id');
    expect(routeOf('DELETE', '/v1/admin/conversations/abc-123/')).toBe('/v1/admin/conversations/:id');
    expect(routeOf('HEAD', '/v1/admin/conversations')).toBe('/v1/admin/conversations');
    expect(routeOf('GET', '/widget/chat-widget.js')).toBe('/widget/*');
    expect(routeOf('OPTIONS', '/v1/chat')).toBe('/*');
  });

  it('names no route for other methods, longer paths or look-alikes', () => {
    expect(routeOf('GET', '/v1/chat')).toBeNull();
    expect(routeOf('PUT', '/v1/admin/conversations/abc')).toBeNull();
    expect(routeOf('GET', '/v1/admin/conversations/abc/export')).toBeNull();
    expect(routeOf('POST', '/chatty')).toBeNull();
    expect(routeOf('POST', '/v1/chat/history/x')).toBeNull();
    expect(routeOf('GET', '/v1/admin/conversationsX')).toBeNull();
  });
});
