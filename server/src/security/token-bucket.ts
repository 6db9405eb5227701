/**
 * Token-bucket rate limiting, pure logic over an injected clock. A bucket holds up to `capacity` requests and
 * refills `capacity` per minute. Memory is bounded: past `maxKeys`, the least recently used buckets (a tenth of them) are dropped
 * (a dropped bucket is a full one, so the worst case is a client getting its burst back, never a victim's).
 */
import { evictOldest } from './bounded-map.ts';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until one request is allowed again (0 when allowed). */
  retryAfterSeconds: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    readonly capacity: number,
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = capacity / 60_000;
  }

  get size(): number {
    return this.buckets.size;
  }

  take(key: string, cost = 1): RateDecision {
    const now = this.now();
    const existing = this.buckets.get(key);
    let tokens = this.capacity;
    if (existing) {
      tokens = Math.min(this.capacity, existing.tokens + (now - existing.updatedAt) * this.refillPerMs);
      this.buckets.delete(key); // re-inserted below: Map order doubles as least-recently-used order
    }
    const allowed = tokens >= cost;
    if (allowed) tokens -= cost;
    this.buckets.set(key, { tokens, updatedAt: now });
    evictOldest(this.buckets, this.maxKeys);
    return {
      allowed,
      limit: this.capacity,
      remaining: Math.floor(tokens),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((cost - tokens) / this.refillPerMs / 1000)),
      resetSeconds: Math.ceil((this.capacity - tokens) / this.refillPerMs / 1000),
    };
  }
}
