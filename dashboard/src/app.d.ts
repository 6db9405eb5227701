import type { DashboardDeps } from '#lib/server/deps.ts';
import type { SessionPayload } from '#lib/server/session.ts';

declare global {
  namespace App {
    interface Locals {
      deps: DashboardDeps;
      session: SessionPayload | null;
    }
    interface Error {
      message: string;
      code?: string;
    }
  }
}

export {};
