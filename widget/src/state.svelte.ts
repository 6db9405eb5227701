/** The one reactive object the widget renders from; the controller mutates it like a plain object. */
import { initialState, type ChatState } from './lib/controller.ts';

export function createChatState(open: boolean): ChatState {
  const state = $state(initialState(open));
  return state;
}
