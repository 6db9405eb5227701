import rateLimiter from '@convex-dev/rate-limiter/convex.config';
import { defineApp } from 'convex/server';

/** The components this deployment uses: the maintained rate limiter holds the chat rate limits and daily budgets. */
const app = defineApp();
app.use(rateLimiter);

export default app;
