/**
 * Entry of the embeddable bundle: reads its own <script> tag, mounts the app in a shadow root once the page is
 * parsed, and exposes `window.OpenChatWidget`.
 */
import { mount, unmount } from 'svelte';
import App from './components/App.svelte';
import { parseConfig, textColorOn, type WidgetConfig } from './lib/config.ts';
import { createChatApi } from './lib/api.ts';
import { createChatController } from './lib/controller.ts';
import { createEmitter, type WidgetEventName, type WidgetListener } from './lib/events.ts';
import { pageUrlOf } from './lib/page-url.ts';
import { createSessionStore, newSessionId, sessionKey } from './lib/session.ts';
import { pickLanguage } from './i18n/index.ts';
import { createChatState } from './state.svelte.ts';

const DEFAULT_ACCENT = '#4f46e5';

export interface OpenChatWidgetApi {
  open(): void;
  close(): void;
  toggle(): void;
  send(text: string): void;
  newConversation(): void;
  on(event: WidgetEventName, listener: WidgetListener): () => void;
  destroy(): void;
}

declare global {
  interface Window {
    OpenChatWidget?: OpenChatWidgetApi;
  }
}

function start(config: WidgetConfig): OpenChatWidgetApi {
  const events = createEmitter(reportError);
  const state = createChatState(config.open);
  const session = createSessionStore(() => window.localStorage, sessionKey(config.apiUrl), () => newSessionId(crypto));
  const api = createChatApi({ apiUrl: config.apiUrl, apiKey: config.apiKey, fetch: (url, init) => fetch(url, init), isOnline: () => navigator.onLine });
  const controller = createChatController({ state, api, session, events, pageUrl: () => pageUrlOf(location) });
  const accent = config.accentColor ?? DEFAULT_ACCENT;

  // A custom element name: host rules aimed at div/section never match it.
  const host = document.createElement('open-chat-widget');
  const shadow = host.attachShadow({ mode: 'open' });
  // Inner important declarations beat outer important ones, so even `* { all: unset !important }` loses here.
  const hostStyle = document.createElement('style');
  // Custom properties still inherit through `all: initial`, which is how the accent reaches the shadow tree.
  hostStyle.textContent = `:host{all:initial!important;display:contents!important;--accent:${accent}!important;--on-accent:${textColorOn(accent)}!important}`;
  shadow.append(hostStyle);

  // The state lives outside the components, so API calls made before the page finished parsing simply
  // change it and the app renders whatever it finds when it mounts.
  let app: Record<string, unknown> | null = null;

  const mountApp = () => {
    document.body.append(host);
    const language = pickLanguage(config.lang, document.documentElement.lang);
    app = mount(App, { target: shadow, props: { chat: state, controller, config, language } });
    void controller.restore();
    events.emit('ready');
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountApp, { once: true });
  else mountApp();

  return {
    open: () => controller.setOpen(true),
    close: () => controller.setOpen(false),
    toggle: () => controller.setOpen(!state.open),
    send(text) {
      controller.setOpen(true);
      void controller.send(String(text));
    },
    newConversation: controller.newConversation,
    on: events.on,
    destroy() {
      document.removeEventListener('DOMContentLoaded', mountApp);
      controller.stop();
      if (app) void unmount(app);
      app = null;
      host.remove();
      events.clear();
      delete window.OpenChatWidget;
    },
  };
}

// document.currentScript is only set while this file's top level runs, so it is read right here.
const script = document.currentScript as HTMLScriptElement | null;
const result = parseConfig(script ? { ...script.dataset } : null);
result.warnings.forEach((warning) => console.warn(warning));
if (!result.ok) console.error(result.error);
else if (window.OpenChatWidget) console.warn('Open Chat Widget: already loaded on this page; the second script tag was ignored.');
else window.OpenChatWidget = start(result.config);
