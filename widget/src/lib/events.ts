/** The public event bus behind `OpenChatWidget.on(event, fn)`. */

export type WidgetEventName = 'ready' | 'open' | 'close' | 'message' | 'error';
export type WidgetListener = (detail?: unknown) => void;

export interface Emitter {
  on(event: WidgetEventName, listener: WidgetListener): () => void;
  emit(event: WidgetEventName, detail?: unknown): void;
  clear(): void;
}

/** `report` is `reportError` in the browser: a throwing listener shows in the console like any uncaught error. */
export function createEmitter(report: (error: unknown) => void): Emitter {
  const listeners = new Map<WidgetEventName, Set<WidgetListener>>();
  return {
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set.add(listener));
      return () => void set.delete(listener);
    },
    emit(event, detail) {
      for (const listener of [...(listeners.get(event) ?? [])]) {
        // A host page's broken listener must not break the chat.
        try {
          listener(detail);
        } catch (error) {
          report(error);
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}
